/**
 * Aggregates the samples generators report: totals, errors by gRPC status
 * name, per-op breakdown, and a per-second time series (by send time).
 *
 * @module
 */
import { statusName } from "../../proto/status.ts";
import type { SampleBatch } from "./generator.ts";
import { LatencyHistogram } from "./histogram.ts";

/** One op's share of a run. */
export interface OpStats {
  op: string;
  requests: number;
  errors: Record<string, number>;
  histogram: LatencyHistogram;
}

/** One second of the run (calls sent in it). */
export interface SecondStats {
  /** Seconds since the end of the warm-up: this bucket is [t, t+1). */
  t: number;
  requests: number;
  errors: number;
  histogram: LatencyHistogram;
}

/**
 * The running tally of a load run.
 *
 * @example
 * ```ts
 * import { Stats } from "./stats.ts";
 * const s = new Stats(["get"], { openLoop: true });
 * s.add({
 *   count: 2, sent: new Float64Array([10, 1200]), latencyUs: new Float64Array([500, 900]),
 *   lagUs: new Float64Array([0, 300]), op: new Uint8Array([0, 0]), status: new Uint8Array([0, 5]),
 *   messages: { 5: "no such key" },
 * });
 * console.log(s.requests, s.errors, s.series.length); // 2 { NOT_FOUND: 1 } 2
 * console.log(s.sendLag.percentiles().max); // 0.3
 * console.log(s.fromSend.percentiles().max); // 0.6
 * ```
 */
export class Stats {
  readonly total: LatencyHistogram = new LatencyHistogram();
  /**
   * Open loop: how late calls left after their due time (the load tester's
   * own delay, part of each latency; see `SampleBatch.lagUs`).
   */
  readonly sendLag: LatencyHistogram = new LatencyHistogram();
  /**
   * Open loop: latencies counted from when each call left instead of its due
   * time (latency minus send lag): what clients that time from the send, such
   * as ghz, report.
   */
  readonly fromSend: LatencyHistogram = new LatencyHistogram();
  readonly ops: OpStats[];
  readonly errors: Record<string, number> = {};
  readonly messages: Record<string, string> = {};
  readonly series: SecondStats[] = [];
  requests = 0;
  errorCount = 0;
  /** When the last call completed, in ms since the end of the warm-up. */
  lastCompletionMs = 0;

  readonly #openLoop: boolean;

  /** `openLoop`: the run has due times, so its send lag is recorded (a closed loop's is always 0). */
  constructor(ops: string[], options: { openLoop?: boolean } = {}) {
    this.#openLoop = options.openLoop ?? false;
    this.ops = ops.map((op) => ({
      op,
      requests: 0,
      errors: {},
      histogram: new LatencyHistogram(),
    }));
  }

  /** Adds a batch of samples. */
  add(batch: SampleBatch): void {
    for (const [code, message] of Object.entries(batch.messages)) {
      const name = statusName(Number(code));
      if (!(name in this.messages)) this.messages[name] = message;
    }
    for (let i = 0; i < batch.count; i++) {
      const us = batch.latencyUs[i];
      const sent = batch.sent[i];
      const op = this.ops[batch.op[i]];
      const status = batch.status[i];
      this.requests++;
      op.requests++;
      this.total.record(us);
      if (this.#openLoop) {
        const lag = batch.lagUs[i];
        this.sendLag.record(lag);
        this.fromSend.record(us - lag);
      }
      op.histogram.record(us);
      const second = Math.max(0, Math.floor(sent / 1000));
      let bucket = this.series[second];
      if (!bucket) {
        for (let t = this.series.length; t <= second; t++) {
          this.series[t] = { t, requests: 0, errors: 0, histogram: new LatencyHistogram(2) };
        }
        bucket = this.series[second];
      }
      bucket.requests++;
      bucket.histogram.record(us);
      if (status !== 0) {
        const name = statusName(status);
        this.errorCount++;
        this.errors[name] = (this.errors[name] ?? 0) + 1;
        op.errors[name] = (op.errors[name] ?? 0) + 1;
        bucket.errors++;
      }
      const done = sent + us / 1000;
      if (done > this.lastCompletionMs) this.lastCompletionMs = done;
    }
  }

  /** Errors / requests (0 when no request completed). */
  get errorRate(): number {
    return this.requests === 0 ? 0 : this.errorCount / this.requests;
  }
}
