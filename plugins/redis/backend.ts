/**
 * The redis plugin's backend: keyvalue basic and TTL, and list, on one
 * ioredis connection with the SDK's resilience policy (CONTRACT §2
 * semantics, as memstore implements them):
 *
 * | RPC | Redis | retried |
 * | --- | --- | --- |
 * | `Set` | `SET k v` / `SET k v EX ttl` (overwrites any type, resets the TTL) | yes |
 * | `Get` | `GET` | yes |
 * | `Delete` | `DEL` | no (a retry would report found=false) |
 * | `Exists` | `EXISTS` | yes |
 * | `Expire` | `EXPIRE` (0 deletes the key, as Redis does) | when ttl > 0 |
 * | `GetTTL` | `TTL` (−1 no expiry, −2 no key; Redis rounds to the nearest second) | yes |
 * | `Persist` | `PERSIST` | no |
 * | `PushLeft`/`PushRight` | `LPUSH`/`RPUSH` | no (not idempotent) |
 * | `PopLeft`/`PopRight` | `LPOP`/`RPOP` | no (not idempotent) |
 * | `Length` | `LLEN` | yes |
 *
 * Scans are in `scan.ts`. Every call first checks that the connection is
 * ready (`UNAVAILABLE` at once otherwise), and each command runs with a
 * timeout of `command_timeout_ms` cut to the call's deadline.
 *
 * @module
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { status, StatusError } from "../../proto/status.ts";
import type { KeyValueBasicInterfaceHandlers } from "../../proto/gen/prism/interfaces/keyvalue/KeyValueBasicInterface.ts";
import type { KeyValueScanInterfaceHandlers } from "../../proto/gen/prism/interfaces/keyvalue/KeyValueScanInterface.ts";
import type { KeyValueTTLInterfaceHandlers } from "../../proto/gen/prism/interfaces/keyvalue/KeyValueTTLInterface.ts";
import type { ListBasicInterfaceHandlers } from "../../proto/gen/prism/interfaces/list/ListBasicInterface.ts";
import type { Logger } from "../../proto/log/logger.ts";
import type { CallContext } from "../sdk/interceptors.ts";
import { type HandlerTables, handlerTables, type ServiceHandlers } from "../sdk/plugin.ts";
import { resilienceOptionsFrom, ResiliencePolicy } from "../sdk/resilience.ts";
import type { RedisConfig } from "./config.ts";
import { RedisConnection } from "./connection.ts";
import { isReply, isRetryableRedisError } from "./errors.ts";
import { KeySpace } from "./keys.ts";
import { countKeys, scanEntries } from "./scan.ts";

const EMPTY = new Uint8Array(0);
const SET_OK = Object.freeze({ success: true });
const NOT_FOUND = Object.freeze({ value: EMPTY, found: false });

/** How one command runs. */
interface CommandOptions {
  /** What the client asked, for messages (`get`, `push to`). */
  op: string;
  /** Whether it is a list operation (for `WRONGTYPE` messages). */
  list?: boolean;
  /** The client's key, for messages. */
  key: string;
  /** Whether a retry is safe (and truthful). */
  idempotent: boolean;
}

/**
 * One namespace's Redis backend.
 *
 * @example
 * ```ts ignore
 * import { RedisBackend } from "./backend.ts";
 * const backend = new RedisBackend(config, "cache", log);
 * await backend.close(500);
 * ```
 */
export class RedisBackend {
  readonly conn: RedisConnection;
  readonly keys: KeySpace;
  readonly policy: ResiliencePolicy;
  readonly config: RedisConfig;

  constructor(config: RedisConfig, namespace: string, log: Logger) {
    this.config = config;
    this.keys = new KeySpace(config.key_prefix);
    this.conn = new RedisConnection(config, namespace, log);
    this.policy = new ResiliencePolicy({
      ...resilienceOptionsFrom(config),
      isRetryable: isRetryableRedisError,
    });
    this.policy.onBreakerStateChange((state) =>
      (state === "open" ? log.warn : log.info).call(log, "redis circuit breaker", { state })
    );
  }

