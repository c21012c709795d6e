/**
 * The proxy's Prometheus metrics (CONTRACT §8), built on `prom-client`:
 * calls by namespace, method and status, their durations, calls in flight,
 * backend and plugin state, memstore use, the process's CPU, memory and
 * event-loop lag — and each plugin's own metrics, gathered when scraped.
 *
 * The hot path costs one counter increment and one histogram observation
 * per call on children bound once per (namespace, method), about 0.5 µs
 * (measured: `deno task bench`, "metrics" rows); everything else is read
 * when `/metrics` is scraped.
 *
 * @module
 */
import client from "prom-client";
import { statusName } from "../../proto/status.ts";
import { collectProcessMetrics, type EventLoopLag } from "../../proto/metrics/process.ts";

/** Upper bounds (seconds) of the call duration histogram's buckets: 100 µs to 10 s.
 *
 * @example
 * ```ts
 * import { DURATION_BUCKETS } from "./metrics.ts";
 * console.log(DURATION_BUCKETS[0]); // 0.0001
 * ```
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** The statuses a plugin's health can have, as the `status` label of `prism_plugin_health`. */
const PLUGIN_HEALTH = ["HEALTHY", "DEGRADED", "UNHEALTHY", "UNKNOWN"] as const;

type Labels<K extends string> = client.LabelValues<K>;

/**
 * The counters of one method on one namespace: what the router tags a
 * call with once it knows the namespace.
 *
 * @example
 * ```ts
 * import { ProxyMetrics } from "./metrics.ts";
 * const metrics = new ProxyMetrics({ process: false });
 * const stats = metrics.stats("default", "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get");
 * stats.inFlight++;
 * stats.end(0, 0.0004);
 * console.log(stats.method, stats.inFlight); // "Get" 0
 * ```
 */
export class CallStats {
  /** The namespace, or "" for calls that named no configured namespace. */
  readonly namespace: string;
  /** The RPC's name, e.g. `Get`. */
  readonly method: string;
  /** The method's full path. */
  readonly path: string;
  /** Calls in flight (the router counts them up, {@linkcode end} down). */
  inFlight = 0;
  readonly #requests: client.Counter<"namespace" | "method" | "code">;
  readonly #byCode: (client.Counter.Internal | undefined)[] = [];
  readonly #duration: client.Histogram.Internal<"namespace" | "method">;

  constructor(
    namespace: string,
    path: string,
    requests: client.Counter<"namespace" | "method" | "code">,
    duration: client.Histogram<"namespace" | "method">,
  ) {
    this.namespace = namespace;
    this.path = path;
    this.method = path.slice(path.lastIndexOf("/") + 1);
    this.#requests = requests;
    this.#duration = duration.labels(namespace, this.method);
  }

  /** Counts a call that was in flight as over, with its status and duration. */
  end(code: number, seconds: number): void {
    this.inFlight--;
    this.record(code, seconds);
  }

  /** Counts a call that was never counted in flight (refused before routing). */
  record(code: number, seconds: number): void {
    const counter = this.#byCode[code] ??= this.#requests.labels(
      this.namespace,
      this.method,
      statusName(code),
    );
    counter.inc();
    this.#duration.observe(seconds);
  }
}

/**
 * One namespace as the metrics see it, read when scraped.
 *
 * @example
 * ```ts
 * import type { NamespaceSample } from "./metrics.ts";
 * const s: NamespaceSample = { name: "cache", backend: "redis", serving: true,
 *   plugin: { restarts: 0, health: "HEALTHY" } };
 * console.log(s.plugin?.health);
 * ```
 */
export interface NamespaceSample {
  name: string;
  backend: string;
  /** Whether the namespace is SERVING. */
  serving: boolean;
  /** A plugin backend's process. */
  plugin?: { restarts: number; health: string };
  /** A memstore backend's store. */
  memstore?: { usedBytes: number; capacityBytes: number; keys: number; expiredKeys: number };
}

/**
 * A plugin's own metrics, as its registry's `getMetricsAsJSON()` gave them.
 *
 * @example
 * ```ts
 * import type { PluginMetrics } from "./metrics.ts";
 * const p: PluginMetrics = { namespace: "cache", plugin: "redis", families: [] };
 * console.log(p.families.length); // 0
 * ```
 */
export interface PluginMetrics {
  namespace: string;
  plugin: string;
  families: client.MetricObjectWithValues<client.MetricValue<string>>[];
}

/**
 * Where the metrics read the proxy's state when scraped.
 *
 * @example
 * ```ts
 * import type { MetricsSource } from "./metrics.ts";
 * const source: MetricsSource = { namespaces: () => [], plugins: () => Promise.resolve([]) };
 * console.log(source.namespaces().length); // 0
 * ```
 */
