/**
 * Load profiles: the share of the target load (rate with `--rps`, calls in
 * flight otherwise) over the measured duration, and for the open loop the
 * exact send schedule that follows from it.
 *
 * - `constant`: 100% throughout;
 * - `ramp`: from 0 to 100%, linearly over the duration;
 * - `spike`: 25% base, a burst at 100% from 50% to 70% of the duration,
 *   then the base again.
 *
 * The warm-up always runs at 100% of the target.
 *
 * @module
 */
import type { Profile } from "./flags.ts";

/** Share of the target in the `spike` profile's base. */
export const SPIKE_BASE = 0.25;
/** The `spike` burst, as fractions of the duration. */
export const SPIKE_WINDOW = [0.5, 0.7] as const;

/** A stretch of time in seconds where the rate goes linearly from `r0` to `r1` (calls/s). */
interface Segment {
  t0: number;
  t1: number;
  r0: number;
  r1: number;
  /** Calls scheduled before `t0`. */
  c0: number;
}

/**
 * The share of the target load at `t` seconds into the measured duration
 * (`durationS`; before 0 is warm-up: 1).
 *
 * @example
 * ```ts
 * import { levelAt } from "./profile.ts";
 * console.log(levelAt("ramp", 5, 10), levelAt("spike", 1, 10), levelAt("spike", 6, 10)); // 0.5 0.25 1
 * ```
 */
export function levelAt(profile: Profile, t: number, durationS: number): number {
  if (t < 0 || profile === "constant") return 1;
  const x = Math.min(1, t / durationS);
  if (profile === "ramp") return x;
  return x >= SPIKE_WINDOW[0] && x < SPIKE_WINDOW[1] ? 1 : SPIKE_BASE;
}

/**
 * The open loop's send schedule: call number `k` (0, 1, 2, ...) is due at
 * `timeOf(k)` seconds, where 0 is the end of the warm-up; the warm-up
 * starts at `-warmupS`. Calls are spread so that the number due by time
 * `t` is the integral of the rate up to `t`.
 *
 * @example
 * ```ts
 * import { Schedule } from "./profile.ts";
 * const s = new Schedule(100, "constant", 0, 10);
 * console.log(s.timeOf(0), s.timeOf(50), s.total); // 0 0.5 1000
 * ```
 */
export class Schedule {
  readonly #segments: Segment[] = [];
  /** Calls in the warm-up. */
  readonly warmupCalls: number;
  /** All calls, warm-up included (Infinity without an end). */
  readonly total: number;

  /**
   * `rps`: target rate; `durationS`: measured duration, or undefined to
   * go on at the target rate until `requests` measured calls.
   */
  constructor(
    rps: number,
    profile: Profile,
    warmupS: number,
    durationS?: number,
    requests?: number,
  ) {
    const segs: Omit<Segment, "c0">[] = [];
    if (warmupS > 0) segs.push({ t0: -warmupS, t1: 0, r0: rps, r1: rps });
    if (durationS === undefined) {
      segs.push({ t0: 0, t1: Infinity, r0: rps, r1: rps });
    } else if (profile === "constant") {
      segs.push({ t0: 0, t1: durationS, r0: rps, r1: rps });
    } else if (profile === "ramp") {
      segs.push({ t0: 0, t1: durationS, r0: 0, r1: rps });
    } else {
      const [a, b] = SPIKE_WINDOW.map((f) => f * durationS);
      const base = rps * SPIKE_BASE;
      segs.push({ t0: 0, t1: a, r0: base, r1: base });
      segs.push({ t0: a, t1: b, r0: rps, r1: rps });
      segs.push({ t0: b, t1: durationS, r0: base, r1: base });
    }
    let c = 0;
    for (const s of segs) {
      this.#segments.push({ ...s, c0: c });
      c += s.t1 === Infinity ? Infinity : (s.r0 + s.r1) / 2 * (s.t1 - s.t0);
    }
    this.warmupCalls = Math.ceil(warmupS * rps - 1e-9);
    this.total = requests !== undefined
      ? this.warmupCalls + requests
      : durationS === undefined
      ? Infinity
      : Math.floor(c + 1e-9);
  }

  /** When call `k` is due (seconds; 0 = end of warm-up); undefined past the end. */
  timeOf(k: number): number | undefined {
    if (k >= this.total) return undefined;
    for (const s of this.#segments) {
      const span = s.t1 - s.t0;
      const inSeg = s.t1 === Infinity ? Infinity : (s.r0 + s.r1) / 2 * span;
      const m = k - s.c0;
      if (m >= inSeg) continue;
      if (s.r0 === s.r1) return s.t0 + m / s.r0;
      const a = (s.r1 - s.r0) / span;
      return s.t0 + (-s.r0 + Math.sqrt(s.r0 * s.r0 + 2 * a * m)) / a;
    }
    return undefined;
  }
}
