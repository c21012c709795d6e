/**
 * The memstore backend: serves keyvalue basic/scan/ttl and list from the
 * in-process AssemblyScript/WebAssembly store (`proxy/wasm_host/`).
 *
 * Handlers answer synchronously (the store is in-process), except scans,
 * which stream with backpressure: the keys are taken in one synchronous pass
 * (each live key exactly once), each value is read as it is sent — so a
 * client that stops reading a large Scan holds no copy of the data.
 *
 * @module
 */
import type { ServerWriter } from "../../proto/transport/grpc_server.ts";
import { SERVICE_NAMES, SERVICE_PATHS, type ServiceName } from "../../proto/definitions.ts";
import type { SetRequest__Output } from "../../proto/gen/prism/interfaces/keyvalue/SetRequest.ts";
import type { ExpireRequest__Output } from "../../proto/gen/prism/interfaces/keyvalue/ExpireRequest.ts";
import type { ScanRequest__Output } from "../../proto/gen/prism/interfaces/keyvalue/ScanRequest.ts";
import type { PushLeftRequest__Output } from "../../proto/gen/prism/interfaces/list/PushLeftRequest.ts";
import type { Limits } from "../config/config.ts";
import type { Logger } from "../../proto/log/logger.ts";
import { status, StatusError } from "../../proto/status.ts";
import { MemStore, MemStoreError } from "../wasm_host/memstore.ts";
import type { Backend, BackendHealth, StreamHandler, UnaryHandler } from "./backend.ts";

const { keyvalueBasic: KV, keyvalueScan: SCAN, keyvalueTtl: TTL, list: LIST } = SERVICE_PATHS;

const EMPTY = new Uint8Array(0);
const SET_OK = Object.freeze({ success: true });
const NOT_FOUND = Object.freeze({ value: EMPTY, found: false });

type KeyRequest = { key: string };
type ListRequest = { list_key: string };

/** Maps store errors to the contract's statuses. */
function mapError(err: unknown): unknown {
  if (!(err instanceof MemStoreError)) return err;
  switch (err.code) {
    case "RESOURCE_EXHAUSTED":
      return new StatusError(
        status.RESOURCE_EXHAUSTED,
        `memstore memory cap reached: ${err.message} (raise max_memory_mb or delete keys; stored data is intact)`,
        { cause: err },
      );
    case "WRONG_TYPE":
      return new StatusError(status.FAILED_PRECONDITION, err.message, { cause: err });
    default:
      return new StatusError(status.INTERNAL, `memstore internal error: ${err.message}`, {
        cause: err,
      });
  }
}

/**
 * Logs once when a namespace reaches its memory cap (a write is refused)
 * and once when it has room again (a write succeeds), not once per call.
 */
class CapWatch {
  #full = false;
  readonly #log: Logger;
  readonly #store: () => MemStore;
  constructor(log: Logger, store: () => MemStore) {
    this.#log = log;
    this.#store = store;
  }
  refused(): void {
    if (this.#full) return;
    this.#full = true;
    const st = this.#store().stats();
    this.#log.warn(
      "memory cap reached: writes are refused with RESOURCE_EXHAUSTED until keys are deleted or expire",
      {
        used_bytes: st.usedBytes,
        limit_bytes: st.capacityBytes,
        keys: st.keys,
      },
    );
  }
  wrote(): void {
    if (!this.#full) return;
    this.#full = false;
    const st = this.#store().stats();
    this.#log.info("memory cap: writes succeed again", {
      used_bytes: st.usedBytes,
      limit_bytes: st.capacityBytes,
      keys: st.keys,
    });
  }
}

function guard<T>(fn: (req: T) => unknown, cap?: CapWatch): UnaryHandler {
  if (cap === undefined) {
    return (req) => {
      try {
        return fn(req as T);
      } catch (err) {
        throw mapError(err);
      }
    };
  }
  // A write: it may be refused for the cap, or succeed after refusals.
  return (req) => {
    let out: unknown;
    try {
      out = fn(req as T);
    } catch (err) {
      if (err instanceof MemStoreError && err.code === "RESOURCE_EXHAUSTED") cap.refused();
      throw mapError(err);
    }
    cap.wrote();
    return out;
  };
}

/**
 * Writes one message per key to a server stream, waiting whenever the stream
 * is full; `message` makes each one when it is sent (undefined skips a key
 * that has gone since).
 */
async function writeAll(
  call: ServerWriter<unknown>,
  keys: readonly string[],
  message: (key: string) => unknown,
): Promise<void> {
  for (const key of keys) {
    if (call.cancelled) return;
    const m = message(key);
    if (m !== undefined && !call.write(m)) await call.drain();
  }
}

/** Settings of a memstore namespace (its `config` block plus the proxy's limits). */
export interface MemStoreBackendOptions {
  namespace: string;
  maxMemoryMb: number;
  limits: Limits;
  log: Logger;
  /** Milliseconds since the epoch; tests drive time through it. */
  clock?: () => number;
}

