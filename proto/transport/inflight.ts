/**
 * Calls in flight on a server, and the drain that ends them (CONTRACT §5) —
 * one tracker for the proxy's router and the plugin SDK's lifecycle.
 *
 * A call is admitted with the function that cuts it off and released when
 * its work has really ended (a subscription's consumer stopped, an upstream
 * stream cancelled), not when its client got an answer. A drain cuts
 * long-lived calls (subscriptions, which never end by themselves) off at
 * once, waits up to its bound for every call to be released, and cuts off
 * what is left.
 *
 * @module
 */
import type { StatusError } from "../status.ts";

/** An admitted call; hand it back to {@linkcode InFlight.release}.
 *
 * @example
 * ```ts
 * import type { InFlightCall } from "./inflight.ts";
 * const call: InFlightCall = { abort: (err) => console.log(err.message), longLived: false };
 * console.log(call.longLived); // false
 * ```
 */
export interface InFlightCall {
  /** Cuts the call off: its client gets `err`, its work is cancelled. */
  abort(err: StatusError): void;
  /** A call with no natural end (a subscription): a drain cuts it off at once. */
  readonly longLived: boolean;
}

/** What a drain did: calls that finished by themselves, and calls it cut off.
 *
 * @example
 * ```ts
 * import type { DrainResult } from "./inflight.ts";
 * const r: DrainResult = { drained: 3, aborted: 1 };
 * console.log(r.drained + r.aborted); // 4
 * ```
 */
export interface DrainResult {
  drained: number;
  aborted: number;
}

/** The errors a drain cuts calls off with.
 *
 * @example
 * ```ts
 * import { status, StatusError } from "../status.ts";
 * import type { DrainErrors } from "./inflight.ts";
 * const errors: DrainErrors = {
 *   longLived: () => new StatusError(status.UNAVAILABLE, "shutting down; subscribe again"),
 *   timedOut: (ms) => new StatusError(status.UNAVAILABLE, `drain timed out after ${ms} ms`),
 * };
 * console.log(errors.timedOut(5).message); // "drain timed out after 5 ms"
 * ```
 */
export interface DrainErrors {
  /** For subscriptions, cut off as the drain begins. */
  longLived: () => StatusError;
  /** For calls still running when the bound is reached. */
  timedOut: (timeoutMs: number) => StatusError;
}

/**
 * The calls in flight of one server.
 *
 * @example
 * ```ts
 * import { status, StatusError } from "../status.ts";
 * import { InFlight } from "./inflight.ts";
 * const calls = new InFlight();
 * const sub = calls.admit((err) => {
 *   console.log("subscription ended:", err.message);
 *   setTimeout(() => calls.release(sub), 10); // its consumer stops a little later
 * }, true);
 * const result = await calls.drain(1000, {
 *   longLived: () => new StatusError(status.UNAVAILABLE, "shutting down"),
 *   timedOut: (ms) => new StatusError(status.UNAVAILABLE, `cut off after ${ms} ms`),
 * });
 * console.log(result); // { drained: 0, aborted: 1 }
 * console.log(calls.size); // 0
 * ```
 */
export class InFlight {
  // A doubly linked list through the entries, not a Set: a Set's table is
  // rebuilt every few calls as calls come and go, and a table that reached
  // the old generation keeps what it held alive for the young-generation
  // collector (see `_stream_table.ts`); an entry released here is unlinked
  // and points at nothing.
  #head: Entry | undefined;
  #size = 0;
  #idle: (() => void) | undefined;

  /** Calls admitted and not yet released. */
  get size(): number {
    return this.#size;
  }

  /** Tracks a call until {@linkcode release}; `abort` cuts it off. */
  admit(abort: (err: StatusError) => void, longLived = false): InFlightCall {
    const entry = new Entry(this, abort, longLived);
    const head = this.#head;
    if (head !== undefined) {
      entry.next = head;
      head.prev = entry;
    }
    this.#head = entry;
    this.#size++;
    return entry;
  }

  /** The call's work has ended. Releasing twice is harmless. */
  release(call: InFlightCall): void {
    if (!(call instanceof Entry) || call.owner !== this) return;
    this.#unlink(call);
    if (this.#size === 0) this.#idle?.();
  }

  #unlink(entry: Entry): void {
    entry.owner = undefined;
    const { prev, next } = entry;
    if (prev !== undefined) prev.next = next;
    else this.#head = next;
    if (next !== undefined) next.prev = prev;
    entry.prev = entry.next = undefined;
    this.#size--;
  }

  /** The calls in flight, newest first. */
  #all(): Entry[] {
    const out: Entry[] = [];
    for (let e = this.#head; e !== undefined; e = e.next) out.push(e);
    return out;
  }

  /**
   * Cuts long-lived calls off now, waits up to `timeoutMs` for every call
   * to be released (long-lived ones included: their work must stop), then
   * cuts off and forgets what is left. Calls admitted meanwhile are not
   * refused here: the caller stops admitting first.
   */
  async drain(timeoutMs: number, errors: DrainErrors): Promise<DrainResult> {
    const before = this.#size;
    const cut = new Set<InFlightCall>();
    for (const call of this.#all()) {
      if (!call.longLived) continue;
      cut.add(call);
      call.abort(errors.longLived());
    }
    if (this.#size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idle = resolve),
        new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs)),
      ]);
      clearTimeout(timer);
      this.#idle = undefined;
    }
    for (const call of this.#all()) {
      this.#unlink(call);
      if (cut.has(call)) continue;
      cut.add(call);
      call.abort(errors.timedOut(timeoutMs));
    }
    return { drained: before - cut.size, aborted: cut.size };
  }
}

/** A call in an {@linkcode InFlight} list. */
class Entry implements InFlightCall {
  owner: InFlight | undefined;
  readonly abort: (err: StatusError) => void;
  readonly longLived: boolean;
  prev: Entry | undefined;
  next: Entry | undefined;
  constructor(owner: InFlight, abort: (err: StatusError) => void, longLived: boolean) {
    this.owner = owner;
    this.abort = abort;
    this.longLived = longLived;
  }
}
