/**
 * The redis plugin's health checks:
 *
 * - `redis`: `PING` latency — `HEALTHY`; `DEGRADED` when slower than
 *   `slow_ping_ms`; `UNHEALTHY` when not connected or PING fails;
 * - `breaker`: the circuit breaker — `DEGRADED` while open or half-open
 *   (calls are failing fast or being tested).
 *
 * @module
 */
import type { HealthCheck } from "../sdk/health.ts";
import { breakerHealthCheck } from "../sdk/resilience.ts";
import type { RedisMetrics } from "./metrics.ts";
import type { RedisBackend } from "./backend.ts";

/**
 * The checks of one backend.
 *
 * @example
 * ```ts ignore
 * import { redisHealthChecks } from "./health.ts";
 * const checks = redisHealthChecks(backend);
 * ```
 */
export function redisHealthChecks(backend: RedisBackend, metrics?: RedisMetrics): HealthCheck[] {
  const { conn, config, policy } = backend;
  const ping: HealthCheck = {
    name: "redis",
    timeoutMs: Math.max(config.command_timeout_ms, config.slow_ping_ms) + 100,
    async check() {
      const details = { address: conn.address, state: conn.state };
      if (conn.state !== "ready") {
        return {
          status: "UNHEALTHY",
          message: `redis at ${conn.address} is not connected (state: ${conn.state})`,
          details,
        };
      }
      const t0 = performance.now();
      try {
        await conn.client.ping();
      } catch (err) {
        return {
          status: "UNHEALTHY",
          message: `PING to ${conn.address} failed: ${(err as Error).message}`,
          details: { ...details, state: conn.state },
        };
      }
      const elapsed = performance.now() - t0;
      metrics?.ping(elapsed / 1000);
      const latency = Math.round(elapsed * 100) / 100;
      const slow = latency > config.slow_ping_ms;
      return {
        status: slow ? "DEGRADED" : "HEALTHY",
        message: slow
          ? `PING took ${latency} ms (slow_ping_ms is ${config.slow_ping_ms})`
          : `PING in ${latency} ms`,
        details: { ...details, latency_ms: latency },
      };
    },
  };
  const breaker = breakerHealthCheck(policy, "calls");
  return [ping, breaker];
}
