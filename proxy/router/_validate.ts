/**
 * Request validation done by the router before any backend sees a call
 * (CONTRACT §2: INVALID_ARGUMENT cases). Internal to the router.
 *
 * @module
 */
import { SERVICE_PATHS } from "../../proto/definitions.ts";
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
}

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
    nonNegative: ["ttl_seconds"],
  },
  [`${KV}Get`]: { keys: ["key"] },
  [`${KV}Delete`]: { keys: ["key"] },
  [`${KV}Exists`]: { keys: ["key"] },
  [`${SCAN}Scan`]: { prefixes: ["prefix"] },
  [`${SCAN}ScanKeys`]: { prefixes: ["prefix"] },
  [`${SCAN}Count`]: { prefixes: ["prefix"] },
  [`${TTL}Expire`]: { keys: ["key"], nonNegative: ["ttl_seconds"] },
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

/** UTF-8 length of `s`, computed without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // surrogate pair: 4 bytes for 2 UTF-16 units
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

function keyTooLong(s: string, max: number): number | undefined {
  // Fast path: even at 3 bytes per UTF-16 unit the key fits.
  if (s.length * 3 <= max) return undefined;
  const bytes = utf8Length(s);
  return bytes > max ? bytes : undefined;
}

/** A validator: returns the INVALID_ARGUMENT message, or undefined when the request is valid. */
export type Validator = (request: Record<string, unknown>) => string | undefined;

/**
 * Builds the validator for one method path under `limits` (undefined when the
 * method has nothing to check).
 */
export function validatorFor(path: string, limits: Limits): Validator | undefined {
  const rule = RULES[path];
  if (rule === undefined) return undefined;
  const method = path.slice(path.lastIndexOf("/") + 1);
  const maxKey = limits.max_key_bytes;
  const maxValue = limits.max_value_bytes;
  const { keys = [], prefixes = [], values = [], nonNegative = [] } = rule;
  return (req) => {
    for (const f of keys) {
      const s = req[f] as string;
      if (s === "") return `Cannot ${method} as '${f}' is empty`;
      const len = keyTooLong(s, maxKey);
      if (len !== undefined) {
        return `Cannot ${method} as '${f}' is ${len} bytes, over limits.max_key_bytes (${maxKey})`;
      }
    }
    for (const f of prefixes) {
      const len = keyTooLong(req[f] as string, maxKey);
      if (len !== undefined) {
        return `Cannot ${method} as '${f}' is ${len} bytes, over limits.max_key_bytes (${maxKey})`;
      }
    }
    for (const f of values) {
      const len = (req[f] as Uint8Array).length;
      if (len > maxValue) {
        return `Cannot ${method} as '${f}' is ${len} bytes, over limits.max_value_bytes (${maxValue})`;
      }
    }
    for (const f of nonNegative) {
      const v = req[f] as number | undefined;
      if (v !== undefined && v < 0) {
        return `Cannot ${method} as '${f}' must not be negative: current value is ${v}`;
      }
    }
    return undefined;
  };
}
