/**
 * The kafka plugin's backend: pub/sub and streams on one Kafka cluster per
 * namespace (CONTRACT §2 semantics).
 *
 * | RPC | Kafka |
 * | --- | --- |
 * | `Publish` | produce (idempotent, `acks=all`) to `<prefix><topic>`, created on first use; the id is `<kafka topic>/<partition>/<offset>` |
 * | `Subscribe` | the topic's feed (one consumer shared by the topic's subscribers, `feed.ts`; a consumer of its own for one that falls behind), positioned at the topic's end offsets *before* the response headers go out; messages follow until Unsubscribe, cancellation or a drain |
 * | `Unsubscribe` | ends that subscriber's stream (OK) and frees its consumer and group |
 * | `Append` | produce to the stream's single-partition topic; the offset is the record's |
 * | `Read` | a consumer from `max(from_offset, oldest retained)` to the end offset seen when the call starts (or `max_messages`) |
 * | `Trim` | `DeleteRecords` below `before_offset` (at most the end offset) |
 *
 * @module
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import type { PubSubBasicInterfaceHandlers } from "../../proto/gen/prism/interfaces/pubsub/PubSubBasicInterface.ts";
import type { StreamBasicInterfaceHandlers } from "../../proto/gen/prism/interfaces/stream/StreamBasicInterface.ts";
import { status, StatusError } from "../../proto/status.ts";
import type { Message } from "../../proto/gen/prism/interfaces/pubsub/Message.ts";
import type { Record as StreamRecord } from "../../proto/gen/prism/interfaces/stream/Record.ts";
import type { Logger } from "../../proto/log/logger.ts";
import type { CallContext } from "../sdk/interceptors.ts";
import type { StreamSink } from "../sdk/stream.ts";
import { type HandlerTables, handlerTables, type ServiceHandlers } from "../sdk/plugin.ts";
import { AttemptTimeoutError } from "../sdk/errors.ts";
import { resilienceOptionsFrom, ResiliencePolicy } from "../sdk/resilience.ts";
import { TopicCatalog } from "./catalog.ts";
import { KafkaClient } from "./client.ts";
import type { KafkaConfig } from "./config.ts";
import { type Delivery, PositionedConsumer } from "./consumer.ts";
import { type Subscription, TopicFeeds } from "./feed.ts";
import { isKafkaUnavailable, isTopicPropagating } from "./errors.ts";
import { Publisher } from "./publisher.ts";
import { headersToMetadata, timestampOf, valueOf } from "./records.ts";
import { messageId, TopicNames } from "./topics.ts";

/** The response header that carries the subscriber id (chosen by the server when the request left it empty).
 *
 * @example
 * ```ts
 * import { SUBSCRIBER_ID_HEADER } from "./backend.ts";
 * console.log(SUBSCRIBER_ID_HEADER); // "prism-subscriber-id"
 * ```
 */
export const SUBSCRIBER_ID_HEADER = "prism-subscriber-id";

interface PublishRequest {
  topic: string;
  payload: Uint8Array;
  metadata: Record<string, string>;
}
interface SubscribeRequest {
  topic: string;
  subscriber_id: string;
}
interface AppendRequest {
  stream: string;
  payload: Uint8Array;
  metadata: Record<string, string>;
}
interface ReadRequest {
  stream: string;
  from_offset: number;
  max_messages: number;
}
interface TrimRequest {
  stream: string;
  before_offset: number;
}

/** One active subscriber. */
export interface Subscriber {
  id: string;
  /** The Kafka topic. */
  topic: string;
  /** The topic as the client named it. */
  name: string;
  /** Where it stands on its topic (once it joined the topic's feed). */
  subscription?: Subscription;
  /** Ends the subscriber's stream (OK). */
  end(): void;
}

function notNegative(op: string, field: string, value: number): void {
  if (value < 0) {
    throw new StatusError(
      status.INVALID_ARGUMENT,
      `Cannot ${op} as '${field}' must not be negative: current value is ${value}`,
    );
  }
}

/**
 * One namespace's Kafka backend.
 *
 * @example
 * ```ts ignore
 * import { KafkaBackend } from "./backend.ts";
 * const backend = new KafkaBackend(config, "events", log);
 * await backend.close();
 * ```
 */
export class KafkaBackend {
  readonly config: KafkaConfig;
  readonly client: KafkaClient;
  readonly names: TopicNames;
  readonly policy: ResiliencePolicy;
  readonly catalog: TopicCatalog;
  readonly publisher: Publisher;
  readonly subscribers = new Map<string, Subscriber>();
  /** The shared consumers of subscribed topics. */
  readonly feeds: TopicFeeds;
  /** Stream reads in progress. */
  readonly reads = new Set<PositionedConsumer>();
  #roundRobin = 0;

