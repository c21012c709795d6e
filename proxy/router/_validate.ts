/**
 * Request validation done by the router before any backend sees a call
 * (CONTRACT §2: INVALID_ARGUMENT cases), on the request's bytes as they
 * came: the router reads the namespace and checks keys, values and
 * integers without decoding the message, so a plugin's request is
 * forwarded as sent and every backend sees the same checks. Internal to
 * the router.
 *
 * @module
 */
import { requestFields, SERVICE_PATHS } from "../../proto/definitions.ts";
import { status, StatusError } from "../../proto/status.ts";
import {
  forEachField,
  isUtf8,
  readString,
  readVarint,
  readVarintBig,
  WIRE,
  WireError,
} from "../../proto/wire.ts";
import type { Limits } from "../config/config.ts";

interface Rule {
  /** String fields that must be non-empty and at most `max_key_bytes` bytes. */
  keys?: string[];
  /** String fields that may be empty but at most `max_key_bytes` bytes (prefixes). */
  prefixes?: string[];
  /** Bytes fields of at most `max_value_bytes` bytes. */
  values?: string[];
  /** Integer fields that must not be negative. */
  nonNegative?: string[];
  /** TTLs in seconds: not negative, at most {@linkcode MAX_TTL_SECONDS}. */
  ttls?: string[];
}

/**
 * The largest TTL a key may get, in seconds: its expiry in milliseconds
 * stays an exact JS number (2^53) and within what Redis accepts, so every
 * backend keeps it as given (a larger one is INVALID_ARGUMENT everywhere,
 * instead of OK on one backend and a Redis error on another).
 */
export const MAX_TTL_SECONDS = Math.floor(2 ** 53 / 1000);

const {
  keyvalueBasic: KV,
  keyvalueScan: SCAN,
  keyvalueTtl: TTL,
  list: LIST,
  pubsub: PUBSUB,
  stream: STREAM,
} = SERVICE_PATHS;

const RULES: Record<string, Rule> = {
  [`${KV}Set`]: {
    keys: ["key"],
    values: ["value"],
    ttls: ["ttl_seconds"],
  },
  [`${KV}Get`]: { keys: ["key"] },
  [`${KV}Delete`]: { keys: ["key"] },
  [`${KV}Exists`]: { keys: ["key"] },
  [`${SCAN}Scan`]: { prefixes: ["prefix"] },
  [`${SCAN}ScanKeys`]: { prefixes: ["prefix"] },
  [`${SCAN}Count`]: { prefixes: ["prefix"] },
  [`${TTL}Expire`]: { keys: ["key"], ttls: ["ttl_seconds"] },
  [`${TTL}GetTTL`]: { keys: ["key"] },
  [`${TTL}Persist`]: { keys: ["key"] },
  [`${LIST}PushLeft`]: { keys: ["list_key"], values: ["value"] },
  [`${LIST}PushRight`]: { keys: ["list_key"], values: ["value"] },
  [`${LIST}PopLeft`]: { keys: ["list_key"] },
  [`${LIST}PopRight`]: { keys: ["list_key"] },
  [`${LIST}Length`]: { keys: ["list_key"] },
  [`${PUBSUB}Publish`]: { keys: ["topic"], values: ["payload"] },
  [`${PUBSUB}Subscribe`]: { keys: ["topic"] },
  [`${PUBSUB}Unsubscribe`]: { keys: ["topic", "subscriber_id"] },
  [`${STREAM}Append`]: { keys: ["stream"], values: ["payload"] },
  [`${STREAM}Read`]: { keys: ["stream"], nonNegative: ["from_offset"] },
  [`${STREAM}Trim`]: { keys: ["stream"], nonNegative: ["before_offset"] },
};

/**
 * A request that fails its checks; `namespace` is the request's, so that
 * the router can report an unknown namespace first.
 */
export class InvalidRequest extends StatusError {
  readonly namespace: string;
  constructor(code: number, message: string, namespace: string) {
    super(code, message);
    this.namespace = namespace;
  }
}

/** What a rule checks of one field. */
const enum Check {
  /** A string checked only for UTF-8 (the namespace, others). */
  Text,
  Key,
  Prefix,
  Value,
  NonNegative,
  Ttl,
}

interface FieldRule {
  name: string;
  check: Check;
  wireType: number;
}

/**
 * Reads a request's namespace and checks it against its method's rules;
 * throws a {@linkcode StatusError} — INVALID_ARGUMENT naming the field, or
 * INTERNAL when the bytes are not a message of the method's type.
 */
export type Validator = (request: Uint8Array) => string;