export interface MetricsSource {
  namespaces(): NamespaceSample[];
  /** Each running plugin's metrics (a plugin that does not answer in time is left out). */
  plugins(): Promise<PluginMetrics[]>;
}

/**
 * Settings of {@linkcode ProxyMetrics}.
 *
 * @example
 * ```ts
 * import type { ProxyMetricsOptions } from "./metrics.ts";
 * const options: ProxyMetricsOptions = { process: true, version: "0.1.0" };
 * console.log(options.process);
 * ```
 */
export interface ProxyMetricsOptions {
  /** Data method paths: their calls are counted even when refused before routing. */
  dataMethods?: readonly string[];
  /** The process's CPU, memory and event-loop lag (default true). */
  process?: boolean;
  /** The `version` label of `prism_build_info`. */
  version?: string;
}

/**
 * The proxy's metrics registry.
 *
 * @example
 * ```ts
 * import { ProxyMetrics } from "./metrics.ts";
 * const metrics = new ProxyMetrics({ process: false });
 * metrics.stats("default", "/prism.interfaces.keyvalue.KeyValueBasicInterface/Set").record(0, 0.001);
 * const text = await metrics.render();
 * console.log(text.includes('prism_requests_total{namespace="default",method="Set",code="OK"} 1')); // true
 * ```
 */
export class ProxyMetrics {
  /** The registry (for the proxy's own metrics). */
  readonly registry: client.Registry = new client.Registry();
  readonly #requests: client.Counter<"namespace" | "method" | "code">;
  readonly #duration: client.Histogram<"namespace" | "method">;
  readonly #stats = new Map<string, CallStats>();
  readonly #unrouted = new Map<string, CallStats>();
  #source: MetricsSource | undefined;
  #lag: EventLoopLag | undefined;

