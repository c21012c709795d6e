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
 * | `cluster` | `{ nodes: ["host:port", ...] }` | — | Redis Cluster (instead of `url`): seed nodes; the others are discovered |
 * | `sentinel` | `{ master: NAME, nodes: ["host:port", ...] }` | — | the master that Redis Sentinel names (instead of `url`) |
 * | `tls` | `{ ca_file?, cert_file?, key_file? }` | — | TLS (also turned on by `rediss://`): a CA to trust, a client certificate |
 * | `username` | string | — | ACL user (`AUTH username password`) |
 * | `password_env` | string | — | the environment variable that holds the password (never the password itself) |
 *
 * @module
 */
import { type ConfigOf, defineSchema, PluginConfigError } from "../sdk/config.ts";
import { RESILIENCE_SETTINGS } from "../sdk/resilience.ts";
import { tlsSetting } from "../sdk/tls.ts";

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
  cluster: {
    type: "object",
    optional: true,
    fields: {
      nodes: { type: "string[]", check: nodesProblem, description: "seed nodes, host:port" },
    },
    description: "Redis Cluster instead of one server: its seed nodes",
  },
  sentinel: {
    type: "object",
    optional: true,
    fields: {
      master: {
        type: "string",
        check: (v) => v === "" ? "must name the master" : undefined,
        description: "the master's name in Sentinel",
      },
      nodes: { type: "string[]", check: nodesProblem, description: "Sentinel nodes, host:port" },
    },
    description: "the master Redis Sentinel names, instead of one server",
  },
  tls: tlsSetting("TLS to Redis (rediss:// URLs turn it on too)"),
  username: {
    type: "string",
    optional: true,
    env: false,
    description: "ACL user",
  },
  password_env: {
    type: "string",
    optional: true,
    env: false,
    check: (v) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : "must be an environment variable's name",
    description: "the environment variable holding the password (the password never is config)",
  },
});

/**
 * What is wrong with a list of `host:port` nodes, or undefined.
 *
 * @example
 * ```ts
 * import { nodesProblem } from "./config.ts";
 * console.log(nodesProblem(["10.0.0.1:7000", "[::1]:7001"])); // undefined
 * console.log(nodesProblem(["cache"])); // "must be host:port pairs (\"cache\" is not)"
 * ```
 */
export function nodesProblem(nodes: string[]): string | undefined {
  if (nodes.length === 0) return "must name at least one node";
  const bad = nodes.find((n) => parseNode(n) === undefined);
  return bad === undefined ? undefined : `must be host:port pairs (${JSON.stringify(bad)} is not)`;
}

/**
 * Splits `host:port` (IPv6 in brackets); undefined when it is not one.
 *
 * @example
 * ```ts
 * import { parseNode } from "./config.ts";
 * console.log(parseNode("[::1]:7001")); // { host: "::1", port: 7001 }
 * console.log(parseNode("cache")); // undefined
 * ```
 */
export function parseNode(node: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s\[\]]+)):(\d{1,5})$/.exec(node);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}

/**
 * How the namespace reaches Redis, or a message saying why the settings
 * contradict each other.
 *
 * @example
 * ```ts
 * import { redisTopology } from "./config.ts";
 * console.log(redisTopology({ cluster: { nodes: ["a:1"] }, sentinel: undefined })); // "cluster"
 * ```
 */
export function redisTopology(
  config: Pick<RedisConfig, "cluster" | "sentinel">,
): "server" | "cluster" | "sentinel" {
  if (config.cluster !== undefined && config.sentinel !== undefined) {
    throw new PluginConfigError(
      "cluster",
      "Cannot configure redis with both 'cluster' and 'sentinel': a namespace uses one of them",
    );
  }
  return config.cluster !== undefined
    ? "cluster"
    : config.sentinel !== undefined
    ? "sentinel"
    : "server";
}

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
