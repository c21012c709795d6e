/**
 * Deadlines that share timers. Every call has a deadline and almost every
 * call ends long before it: a `setTimeout` per call (a Node `Timeout` where
 * npm packages are loaded) is created and cleared for nothing. Measured in
 * CPU profiles of the proxy and the redis plugin at 64 calls in flight, the
 * timers were 8–10% of each process's CPU, and their objects a good part of
 * what the collector copied. Here a deadline is an entry in a bucket of
 * `resolutionMs` (5 ms), and one timer waits for the earliest bucket that
 * still holds an entry. A deadline fires at most `resolutionMs` late, never
 * early.
 *
 * Adding and removing a deadline allocate nothing: an entry is linked into
 * its bucket through fields of the item itself (`dtBucket`, `dtPrev`,
 * `dtNext`), and emptied buckets are kept for reuse. A `Set` per bucket in a
 * `Map` by time, as before, reallocated their tables as calls came and went:
 * 106–108 B per call that outlived a young-generation collection in the
 * proxy under ghz at 1,000 calls/s, a quarter of all it promoted.
 *
 * @module
 */

/** A bucket of deadlines, as items see it (the timers' own bookkeeping).
 *
 * @example
 * ```ts
 * import type { DeadlineBucket } from "./deadline_timers.ts";
 * const b: DeadlineBucket = { end: 1_000 };
 * console.log(b.end); // 1000
 * ```
 */
export interface DeadlineBucket {
  /** When the bucket's deadlines fire (a multiple of the resolution, `Date.now()` ms). */
  readonly end: number;
}

/** What a deadline fires.
 *
 * The `dt*` fields are the timers' links while the deadline is set. An
 * item's owner never writes them; a class whose instances get deadlines
 * declares them (initialized to `undefined`) so that its objects keep one
 * shape. An item is in at most one {@linkcode DeadlineTimers} at a time.
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
  /** The bucket the item is in while its deadline is set. */
  dtBucket?: DeadlineBucket | undefined;
  /** The previous item of its bucket. */
  dtPrev?: Expiring | undefined;
  /** The next item of its bucket. */
  dtNext?: Expiring | undefined;
}

/**
 * An item that calls `expire` when its deadline passes, with the timers'
 * links declared (every such item has one shape): for callers that have no
 * class of their own to declare them in.
 *
 * @example
 * ```ts
 * import { deadlineTimers, expiring } from "./deadline_timers.ts";
 * const item = expiring(() => console.log("too late"));
 * deadlineTimers.add(Date.now() + 1000, item);
 * deadlineTimers.delete(Date.now() + 1000, item); // ended in time
 * console.log(deadlineTimers.size); // 0
 * ```
 */
export function expiring(expire: () => void): Expiring {
  return { expire, dtBucket: undefined, dtPrev: undefined, dtNext: undefined };
}

/** A bucket: its items, and its place among the buckets in time order. */
class Bucket implements DeadlineBucket {
  end = 0;
  /** The timers it belongs to. */
  owner: DeadlineTimers | undefined = undefined;
  /** Its items, oldest first. */
  head: Expiring | undefined = undefined;
  tail: Expiring | undefined = undefined;
  count = 0;
  prev: Bucket | undefined = undefined;
  next: Bucket | undefined = undefined;
}

