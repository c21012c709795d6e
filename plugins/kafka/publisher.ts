/**
 * Publishing: one idempotent producer per namespace (`acks=all`), with
 * publishes that arrive while a produce request is in flight queued and
 * sent together in the next request — the way Kafka's own producer
 * accumulates records. One request is in flight at a time, so records keep
 * the order in which they were published, and offsets are known exactly:
 * a partition's records in one request get consecutive offsets from the
 * `baseOffset` the broker returns.
 *
 * A publish resolves only when the broker acknowledged it (all in-sync
 * replicas). It fails with `UNAVAILABLE` once `publish_timeout_ms` (or the
 * call's deadline, as `DEADLINE_EXCEEDED`) passes without an
 * acknowledgement — never a hang. A publish still queued when it fails is
 * never sent; one already in flight may still be written (it was not
 * acknowledged, so the client cannot count on it either way).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IHeaders, Producer } from "kafkajs";
import { CompressionTypes, Partitioners } from "kafkajs";
import {
  type DeadlineBucket,
  deadlineTimers,
  type Expiring,
} from "../../proto/transport/deadline_timers.ts";
import { AttemptTimeoutError, BackendUnavailableError, DeadlineError } from "../sdk/errors.ts";
import type { KafkaClient } from "./client.ts";

/** Where an acknowledged record landed.
 *
 * @example
 * ```ts
 * import type { Acknowledgement } from "./publisher.ts";
 * const ack: Acknowledgement = { topic: "events.orders", partition: 0, offset: 41n };
 * console.log(ack.offset);
 * ```
 */
export interface Acknowledgement {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A record to publish.
 *
 * @example
 * ```ts
 * import type { OutgoingRecord } from "./publisher.ts";
 * const r: OutgoingRecord = { topic: "events.orders", partition: 0, value: new Uint8Array([1]), headers: {} };
 * console.log(r.topic);
 * ```
 */
export interface OutgoingRecord {
  topic: string;
  partition: number;
  value: Uint8Array;
  headers: Record<string, string>;
}

/**
 * A publish waiting for its acknowledgement. Its time limit waits in the
 * shared deadline timers (no `setTimeout` and no closure per publish: see
 * `proto/transport/deadline_timers.ts` and `H2StreamHandler`).
 */
class Pending implements Expiring {
  settled = false;
  /** The shared timers' links (declared: one shape for every publish). */
  dtBucket: DeadlineBucket | undefined = undefined;
  dtPrev: Expiring | undefined = undefined;
  dtNext: Expiring | undefined = undefined;
  constructor(
    readonly record: OutgoingRecord,
    readonly resolve: (ack: Acknowledgement) => void,
    readonly reject: (err: unknown) => void,
    /** When it fails (`Date.now()` ms), and whether that is the call's deadline. */
    readonly at: number,
    readonly byDeadline: boolean,
    readonly onExpire: (p: Pending) => void,
  ) {}

  expire(): void {
    this.onExpire(this);
  }
}

/**
 * The namespace's producer.
 *
 * @example
 * ```ts ignore
 * import { Publisher } from "./publisher.ts";
 * const publisher = new Publisher(client);
 * const ack = await publisher.publish({ topic: "events.orders", partition: 0, value, headers: {} }, deadline);
 * ```
 */
export class Publisher {
  readonly #client: KafkaClient;
  #producer: Producer | undefined;
  #connected: Promise<void> | undefined;
  #queue: Pending[] = [];
  #inFlight = false;
  #closed = false;
  /** Records acknowledged, for health details. */
  acknowledged = 0;
  /** Produce requests sent. */
  requests = 0;
  /** The last produce error, for health details. */
  lastError: string | undefined;

  constructor(client: KafkaClient) {
    this.#client = client;
  }

  /** Publishes one record; resolves when the broker acknowledged it. */
  publish(record: OutgoingRecord, deadline = Infinity): Promise<Acknowledgement> {
    if (this.#closed) {
      return Promise.reject(new BackendUnavailableError("the kafka plugin is stopping"));
    }
    const timeoutMs = this.#client.config.publish_timeout_ms;
    const untilDeadline = deadline - Date.now();
    if (untilDeadline <= 0) return Promise.reject(new DeadlineError());
    const byDeadline = untilDeadline < timeoutMs;
    const { promise, resolve, reject } = Promise.withResolvers<Acknowledgement>();
    const pending = new Pending(
      record,
      resolve,
      reject,
      byDeadline ? deadline : Date.now() + timeoutMs,
      byDeadline,
      this.#expired,
    );
    deadlineTimers.add(pending.at, pending);
    this.#queue.push(pending);
    if (!this.#inFlight) this.#flush();
    return promise;
  }

  /** A publish's time ran out before its acknowledgement. */
  readonly #expired = (pending: Pending): void => {
    const timeoutMs = this.#client.config.publish_timeout_ms;
    this.#settle(
      pending,
      undefined,
      pending.byDeadline ? new DeadlineError() : new BackendUnavailableError(
        `Kafka did not acknowledge the record within ${timeoutMs} ms (publish_timeout_ms); brokers: ${
          this.#client.config.brokers.join(",")
        }${this.lastError ? `; last error: ${this.lastError}` : ""}`,
        { cause: new AttemptTimeoutError(timeoutMs) },
      ),
    );
    // Still queued: never sent.
    const i = this.#queue.indexOf(pending);
    if (i >= 0) this.#queue.splice(i, 1);
  };

