/**
 * Deadlines that share timers. Every call has a deadline and almost every
 * call ends long before it: a `setTimeout` per call (a Node `Timeout` where
 * npm packages are loaded) is created and cleared for nothing. Measured in
 * CPU profiles of the proxy and the redis plugin at 64 calls in flight, the
 * timers were 8–10% of each process's CPU, and their objects a good part of
 * what the collector copied. Here a deadline is an entry in a bucket of
 * `resolutionMs` (5 ms), and one timer waits for the earliest bucket that
 * still holds an entry: adding and removing a deadline touch a `Set` only.
 * A deadline fires at most `resolutionMs` late, never early.
 *
 * @module
 */

/** What a deadline fires.
 *
 * @example
 * ```ts
 * import type { Expiring } from "./deadline_timers.ts";
 * const item: Expiring = { expire: () => console.log("too late") };
 * item.expire(); // "too late"
 * ```
 */
export interface Expiring {
  /** Called once the deadline passed (at most the resolution late). */
  expire(): void;
}

/**
 * Deadlines (`Date.now()` milliseconds) sharing one timer.
 *
 * @example
 * ```ts
 * import { DeadlineTimers } from "./deadline_timers.ts";
 * const timers = new DeadlineTimers();
 * const fired = Promise.withResolvers<number>();
 * const at = Date.now() + 20;
 * timers.add(at, { expire: () => fired.resolve(Date.now()) });
 * const late = (await fired.promise) - at;
 * console.log(late >= 0); // true
 * const forgotten = { expire: () => console.log("never") };
 * timers.add(Date.now() + 10, forgotten);
 * timers.delete(Date.now() + 10, forgotten); // the same bucket: nothing fires
 * ```
 */
export class DeadlineTimers {
  readonly resolutionMs: number;
  /** Entries by bucket (the bucket's end, a multiple of the resolution). */
  readonly #buckets = new Map<number, Set<Expiring>>();
  /** The buckets' ends, ascending (may hold ends of buckets already emptied). */
  #ends: number[] = [];
  #timer: number | undefined;
  #timerAt = Infinity;
  #size = 0;

  constructor(resolutionMs = 5) {
    if (!(Number.isInteger(resolutionMs) && resolutionMs > 0)) {
      throw new RangeError(
        `Cannot share deadline timers as 'resolutionMs' must be a positive integer: current value is ${resolutionMs}`,
      );
    }
    this.resolutionMs = resolutionMs;
  }

  /** Deadlines waiting. */
  get size(): number {
    return this.#size;
  }

  #end(at: number): number {
    return Math.ceil(at / this.resolutionMs) * this.resolutionMs;
  }

  /** Calls `item.expire()` once `at` (a `Date.now()` time) passed, unless deleted first. */
  add(at: number, item: Expiring): void {
    const end = this.#end(at);
    let bucket = this.#buckets.get(end);
    if (bucket === undefined) {
      bucket = new Set();
      this.#buckets.set(end, bucket);
      this.#insert(end);
    }
    if (bucket.has(item)) return;
    bucket.add(item);
    this.#size++;
    if (end < this.#timerAt) this.#arm(end);
  }

  /** Forgets `item`'s deadline `at` (the time it was added with). */
  delete(at: number, item: Expiring): void {
    const end = this.#end(at);
    const bucket = this.#buckets.get(end);
    if (bucket === undefined || !bucket.delete(item)) return;
    this.#size--;
    if (bucket.size === 0) this.#buckets.delete(end);
    // The timer stays: it finds the next bucket when it fires (cheaper than re-arming per call).
  }

  #insert(end: number): void {
    const ends = this.#ends;
    let i = ends.length;
    while (i > 0 && ends[i - 1] > end) i--; // new buckets are almost always the latest
    if (i > 0 && ends[i - 1] === end) return; // emptied and filled again: listed already
    if (i === ends.length) ends.push(end);
    else ends.splice(i, 0, end);
  }

  #arm(end: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = end;
    // A timer longer than 2³¹−1 ms fires at once in Node's timers (with a
    // warning) and would spin: wait at most that long, then look again.
    const delay = Math.min(Math.max(0, end - Date.now()), MAX_TIMER_MS);
    this.#timer = setTimeout(this.#fire, delay) as unknown as number;
  }

  #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    const ends = this.#ends;
    let i = 0;
    for (; i < ends.length && ends[i] <= now; i++) {
      const bucket = this.#buckets.get(ends[i]);
      if (bucket === undefined) continue;
      this.#buckets.delete(ends[i]);
      this.#size -= bucket.size;
      for (const item of bucket) {
        try {
          item.expire();
        } catch (err) {
          reportError(err);
        }
      }
    }
    ends.splice(0, i);
    // Skip buckets emptied meanwhile; wait for the first that holds something.
    let j = 0;
    while (j < ends.length && !this.#buckets.has(ends[j])) j++;
    ends.splice(0, j);
    if (ends.length > 0) this.#arm(ends[0]);
  };
}

/** The longest delay `setTimeout` takes (2³¹−1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The process's shared deadline timers (5 ms resolution).
 *
 * @example
 * ```ts
 * import { deadlineTimers } from "./deadline_timers.ts";
 * console.log(deadlineTimers.resolutionMs); // 5
 * ```
 */
export const deadlineTimers: DeadlineTimers = new DeadlineTimers();
