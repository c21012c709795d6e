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
 * @module
 */
import { Redis } from "ioredis";
import type { Logger } from "../../proto/log/logger.ts";
import { redactUrl } from "../sdk/config.ts";
import { BackendUnavailableError } from "../sdk/errors.ts";
import { parseRedisUrl, type RedisConfig } from "./config.ts";

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
  /** The ioredis client. */
  readonly client: Redis;
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
    const addr = parseRedisUrl(config.url);
    this.address = addr.host.includes(":")
      ? `[${addr.host}]:${addr.port}`
      : `${addr.host}:${addr.port}`;
    this.safeUrl = redactUrl(config.url);
    this.#log = log;
    this.client = new Redis(config.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableAutoPipelining: config.auto_pipelining,
      connectTimeout: config.connect_timeout_ms,
      retryStrategy: (times) => reconnectDelay(times, config.reconnect_max_delay_ms),
      reconnectOnError: null,
      connectionName: `prism:${namespace}`.replace(/[^\x21-\x7e]/g, "_"),
    });
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
    // Connect in the background; failures are retried by the retry strategy.
    this.client.connect().catch(() => {});
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
