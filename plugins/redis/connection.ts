/**
 * The plugin's one Redis connection (ioredis), set up to fail fast and
 * heal by itself:
 *
 * - it connects in the background: `Initialize` never waits for Redis;
 * - no offline queue: a command while disconnected fails at once
 *   (`UNAVAILABLE`) instead of waiting for the connection;
 * - commands in flight when the connection drops fail at once
 *   (`maxRetriesPerRequest: 0`) and are never re-sent by ioredis (a list
 *   push must not run twice); the SDK's policy retries idempotent ones;
 * - reconnects forever with exponential backoff and jitter, capped by
 *   `reconnect_max_delay_ms`;
 * - logs state changes (connected, lost), not every failed attempt.
 *
 * It reaches one server (`url`), a Redis Cluster (`cluster.nodes`: ioredis's
 * `Cluster` follows MOVED and ASK, refreshes the slot map and reads from
 * masters), or the master Redis Sentinel names (`sentinel`: after a
 * failover it reconnects to the promoted replica). TLS (`rediss://` or
 * `tls`) and ACL users (`username`, `password_env`) apply to each.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../../proto/log/logger.ts";
import { redactUrl } from "../sdk/config.ts";
import { BackendUnavailableError } from "../sdk/errors.ts";
import { PluginConfigError } from "../sdk/config.ts";
import { readTlsFiles } from "../sdk/tls.ts";
import { coalesceWrites } from "./coalesce.ts";
import { parseNode, parseRedisUrl, type RedisConfig, redisTopology } from "./config.ts";

/**
 * The secret and TLS settings of a config, read from the environment and
 * files. Throws a {@linkcode PluginConfigError} naming the variable or file
 * (never the secret) when one cannot be read.
 *
 * @example
 * ```ts
 * import { credentialsOf } from "./connection.ts";
 * const c = credentialsOf(
 *   { url: "redis://127.0.0.1:6379", username: "app", password_env: "APP_PW", tls: undefined },
 *   (name) => name === "APP_PW" ? "s3cret" : undefined,
 * );
 * console.log(c.username, c.password === "s3cret", c.tls); // "app" true undefined
 * ```
 */
export function credentialsOf(
  config: Pick<RedisConfig, "url" | "username" | "password_env" | "tls">,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): { username?: string; password?: string; tls?: RedisOptions["tls"] } {
  let password: string | undefined;
  if (config.password_env !== undefined) {
    password = env(config.password_env);
    if (password === undefined) {
      throw new PluginConfigError(
        "password_env",
        `Cannot configure redis as 'password_env' names ${config.password_env}, which is not set in the plugin's environment`,
      );
    }
  }
  const tlsOn = config.tls !== undefined || config.url.startsWith("rediss://");
  const tls = tlsOn ? readTlsFiles("redis", config.tls) : undefined;
  return {
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
}

/** A key that holds a list (WRONGTYPE) reads as missing, as MGET reports it. */
function wrongType(err: Error): null {
  if (/^WRONGTYPE/.test(err.message)) return null;
  throw err;
}

function nodesOf(nodes: string[]): { host: string; port: number }[] {
  return nodes.map((n) => parseNode(n)!);
}

/**
 * The reconnect delay after `attempt` failed attempts: 50 ms doubling, capped
 * at `maxMs`, with ±20 % jitter.
 *
 * @example
 * ```ts
 * import { reconnectDelay } from "./connection.ts";
 * const d = reconnectDelay(3, 1000, () => 0.5);
 * console.log(d); // 400
 * ```
 */
export function reconnectDelay(attempt: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, 50 * 2 ** Math.min(Math.max(attempt, 1), 20));
  return Math.max(1, Math.round(base * (0.8 + 0.4 * random())));
}

/**
 * A Redis connection for one namespace.
 *
 * @example
 * ```ts ignore
 * import { RedisConnection } from "./connection.ts";
 * const conn = new RedisConnection(config, "cache", log);
 * conn.ready(); // throws BackendUnavailableError until connected
 * await conn.close(500);
 * ```
 */
export class RedisConnection {
  /** The ioredis client: one connection, or a cluster of them. */
  readonly client: Redis | Cluster;
  /** How it reaches Redis. */
  readonly topology: "server" | "cluster" | "sentinel";
  /** `host:port`, for messages. */
  readonly address: string;
  /** The URL with credentials masked. */
  readonly safeUrl: string;
  readonly #log: Logger;
  #everReady = false;
  #lostAt: number | undefined;
  #lastError = "";
  #closed = false;