/**
 * The validator of `path`'s requests.
 *
 * @example
 * ```ts
 * import { validatorFor } from "./_validate.ts";
 * const get = validatorFor("/prism.interfaces.keyvalue.KeyValueBasicInterface/Get", {
 *   max_key_bytes: 8,
 *   max_value_bytes: 8,
 * });
 * // namespace "ns", key "k"
 * console.log(get(new Uint8Array([0x0a, 2, 0x6e, 0x73, 0x12, 1, 0x6b]))); // "ns"
 * ```
 */
export function validatorFor(path: string, limits: Limits): Validator {
  const rule = RULES[path] ?? {};
  const method = path.slice(path.lastIndexOf("/") + 1);
  const maxKey = limits.max_key_bytes;
  const maxValue = limits.max_value_bytes;
  const fields = requestFields(path);
  const byNumber = new Map<number, FieldRule>();
  const checkOf = (name: string): Check =>
    rule.keys?.includes(name)
      ? Check.Key
      : rule.prefixes?.includes(name)
      ? Check.Prefix
      : rule.values?.includes(name)
      ? Check.Value
      : rule.nonNegative?.includes(name)
      ? Check.NonNegative
      : rule.ttls?.includes(name)
      ? Check.Ttl
      : Check.Text;
  for (const [name, info] of Object.entries(fields)) {
    if (info.repeated || info.map) continue;
    const check = checkOf(name);
    if (info.type === "string" || check !== Check.Text) {
      byNumber.set(info.id, {
        name,
        check,
        wireType: info.type === "string" || info.type === "bytes" ? WIRE.LEN : WIRE.VARINT,
      });
    }
  }
  // In field-number order: the namespace (field 1) is read before any check fails.
  const ids = [...byNumber.keys()].sort((a, b) => a - b);
  // Where each field's last occurrence is (the validator runs synchronously: shared).
  const start = new Int32Array(Math.max(0, ...ids) + 1);
  const end = new Int32Array(start.length);
  let namespace = "";
  const bad = (why: string) =>
    new InvalidRequest(status.INVALID_ARGUMENT, `Cannot ${method} as ${why}`, namespace);

  return (bytes) => {
    // The last occurrence of a field wins (protobuf's rule): collect, then check.
    for (const id of ids) start[id] = -1;
    try {
      forEachField(bytes, (f) => {
        const r = f.number < start.length ? byNumber.get(f.number) : undefined;
        if (r === undefined) return;
        if (f.type !== r.wireType) {
          throw new WireError(`field '${r.name}' (${f.number}) has wire type ${f.type}`);
        }
        start[f.number] = f.start;
        end[f.number] = f.end;
      });
    } catch (err) {
      throw new InvalidRequest(
        status.INTERNAL,
        `Cannot ${method} as the request is not a valid message: ${(err as Error).message}`,
        "",
      );
    }
    namespace = "";
    for (const id of ids) {
      const r = byNumber.get(id)!;
      const s = start[id];
      const e = end[id];
      switch (r.check) {
        case Check.Text:
          if (s >= 0) {
            if (id === 1) {
              const text = readString(bytes, s, e);
              if (text === undefined) throw bad(`'${r.name}' is not valid UTF-8`);
              namespace = text;
            } else if (!isUtf8(bytes, s, e)) throw bad(`'${r.name}' is not valid UTF-8`);
          }
          break;
        case Check.Key:
        case Check.Prefix: {
          const len = s < 0 ? 0 : e - s;
          if (len === 0) {
            if (r.check === Check.Key) throw bad(`'${r.name}' is empty`);
            break;
          }
          if (len > maxKey) {
            throw bad(`'${r.name}' is ${len} bytes, over limits.max_key_bytes (${maxKey})`);
          }
          if (!isUtf8(bytes, s, e)) throw bad(`'${r.name}' is not valid UTF-8`);
          break;
        }
        case Check.Value:
          if (s >= 0 && e - s > maxValue) {
            throw bad(`'${r.name}' is ${e - s} bytes, over limits.max_value_bytes (${maxValue})`);
          }
          break;
        case Check.NonNegative:
          if (s >= 0 && e - s >= 10) {
            throw bad(
              `'${r.name}' must not be negative: current value is ${readVarint(bytes, s, e)}`,
            );
          }
          break;
        case Check.Ttl:
          // Values under 2^42 take at most 6 bytes: no need to read them.
          if (s >= 0 && e - s >= 7) {
            const big = readVarintBig(bytes, s, e);
            if (big < 0n) throw bad(`'${r.name}' must not be negative: current value is ${big}`);
            if (big > BigInt(MAX_TTL_SECONDS)) {
              throw bad(`'${r.name}' is ${big}, over the largest TTL (${MAX_TTL_SECONDS} s)`);
            }
          }
          break;
      }
    }
    return namespace;
  };
}
