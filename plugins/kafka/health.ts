/**
 * The kafka plugin's health checks:
 *
 * - `kafka`: a fresh metadata request (`DescribeCluster`) — `HEALTHY`;
 *   `DEGRADED` when slower than `slow_metadata_ms`; `UNHEALTHY` when no
 *   broker answers (the details name the brokers and the error);
 * - `consumers`: `DEGRADED` while a subscriber's or reader's consumer is
 *   recovering from a crash (kafkajs rejoins it), with the last error;
 * - `breaker`: the admin requests' circuit breaker — `DEGRADED` while open
 *   or half-open.
 *
 * @module
 */
import type { CheckResult, HealthCheck } from "../sdk/health.ts";
import { breakerHealthCheck } from "../sdk/resilience.ts";
import type { KafkaBackend } from "./backend.ts";

/**
 * The checks of one backend.
 *
 * @example
 * ```ts ignore
 * import { kafkaHealthChecks } from "./health.ts";
 * const checks = kafkaHealthChecks(backend);
 * ```
 */
export function kafkaHealthChecks(backend: KafkaBackend): HealthCheck[] {
  const { client, config, policy } = backend;
  const brokers = config.brokers.join(",");
  const metadata: HealthCheck = {
    name: "kafka",
    timeoutMs: Math.max(config.request_timeout_ms, config.slow_metadata_ms) + 500,
    async check() {
      const t0 = performance.now();
      let cluster;
      try {
        await client.connectAdmin();
        cluster = await client.admin.describeCluster();
      } catch (err) {
        return {
          status: "UNHEALTHY",
          message: `no Kafka broker of ${brokers} answers: ${(err as Error).message}`,
          details: { brokers },
        };
      }
      const latency = Math.round((performance.now() - t0) * 100) / 100;
      const slow = latency > config.slow_metadata_ms;
      const details = {
        brokers,
        cluster_id: cluster.clusterId,
        live_brokers: cluster.brokers.length,
        controller: cluster.controller ?? -1,
        latency_ms: latency,
        topics_known: backend.catalog.knownTopics,
        subscribers: backend.subscribers.size,
        acknowledged: backend.publisher.acknowledged,
      };
      return {
        status: slow ? "DEGRADED" : "HEALTHY",
        message: slow
          ? `metadata took ${latency} ms (slow_metadata_ms is ${config.slow_metadata_ms})`
          : `${cluster.brokers.length} broker(s), metadata in ${latency} ms`,
        details,
      };
    },
  };
  const consumers: HealthCheck = {
    name: "consumers",
    check(): CheckResult {
      const subscriptions = [...backend.subscribers.values()].flatMap((s) =>
        s.subscription ? [s.subscription] : []
      );
      const all = [
        ...backend.feeds.consumers(),
        ...subscriptions.flatMap((s) => s.own ? [s.own] : []),
        ...backend.reads,
      ];
      const crashed = all.filter((c) => c.lastCrash !== undefined && !c.stopped);
      const paused = subscriptions.filter((s) => s.paused).length +
        [...backend.reads].filter((c) => c.paused).length;
      if (crashed.length > 0) {
        return {
          status: "DEGRADED",
          message: `${crashed.length} of ${all.length} consumer(s) recovering after a crash: ${
            crashed[0].lastCrash
          }`,
          details: { active: all.length, recovering: crashed.length, paused },
        };
      }
      return {
        status: "HEALTHY",
        message: `${all.length} consumer(s)`,
        details: { active: all.length, paused },
      };
    },
  };
  const breaker = breakerHealthCheck(policy, "admin requests");
  return [metadata, consumers, breaker];
}
