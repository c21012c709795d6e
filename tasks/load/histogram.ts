/**
 * Latency histograms: an HDR histogram (`hdr-histogram-js`, values in µs,
 * 1 µs to 60 s and beyond, 3 significant digits) for percentiles, plus
 * coarse log-scale bins (20 per decade) for the HTML report's chart.
 *
 * @module
 */
import * as hdr from "hdr-histogram-js";
import type { LatencyMs } from "../bench/report.ts";

/** Log-scale bins per decade of the chart bins. */
const BINS_PER_DECADE = 20;

/** One bin of {@linkcode LatencyHistogram.bins}. */
export interface Bin {
  fromMs: number;
  toMs: number;
  count: number;
}

/**
 * Latencies recorded in microseconds, read back in milliseconds.
 *
 * @example
 * ```ts
 * import { LatencyHistogram } from "./histogram.ts";
 * const h = new LatencyHistogram();
 * for (let us = 1; us <= 1000; us++) h.record(us * 10);
 * const p = h.percentiles();
 * console.log(h.count, p.min, p.p50, p.max); // 1000 0.01 5 10
 * ```
 */
export class LatencyHistogram {
  #h: hdr.Histogram;
  #bins: number[] = [];

  /** `digits`: significant digits kept (3: 0.1% precision; 2 for per-second histograms). */
  constructor(digits = 3) {
    this.#h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 60_000_000,
      numberOfSignificantValueDigits: digits as 1 | 2 | 3 | 4 | 5,
      autoResize: true,
    });
  }

  /** Records one latency in µs (at least 1). */
  record(us: number): void {
    const v = us < 1 ? 1 : Math.round(us);
    this.#h.recordValue(v);
    const bin = Math.floor(Math.log10(v) * BINS_PER_DECADE);
    this.#bins[bin] = (this.#bins[bin] ?? 0) + 1;
  }

  /** Values recorded. */
  get count(): number {
    return this.#h.totalCount;
  }

  /** Mean latency in ms. */
  get meanMs(): number {
    return this.count === 0 ? 0 : round3(this.#h.mean / 1000);
  }

  /** min, p50, p90, p95, p99, p99.9, max in ms (0s when empty). */
  percentiles(): LatencyMs {
    if (this.count === 0) return { min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const at = (p: number) => this.valueAt(p);
    return {
      min: round3(this.#h.minNonZeroValue / 1000),
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: round3(this.#h.maxValue / 1000),
    };
  }

  /**
   * The latency (ms) at percentile `p` (0..100). HDR answers with the top of
   * the value's bucket (up to 0.1% above it); the answer is clamped to the
   * recorded min and max so that no percentile reads above the max.
   */
  valueAt(p: number): number {
    if (this.count === 0) return 0;
    const us = this.#h.getValueAtPercentile(p);
    return round3(Math.min(this.#h.maxValue, Math.max(this.#h.minNonZeroValue, us)) / 1000);
  }

  /** Adds `other`'s values to this one. */
  add(other: LatencyHistogram): void {
    this.#h.add(other.#h);
    other.#bins.forEach((n, i) => (this.#bins[i] = (this.#bins[i] ?? 0) + n));
  }

  /** Log-scale bins from the lowest to the highest one used (empty ones included). */
  bins(): Bin[] {
    const used = Object.keys(this.#bins).map(Number);
    if (used.length === 0) return [];
    const lo = Math.min(...used);
    const hi = Math.max(...used);
    const out: Bin[] = [];
    for (let i = lo; i <= hi; i++) {
      out.push({
        fromMs: round3(10 ** (i / BINS_PER_DECADE) / 1000),
        toMs: round3(10 ** ((i + 1) / BINS_PER_DECADE) / 1000),
        count: this.#bins[i] ?? 0,
      });
    }
    return out;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
