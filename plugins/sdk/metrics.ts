/**
 * A plugin's own metrics: a `prom-client` registry each plugin process
 * has, which the lifecycle `Metrics` call returns as JSON and the proxy's
 * `/metrics` serves, labelled with the namespace and plugin (CONTRACT §8).
 *
 * Every plugin reports its process (`prism_plugin_process_*`,
 * `prism_plugin_nodejs_eventloop_lag_*`: CPU, memory, event-loop lag) and,
 * through {@linkcode breakerMetrics}, its circuit breaker; a plugin adds
 * its backend's own series (a Redis PING time, a Kafka consumer lag) in
 * `create()` from `ctx.metrics`.
 *
 * @module
 */
import client from "prom-client";
import type { BreakerState, ResiliencePolicy } from "./resilience.ts";
import { collectProcessMetrics } from "../../proto/metrics/process.ts";

/** The prefix of a plugin's process metrics (the proxy's own have none).
 *
 * @example
 * ```ts
 * import { PROCESS_PREFIX } from "./metrics.ts";
 * console.log(PROCESS_PREFIX); // "prism_plugin_"
 * ```
 */
export const PROCESS_PREFIX = "prism_plugin_";

/** What a plugin registers its metrics in (prom-client's registry).
 *
 * @example
 * ```ts
 * import type { MetricsRegistry } from "./metrics.ts";
 * const describe = (r: MetricsRegistry) => r.contentType;
 * console.log(typeof describe);
 * ```
 */
export type MetricsRegistry = client.Registry;

/**
 * A plugin process's registry, with its process metrics unless `process:
 * false` (tests); `touch()` per data call keeps the event-loop lag sampled
 * while the plugin is busy.
 *
 * @example
 * ```ts
 * import { pluginRegistry } from "./metrics.ts";
 * const { registry, touch } = pluginRegistry({ process: false });
 * touch();
 * console.log((await registry.getMetricsAsJSON()).length); // 0
 * ```
 */
export function pluginRegistry(
  options: { process?: boolean } = {},
): { registry: MetricsRegistry; touch: () => void; close: () => void } {
  const registry = new client.Registry();
  if (!(options.process ?? true)) return { registry, touch: () => {}, close: () => {} };
  const lag = collectProcessMetrics(registry, { prefix: PROCESS_PREFIX });
  return { registry, touch: () => lag.touch(), close: () => lag.close() };
}

const BREAKER_STATES: readonly BreakerState[] = ["closed", "half-open", "open"];

/**
 * Reports a circuit breaker as `prism_plugin_breaker_state{state}`: 1 for
 * its current state (closed, half-open, open), 0 for the others.
 *
 * @example
 * ```ts
 * import { breakerMetrics, pluginRegistry } from "./metrics.ts";
 * import { DEFAULT_RESILIENCE, ResiliencePolicy } from "./resilience.ts";
 * const { registry } = pluginRegistry({ process: false });
 * breakerMetrics(registry, new ResiliencePolicy(DEFAULT_RESILIENCE));
 * console.log((await registry.metrics()).includes('prism_plugin_breaker_state{state="closed"} 1')); // true
 * ```
 */
export function breakerMetrics(registry: MetricsRegistry, policy: ResiliencePolicy): void {
  new client.Gauge({
    name: "prism_plugin_breaker_state",
    help: "1 for the plugin's circuit breaker state (closed, half-open, open), else 0",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const now = policy.breakerState;
      for (const state of BREAKER_STATES) this.set({ state }, state === now ? 1 : 0);
    },
  });
}

/**
 * The registry's metric families as the lifecycle `Metrics` call carries
 * them (JSON of `getMetricsAsJSON()`).
 *
 * @example
 * ```ts
 * import { metricsJson, pluginRegistry } from "./metrics.ts";
 * const { registry } = pluginRegistry({ process: false });
 * console.log(await metricsJson(registry) !== ""); // true
 * ```
 */
export async function metricsJson(registry: MetricsRegistry): Promise<string> {
  return JSON.stringify(await registry.getMetricsAsJSON());
}
