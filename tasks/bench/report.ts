/**
 * The benchmark report format of CONTRACT §6 and helpers to build it.
 *
 * @module
 */

/** Latency percentiles in milliseconds. */
export interface LatencyMs {
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** One load scenario's result (CONTRACT §6 fields, plus context). */
export interface ScenarioReport {
  op: string;
  namespace: string;
  target: string;
  concurrency: number;
  duration_s: number;
  requests: number;
  errors: Record<string, number>;
  throughput_rps: number;
  latency_ms: LatencyMs;
  /** What was measured, e.g. "proxy→memstore" or "empty grpc-js handler". */
  system: string;
  /** The tool that generated the load. */
  driver: string;
  /** Fixed rate asked for (open loop), if any. */
  rps_target?: number;
  /** `prism load`'s open loop: how late calls left after their due time (the client's own delay). */
  send_lag_ms?: LatencyMs;
}

/** Percentiles from latencies in milliseconds (nearest-rank). */
export function percentiles(latenciesMs: number[]): LatencyMs {
  if (latenciesMs.length === 0) return { min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const s = Float64Array.from(latenciesMs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    min: r(s[0]),
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p95: r(at(0.95)),
    p99: r(at(0.99)),
    p999: r(at(0.999)),
    max: r(s[s.length - 1]),
  };
}

/** Machine facts recorded with every report. */
export function machineInfo(): Record<string, unknown> {
  return {
    os: `${Deno.build.os}-${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    memory_gib: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    loadavg: Deno.loadavg(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    date: new Date().toISOString(),
  };
}
