/**
 * The load tester's report: CONTRACT §6's scenario report
 * (`tasks/bench/report.ts`) plus the run's settings, the per-op breakdown,
 * the per-second time series and the latency histogram's bins. This is
 * what `--format json` prints; the text and HTML reports render it.
 *
 * @module
 */
import type { LatencyMs, ScenarioReport } from "../bench/report.ts";
import type { Bin } from "./histogram.ts";
import type { RunResult } from "./runner.ts";

/** One op's part of a run. */
export interface OpReport {
  requests: number;
  errors: Record<string, number>;
  throughput_rps: number;
  latency_ms: LatencyMs;
}

/** One second of a run (calls sent during it). */
export interface SecondReport {
  /** Start of the second, since the end of the warm-up. */
  t: number;
  requests: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
}

/**
 * The full JSON report.
 *
 * @example
 * ```ts ignore
 * import { buildReport } from "./report.ts";
 * const report = buildReport(result);
 * console.log(report.throughput_rps, report.latency_ms.p99);
 * ```
 */
export interface LoadReport extends ScenarioReport {
  started_at: string;
  profile: string;
  mode: "closed" | "open";
  connections: number;
  workers: number;
  warmup_s: number;
  value_size: number;
  keys: number;
  /** Errors / requests. */
  error_rate: number;
  max_error_rate: number;
  latency_mean_ms: number;
  /**
   * Open loop: how late calls left after their due time. Latencies count from
   * the due time, so this is the load tester's own share of them: when it is
   * large, the tester (or the CPU it shares with the target) fell behind.
   */
  send_lag_ms?: LatencyMs;
  /** Open loop: latencies counted from when each call left (as ghz counts them), not its due time. */
  latency_from_send_ms?: LatencyMs;
  /** Open loop: calls due in the measured window that were never sent. */
  unsent: number;
  /** Calls still in flight when the drain time ran out (not counted). */
  unfinished: number;
  /** The first message seen for each error status. */
  error_messages: Record<string, string>;
  ops: Record<string, OpReport>;
  series: SecondReport[];
  histogram: { from_ms: number; to_ms: number; count: number }[];
  warnings: string[];
  stopped_early: boolean;
}

/**
 * A latency summary's columns in the reports' order: min, p50, p90, p95,
 * p99, p99.9, max.
 *
 * @example
 * ```ts
 * import { latencyColumns } from "./report.ts";
 * const l = { min: 0.1, p50: 0.2, p90: 0.3, p95: 0.4, p99: 0.5, p999: 0.6, max: 0.7 };
 * console.log(latencyColumns(l)); // [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
 * ```
 */
export function latencyColumns(l: LatencyMs): number[] {
  return [l.min, l.p50, l.p90, l.p95, l.p99, l.p999, l.max];
}

/** A p99 send lag from which the report warns that the tester's own delay is in the latencies. */
export const SEND_LAG_WARN_MS = 1;

function rate(n: number, seconds: number): number {
  return seconds > 0 ? Math.round((n / seconds) * 100) / 100 : 0;
}

/**
 * Builds the report of a run.
 *
 * @example
 * ```ts ignore
 * import { buildReport } from "./report.ts";
 * console.log(JSON.stringify(buildReport(result), null, 2));
 * ```
 */
export function buildReport(result: RunResult): LoadReport {
  const { options: o, stats, elapsedS } = result;
  const ops: Record<string, OpReport> = {};
  for (const op of stats.ops) {
    ops[op.op] = {
      requests: op.requests,
      errors: op.errors,
      throughput_rps: rate(op.requests, elapsedS),
      latency_ms: op.histogram.percentiles(),
    };
  }
  const open = o.rps !== undefined;
  const sendLag = open ? stats.sendLag.percentiles() : undefined;
  const warnings = [...result.warnings];
  if (sendLag !== undefined && sendLag.p99 >= SEND_LAG_WARN_MS) {
    warnings.push(
      `1% of the calls left ${sendLag.p99} ms or more after their due time (at most ${sendLag.max} ms): ` +
        "the load tester fell behind its schedule (is its CPU shared with the target?), and the " +
        "latencies, which count from the due time, include that delay",
    );
  }
  const report: LoadReport = {
    op: o.op,
    namespace: o.namespace,
    target: o.target,
    concurrency: o.concurrency,
    duration_s: elapsedS,
    requests: stats.requests,
    errors: { ...stats.errors },
    throughput_rps: rate(stats.requests, elapsedS),
    latency_ms: stats.total.percentiles(),
    system: `gRPC server at ${o.target}`,
    driver: "prism load",
    ...(o.rps !== undefined ? { rps_target: o.rps } : {}),
    started_at: result.startedAt.toISOString(),
    profile: o.profile,
    mode: open ? "open" : "closed",
    connections: o.connections,
    workers: result.workers,
    warmup_s: o.warmupS,
    value_size: o.valueSize,
    keys: o.keys,
    error_rate: Math.round(stats.errorRate * 1e6) / 1e6,
    max_error_rate: o.maxErrorRate,
    latency_mean_ms: stats.total.meanMs,
    ...(sendLag !== undefined
      ? { send_lag_ms: sendLag, latency_from_send_ms: stats.fromSend.percentiles() }
      : {}),
    unsent: result.unsent,
    unfinished: result.unfinished,
    error_messages: { ...stats.messages },
    ops,
    series: stats.series.map((s) => ({
      t: s.t,
      requests: s.requests,
      errors: s.errors,
      p50_ms: s.histogram.valueAt(50),
      p99_ms: s.histogram.valueAt(99),
    })),
    histogram: stats.total.bins().map((b: Bin) => ({
      from_ms: b.fromMs,
      to_ms: b.toMs,
      count: b.count,
    })),
    warnings,
    stopped_early: result.stopped,
  };
  return report;
}
