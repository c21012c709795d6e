/**
 * Topic feeds: one Kafka consumer per topic, shared by every subscriber of
 * that topic in the namespace, instead of a consumer group per subscriber.
 *
 * A consumer costs the cluster a group (join, heartbeats) and a long poll
 * every `fetch_max_wait_ms` even when nothing is published: measured, 100
 * idle subscribers cost the broker 18.6% of a core and the plugin 5.1% with
 * a consumer each. Sharing, 10 topics with 10 subscribers each make 10
 * consumers. The plugin fans each record out to the subscribers itself.
 *
 * The contract's guarantees, per subscriber:
 *
 * - **Everything published after its headers, exactly once, in order.** A
 *   subscriber joins the feed *before* its start offsets are read (the
 *   topic's end offsets), and the feed holds what it delivers meanwhile for
 *   it (at most {@linkcode PENDING_MAX} records). Once the start is known,
 *   the held records at or after it are handed over and the rest dropped.
 *   When the feed cannot serve that start (it began later than the start,
 *   or more was held than the bound), the subscriber gets a consumer of its
 *   own at its start: correctness never depends on sharing.
 * - **Backpressure without head-of-line blocking.** A feed never pauses for
 *   one subscriber: a subscriber whose client is full leaves the feed, waits
 *   until its client drains, and continues on a consumer of its own from
 *   the next offset it needs (which then pauses while its client is full,
 *   as {@linkcode PositionedConsumer} does). The other subscribers of the
 *   topic are not slowed.
 * - **Failure.** When a feed's consumer fails for good, every subscriber on
 *   it ends with the error; the next subscriber of the topic starts a new
 *   feed. The last subscriber to leave stops the feed (its group is left
 *   and deleted).
 *
 * @module
 */
import type { KafkaMessage } from "kafkajs";
import type { KafkaClient } from "./client.ts";
import { type Delivery, PositionedConsumer } from "./consumer.ts";

/** Records a subscriber may be held while its start offsets are being read; beyond it, it gets a consumer of its own.
 *
 * @example
 * ```ts
 * import { PENDING_MAX } from "./feed.ts";
 * console.log(PENDING_MAX); // 1024
 * ```
 */
export const PENDING_MAX = 1024;

/** What a subscription hands records to: a subscriber's stream.
 *
 * @example
 * ```ts
 * import type { FeedReceiver } from "./feed.ts";
 * const got: string[] = [];
 * const receiver: FeedReceiver = {
 *   deliver: (_partition, message) => (got.push(String(message.offset)), "more"),
 *   drained: () => Promise.resolve(),
 *   onFatal: (err) => console.error(err),
 * };
 * console.log(typeof receiver.deliver); // "function"
 * ```
 */
export interface FeedReceiver {
  /** Takes one record (each exactly once, in offset order per partition); says whether it wants more. */
  deliver(partition: number, message: KafkaMessage): Delivery;
  /** Resolves when a receiver that reported "full" can take more. */
  drained(): Promise<void>;
  /** The consumer serving it failed for good: its stream ends with `err`. */
  onFatal(err: unknown): void;
}

/**
 * One subscriber's position on its topic: served by the topic's feed, or
 * by a consumer of its own once it fell behind (or could not use the feed).
 *
 * @example
 * ```ts ignore
 * import { TopicFeeds } from "./feed.ts";
 * const feeds = new TopicFeeds(client);
 * const sub = feeds.join("events.orders", receiver);
 * await sub.begin(new Map([[0, 42n]])); // the topic's end offsets, read after joining
 * // ... records from offset 42 on reach `receiver`
 * await sub.stop();
 * ```
 */
export class Subscription {
  readonly #feeds: TopicFeeds;
  readonly #receiver: FeedReceiver;
  readonly topic: string;
  #feed: TopicFeed | undefined;
  /** Where the feed stood when this joined (undefined: the feed had not started). */
  readonly #feedAtJoin: ReadonlyMap<number, bigint> | undefined;
  /** What the feed delivered before the start was known; undefined once it is. */
  #pending: [number, KafkaMessage][] | undefined = [];
  #overflowed = false;
  /** The next offset it needs, by partition (once begun). */
  #next: Map<number, bigint> | undefined;
  /** Left the feed because its receiver was full; waiting for it to drain. */
  #waiting = false;
  #ended = false;
  /** Its own consumer, when the feed does not serve it. */
  own: PositionedConsumer | undefined;

