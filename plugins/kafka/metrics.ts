/**
 * The kafka plugin's metrics (served by the proxy's `/metrics` with the
 * namespace and plugin as labels): each subscriber's consumer lag — the
 * messages published to its topic that it has not received yet — whether
 * it is paused for a slow client, and the circuit breaker's state.
 *
 * The lag is computed when scraped, from the topic's end offsets (one admin
 * request per topic, bounded to a second: a cluster that does not answer
 * leaves the lag out rather than holding the scrape).
 *
 * @module
 */
import client from "prom-client";
import { breakerMetrics, type MetricsRegistry } from "../sdk/metrics.ts";
import type { KafkaBackend, Subscriber } from "./backend.ts";

/** How long a scrape waits for a topic's end offsets. */
const OFFSETS_TIMEOUT_MS = 1000;

/**
 * Registers the kafka plugin's series in `registry`.
 *
 * @example
 * ```ts ignore
 * import { kafkaMetrics } from "./metrics.ts";
 * kafkaMetrics(ctx.metrics, backend);
 * ```
 */
export function kafkaMetrics(registry: MetricsRegistry, backend: KafkaBackend): void {
  const registers = [registry];
  new client.Gauge({
    name: "prism_kafka_consumer_lag",
    help: "Messages published to a subscriber's topic that it has not received yet",
    labelNames: ["topic", "subscriber"],
    registers,
    async collect() {
      this.reset();
      const byTopic = new Map<string, Subscriber[]>();
      for (const sub of backend.subscribers.values()) {
        if (sub.subscription?.positions() === undefined) continue;
        const list = byTopic.get(sub.topic) ?? [];
        list.push(sub);
        byTopic.set(sub.topic, list);
      }
      await Promise.all([...byTopic].map(async ([topic, subs]) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const offsets = await Promise.race([
          backend.catalog.offsets(topic).catch(() => undefined),
          new Promise<undefined>((resolve) =>
            timer = setTimeout(() => resolve(undefined), OFFSETS_TIMEOUT_MS)
          ),
        ]);
        clearTimeout(timer);
        if (offsets === undefined) return;
        for (const sub of subs) {
          const next = sub.subscription!.positions()!;
          let lag = 0n;
          for (const o of offsets) {
            const at = next.get(o.partition) ?? o.low;
            if (o.high > at) lag += o.high - at;
          }
          this.set({ topic: sub.name, subscriber: sub.id }, Number(lag));
        }
      }));
    },
  });
  new client.Gauge({
    name: "prism_kafka_subscriber_paused",
    help: "1 while a subscriber's consumer is paused because its client does not keep up",
    labelNames: ["topic", "subscriber"],
    registers,
    collect() {
      this.reset();
      for (const sub of backend.subscribers.values()) {
        if (sub.subscription === undefined) continue;
        this.set({ topic: sub.name, subscriber: sub.id }, sub.subscription.paused ? 1 : 0);
      }
    },
  });
  breakerMetrics(registry, backend.policy);
}