/** Emptied buckets kept for reuse, at most. */
const SPARE_BUCKETS = 64;

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
 * timers.delete(Date.now() + 10, forgotten); // removed: nothing fires
 * ```
 */
export class DeadlineTimers {
  readonly resolutionMs: number;
  /** The buckets that hold deadlines, earliest first. */
  #first: Bucket | undefined;
  #last: Bucket | undefined;
  /** Emptied buckets, for reuse. */
  #spare: Bucket[] = [];
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

  /**
   * Calls `item.expire()` once `at` (a `Date.now()` time) passed, unless
   * deleted first. An item whose deadline is set already keeps it when `at`
   * falls in the same bucket, and moves otherwise.
   */
  add(at: number, item: Expiring): void {
    const end = this.#end(at);
    const current = item.dtBucket as Bucket | undefined;
    if (current !== undefined) {
      if (current.owner !== this) {
        throw new Error(
          `Cannot set a deadline at ${at} for an item that has one in other deadline timers (at ${current.end})`,
        );
      }
      if (current.end === end) return;
      this.#unlink(item, current);
    }
    const bucket = this.#bucketFor(end);
    const tail = bucket.tail;
    item.dtPrev = tail;
    item.dtNext = undefined;
    if (tail !== undefined) tail.dtNext = item;
    else bucket.head = item;
    bucket.tail = item;
    bucket.count++;
    item.dtBucket = bucket;
    this.#size++;
    if (end < this.#timerAt) this.#arm(end);
  }

  /** Forgets `item`'s deadline (`at`: the time it was added with; unused, kept for callers). */
  delete(_at: number, item: Expiring): void {
    const bucket = item.dtBucket as Bucket | undefined;
    if (bucket === undefined || bucket.owner !== this) return;
    this.#unlink(item, bucket);
    // The timer stays: it finds the next bucket when it fires (cheaper than re-arming per call).
  }

  #unlink(item: Expiring, bucket: Bucket): void {
    const { dtPrev: prev, dtNext: next } = item;
    if (prev !== undefined) prev.dtNext = next;
    else bucket.head = next;
    if (next !== undefined) next.dtPrev = prev;
    else bucket.tail = prev;
    item.dtBucket = item.dtPrev = item.dtNext = undefined;
    this.#size--;
    if (--bucket.count === 0) this.#release(bucket);
  }

  /** The bucket that ends at `end`, made (from a spare) and placed in time order when there is none. */
  #bucketFor(end: number): Bucket {
    // New deadlines are almost always the latest: search from the end.
    let after = this.#last;
    while (after !== undefined && after.end > end) after = after.prev;
    if (after !== undefined && after.end === end) return after;
    const bucket = this.#spare.pop() ?? new Bucket();
    bucket.end = end;
    bucket.owner = this;
    bucket.prev = after;
    bucket.next = after === undefined ? this.#first : after.next;
    if (bucket.next !== undefined) bucket.next.prev = bucket;
    else this.#last = bucket;
    if (after !== undefined) after.next = bucket;
    else this.#first = bucket;
    return bucket;
  }

  /** Takes an emptied bucket out of the order and keeps it for reuse. */
  #release(bucket: Bucket): void {
    if (bucket.prev !== undefined) bucket.prev.next = bucket.next;
    else this.#first = bucket.next;
    if (bucket.next !== undefined) bucket.next.prev = bucket.prev;
    else this.#last = bucket.prev;
    bucket.prev = bucket.next = bucket.owner = undefined;
    bucket.head = bucket.tail = undefined;
    bucket.count = 0;
    if (this.#spare.length < SPARE_BUCKETS) this.#spare.push(bucket);
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
    // The due items first, out of their buckets; then their expiries, in
    // time order (oldest first within a bucket). A deadline an expiry sets
    // waits for the next turn of the timer, even one already due.
    const due: Expiring[] = [];
    for (
      let bucket = this.#first;
      bucket !== undefined && bucket.end <= now;
      bucket = this.#first
    ) {
      for (let item = bucket.head; item !== undefined;) {
        const next: Expiring | undefined = item.dtNext;
        item.dtBucket = item.dtPrev = item.dtNext = undefined;
        due.push(item);
        item = next;
      }
      this.#size -= bucket.count;
      this.#release(bucket);
    }
    for (const item of due) {
      try {
        item.expire();
      } catch (err) {
        reportError(err);
      }
    }
    if (this.#first !== undefined && this.#first.end < this.#timerAt) this.#arm(this.#first.end);
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
