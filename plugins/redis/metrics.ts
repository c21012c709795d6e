/**
 * The redis plugin's metrics (served by the proxy's `/metrics` with the
 * namespace and plugin as labels): whether the connection is up, the last
 * health check's PING time, and the circuit breaker's state.
 *
 * @module
 */
import client from "prom-client";
import { breakerMetrics, type MetricsRegistry } from "../sdk/metrics.ts";
import type { RedisBackend } from "./backend.ts";

/** What the health check reports to the metrics.
 *
 * @example
 * ```ts
 * import type { RedisMetrics } from "./metrics.ts";
 * const m: RedisMetrics = { ping: (seconds) => console.log(seconds) };
 * m.ping(0.0003);
 * ```
 */
export interface RedisMetrics {
  /** The round trip of a PING, in seconds. */
  ping(seconds: number): void;
}

/**
 * Registers the redis plugin's series in `registry`.
 *
 * @example
 * ```ts ignore
 * import { redisMetrics } from "./metrics.ts";
 * const metrics = redisMetrics(ctx.metrics, backend);
 * metrics.ping(0.0004);
 * ```
 */
export function redisMetrics(registry: MetricsRegistry, backend: RedisBackend): RedisMetrics {
  const registers = [registry];
  new client.Gauge({
    name: "prism_redis_connected",
    help: "1 while the plugin's connection to Redis is ready, else 0",
    registers,
    collect() {
      this.set(backend.conn.state === "ready" ? 1 : 0);
    },
  });
  const ping = new client.Gauge({
    name: "prism_redis_ping_seconds",
    help: "Round trip of the last health check's PING to Redis, in seconds",
    registers,
  });
  breakerMetrics(registry, backend.policy);
  return { ping: (seconds) => ping.set(seconds) };
}
