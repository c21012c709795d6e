/**
 * A process's own metrics — CPU, memory, event-loop lag, heap — from
 * `prom-client`'s defaults, for the proxy and (prefixed) each plugin.
 *
 * Left out: the `nodejs_active_*` gauges (named like counters, which
 * Prometheus's linter rejects, and of little use here) and the per-space
 * heap gauges (dozens of series). A process that may not read `/proc`
 * (a plugin runs without `--allow-read`) reports its resident memory from
 * `Deno.memoryUsage()` instead, and no file-descriptor counts, rather than
 * zeros.
 *
 * @module
 */
import client from "prom-client";

const LEFT_OUT = [
  "nodejs_active_handles",
  "nodejs_active_handles_total",
  "nodejs_active_requests",
  "nodejs_active_requests_total",
  "nodejs_active_resources",
  "nodejs_active_resources_total",
  "nodejs_heap_space_size_total_bytes",
  "nodejs_heap_space_size_used_bytes",
  "nodejs_heap_space_size_available_bytes",
];

/** Read from `/proc`: left out where it cannot be read. */
const FROM_PROCFS = [
  "process_resident_memory_bytes",
  "process_virtual_memory_bytes",
  "process_heap_bytes",
  "process_open_fds",
  "process_max_fds",
];

/**
 * Options of {@linkcode collectProcessMetrics}.
 *
 * @example
 * ```ts
 * import type { ProcessMetricsOptions } from "./process.ts";
 * const o: ProcessMetricsOptions = { prefix: "prism_plugin_", procfs: false };
 * console.log(o.prefix);
 * ```
 */
export interface ProcessMetricsOptions {
  /** Prepended to every name (default none). */
  prefix?: string;
  /** Whether the process may read `/proc/self` (default: asks `Deno.permissions`). */
  procfs?: boolean;
  /** Sampling period of the event-loop lag monitor in ms (default 20). */
  eventLoopPrecisionMs?: number;
}

/**
 * Registers the process's metrics in `registry`.
 *
 * @example
 * ```ts
 * import client from "prom-client";
 * import { collectProcessMetrics } from "./process.ts";
 * const registry = new client.Registry();
 * collectProcessMetrics(registry, { procfs: false });
 * console.log((await registry.metrics()).includes("process_resident_memory_bytes")); // true
 * ```
 */
export function collectProcessMetrics(
  registry: client.Registry,
  options: ProcessMetricsOptions = {},
): void {
  const prefix = options.prefix ?? "";
  const procfs = options.procfs ??
    Deno.permissions.querySync({ name: "read", path: "/proc/self" }).state === "granted";
  client.collectDefaultMetrics({
    register: registry,
    prefix,
    eventLoopMonitoringPrecision: options.eventLoopPrecisionMs ?? 20,
  });
  for (const name of [...LEFT_OUT, ...(procfs ? [] : FROM_PROCFS)]) {
    registry.removeSingleMetric(prefix + name);
  }
  if (!procfs) {
    new client.Gauge({
      name: `${prefix}process_resident_memory_bytes`,
      help: "Resident memory size in bytes.",
      registers: [registry],
      collect() {
        this.set(Deno.memoryUsage().rss);
      },
    });
  }
}