  constructor(options: ProxyMetricsOptions = {}) {
    const registers = [this.registry];
    this.#requests = new client.Counter({
      name: "prism_requests_total",
      help: "Data calls by namespace, method and gRPC status",
      labelNames: ["namespace", "method", "code"],
      registers,
    });
    this.#duration = new client.Histogram({
      name: "prism_request_duration_seconds",
      help: "Data call duration in seconds, from the request's headers to the status",
      labelNames: ["namespace", "method"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    for (const path of options.dataMethods ?? []) {
      this.#unrouted.set(path, new CallStats("", path, this.#requests, this.#duration));
    }
    this.#gauges(registers, options.version ?? "unknown");
    if (options.process ?? true) this.#lag = collectProcessMetrics(this.registry);
  }

  /** Sets where scrapes read namespaces and plugins. */
  setSource(source: MetricsSource): void {
    this.#source = source;
  }

  /** The counters of `path` on `namespace` (created on first use, then shared). */
  stats(namespace: string, path: string): CallStats {
    const key = `${namespace} ${path}`;
    let s = this.#stats.get(key);
    if (s === undefined) {
      s = new CallStats(namespace, path, this.#requests, this.#duration);
      this.#stats.set(key, s);
    }
    return s;
  }

  /**
   * Counts a call that is over: under `stats`, the counters the router
   * gave it, or, for a data method refused before routing, under namespace
   * "". Other calls (health, reflection) are not counted.
   */
  callEnded(
    call: { method: string; startedAt: number },
    code: number,
    stats: CallStats | undefined,
  ): void {
    this.#lag?.touch();
    const seconds = (performance.now() - call.startedAt) / 1000;
    if (stats !== undefined) stats.end(code, seconds);
    else this.#unrouted.get(call.method)?.record(code, seconds);
  }

  /** Calls in flight on `namespace`, or on all namespaces. */
  inFlight(namespace?: string): number {
    let n = 0;
    for (const s of this.#stats.values()) {
      if (namespace === undefined || s.namespace === namespace) n += s.inFlight;
    }
    return n;
  }

  /** The exposition: the proxy's metrics, then every plugin's (labelled with namespace and plugin). */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    const plugins = await this.#source?.plugins() ?? [];
    const arrays = plugins.map((p) =>
      p.families
        // A plugin cannot shadow the proxy's own series.
        .filter((f) => this.registry.getSingleMetric(f.name) === undefined)
        .map((f) => ({
          ...f,
          // One plugin per label set: "sum" keeps each value as it is.
          aggregator: "sum",
          values: f.values.map((v) => ({
            ...v,
            labels: { ...v.labels, namespace: p.namespace, plugin: p.plugin },
          })),
        }))
    );
    if (arrays.every((a) => a.length === 0)) return own;
    const merged = client.AggregatorRegistry.aggregate(arrays);
    return `${own}\n${await merged.metrics()}`;
  }

  /** Stops the event-loop lag monitor. */
  close(): void {
    this.#lag?.close();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #gauges(registers: client.Registry[], version: string): void {
    const source = () => this.#source?.namespaces() ?? [];
    const stats = () => this.#stats.values();
    new client.Gauge({
      name: "prism_build_info",
      help: "Always 1; the proxy's version as a label",
      labelNames: ["version"],
      registers,
    }).set({ version }, 1);
    new client.Gauge({
      name: "prism_requests_in_flight",
      help: "Data calls in flight by namespace (open subscriptions included)",
      labelNames: ["namespace"],
      registers,
      collect() {
        this.reset();
        const by = new Map<string, number>();
        for (const ns of source()) by.set(ns.name, 0);
        for (const s of stats()) by.set(s.namespace, (by.get(s.namespace) ?? 0) + s.inFlight);
        for (const [namespace, n] of by) this.set({ namespace }, n);
      },
    });
    new client.Gauge({
      name: "prism_pubsub_subscribers",
      help: "Open Subscribe streams by namespace",
      labelNames: ["namespace"],
      registers,
      collect() {
        this.reset();
        const by = new Map<string, number>();
        for (const ns of source()) by.set(ns.name, 0);
        for (const s of stats()) {
          if (s.method === "Subscribe") {
            by.set(s.namespace, (by.get(s.namespace) ?? 0) + s.inFlight);
          }
        }
        for (const [namespace, n] of by) this.set({ namespace }, n);
      },
    });
    new client.Gauge({
      name: "prism_backend_up",
      help: "1 when the namespace's backend is SERVING, else 0",
      labelNames: ["namespace", "backend"],
      registers,
      collect() {
        this.reset();
        for (const ns of source()) {
          this.set({ namespace: ns.name, backend: ns.backend }, ns.serving ? 1 : 0);
        }
      },
    });
    new client.Gauge({
      name: "prism_plugin_health",
      help:
        "1 for the plugin's current health status (HEALTHY, DEGRADED, UNHEALTHY, UNKNOWN), else 0",
      labelNames: ["namespace", "plugin", "status"],
      registers,
      collect() {
        this.reset();
        for (const ns of source()) {
          if (ns.plugin === undefined) continue;
          for (const s of PLUGIN_HEALTH) {
            const labels: Labels<"namespace" | "plugin" | "status"> = {
              namespace: ns.name,
              plugin: ns.backend,
              status: s,
            };
            this.set(labels, ns.plugin.health === s ? 1 : 0);
          }
        }
      },
    });
    monotonic(registers, {
      name: "prism_plugin_restarts_total",
      help: "Times a namespace's plugin process was restarted",
      labelNames: ["namespace", "plugin"],
      read: () =>
        source().flatMap((ns) =>
          ns.plugin ? [[{ namespace: ns.name, plugin: ns.backend }, ns.plugin.restarts]] : []
        ),
    });
    const memstore = (
      name: string,
      help: string,
      value: (m: NonNullable<NamespaceSample["memstore"]>) => number,
    ) =>
      new client.Gauge({
        name,
        help,
        labelNames: ["namespace"],
        registers,
        collect() {
          this.reset();
          for (const ns of source()) {
            if (ns.memstore) this.set({ namespace: ns.name }, value(ns.memstore));
          }
        },
      });
    memstore(
      "prism_memstore_bytes",
      "Bytes the memstore namespace uses in its WebAssembly memory",
      (m) => m.usedBytes,
    );
    memstore(
      "prism_memstore_limit_bytes",
      "The memstore namespace's memory cap (max_memory_mb) in bytes",
      (m) => m.capacityBytes,
    );
    memstore(
      "prism_memstore_keys",
      "Keys in the memstore namespace (expired ones not yet removed included)",
      (m) => m.keys,
    );
    monotonic(registers, {
      name: "prism_memstore_expired_keys_total",
      help: "Keys the memstore namespace removed because their TTL passed",
      labelNames: ["namespace"],
      read: () =>
        source().flatMap((ns) =>
          ns.memstore ? [[{ namespace: ns.name }, ns.memstore.expiredKeys]] : []
        ),
    });
  }
}

/**
 * A counter whose value is read from a source that only grows (restarts,
 * expirations): each scrape adds what grew since the last one.
 */
function monotonic<K extends string>(
  registers: client.Registry[],
  spec: {
    name: string;
    help: string;
    labelNames: K[];
    read: () => [Labels<K>, number][];
  },
): void {
  const last = new Map<string, number>();
  new client.Counter<K>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames,
    registers,
    collect() {
      for (const [labels, value] of spec.read()) {
        const key = JSON.stringify(labels);
        const grew = value - (last.get(key) ?? 0);
        last.set(key, value);
        this.inc(labels, grew > 0 ? grew : 0);
      }
    },
  });
}