/**
 * A memstore-backed namespace.
 *
 * @example
 * ```ts ignore
 * import { MemStoreBackend } from "./memstore.ts";
 * const backend = await MemStoreBackend.create({ namespace: "default", maxMemoryMb: 64, limits, log });
 * ```
 */
export class MemStoreBackend implements Backend {
  readonly kind = "memstore" as const;
  readonly wire = false;
  readonly namespace: string;
  readonly services: ReadonlySet<ServiceName> = new Set([
    SERVICE_NAMES.keyvalueBasic,
    SERVICE_NAMES.keyvalueScan,
    SERVICE_NAMES.keyvalueTtl,
    SERVICE_NAMES.list,
  ]);
  readonly unary: Readonly<Record<string, UnaryHandler>>;
  readonly streams: Readonly<Record<string, StreamHandler>>;
  readonly store: MemStore;
  #closed = false;

  private constructor(namespace: string, store: MemStore, log: Logger) {
    this.namespace = namespace;
    this.store = store;
    const s = store;
    const cap = new CapWatch(log, () => store);
    this.unary = {
      [`${KV}Set`]: guard((r: SetRequest__Output) => {
        s.set(r.key, r.value, r.ttl_seconds ?? 0);
        return SET_OK;
      }, cap),
      [`${KV}Get`]: guard((r: KeyRequest) => {
        const value = s.get(r.key);
        return value === undefined ? NOT_FOUND : { value, found: true };
      }),
      [`${KV}Delete`]: guard((r: KeyRequest) => ({ found: s.delete(r.key) })),
      [`${KV}Exists`]: guard((r: KeyRequest) => ({ exists: s.exists(r.key) })),
      [`${SCAN}Count`]: guard((r: { prefix: string }) => ({ count: s.count(r.prefix) })),
      [`${TTL}Expire`]: guard((r: ExpireRequest__Output) => ({
        key_existed: s.expire(r.key, r.ttl_seconds),
      }), cap),
      [`${TTL}GetTTL`]: guard((r: KeyRequest) => ({ ttl_seconds: s.getTTL(r.key) })),
      [`${TTL}Persist`]: guard((r: KeyRequest) => ({ expiration_removed: s.persist(r.key) })),
      [`${LIST}PushLeft`]: guard((r: PushLeftRequest__Output) => ({
        new_length: s.pushLeft(r.list_key, r.value),
      }), cap),
      [`${LIST}PushRight`]: guard((r: PushLeftRequest__Output) => ({
        new_length: s.pushRight(r.list_key, r.value),
      }), cap),
      [`${LIST}PopLeft`]: guard((r: ListRequest) => {
        const value = s.popLeft(r.list_key);
        return value === undefined ? NOT_FOUND : { value, found: true };
      }),
      [`${LIST}PopRight`]: guard((r: ListRequest) => {
        const value = s.popRight(r.list_key);
        return value === undefined ? NOT_FOUND : { value, found: true };
      }),
      [`${LIST}Length`]: guard((r: ListRequest) => ({ length: s.length(r.list_key) })),
    };
    const scan = (withValues: boolean): StreamHandler => (req, call) => {
      const r = req as ScanRequest__Output;
      let keys: string[];
      try {
        keys = s.scan(r.prefix, r.limit > 0 ? r.limit : 0, false).map((e) => e.key);
      } catch (err) {
        throw mapError(err);
      }
      if (!withValues) return writeAll(call, keys, (key) => ({ key }));
      // A key deleted or expired since the pass is skipped; one overwritten sends its new value.
      return writeAll(call, keys, (key) => {
        try {
          const value = s.get(key);
          return value === undefined ? undefined : { key, value };
        } catch (err) {
          // Now a list under the same name: not a plain value any more.
          if (err instanceof MemStoreError && err.code === "WRONG_TYPE") return undefined;
          throw mapError(err);
        }
      });
    };
    this.streams = { [`${SCAN}Scan`]: scan(true), [`${SCAN}ScanKeys`]: scan(false) };
  }

  /** Instantiates the WASM store for one namespace. */
  static async create(options: MemStoreBackendOptions): Promise<MemStoreBackend> {
    const log = options.log.child({ component: "memstore", namespace: options.namespace });
    const store = await MemStore.create({
      maxMemoryMb: options.maxMemoryMb,
      maxKeyBytes: options.limits.max_key_bytes,
      maxValueBytes: options.limits.max_value_bytes,
      clock: options.clock,
      onTrap: (err, op) =>
        log.error("memstore trapped; the call failed with INTERNAL", { op, error: err }),
    });
    return new MemStoreBackend(options.namespace, store, log);
  }

  /** Serving unless closed; reports memory use. */
  health(): BackendHealth {
    if (this.#closed) return { serving: false, message: "closed" };
    const st = this.store.stats();
    return {
      serving: true,
      message: `${st.keys} keys, ${st.usedBytes} of ${st.capacityBytes} bytes used`,
    };
  }

  /** Stops the store's expiry sweeper and releases it. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.store.close();
    }
    return Promise.resolve();
  }
}