  constructor(feeds: TopicFeeds, feed: TopicFeed, receiver: FeedReceiver) {
    this.#feeds = feeds;
    this.#receiver = receiver;
    this.topic = feed.topic;
    this.#feed = feed;
    this.#feedAtJoin = feed.consumer === undefined ? undefined : new Map(feed.consumer.positions());
  }

  /** Whether the shared feed serves it (and not a consumer of its own). */
  get shared(): boolean {
    return this.#feed !== undefined;
  }

  /** The next offset it needs, by partition; undefined until {@linkcode begin}. */
  positions(): ReadonlyMap<number, bigint> | undefined {
    return this.own?.positions() ?? this.#next;
  }

  /** Whether it waits for its client to read (delivery to it is paused). */
  get paused(): boolean {
    return this.#waiting || (this.own?.paused ?? false);
  }

  /**
   * Fixes where delivery starts (`start`: the first offset by partition,
   * read after {@linkcode TopicFeeds.join}); resolves once records from
   * there on will reach the receiver: the feed's or its own consumer has
   * joined its group. Rejects when the cluster cannot be reached.
   */
  async begin(start: ReadonlyMap<number, bigint>): Promise<void> {
    const feed = this.#feed;
    if (feed === undefined || this.#ended) { // failed or stopped meanwhile
      this.#pending = undefined;
      this.#next = new Map(start);
      return;
    }
    if (feed.consumer === undefined) feed.start(start);
    const floor = this.#feedAtJoin ?? feed.origin!;
    let served = [...start].every(([p, offset]) => offset >= (floor.get(p) ?? 0n));
    if (served) {
      try {
        await feed.ready; // records keep being held meanwhile, so they stay in order
      } catch (err) {
        this.#pending = undefined;
        this.#next = new Map(start);
        this.#leaveFeed();
        throw err;
      }
      served = !this.#overflowed;
    }
    const held = this.#pending ?? [];
    this.#pending = undefined;
    this.#next = new Map(start);
    if (this.#feed === undefined) return; // the feed failed meanwhile: the receiver was told
    if (!served) {
      this.#leaveFeed();
      await this.#startOwn();
      return;
    }
    for (const [partition, message] of held) {
      if (this.#feed === undefined) break; // full or done: its own consumer fetches the rest
      this.#receive(partition, message);
    }
  }

  /** One record from the feed. */
  receive(partition: number, message: KafkaMessage): void {
    if (this.#pending !== undefined) {
      if (this.#overflowed) return;
      if (this.#pending.length >= PENDING_MAX) {
        this.#overflowed = true;
        this.#pending = [];
      } else this.#pending.push([partition, message]);
      return;
    }
    this.#receive(partition, message);
  }

  #receive(partition: number, message: KafkaMessage): void {
    if (this.#ended || this.#feed === undefined) return;
    const offset = BigInt(message.offset);
    if (offset < (this.#next!.get(partition) ?? 0n)) return;
    this.#next!.set(partition, offset + 1n);
    const verdict = this.#receiver.deliver(partition, message);
    if (verdict === "done") {
      this.#ended = true;
      this.#leaveFeed();
    } else if (verdict === "full") {
      // Continue alone once the client reads again, from what it needs next.
      this.#waiting = true;
      this.#leaveFeed();
      this.#receiver.drained().then(() => {
        this.#waiting = false;
        if (!this.#ended) {
          this.#startOwn().catch((err) => {
            if (!this.#ended) this.#receiver.onFatal(err);
          });
        }
      });
    }
  }

  /** The feed failed for good. */
  fail(err: unknown): void {
    this.#feed = undefined;
    if (!this.#ended) this.#receiver.onFatal(err);
  }

  #leaveFeed(): Promise<void> {
    const feed = this.#feed;
    this.#feed = undefined;
    return feed === undefined ? Promise.resolve() : this.#feeds.leave(feed, this);
  }

  async #startOwn(): Promise<void> {
    if (this.#ended) return;
    this.own = new PositionedConsumer({
      client: this.#feeds.client,
      purpose: "sub",
      topic: this.topic,
      start: this.#next!,
      deliver: (partition, message) => this.#receiver.deliver(partition, message),
      drained: () => this.#receiver.drained(),
      onFatal: (err) => this.#receiver.onFatal(err),
    });
    await this.own.start();
  }

  /** Ends delivery: leaves the feed (stopping it when it was the last) or stops its own consumer. Idempotent. */
  async stop(): Promise<void> {
    this.#ended = true;
    await Promise.all([this.#leaveFeed(), this.own?.stop()]);
  }
}

/** One topic's shared consumer and its subscribers. */
class TopicFeed {
  readonly topic: string;
  readonly #feeds: TopicFeeds;
  readonly members = new Set<Subscription>();
  consumer: PositionedConsumer | undefined;
  /** The offsets the consumer started at. */
  origin: ReadonlyMap<number, bigint> | undefined;
  /** Resolves once the consumer runs; rejects when it cannot start. */
  ready: Promise<void> = Promise.resolve();
  stopped: Promise<void> | undefined;

  constructor(topic: string, feeds: TopicFeeds) {
    this.topic = topic;
    this.#feeds = feeds;
  }

  /** Starts the shared consumer at `start` (the first subscriber's start offsets). */
  start(start: ReadonlyMap<number, bigint>): void {
    this.origin = new Map(start);
    this.consumer = new PositionedConsumer({
      client: this.#feeds.client,
      purpose: "sub",
      topic: this.topic,
      start,
      deliver: (partition, message) => {
        for (const member of this.members) member.receive(partition, message);
        return "more";
      },
      drained: () => Promise.resolve(), // never full: a member that is leaves the feed
      onFatal: (err) => this.#feeds.fail(this, err),
    });
    this.ready = this.consumer.start();
    this.ready.catch(() => this.#feeds.fail(this, undefined));
  }
}

/**
 * The feeds of one namespace, by Kafka topic.
 *
 * @example
 * ```ts ignore
 * import { TopicFeeds } from "./feed.ts";
 * const feeds = new TopicFeeds(client);
 * const a = feeds.join("events.orders", receiverA);
 * const b = feeds.join("events.orders", receiverB);
 * await Promise.all([a.begin(endOffsets), b.begin(endOffsets)]); // one consumer serves both
 * console.log(feeds.consumers().length); // 1
 * await feeds.close();
 * ```
 */
export class TopicFeeds {
  readonly client: KafkaClient;
  readonly #feeds = new Map<string, TopicFeed>();

  constructor(client: KafkaClient) {
    this.client = client;
  }

  /**
   * Adds a subscriber to the topic's feed (creating it, not yet started)
   * before its start offsets are read; call {@linkcode Subscription.begin}
   * with them next.
   */
  join(topic: string, receiver: FeedReceiver): Subscription {
    let feed = this.#feeds.get(topic);
    if (feed === undefined || feed.stopped !== undefined) {
      feed = new TopicFeed(topic, this);
      this.#feeds.set(topic, feed);
    }
    const sub = new Subscription(this, feed, receiver);
    feed.members.add(sub);
    return sub;
  }

  /** Removes a member; the last one stops the feed and resolves once it stopped. */
  leave(feed: TopicFeed, sub: Subscription): Promise<void> {
    feed.members.delete(sub);
    if (feed.members.size > 0) return Promise.resolve();
    return this.#stop(feed);
  }

  #stop(feed: TopicFeed): Promise<void> {
    if (this.#feeds.get(feed.topic) === feed) this.#feeds.delete(feed.topic);
    feed.stopped ??= feed.consumer?.stop() ?? Promise.resolve();
    return feed.stopped;
  }

  /** A feed's consumer failed for good (or never started: `err` undefined, its members learn from `begin`). */
  fail(feed: TopicFeed, err: unknown): void {
    const members = [...feed.members];
    feed.members.clear();
    this.#stop(feed);
    if (err !== undefined) { for (const m of members) m.fail(err); }
  }

  /** The feeds' consumers (for health). */
  consumers(): PositionedConsumer[] {
    return [...this.#feeds.values()].flatMap((f) => f.consumer ? [f.consumer] : []);
  }

  /** Stops every feed. */
  async close(): Promise<void> {
    await Promise.all([...this.#feeds.values()].map((f) => this.#stop(f)));
  }
}
