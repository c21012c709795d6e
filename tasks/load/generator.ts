/**
 * Load generation on one event loop: its own HTTP/2 connections, a closed
 * loop (N lanes, each with one call in flight) or an open loop (calls sent
 * on a fixed schedule, latency counted from each call's *intended* send
 * time), reporting every completed call in batches. The runner starts one
 * generator per worker thread (or one on the main thread).
 *
 * @module
 */
import type { MixEntry, Profile } from "./flags.ts";
import { GRPC, H2Channel, requestHeaders } from "../../proto/transport/h2_client.ts";
import { type OpName, opPath, RequestCache } from "./ops.ts";
import { type Clock, type ClockStarter, prepareClock } from "./clock.ts";
import { levelAt, Schedule } from "./profile.ts";

/**
 * What one generator does.
 *
 * @example
 * ```ts
 * import type { GeneratorConfig } from "./generator.ts";
 * const c: GeneratorConfig = {
 *   target: "127.0.0.1:8980", namespace: "default", mix: [{ op: "get", weight: 1 }],
 *   valueSize: 100, keys: 1000, connections: 1, concurrency: 8, index: 0, of: 1,
 *   profile: "constant", warmupS: 1, durationS: 10,
 * };
 * console.log(c.concurrency);
 * ```
 */
export interface GeneratorConfig {
  target: string;
  namespace: string;
  mix: MixEntry[];
  valueSize: number;
  keys: number;
  /** This generator's connections. */
  connections: number;
  /** Closed loop: this generator's lanes; open loop: its most calls in flight. */
  concurrency: number;
  /** Open loop: the total rate of all generators together. */
  rps?: number;
  /** This generator's number and the number of generators (open loop: calls k ≡ index mod of). */
  index: number;
  of: number;
  profile: Profile;
  warmupS: number;
  durationS?: number;
  /** Measured calls: closed loop, this generator's share; open loop, the total. */
  requests?: number;
  /** How often to report samples (ms; default 100). */
  flushMs?: number;
  /** How long to wait for calls still in flight at the end (ms; default 5000). */
  drainMs?: number;
}

/**
 * Completed measured calls. `sent`: (intended) send time in ms since the
 * end of the warm-up; `latencyUs`: latency in µs; `op`: index into the
 * mix; `status`: gRPC status code.
 *
 * @example
 * ```ts
 * import type { SampleBatch } from "./generator.ts";
 * const b: SampleBatch = {
 *   count: 0, sent: new Float64Array(0), latencyUs: new Float64Array(0),
 *   lagUs: new Float64Array(0), op: new Uint8Array(0), status: new Uint8Array(0), messages: {},
 * };
 * console.log(b.count);
 * ```
 */
export interface SampleBatch {
  count: number;
  sent: Float64Array;
  latencyUs: Float64Array;
  /**
   * Open loop: how long after its due time each call left, in µs (0 when on
   * time or early, and always in a closed loop). The call's latency counts
   * from its due time, so this part of it is the load tester's own delay.
   */
  lagUs: Float64Array;
  op: Uint8Array;
  status: Uint8Array;
  /** The first message seen for each error status (only once per generator). */
  messages: Record<number, string>;
}

/** A generator's closing tally. */
export interface GeneratorSummary {
  /** Open loop: calls due in the measured window that were never sent (the end came first). */
  unsent: number;
  /** Calls still in flight when the drain time ran out. */
  unfinished: number;
}

const CAPACITY = 8192;
/** Open loop: after the end, a backlog older than this (ms) is dropped. */
const BACKLOG_DROP_MS = 100;

class SampleBuffer {
  count = 0;
  sent = new Float64Array(CAPACITY);
  latencyUs = new Float64Array(CAPACITY);
  lagUs = new Float64Array(CAPACITY);
  op = new Uint8Array(CAPACITY);
  status = new Uint8Array(CAPACITY);
  messages: Record<number, string> = {};
}

/**
 * A load generator; see the module doc.
 *
 * @example
 * ```ts ignore
 * import { Generator } from "./generator.ts";
 * const g = new Generator(config, (batch) => console.log(batch.count));
 * await g.connect();
 * const summary = await g.run(Date.now() + 50);
 * ```
 */
export class Generator {
  readonly config: GeneratorConfig;
  #emit: (batch: SampleBatch) => void;
  #buf = new SampleBuffer();
  #seenMessages = new Set<number>();
  #channels: H2Channel[] = [];
  #stopped = false;
  #zero = 0;
  #ops: OpName[];
  #cumulative: number[];
  #headers: Uint8Array[];
  #cache: RequestCache;
  #flushTimer?: ReturnType<typeof setInterval>;
  #inflight = 0;
  #wake?: () => void;
  #kick?: () => void;
  #startClock?: ClockStarter;

