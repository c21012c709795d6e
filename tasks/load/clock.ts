/**
 * The open loop's clock: releases calls when they are due, by their index
 * in the {@linkcode Schedule}.
 *
 * Deno's timers have ≈1 ms granularity and fire ≈1 ms late, and a call's
 * latency counts from its intended send time, so timer lag would add to
 * every measured latency. {@linkcode ThreadClock} therefore waits on a
 * thread of its own with `Atomics.wait` (sub-millisecond, no spinning) and
 * posts each release to the generator (measured at 1,000 calls/s: calls go
 * out ≈0.15 ms after their due time at p50 when released exactly on time,
 * against ≈1 ms and more with `setTimeout`; it releases them 0.15 ms early
 * to make up for that).
 * {@linkcode TimerClock} uses `setTimeout`, releasing calls up to 1.5 ms
 * early instead of late; it is the fallback where a worker cannot start.
 *
 * @module
 */
import type { Profile } from "./flags.ts";
import { Schedule } from "./profile.ts";

/** What a clock releases: the calls `k ≡ index (mod of)` of this schedule. */
export interface ClockSpec {
  rps: number;
  profile: Profile;
  warmupS: number;
  durationS?: number;
  requests?: number;
  index: number;
  of: number;
  /** When the measured time starts (epoch ms; the warm-up is before). */
  zeroEpoch: number;
}

/** Callbacks of a clock. */
export interface ClockEvents {
  /** Every call with index `< upTo` is due. */
  due(upTo: number): void;
  /** The schedule has no more calls. */
  end(): void;
}

/**
 * A running clock.
 *
 * @example
 * ```ts ignore
 * import { prepareClock } from "./clock.ts";
 * const clock = (await prepareClock()).start(spec, { due: (upTo) => {}, end: () => {} });
 * clock.stop();
 * ```
 */
export interface Clock {
  /** Stops releasing calls. */
  stop(): void;
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Release this early (ms): about what the message to the generator takes (measured). */
const THREAD_EARLY_MS = 0.15;
/** {@linkcode TimerClock}: release calls due within this many ms. */
const TIMER_LOOKAHEAD_MS = 1.5;

/**
 * The clock loop a {@linkcode ThreadClock} worker runs: blocks in
 * `Atomics.wait` until the next call is due, then reports it; returns when
 * the schedule ends or `stopFlag[0]` becomes non-zero.
 *
 * @example
 * ```ts ignore
 * import { runClockLoop } from "./clock.ts";
 * runClockLoop(spec, new Int32Array(new SharedArrayBuffer(4)), (m) => console.log(m));
 * ```
 */
export function runClockLoop(
  spec: ClockSpec,
  stopFlag: Int32Array,
  post: (message: { upTo: number } | { end: true }) => void,
): void {
  const s = new Schedule(spec.rps, spec.profile, spec.warmupS, spec.durationS, spec.requests);
  const at = (k: number) => {
    const t = s.timeOf(k);
    return t === undefined ? undefined : spec.zeroEpoch + t * 1000;
  };
  let k = spec.index;
  for (;;) {
    if (Atomics.load(stopFlag, 0) !== 0) return;
    const target = at(k);
    if (target === undefined) {
      post({ end: true });
      return;
    }
    const now = epochNow();
    if (target > now + THREAD_EARLY_MS) {
      Atomics.wait(stopFlag, 0, 0, target - now - THREAD_EARLY_MS);
      continue;
    }
    let upTo = k + spec.of;
    for (;;) {
      const next = at(upTo);
      if (next === undefined || next > now + THREAD_EARLY_MS) break;
      upTo += spec.of;
    }
    k = upTo;
    post({ upTo });
  }
}

/**
 * A clock on a worker thread of its own (see the module doc). The worker is
 * started ahead ({@linkcode ThreadClock.spawn}: starting a worker takes
 * tens to hundreds of milliseconds) and told the schedule when the run
 * starts.
 *
 * @example
 * ```ts ignore
 * import { ThreadClock } from "./clock.ts";
 * const clock = await ThreadClock.spawn();
 * clock.start(spec, events);
 * clock.stop();
 * ```
 */
export class ThreadClock implements Clock {
  #worker: Worker;
  #flag = new Int32Array(new SharedArrayBuffer(4));
  #events?: ClockEvents;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the clock's worker; rejects when it cannot start. */
  static spawn(): Promise<ThreadClock> {
    const worker = new Worker(new URL("./clock_worker.ts", import.meta.url), { type: "module" });
    const clock = new ThreadClock(worker);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.onmessage = (
        e: MessageEvent<{ ready: true } | { pong: true } | { upTo: number } | { end: true }>,
      ) => {
        const m = e.data;
        if ("ready" in m) {
          // A round trip before the run: a new worker can take a while to
          // answer its first message (e.g. ≈400 ms under --coverage).
          worker.postMessage({ ping: true });
        } else if ("pong" in m) {
          started = true;
          resolve(clock);
        } else if ("upTo" in m) {
          clock.#events?.due(m.upTo);
        } else {
          clock.#events?.end();
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        if (!started) {
          worker.terminate();
          reject(new Error(`clock worker failed: ${e.message}`));
        }
      };
    });
  }

  /** Starts releasing the calls of `spec`. */
  start(spec: ClockSpec, events: ClockEvents): this {
    this.#events = events;
    this.#worker.postMessage({ spec, flag: this.#flag.buffer });
    return this;
  }

  stop(): void {
    Atomics.store(this.#flag, 0, 1);
    Atomics.notify(this.#flag, 0);
    this.#worker.terminate();
  }
}

/**
 * A clock on `setTimeout` (see the module doc).
 *
 * @example
 * ```ts ignore
 * import { TimerClock } from "./clock.ts";
 * const clock = new TimerClock(spec, events);
 * clock.stop();
 * ```
 */
export class TimerClock implements Clock {
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  constructor(spec: ClockSpec, events: ClockEvents) {
    const s = new Schedule(spec.rps, spec.profile, spec.warmupS, spec.durationS, spec.requests);
    let k = spec.index;
    const tick = () => {
      if (this.#stopped) return;
      const now = epochNow();
      let upTo = k;
      for (;;) {
        const t = s.timeOf(upTo);
        if (t === undefined) {
          if (upTo > k) events.due(upTo);
          events.end();
          return;
        }
        const at = spec.zeroEpoch + t * 1000;
        if (at > now + TIMER_LOOKAHEAD_MS) {
          if (upTo > k) events.due(upTo);
          k = upTo;
          this.#timer = setTimeout(tick, Math.max(0, at - now - TIMER_LOOKAHEAD_MS));
          return;
        }
        upTo += spec.of;
      }
    };
    tick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}

/** A prepared clock: `start` it once, or `dispose` of it unused. */
export interface ClockStarter {
  start(spec: ClockSpec, events: ClockEvents): Clock;
  dispose(): void;
}

/**
 * Prepares a {@linkcode ThreadClock}, or a {@linkcode TimerClock} when a
 * worker cannot start (e.g. a compiled binary without the worker module).
 *
 * @example
 * ```ts ignore
 * import { prepareClock } from "./clock.ts";
 * const prepared = await prepareClock();
 * const clock = prepared.start(spec, events);
 * ```
 */
export async function prepareClock(): Promise<ClockStarter> {
  try {
    const clock = await ThreadClock.spawn();
    return { start: (spec, events) => clock.start(spec, events), dispose: () => clock.stop() };
  } catch {
    return { start: (spec, events) => new TimerClock(spec, events), dispose: () => {} };
  }
}