  constructor(config: KafkaConfig, namespace: string, log: Logger) {
    this.config = config;
    this.client = new KafkaClient(config, namespace, log);
    this.names = new TopicNames(config.topic_prefix);
    this.policy = new ResiliencePolicy({
      ...resilienceOptionsFrom(config),
      isRetryable: isKafkaUnavailable,
      // A topic a cluster is still propagating is worth retrying, but says
      // nothing of the cluster's health: the breaker does not count it.
      isFailure: (err) =>
        (isKafkaUnavailable(err) && !isTopicPropagating(err)) || err instanceof AttemptTimeoutError,
    });
    this.policy.onBreakerStateChange((state) =>
      (state === "open" ? log.warn : log.info).call(log, "kafka circuit breaker", { state })
    );
    this.catalog = new TopicCatalog(this.client, this.policy);
    this.publisher = new Publisher(this.client);
    this.feeds = new TopicFeeds(this.client);
  }

  /** The handlers of pub/sub and streams, typed by the generated interfaces, as method-path tables. */
  handlers(): HandlerTables {
    const pubsub: ServiceHandlers<PubSubBasicInterfaceHandlers> = {
      Publish: (req, ctx) => this.publish(req, ctx),
      Subscribe: (req, out, ctx) => this.subscribe(req, out, ctx),
      Unsubscribe: (req) => ({ found: this.unsubscribe(req.topic, req.subscriber_id) }),
    };
    const streams: ServiceHandlers<StreamBasicInterfaceHandlers> = {
      Append: (req, ctx) => this.append(req, ctx),
      Read: (req, out, ctx) => this.read(req, out, ctx),
      Trim: (req, ctx) => this.trim(req, ctx),
    };
    return handlerTables([SERVICE_NAMES.pubsub, pubsub], [SERVICE_NAMES.stream, streams]);
  }