  constructor(config: GeneratorConfig, emit: (batch: SampleBatch) => void) {
    this.config = config;
    this.#emit = emit;
    this.#ops = config.mix.map((m) => m.op);
    let sum = 0;
    this.#cumulative = config.mix.map((m) => (sum += m.weight));
    this.#headers = this.#ops.map((op) => requestHeaders(config.target, opPath(op)));
    this.#cache = new RequestCache(config.namespace, config.valueSize, config.keys);
  }

  /** Milliseconds since the end of the warm-up (negative during it). */
  #now(): number {
    return performance.now() - this.#zero;
  }

  #pick(): number {
    const c = this.#cumulative;
    if (c.length === 1) return 0;
    const r = Math.random() * c[c.length - 1];
    let i = 0;
    while (r >= c[i] && i < c.length - 1) i++;
    return i;
  }

  #record(
    sent: number,
    latencyMs: number,
    lagMs: number,
    op: number,
    status: number,
    message: string,
  ) {
    const b = this.#buf;
    const i = b.count++;
    b.sent[i] = sent;
    b.latencyUs[i] = latencyMs * 1000;
    b.lagUs[i] = lagMs * 1000;
    b.op[i] = op;
    const s = status >= 0 && status <= 16 ? status : GRPC.UNKNOWN;
    b.status[i] = s;
    if (s !== GRPC.OK && !this.#seenMessages.has(s)) {
      this.#seenMessages.add(s);
      b.messages[s] = message;
    }
    if (b.count === CAPACITY) this.#flush();
  }

  #flush() {
    const b = this.#buf;
    if (b.count === 0 && Object.keys(b.messages).length === 0) return;
    this.#buf = new SampleBuffer();
    this.#emit({
      count: b.count,
      sent: b.sent.subarray(0, b.count),
      latencyUs: b.latencyUs.subarray(0, b.count),
      lagUs: b.lagUs.subarray(0, b.count),
      op: b.op.subarray(0, b.count),
      status: b.status.subarray(0, b.count),
      messages: b.messages,
    });
  }

  /** Ends the run early: no new calls; calls in flight are cancelled. */
  stop(): void {
    this.#stopped = true;
    for (const ch of this.#channels) ch.close();
    this.#wake?.();
    this.#kick?.();
    this.#startClock?.dispose();
  }

  /** Opens this generator's connections; rejects with the first connection error. */
  async connect(): Promise<void> {
    const c = this.config;
    this.#channels = Array.from({ length: c.connections }, () => new H2Channel(c.target));
    try {
      await Promise.all([
        ...this.#channels.map((ch) => ch.ready()),
        c.rps !== undefined && prepareClock().then((start) => (this.#startClock = start)),
      ]);
    } catch (err) {
      for (const ch of this.#channels) ch.close();
      this.#startClock?.dispose();
      throw err;
    }
  }

  /**
   * Waits for `startAt` (epoch ms: when the warm-up starts, the same for
   * every generator), generates, drains; resolves with the tally. Call
   * {@linkcode Generator.connect} first.
   */
  async run(startAt: number): Promise<GeneratorSummary> {
    const c = this.config;
    this.#zero = startAt + c.warmupS * 1000 - performance.timeOrigin;
    this.#flushTimer = setInterval(() => this.#flush(), c.flushMs ?? 100);
    try {
      let unsent = 0;
      if (c.rps !== undefined) {
        // The clock starts now and releases calls from startAt on.
        unsent = await this.#openLoop(c.rps);
      } else {
        const wait = -c.warmupS * 1000 - this.#now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        unsent = await this.#closedLoop();
      }
      const unfinished = await this.#drain();
      return { unsent, unfinished };
    } finally {
      clearInterval(this.#flushTimer);
      for (const ch of this.#channels) ch.close();
      this.#flush();
    }
  }

  /** Waits for calls in flight, at most `drainMs`; returns how many never finished. */
  async #drain(): Promise<number> {
    if (this.#inflight === 0) return 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = () => this.#inflight === 0 && resolve();
      timer = setTimeout(resolve, this.config.drainMs ?? 5000);
    });
    clearTimeout(timer);
    this.#wake = undefined;
    const left = this.#inflight;
    this.#stopped = true;
    return left;
  }

  #closedLoop(): Promise<number> {
    const c = this.config;
    const endMs = c.durationS !== undefined ? c.durationS * 1000 : Infinity;
    let requestsLeft = c.requests ?? Infinity;
    let lanes = c.concurrency;
    return new Promise((resolve) => {
      // At the end, stop waiting for lanes whose call is still in flight
      // (the drain waits for those calls, for a bounded time).
      const endTimer = Number.isFinite(endMs)
        ? setTimeout(() => resolve(0), Math.max(0, endMs - this.#now()) + 1)
        : undefined;
      const laneEnd = () => {
        if (--lanes === 0) {
          clearTimeout(endTimer);
          resolve(0);
        }
      };
      const lane = (i: number) => {
        const ch = this.#channels[i % this.#channels.length];
        const next = (): void => {
          if (this.#stopped) return laneEnd();
          const now = this.#now();
          if (now >= endMs) return laneEnd();
          if (c.profile !== "constant" && c.durationS !== undefined && now >= 0) {
            const active = Math.max(
              1,
              Math.ceil(c.concurrency * levelAt(c.profile, now / 1000, c.durationS) - 1e-9),
            );
            if (i >= active) {
              setTimeout(next, 10);
              return;
            }
          }
          const measured = now >= 0;
          if (measured) {
            if (requestsLeft <= 0) return laneEnd();
            requestsLeft--;
          }
          const op = this.#pick();
          const key = Math.floor(Math.random() * c.keys);
          let inCall = true;
          this.#inflight++;
          ch.call(this.#headers[op], this.#cache.body(this.#ops[op], key), (status, message) => {
            this.#inflight--;
            this.#wake?.();
            if (this.#stopped) return laneEnd();
            if (measured) this.#record(now, this.#now() - now, 0, op, status, message);
            if (inCall) setTimeout(next, 0);
            else next();
          });
          inCall = false;
        };
        next();
      };
      for (let i = 0; i < c.concurrency; i++) lane(i);
    });
  }

  #openLoop(rps: number): Promise<number> {
    const c = this.config;
    const schedule = new Schedule(rps, c.profile, c.warmupS, c.durationS, c.requests);
    const endMs = c.durationS !== undefined ? c.durationS * 1000 : Infinity;
    /** The next call to send (every k ≡ index mod of below it was sent or dropped). */
    let nextK = c.index;
    /** Calls below this index are due (the clock released them). */
    let dueUpTo = c.index;
    let clockEnded = false;
    let finished = false;
    let waitingForSlot = false;
    let endTimer = false;
    let sentCount = 0;
    const held: { clock?: Clock } = {};
    let resolve!: (unsent: number) => void;
    const result = new Promise<number>((r) => (resolve = r));
    const done = (unsent: number) => {
      if (finished) return;
      finished = true;
      held.clock?.stop();
      resolve(unsent);
    };
    // Calls due before the end that were never sent.
    const left = () =>
      Number.isFinite(schedule.total) ? Math.max(0, Math.ceil((schedule.total - nextK) / c.of)) : 0;
    const send = (dueMs: number, now: number) => {
      const ch = this.#channels[sentCount++ % this.#channels.length];
      const op = this.#pick();
      const key = Math.floor(Math.random() * c.keys);
      // Latency counts from the intended send time, or from the actual one
      // when the clock released the call (slightly) early.
      const start = Math.min(dueMs, now);
      const lag = now - start;
      const measured = dueMs >= 0;
      let inCall = true;
      this.#inflight++;
      ch.call(this.#headers[op], this.#cache.body(this.#ops[op], key), (status, message) => {
        this.#inflight--;
        this.#wake?.();
        if (measured && !this.#stopped) {
          this.#record(dueMs, this.#now() - start, lag, op, status, message);
        }
        if (waitingForSlot) {
          waitingForSlot = false;
          if (inCall) setTimeout(pump, 0);
          else pump();
        }
      });
      inCall = false;
    };
    const pump = (): void => {
      if (finished) return;
      if (this.#stopped) return done(0);
      while (nextK < dueUpTo) {
        const dueMs = schedule.timeOf(nextK)! * 1000;
        const now = this.#now();
        if (now >= endMs && now - dueMs > BACKLOG_DROP_MS) {
          // The run is over and the target fell behind: the backlog of
          // calls due before the end is dropped, not sent.
          return done(left());
        }
        if (this.#inflight >= c.concurrency) {
          waitingForSlot = true;
          if (!endTimer && Number.isFinite(endMs)) {
            // Come back at the end even if no call completes by then.
            endTimer = true;
            setTimeout(pump, Math.max(0, endMs - now) + BACKLOG_DROP_MS + 1);
          }
          return;
        }
        send(dueMs, now);
        nextK += c.of;
      }
      if (clockEnded) done(0);
    };
    this.#kick = pump;
    held.clock = this.#startClock!.start({
      rps,
      profile: c.profile,
      warmupS: c.warmupS,
      durationS: c.durationS,
      requests: c.requests,
      index: c.index,
      of: c.of,
      zeroEpoch: performance.timeOrigin + this.#zero,
    }, {
      due: (upTo) => {
        dueUpTo = upTo;
        pump();
      },
      end: () => {
        clockEnded = true;
        pump();
      },
    });
    if (finished) held.clock.stop();
    return result;
  }
}
