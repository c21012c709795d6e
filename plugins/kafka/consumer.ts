/**
 * A consumer positioned at given offsets, for one subscriber or one stream
 * read. kafkajs only consumes in consumer groups, so each gets a group of
 * its own (every subscriber receives every message: fan-out), positioned
 * with `seek` right after `run` — not by the group's offset reset, which
 * would start at whatever is latest when the join completes and could skip
 * records published in between.
 *
 * - Exactly once, in order: records below the next expected offset of
 *   their partition are dropped, so a rejoin after a crash or a broker
 *   restart (which resumes from the last committed offset, or from the
 *   beginning when nothing was committed yet) never delivers a record
 *   twice, and never skips one.
 * - Backpressure: when `deliver` reports the receiver full, the partition
 *   is paused until it drains; nothing is buffered beyond the record that
 *   filled it, and nothing is dropped.
 * - `stop()` leaves the group and deletes it (its committed offsets go too).
 *
 * @module
 */
import type { Consumer, KafkaMessage } from "kafkajs";
import type { KafkaClient } from "./client.ts";
import { isTopicPropagating } from "./errors.ts";

/** How long `stop` waits for a consumer that is still joining its group. */
const JOIN_WAIT_MS = 5000;

/** What `deliver` says about the receiver: it took the record and wants more, is full, or is done.
 *
 * @example
 * ```ts
 * import type { Delivery } from "./consumer.ts";
 * const d: Delivery = "full";
 * console.log(d);
 * ```
 */
export type Delivery = "more" | "full" | "done";

/** How a {@linkcode PositionedConsumer} is set up.
 *
 * @example
 * ```ts ignore
 * import type { PositionedConsumerOptions } from "./consumer.ts";
 * const options: PositionedConsumerOptions = {
 *   client, purpose: "sub", topic: "events.orders", start: new Map([[0, 42n]]),
 *   deliver: (partition, message) => "more", drained: () => Promise.resolve(),
 * };
 * ```
 */
export interface PositionedConsumerOptions {
  client: KafkaClient;
  purpose: "sub" | "read";
  topic: string;
  /** The first offset to deliver, per partition (partitions not listed start at 0). */
  start: ReadonlyMap<number, bigint>;
  /** Hands one record over (each exactly once, in offset order per partition). */
  deliver(partition: number, message: KafkaMessage): Delivery;
  /** Resolves when a receiver that reported "full" can take more. */
  drained(): Promise<void>;
  /** Called when the consumer fails for good (kafkajs will not restart it). */
  onFatal?(err: unknown): void;
}

/**
 * A consumer delivering one topic from given offsets.
 *
 * @example
 * ```ts ignore
 * import { PositionedConsumer } from "./consumer.ts";
 * const c = new PositionedConsumer(options);
 * await c.start();
 * // ...
 * await c.stop();
 * ```
 */
export class PositionedConsumer {
  readonly groupId: string;
  readonly #consumer: Consumer;
  readonly #options: PositionedConsumerOptions;
  readonly #next = new Map<number, bigint>();
  #stopping: Promise<void> | undefined;
  #done = false;
  /** Set from `start` until the group is joined (kafkajs cannot stop a consumer meanwhile). */
  #joining: PromiseWithResolvers<void> | undefined;
  /** Resolves once the consumer joined its group and fetches (after `start`). */
  joined: Promise<void> = Promise.resolve();
  /** Crashes kafkajs restarted it after. */
  restarts = 0;
  /** The last crash, for health details. */
  lastCrash: string | undefined;
  /** Records delivered. */
  delivered = 0;
  /** Whether it is paused because its receiver is full. */
  paused = false;

  constructor(options: PositionedConsumerOptions) {
    this.#options = options;
    for (const [p, o] of options.start) this.#next.set(p, o);
    // A stopped consumer never restarts after a crash.
    const { consumer, groupId } = options.client.consumer(options.purpose, () => !this.stopped);
    this.#consumer = consumer;
    this.groupId = groupId;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.lastCrash = payload.error?.message ?? String(payload.error);
      if (payload.restart) {
        this.restarts++;
        options.client.log.warn("kafka consumer crashed; restarting", {
          group: groupId,
          topic: options.topic,
          error: this.lastCrash,
        });
      } else {
        options.client.log.error("kafka consumer failed", {
          group: groupId,
          topic: options.topic,
          error: this.lastCrash,
        });
        options.onFatal?.(payload.error);
      }
    });
  }

  /** The next offset it will deliver, by partition. */
  positions(): ReadonlyMap<number, bigint> {
    return this.#next;
  }

  /** Whether `stop` was called or the receiver said it is done. */
  get stopped(): boolean {
    return this.#stopping !== undefined || this.#done;
  }

  /**
   * Connects and subscribes (rejects when the cluster cannot be reached),
   * then starts consuming in the background from the start offsets.
   */
  async start(): Promise<void> {
    const { topic } = this.#options;
    const joining = Promise.withResolvers<void>();
    this.#joining = joining;
    joining.promise.then(() => {
      if (this.#joining === joining) this.#joining = undefined;
    });
    await this.#consumer.connect();
    // On a cluster, the broker this consumer asks may not know a topic
    // created a moment ago: ask again, for up to one request timeout.
    const until = Date.now() + this.#options.client.config.request_timeout_ms;
    for (;;) {
      try {
        await this.#consumer.subscribe({ topics: [topic], fromBeginning: true });
        break;
      } catch (err) {
        if (!isTopicPropagating(err) || this.stopped || Date.now() + 200 >= until) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    this.joined = this.#consumer.run({
      eachMessage: ({ partition, message, pause }) => {
        this.#receive(partition, message, pause);
        return Promise.resolve();
      },
    });
    // Position before the first fetch (applied once the group is joined).
    for (const [partition, offset] of this.#options.start) {
      this.#consumer.seek({ topic, partition, offset: offset.toString() });
    }
    this.joined.catch(() => {}); // failures surface as CRASH events
    this.joined.then(() => joining.resolve(), () => joining.resolve());
  }

  /** One record from kafkajs: drops redeliveries, hands the rest over, pauses when full. */
  #receive(partition: number, message: KafkaMessage, pause: () => () => void): void {
    if (this.#done) return;
    const offset = BigInt(message.offset);
    const next = this.#next.get(partition) ?? 0n;
    if (offset < next) return; // already delivered (redelivery after a rejoin)
    this.#next.set(partition, offset + 1n);
    this.delivered++;
    const verdict = this.#options.deliver(partition, message);
    if (verdict === "done") {
      this.#done = true;
      pause();
    } else if (verdict === "full") {
      this.paused = true;
      const resume = pause(); // kafkajs stops this batch after this record
      this.#options.drained().then(() => {
        this.paused = false;
        if (!this.stopped) resume();
      });
    }
  }

  /**
   * Leaves the group, disconnects and deletes the group. Idempotent. A
   * consumer still joining its group is let finish the join first (up to
   * `JOIN_WAIT_MS`): kafkajs 2.2.4 ignores a stop during the join, and the
   * consumer would go on fetching (or rejoin as a new member) after it.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#done = true;
      const joining = this.#joining;
      if (joining !== undefined) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          joining.promise,
          new Promise((r) => timer = setTimeout(r, JOIN_WAIT_MS)),
        ]);
        clearTimeout(timer);
      }
      try {
        await this.#consumer.disconnect();
      } catch { /* stopping anyway */ }
      // In the background: nobody needs to wait for the group's deletion.
      this.#options.client.deleteGroup(this.groupId);
    })();
    return this.#stopping;
  }
}