  async publish(req: PublishRequest, ctx: CallContext): Promise<{ message_id: string }> {
    const topic = this.names.kafkaTopic(req.topic, "topic");
    const partitions = await this.catalog.ensure(topic, "pubsub", ctx);
    const partition = partitions === 1 ? 0 : (this.#roundRobin++ & 0x7fffffff) % partitions;
    const ack = await this.publisher.publish(
      { topic, partition, value: req.payload, headers: req.metadata },
      ctx.deadline,
    );
    return { message_id: messageId(ack.topic, ack.partition, ack.offset) };
  }

  async append(req: AppendRequest, ctx: CallContext): Promise<{ offset: number }> {
    const topic = this.names.kafkaTopic(req.stream, "stream");
    await this.catalog.ensure(topic, "stream", ctx);
    const ack = await this.publisher.publish(
      { topic, partition: 0, value: req.payload, headers: req.metadata },
      ctx.deadline,
    );
    return { offset: Number(ack.offset) };
  }

  /** Ends a subscriber's stream; false when there is no such subscriber. */
  unsubscribe(topic: string, id: string): boolean {
    let kafkaTopic: string;
    try {
      kafkaTopic = this.names.kafkaTopic(topic, "topic");
    } catch {
      return false; // no subscriber can have an invalid topic
    }
    const sub = this.subscribers.get(`${kafkaTopic}\0${id}`);
    if (sub === undefined) return false;
    sub.end();
    return true;
  }

  /**
   * Streams what is published to the topic from now on to `out`, from the
   * topic's shared feed; when `out` is full it leaves the feed and goes on,
   * once `out` drains, on a consumer of its own that pauses while `out` is
   * full (the SDK's sink is the one backpressure path). Stops when the call
   * ends.
   */
  async subscribe(
    req: SubscribeRequest,
    out: StreamSink<Message>,
    ctx: CallContext,
  ): Promise<void> {
    const topic = this.names.kafkaTopic(req.topic, "topic");
    const id = req.subscriber_id !== "" ? req.subscriber_id : crypto.randomUUID();
    const key = `${topic}\0${id}`;
    if (this.subscribers.has(key)) {
      throw new StatusError(
        status.ALREADY_EXISTS,
        `Cannot subscribe to "${req.topic}" as subscriber "${id}" is already subscribed to it (Unsubscribe it, or use another subscriber_id)`,
      );
    }
    const { promise: over, resolve: ended, reject: failed } = Promise.withResolvers<void>();
    const sub: Subscriber = { id, topic, name: req.topic, end: () => ended() };
    this.subscribers.set(key, sub);
    const log = ctx.log.child({ topic: req.topic, subscriber_id: id });
    try {
      await this.catalog.ensure(topic, "pubsub", ctx);
      // Joins the topic's feed first, then reads the position: everything
      // published from now on. Fixed before the headers go out, so a message
      // published after they arrive is never missed.
      sub.subscription = this.feeds.join(topic, {
        deliver: (partition, message): Delivery => {
          if (out.closed) return "done";
          const room = out.offer({
            topic: req.topic,
            payload: valueOf(message),
            metadata: headersToMetadata(message.headers),
            message_id: messageId(topic, partition, message.offset),
            timestamp_ms: timestampOf(message),
          });
          return room ? "more" : "full";
        },
        drained: () => out.drained(),
        onFatal: (err) => failed(err),
      });
      const offsets = await this.catalog.offsets(topic, ctx);
      if (ctx.signal.aborted) return;
      await sub.subscription.begin(new Map(offsets.map((o) => [o.partition, o.high])));
      out.sendHeaders({ [SUBSCRIBER_ID_HEADER]: id });
      log.debug("subscribed", {
        shared: sub.subscription.shared,
        offsets: offsets.map((o) => String(o.high)),
      });
      // The client cancelled, the deadline passed or a drain cut the call off.
      const onAbort = () => ended();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      try {
        await over;
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
      }
    } finally {
      this.subscribers.delete(key);
      await sub.subscription?.stop();
      log.debug("unsubscribed");
    }
  }

  /** Streams the records of `[from_offset, end)` to `out`, pausing while it is full. */
  async read(req: ReadRequest, out: StreamSink<StreamRecord>, ctx: CallContext): Promise<void> {
    const topic = this.names.kafkaTopic(req.stream, "stream");
    notNegative("Read", "from_offset", req.from_offset);
    if (!(await this.catalog.streamExists(topic, ctx))) return; // nothing to read
    const [o] = await this.catalog.offsets(topic, ctx);
    const from = BigInt(req.from_offset);
    const start = from > o.low ? from : o.low;
    let end = o.high;
    if (req.max_messages > 0 && start + BigInt(req.max_messages) < end) {
      end = start + BigInt(req.max_messages);
    }
    if (start >= end) return;
    const { promise: done, resolve: finished, reject: failed } = Promise.withResolvers<void>();
    const consumer = new PositionedConsumer({
      client: this.client,
      purpose: "read",
      topic,
      start: new Map([[0, start]]),
      deliver: (_partition, message): Delivery => {
        const offset = BigInt(message.offset);
        if (offset >= end || out.closed) {
          finished();
          return "done";
        }
        const room = out.offer({
          offset: Number(offset),
          payload: valueOf(message),
          metadata: headersToMetadata(message.headers),
          timestamp_ms: timestampOf(message),
        });
        if (offset + 1n >= end) {
          finished();
          return "done";
        }
        return room ? "more" : "full";
      },
      drained: () => out.drained(),
      onFatal: (err) => failed(err),
    });
    this.reads.add(consumer);
    // The records still to read can vanish meanwhile (a Trim, retention):
    // then nothing more arrives below `end`, and the watchdog ends the read.
    const watchdog = setInterval(async () => {
      try {
        const [now] = await this.catalog.offsets(topic);
        if (now.low >= end) finished();
      } catch { /* the consumer's own errors decide */ }
    }, Math.max(1000, this.config.fetch_max_wait_ms * 2));
    const onAbort = () => finished();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await consumer.start();
      await done;
    } finally {
      clearInterval(watchdog);
      ctx.signal.removeEventListener("abort", onAbort);
      this.reads.delete(consumer);
      await consumer.stop();
    }
  }

  async trim(req: TrimRequest, ctx: CallContext): Promise<Record<string, never>> {
    const topic = this.names.kafkaTopic(req.stream, "stream");
    notNegative("Trim", "before_offset", req.before_offset);
    if (!(await this.catalog.streamExists(topic, ctx))) return {}; // nothing to trim
    const [o] = await this.catalog.offsets(topic, ctx);
    const requested = BigInt(req.before_offset);
    const before = requested < o.high ? requested : o.high;
    if (before <= o.low) return {};
    await this.catalog.run(ctx, true, () =>
      this.client.admin.deleteTopicRecords({
        topic,
        partitions: [{ partition: 0, offset: before.toString() }],
      }));
    return {};
  }

  /** Ends every subscriber and read, and disconnects. */
  async close(): Promise<void> {
    for (const sub of this.subscribers.values()) sub.end();
    await Promise.all([
      ...[...this.subscribers.values()].map((s) => s.subscription?.stop()),
      this.feeds.close(),
      ...[...this.reads].map((r) => r.stop()),
      this.publisher.close(),
    ]);
    await this.client.close();
  }
}
