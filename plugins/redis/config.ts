/**
 * The redis plugin's config block (a namespace's `config:` in prism.yaml,
 * handed over by `Initialize`), with defaults and `PRISM_REDIS_<KEY>`
 * environment overrides (they apply to every redis namespace, so
 * `key_prefix` has none).
 *
 * | key | type | default | |
 * | --- | --- | --- | --- |
 * | `url` | string | `redis://127.0.0.1:6379` | `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS) |
 * | `key_prefix` | string | `"<namespace>:"` | prepended to every key; must not be empty; no env override |
 * | `command_timeout_ms` | integer ≥ 1 | 1000 | per command (the call's deadline may cut it shorter) |
 * | `connect_timeout_ms` | integer ≥ 1 | 2000 | per connection attempt |
 * | `reconnect_max_delay_ms` | integer ≥ 1 | 1000 | cap of the reconnect backoff |
 * | `retry_attempts` | integer ≥ 0 | 2 | retries of idempotent commands after a connection error |
 * | `breaker_threshold` | integer ≥ 0 | 10 | consecutive failures that open the circuit (0: off) |
 * | `breaker_cooldown_ms` | integer ≥ 1 | 1000 | open-circuit time before a test call |
 * | `slow_ping_ms` | integer ≥ 1 | 100 | health is DEGRADED when PING takes longer |
 * | `auto_pipelining` | boolean | false | ioredis auto-pipelining (measured: no gain at 64 calls in flight through gRPC, see `tasks/bench/redis_autopipelining.ts`) |
 * | `scan_count` | integer ≥ 1 | 1000 | `SCAN … COUNT` hint and `MGET` batch size |
 *
 * @module
 */
import { type ConfigOf, defineSchema } from "../sdk/config.ts";
import { RESILIENCE_SETTINGS } from "../sdk/resilience.ts";

/** The default Redis.
 *
 * @example
 * ```ts
 * import { DEFAULT_URL } from "./config.ts";
 * console.log(DEFAULT_URL); // "redis://127.0.0.1:6379"
 * ```
 */
export const DEFAULT_URL = "redis://127.0.0.1:6379";

/** Where a Redis URL points.
 *
 * @example
 * ```ts
 * import type { RedisAddress } from "./config.ts";
 * const a: RedisAddress = { host: "127.0.0.1", port: 6379, tls: false, db: 0 };
 * console.log(a.port);
 * ```
 */
export interface RedisAddress {
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  tls: boolean;
  db: number;
}

/**
 * Parses a `redis://` or `rediss://` URL; throws with what is wrong.
 *
 * @example
 * ```ts
 * import { parseRedisUrl } from "./config.ts";
 * console.log(parseRedisUrl("redis://:secret@[::1]:6380/2"));
 * // { host: "::1", port: 6380, tls: false, db: 2 }
 * ```
 */
export function parseRedisUrl(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error("must be a redis:// URL");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new Error("must be a redis:// URL");
  }
  if (u.hostname === "") throw new Error("must be a redis:// URL with a host");
  const db = u.pathname === "" || u.pathname === "/" ? 0 : Number(u.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0) {
    throw new Error("must be a redis:// URL whose path is a database number (redis://host:port/0)");
  }
  if (u.search !== "" || u.hash !== "") {
    throw new Error("must be a redis:// URL without query or fragment");
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return { host, port: u.port === "" ? 6379 : Number(u.port), tls: u.protocol === "rediss:", db };
}

function urlProblem(url: string): string | undefined {
  try {
    parseRedisUrl(url);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The config schema.
 *
 * @example
 * ```ts
 * import { REDIS_SCHEMA } from "./config.ts";
 * console.log(REDIS_SCHEMA.url.default); // "redis://127.0.0.1:6379"
 * ```
 */
export const REDIS_SCHEMA = defineSchema({
  url: {
    type: "string",
    default: DEFAULT_URL,
    check: urlProblem,
    description: "the Redis server: redis://[user:password@]host[:port][/db] or rediss:// (TLS)",
  },
  key_prefix: {
    type: "string",
    default: ({ namespace }) => `${namespace}:`,
    check: (v) =>
      v === ""
        ? "must not be empty (namespaces sharing a Redis must never see each other's keys)"
        : v.length > 1024
        ? "must be at most 1024 characters"
        : undefined,
    // Per namespace by nature: one variable for every redis namespace would make them share keys.
    env: false,
    description: "prepended to every key (default: the namespace and a colon)",
  },
  ...RESILIENCE_SETTINGS,
  connect_timeout_ms: {
    type: "integer",
    default: 2000,
    min: 1,
    max: 600_000,
    description: "timeout of one connection attempt",
  },
  reconnect_max_delay_ms: {
    type: "integer",
    default: 1000,
    min: 1,
    max: 600_000,
    description: "cap of the exponential reconnect backoff",
  },
  slow_ping_ms: {
    type: "integer",
    default: 100,
    min: 1,
    max: 600_000,
    description: "health is DEGRADED when PING takes longer than this",
  },
  auto_pipelining: {
    type: "boolean",
    // Measured with tasks/bench/redis_autopipelining.ts at 64 calls in flight: no gain (on/off ≈ 0.95
    // through gRPC, ≈ 1.0 on the backend path alone), so the simpler path is the default.
    default: false,
    description: "ioredis auto-pipelining: commands issued in the same tick share one write",
  },
  scan_count: {
    type: "integer",
    default: 1000,
    min: 1,
    max: 100_000,
    description: "SCAN COUNT hint and MGET batch size",
  },
});

/** A loaded config.
 *
 * @example
 * ```ts
 * import type { RedisConfig } from "./config.ts";
 * const pick = (c: RedisConfig) => c.url;
 * console.log(typeof pick);
 * ```
 */
export type RedisConfig = ConfigOf<typeof REDIS_SCHEMA>;