  constructor(config: RedisConfig, namespace: string, log: Logger) {
    this.topology = redisTopology(config);
    const credentials = credentialsOf(config);
    this.#log = log;
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableAutoPipelining: config.auto_pipelining,
      connectTimeout: config.connect_timeout_ms,
      retryStrategy: (times) => reconnectDelay(times, config.reconnect_max_delay_ms),
      reconnectOnError: null,
      connectionName: `prism:${namespace}`.replace(/[^\x21-\x7e]/g, "_"),
      ...credentials,
    };
    if (this.topology === "cluster") {
      const nodes = config.cluster!.nodes;
      this.address = `cluster ${nodes.join(",")}`;
      this.safeUrl = this.address;
      this.client = new Cluster(nodesOf(nodes), {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: config.auto_pipelining,
        // Reads go to masters: a replica may lag behind what was acknowledged.
        scaleReads: "master",
        clusterRetryStrategy: (times) => reconnectDelay(times, config.reconnect_max_delay_ms),
        slotsRefreshTimeout: config.connect_timeout_ms,
        // Replies redirected while slots move (MOVED, ASK) or a failover runs.
        maxRedirections: 16,
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        // Each node's connection: its credentials and timeouts; the cluster
        // itself reconnects, queues nothing while down and redirects.
        redisOptions: {
          connectTimeout: common.connectTimeout,
          maxRetriesPerRequest: 0,
          autoResendUnfulfilledCommands: false,
          reconnectOnError: null,
          connectionName: common.connectionName,
          ...credentials,
        },
      });
    } else if (this.topology === "sentinel") {
      const { master, nodes } = config.sentinel!;
      this.address = `sentinel ${master} via ${nodes.join(",")}`;
      this.safeUrl = this.address;
      this.client = new Redis({
        ...common,
        sentinels: nodesOf(nodes),
        name: master,
        sentinelRetryStrategy: (times) => reconnectDelay(times, config.reconnect_max_delay_ms),
        ...(credentials.tls !== undefined
          ? { enableTLSForSentinelMode: true, sentinelTLS: credentials.tls }
          : {}),
      });
    } else {
      const addr = parseRedisUrl(config.url);
      this.address = addr.host.includes(":")
        ? `[${addr.host}]:${addr.port}`
        : `${addr.host}:${addr.port}`;
      this.safeUrl = redactUrl(config.url);
      this.client = new Redis(config.url, common);
    }
    this.client.on("ready", () => {
      const downMs = this.#lostAt === undefined ? undefined : Date.now() - this.#lostAt;
      this.#lostAt = undefined;
      this.#log.info(this.#everReady ? "redis reconnected" : "redis connected", {
        address: this.address,
        ...(downMs === undefined ? {} : { down_ms: downMs }),
      });
      this.#everReady = true;
    });
    this.client.on("error", (err: Error) => {
      const message = err.message;
      if (message !== this.#lastError) {
        // One line per distinct error, not one per reconnect attempt.
        this.#lastError = message;
        this.#log.warn("redis connection error", { address: this.address, error: message });
      }
    });
    this.client.on("close", () => {
      if (this.#closed || this.#lostAt !== undefined) return;
      this.#lostAt = Date.now();
      if (this.#everReady) {
        this.#log.warn("redis connection lost; reconnecting", { address: this.address });
      }
    });
    this.client.on("reconnecting", (delay: number) => {
      this.#log.debug("redis reconnecting", { address: this.address, delay_ms: delay });
    });
    this.client.on("connect", () => (this.#lastError = ""));
    // Each connection's commands of one event-loop turn leave in one write.
    if (this.client instanceof Cluster) {
      this.client.on("+node", (node: Redis) => {
        node.on("connect", () => coalesceWrites(node.stream));
        if (node.stream) coalesceWrites(node.stream);
      });
    } else {
      const client = this.client;
      client.on("connect", () => coalesceWrites(client.stream));
    }
    // A cluster's per-node errors (a master down, a refused AUTH): once per distinct one.
    this.client.on("node error", (err: Error, node: string) => {
      const message = `${node}: ${err.message}`;
      if (message !== this.#lastError) {
        this.#lastError = message;
        this.#log.warn("redis node error", { address: this.address, error: message });
      }
    });
    // Connect in the background; failures are retried by the retry strategy.
    this.client.connect().catch(() => {});
  }

  /**
   * Where a SCAN must run to see every key: the one server, or each master
   * of a cluster (each key lives on exactly one).
   */
  scanTargets(): Redis[] {
    return this.client instanceof Cluster ? this.client.nodes("master") : [this.client];
  }

  /**
   * The values of `keys` (null where missing or not a plain value): one MGET
   * on a server; on a cluster, one GET per key (MGET cannot span slots), each
   * routed to its master and redirected while slots move.
   */
  async values(keys: string[]): Promise<(Buffer | null)[]> {
    if (!(this.client instanceof Cluster)) return await this.client.mgetBuffer(...keys);
    const cluster = this.client;
    return await Promise.all(keys.map((k) => cluster.getBuffer(k).catch(wrongType)));
  }

  /** ioredis's connection state (`connecting`, `ready`, `reconnecting`, ...). */
  get state(): string {
    return this.client.status;
  }

  /** Resolves when the connection is ready (at once when it is); never rejects. */
  whenReady(): Promise<void> {
    if (this.client.status === "ready") return Promise.resolve();
    return new Promise((resolve) => this.client.once("ready", () => resolve()));
  }

  /** Throws `UNAVAILABLE` at once unless the connection is ready. */
  ready(): void {
    if (this.client.status !== "ready") {
      throw new BackendUnavailableError(
        `redis at ${this.address} is not connected (state: ${this.client.status}${
          this.#lastError ? `; last error: ${this.#lastError}` : ""
        }); the plugin keeps reconnecting`,
      );
    }
  }

  /** Closes the connection: QUIT when connected (up to `timeoutMs`), then disconnects. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.client.status === "ready") {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.client.quit().catch(() => {}),
        new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.client.disconnect(false);
  }
}
