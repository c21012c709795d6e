/**
 * A process's own metrics — CPU, memory, heap, start time, file
 * descriptors and event-loop lag — for the proxy and (prefixed) each
 * plugin: `prom-client`'s default collectors, chosen one by one, and an
 * event-loop lag monitor that sleeps while the process is idle.
 *
 * Left out of the defaults: the `nodejs_active_*` gauges (named like
 * counters, which Prometheus's linter rejects), the per-space heap gauges
 * (dozens of series) and the default lag monitor, which samples every
 * 10 ms for ever — an idle proxy would wake a hundred times a second. The
 * lag here is sampled (every 20 ms) only while calls come in, and stops 10
 * seconds after the last one: an idle process is not woken for it.
 *
 * A process that may not read `/proc` (a plugin runs without
 * `--allow-read`) reports its resident memory from `Deno.memoryUsage()`
 * and no file-descriptor counts, rather than zeros.
 *
 * @module
 */
import client from "prom-client";
import processCpuTotal from "prom-client/lib/metrics/processCpuTotal.js";
import processStartTime from "prom-client/lib/metrics/processStartTime.js";
import osMemoryHeap from "prom-client/lib/metrics/osMemoryHeap.js";
import processOpenFileDescriptors from "prom-client/lib/metrics/processOpenFileDescriptors.js";
import processMaxFileDescriptors from "prom-client/lib/metrics/processMaxFileDescriptors.js";
import heapSizeAndUsed from "prom-client/lib/metrics/heapSizeAndUsed.js";
import version from "prom-client/lib/metrics/version.js";

type Collector = (registry: client.Registry, config: { prefix: string }) => void;

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
  /** Sampling period of the event-loop lag monitor while active, in ms (default 20). */
  lagResolutionMs?: number;
  /** How long after the last call the lag monitor goes to sleep, in ms (default 10 000). */
  lagIdleAfterMs?: number;
}

/** Samples kept per scrape window at most (older ones are overwritten at random). */
const MAX_SAMPLES = 4096;

/**
 * Samples event-loop lag while the process is busy: a timer that should
 * fire every `resolutionMs` notes how late it fires. {@linkcode touch} on
 * each call wakes it; `idleAfterMs` without a call puts it to sleep.
 * (Deno's `perf_hooks.monitorEventLoopDelay` does not see the loop being
 * blocked — it reported 2 µs across an 80 ms busy loop — hence this.)
 *
 * @example
 * ```ts
 * import client from "prom-client";
 * import { EventLoopLag } from "./process.ts";
 * const registry = new client.Registry();
 * const lag = new EventLoopLag(registry, "", 20, 10_000);
 * lag.touch();
 * console.log(lag.sampling); // true
 * lag.close();
 * ```
 */
export class EventLoopLag {
  readonly #resolutionMs: number;
  readonly #idleAfterMs: number;
  /** Lag samples (ms) since the last scrape. */
  #samples: number[] = [];
  #seen = 0;
  #calls = 0;
  #lastActive = 0;
  #expected = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    registry: client.Registry,
    prefix: string,
    resolutionMs: number,
    idleAfterMs: number,
  ) {
    this.#resolutionMs = resolutionMs;
    this.#idleAfterMs = idleAfterMs;
    let window: number[] = [];
    const at = (q: number) =>
      window.length === 0 ? 0 : window[Math.min(window.length - 1, Math.floor(q * window.length))];
    const take = () => this.#take();
    const family = (name: string, help: string, value: () => number, first = false) =>
      new client.Gauge({
        name: `${prefix}nodejs_eventloop_lag_${name}_seconds`,
        help,
        registers: [registry],
        collect() {
          // The first one read takes the window's samples; the others read them too.
          if (first) window = take();
          this.set(value() / 1000);
        },
      });
    family(
      "max",
      "Longest event-loop lag since the last scrape (sampled while busy).",
      () => window.length === 0 ? 0 : window[window.length - 1],
      true,
    );
    family(
      "p50",
      "Median event-loop lag since the last scrape (sampled while busy).",
      () => at(0.5),
    );
    family(
      "p90",
      "90th percentile event-loop lag since the last scrape (sampled while busy).",
      () => at(0.9),
    );
    family(
      "p99",
      "99th percentile event-loop lag since the last scrape (sampled while busy).",
      () => at(0.99),
    );
    family(
      "mean",
      "Mean event-loop lag since the last scrape (sampled while busy).",
      () => window.length === 0 ? 0 : window.reduce((a, b) => a + b, 0) / window.length,
    );
  }

  /** Whether lag is being sampled now. */
  get sampling(): boolean {
    return this.#timer !== undefined;
  }

  /** A call came in: sample (again) if asleep. */
  touch(): void {
    this.#calls++;
    if (this.#timer !== undefined) return;
    this.#lastActive = performance.now();
    this.#seen = this.#calls;
    this.#expected = this.#lastActive + this.#resolutionMs;
    this.#timer = setTimeout(this.#tick, this.#resolutionMs);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  #tick = (): void => {
    const now = performance.now();
    this.#record(Math.max(0, now - this.#expected));
    if (this.#calls !== this.#seen) {
      this.#seen = this.#calls;
      this.#lastActive = now;
    } else if (now - this.#lastActive >= this.#idleAfterMs) {
      this.#timer = undefined; // idle: asleep until the next call
      return;
    }
    this.#expected = now + this.#resolutionMs;
    this.#timer = setTimeout(this.#tick, this.#resolutionMs);
    Deno.unrefTimer(this.#timer as unknown as number);
  };

  #record(ms: number): void {
    if (this.#samples.length < MAX_SAMPLES) this.#samples.push(ms);
    else this.#samples[Math.floor(Math.random() * MAX_SAMPLES)] = ms;
  }

  /** The window's samples, sorted; a new window starts. */
  #take(): number[] {
    const out = this.#samples.sort((a, b) => a - b);
    this.#samples = [];
    return out;
  }

  /** Stops sampling for good. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Registers the process's metrics in `registry`; returns the event-loop
 * lag monitor (call its `touch()` per call).
 *
 * @example
 * ```ts
 * import client from "prom-client";
 * import { collectProcessMetrics } from "./process.ts";
 * const registry = new client.Registry();
 * const lag = collectProcessMetrics(registry, { procfs: false });
 * console.log((await registry.metrics()).includes("process_resident_memory_bytes")); // true
 * lag.close();
 * ```
 */
export function collectProcessMetrics(
  registry: client.Registry,
  options: ProcessMetricsOptions = {},
): EventLoopLag {
  const prefix = options.prefix ?? "";
  const procfs = options.procfs ??
    Deno.permissions.querySync({ name: "read", path: "/proc/self" }).state === "granted";
  const collectors: Collector[] = [
    processCpuTotal,
    processStartTime,
    heapSizeAndUsed,
    version,
    ...(procfs ? [osMemoryHeap, processOpenFileDescriptors, processMaxFileDescriptors] : []),
  ] as Collector[];
  for (const collect of collectors) collect(registry, { prefix });
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
  return new EventLoopLag(
    registry,
    prefix,
    options.lagResolutionMs ?? 20,
    options.lagIdleAfterMs ?? 10_000,
  );
}