  /**
   * Runs one Redis command for a call: fails at once when not connected,
   * applies the policy (timeout within the deadline, retries when
   * idempotent, breaker), and names the key in `WRONGTYPE` errors.
   */
  async run<T>(ctx: CallContext, options: CommandOptions, command: () => Promise<T>): Promise<T> {
    this.conn.ready();
    try {
      return await this.policy.execute(command, {
        deadline: ctx.deadline,
        idempotent: options.idempotent,
      });
    } catch (err) {
      if (isReply(err, "WRONGTYPE")) {
        throw new StatusError(
          status.FAILED_PRECONDITION,
          `Cannot ${options.op} "${options.key}" as it holds ${
            options.list ? "a plain value, not a list" : "a list, not a plain value"
          }`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /**
   * The handlers of the four services, typed by the generated interfaces,
   * as method-path tables.
   */
  handlers(): HandlerTables {
    const r = this.conn.client;
    const k = this.keys;
    const run = this.run.bind(this);
    const kv: ServiceHandlers<KeyValueBasicInterfaceHandlers> = {
      Set: async (req, ctx) => {
        const ttl = req.ttl_seconds ?? 0;
        const key = k.key(req.key);
        await run(
          ctx,
          { op: "set", key: req.key, idempotent: true },
          () => ttl > 0 ? r.set(key, req.value, "EX", ttl) : r.set(key, req.value),
        );
        return SET_OK;
      },
      Get: async (req, ctx) => {
        const value = await run(
          ctx,
          { op: "get", key: req.key, idempotent: true },
          () => r.getBuffer(k.key(req.key)),
        );
        return value === null ? NOT_FOUND : { value, found: true };
      },
      Delete: async (req, ctx) => ({
        found: (await run(
          ctx,
          { op: "delete", key: req.key, idempotent: false },
          () => r.del(k.key(req.key)),
        )) > 0,
      }),
      Exists: async (req, ctx) => ({
        exists: (await run(
          ctx,
          { op: "check", key: req.key, idempotent: true },
          () => r.exists(k.key(req.key)),
        )) > 0,
      }),
    };
    const scan: ServiceHandlers<KeyValueScanInterfaceHandlers> = {
      Count: async (req, ctx) => ({
        count: await countKeys(this, req.prefix, ctx),
      }),
      Scan: (req, out, ctx) => scanEntries(this, req.prefix, req.limit, true, out, ctx),
      ScanKeys: (req, out, ctx) => scanEntries(this, req.prefix, req.limit, false, out, ctx),
    };
    const ttl: ServiceHandlers<KeyValueTTLInterfaceHandlers> = {
      Expire: async (req, ctx) => ({
        key_existed: (await run(
          ctx,
          { op: "expire", key: req.key, idempotent: req.ttl_seconds > 0 },
          () => r.expire(k.key(req.key), req.ttl_seconds),
        )) === 1,
      }),
      GetTTL: async (req, ctx) => ({
        ttl_seconds: await run(
          ctx,
          { op: "read the TTL of", key: req.key, idempotent: true },
          () => r.ttl(k.key(req.key)),
        ),
      }),
      Persist: async (req, ctx) => ({
        expiration_removed: (await run(
          ctx,
          { op: "persist", key: req.key, idempotent: false },
          () => r.persist(k.key(req.key)),
        )) === 1,
      }),
    };
    const lists: ServiceHandlers<ListBasicInterfaceHandlers> = {
      PushLeft: async (req, ctx) => ({
        new_length: await run(ctx, {
          op: "push to",
          key: req.list_key,
          list: true,
          idempotent: false,
        }, () => r.lpush(k.key(req.list_key), req.value)),
      }),
      PushRight: async (req, ctx) => ({
        new_length: await run(ctx, {
          op: "push to",
          key: req.list_key,
          list: true,
          idempotent: false,
        }, () => r.rpush(k.key(req.list_key), req.value)),
      }),
      PopLeft: async (req, ctx) => {
        const value = await run(
          ctx,
          { op: "pop from", key: req.list_key, list: true, idempotent: false },
          () => r.lpopBuffer(k.key(req.list_key)),
        );
        return value === null ? NOT_FOUND : { value, found: true };
      },
      PopRight: async (req, ctx) => {
        const value = await run(
          ctx,
          { op: "pop from", key: req.list_key, list: true, idempotent: false },
          () => r.rpopBuffer(k.key(req.list_key)),
        );
        return value === null ? NOT_FOUND : { value, found: true };
      },
      Length: async (req, ctx) => ({
        length: await run(ctx, {
          op: "read the length of",
          key: req.list_key,
          list: true,
          idempotent: true,
        }, () => r.llen(k.key(req.list_key))),
      }),
    };
    return handlerTables(
      [SERVICE_NAMES.keyvalueBasic, kv],
      [SERVICE_NAMES.keyvalueScan, scan],
      [SERVICE_NAMES.keyvalueTtl, ttl],
      [SERVICE_NAMES.list, lists],
    );
  }

  /** Closes the connection (QUIT, bounded by `timeoutMs`). */
  close(timeoutMs: number): Promise<void> {
    return this.conn.close(timeoutMs);
  }
}