  #settle(p: Pending, ack: Acknowledgement | undefined, err?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    deadlineTimers.delete(p.at, p);
    if (ack !== undefined) p.resolve(ack);
    else p.reject(err);
  }

  async #connect(): Promise<Producer> {
    if (this.#producer === undefined) {
      this.#producer = this.#client.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // kafkajs 2's default, named so that it does not warn at every start.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        // The idempotent producer retries until the broker answers (its
        // sequence numbers make retries safe); publish_timeout_ms bounds
        // what a caller waits.
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      this.#connected = undefined;
    }
    const producer = this.#producer;
    this.#connected ??= producer.connect().catch((err) => {
      this.#connected = undefined;
      throw err;
    });
    await this.#connected;
    return producer;
  }

  /** Sends everything queued (up to `max_batch_messages`) in one request, then the rest. */
  async #flush(): Promise<void> {
    this.#inFlight = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#takeBatch();
        if (batch.length === 0) continue;
        try {
          const producer = await this.#connect();
          this.requests++;
          const results = await producer.sendBatch({
            acks: -1,
            timeout: this.#client.config.request_timeout_ms,
            compression: CompressionTypes.None,
            topicMessages: groupByTopic(batch.map((p) => p.record)),
          });
          this.lastError = undefined;
          const next = new Map<string, bigint>();
          for (const r of results) {
            next.set(`${r.topicName}\0${r.partition}`, BigInt(r.baseOffset ?? "0"));
          }
          for (const p of batch) {
            const k = `${p.record.topic}\0${p.record.partition}`;
            const offset = next.get(k);
            if (offset === undefined) {
              this.#settle(p, undefined, new Error(`no acknowledgement for partition ${k}`));
              continue;
            }
            next.set(k, offset + 1n);
            this.acknowledged++;
            this.#settle(p, { topic: p.record.topic, partition: p.record.partition, offset });
          }
        } catch (err) {
          this.lastError = (err as Error)?.message ?? String(err);
          for (const p of batch) this.#settle(p, undefined, err);
          // A failed idempotent producer may hold stale sequence numbers: start afresh.
          await this.#reset();
        }
      }
    } finally {
      this.#inFlight = false;
    }
  }

  /** The next request's records: queued order, within the message and byte bounds. */
  #takeBatch(): Pending[] {
    const { max_batch_messages, max_batch_bytes } = this.#client.config;
    let count = 0;
    let bytes = 0;
    while (count < this.#queue.length && count < max_batch_messages) {
      const p = this.#queue[count];
      const size = p.record.value.byteLength;
      if (count > 0 && bytes + size > max_batch_bytes) break;
      bytes += size;
      count++;
    }
    return this.#queue.splice(0, count).filter((p) => !p.settled);
  }

  async #reset(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    this.#connected = undefined;
    try {
      await producer?.disconnect();
    } catch { /* replacing it anyway */ }
  }

  /** Fails what is queued and disconnects. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#queue.splice(0)) {
      this.#settle(p, undefined, new BackendUnavailableError("the kafka plugin is stopping"));
    }
    await this.#reset();
  }
}

/**
 * Groups records by topic in first-seen order, keeping their order within
 * each topic and partition (what `sendBatch` takes).
 *
 * @example
 * ```ts
 * import { groupByTopic } from "./publisher.ts";
 * const v = new Uint8Array();
 * const groups = groupByTopic([
 *   { topic: "a", partition: 0, value: v, headers: {} },
 *   { topic: "b", partition: 0, value: v, headers: {} },
 *   { topic: "a", partition: 0, value: v, headers: {} },
 * ]);
 * console.log(groups.map((g) => [g.topic, g.messages.length])); // [["a", 2], ["b", 1]]
 * ```
 */
export function groupByTopic(
  records: OutgoingRecord[],
): { topic: string; messages: { value: Buffer; partition: number; headers: IHeaders }[] }[] {
  const byTopic = new Map<
    string,
    { value: Buffer; partition: number; headers: IHeaders }[]
  >();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (list === undefined) byTopic.set(r.topic, list = []);
    list.push({
      value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
      partition: r.partition,
      headers: r.headers,
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
