/**
 * What the plugin knows about the cluster's topics: which exist, how many
 * partitions they have, and their offsets. Topics are created on first use
 * (Publish, Subscribe, Append) with the namespace's `partitions` and
 * `replication_factor`; streams are always single-partition topics, since
 * their offsets must count appends one by one.
 *
 * Admin requests run under the SDK's resilience policy (a timeout within
 * the call's deadline, retries of idempotent requests, the breaker).
 *
 * @module
 */
import { status, StatusError } from "../../proto/status.ts";
import type { CallContext } from "../sdk/interceptors.ts";
import { isTopicPropagating } from "./errors.ts";
import type { ResiliencePolicy } from "../sdk/resilience.ts";
import type { KafkaClient } from "./client.ts";

/** Offsets of one partition: the oldest retained record and the next offset to be written.
 *
 * @example
 * ```ts
 * import type { PartitionOffsets } from "./catalog.ts";
 * const p: PartitionOffsets = { partition: 0, low: 0n, high: 10n };
 * console.log(p.high - p.low); // 10n
 * ```
 */
export interface PartitionOffsets {
  partition: number;
  low: bigint;
  high: bigint;
}

/** Whether a topic serves pub/sub (any partition count) or a stream (one partition).
 *
 * @example
 * ```ts
 * import type { TopicUse } from "./catalog.ts";
 * const use: TopicUse = "stream";
 * console.log(use);
 * ```
 */
export type TopicUse = "pubsub" | "stream";

function assertStream(topic: string, partitions: number): void {
  if (partitions !== 1) {
    throw new StatusError(
      status.FAILED_PRECONDITION,
      `Cannot use Kafka topic "${topic}" as a stream as it has ${partitions} partitions (a stream's offsets need exactly 1)`,
    );
  }
}

/**
 * The topic catalog of one namespace.
 *
 * @example
 * ```ts ignore
 * import { TopicCatalog } from "./catalog.ts";
 * const catalog = new TopicCatalog(client, policy);
 * const partitions = await catalog.ensure("events.orders", "pubsub", ctx);
 * ```
 */
export class TopicCatalog {
  readonly #client: KafkaClient;
  readonly #policy: ResiliencePolicy;
  /** Partition counts of topics known to exist. */
  readonly #partitions = new Map<string, number>();
  /** Creations in progress, so that concurrent first uses create once. */
  readonly #creating = new Map<string, Promise<number>>();

  constructor(client: KafkaClient, policy: ResiliencePolicy) {
    this.#client = client;
    this.#policy = policy;
  }

  /** Runs an admin request under the policy. */
  run<T>(ctx: CallContext | undefined, idempotent: boolean, fn: () => Promise<T>): Promise<T> {
    return this.#policy.execute(async () => {
      await this.#client.connectAdmin();
      return await fn();
    }, { deadline: ctx?.deadline, idempotent });
  }

  /** Number of topics known to exist. */
  get knownTopics(): number {
    return this.#partitions.size;
  }

  /** Forgets a topic (after an error that says it vanished). */
  forget(topic: string): void {
    this.#partitions.delete(topic);
  }

  /**
   * The partition count of `topic`, or 0 when it does not exist (asks the
   * cluster when the catalog does not know it).
   */
  async partitionsOf(topic: string, ctx?: CallContext): Promise<number> {
    const known = this.#partitions.get(topic);
    if (known !== undefined) return known;
    const metadata = await this.run(ctx, true, async () => {
      const topics = await this.#client.admin.listTopics();
      if (!topics.includes(topic)) return undefined;
      return await this.#client.admin.fetchTopicMetadata({ topics: [topic] });
    });
    if (metadata === undefined) return 0;
    const count = metadata.topics[0]?.partitions.length ?? 0;
    if (count > 0) this.#partitions.set(topic, count);
    return count;
  }

  /**
   * Makes sure `topic` exists (creating it with the namespace's settings)
   * and suits `use`; resolves with its partition count.
   *
   * @throws {StatusError} `FAILED_PRECONDITION` when a stream's topic has several partitions.
   */
  async ensure(topic: string, use: TopicUse, ctx?: CallContext): Promise<number> {
    let count = this.#partitions.get(topic);
    if (count === undefined) {
      let creating = this.#creating.get(topic);
      if (creating === undefined) {
        creating = this.#create(topic, use, ctx).finally(() => this.#creating.delete(topic));
        this.#creating.set(topic, creating);
      }
      count = await creating;
    }
    if (use === "stream") assertStream(topic, count);
    return count;
  }

  /**
   * Whether the stream's topic exists (false: nothing to read or trim).
   *
   * @throws {StatusError} `FAILED_PRECONDITION` when it has several partitions.
   */
  async streamExists(topic: string, ctx?: CallContext): Promise<boolean> {
    const count = await this.partitionsOf(topic, ctx);
    if (count === 0) return false;
    assertStream(topic, count);
    return true;
  }

  async #create(topic: string, use: TopicUse, ctx?: CallContext): Promise<number> {
    const existing = await this.partitionsOf(topic, ctx);
    if (existing > 0) return existing;
    const { partitions, replication_factor, min_insync_replicas, request_timeout_ms } =
      this.#client.config;
    const numPartitions = use === "stream" ? 1 : partitions;
    const created = await this.run(ctx, true, () =>
      this.#client.admin.createTopics({
        topics: [{
          topic,
          numPartitions,
          replicationFactor: replication_factor,
          ...(min_insync_replicas !== undefined
            ? {
              configEntries: [{ name: "min.insync.replicas", value: String(min_insync_replicas) }],
            }
            : {}),
        }],
        waitForLeaders: true,
        timeout: request_timeout_ms,
      }));
    const until = Math.min(ctx?.deadline ?? Infinity, Date.now() + request_timeout_ms);
    let count = numPartitions;
    if (created) {
      this.#client.log.info("created topic", { topic, partitions: numPartitions, use });
    } else {
      // Someone else created it meanwhile (or an earlier attempt of ours
      // did): ask how. On a cluster the broker asked may not know it yet.
      count = await this.#untilReady(topic, until, async () => {
        this.#partitions.delete(topic);
        const n = await this.partitionsOf(topic, ctx);
        return n > 0 ? n : undefined;
      });
    }
    // On a cluster, the leaders named in the metadata may not serve the new
    // partitions yet ("does not host this topic-partition"): the topic is
    // ready once every leader answers for its offsets.
    await this.#untilReady(topic, until, () => this.offsets(topic, ctx));
    this.#partitions.set(topic, count);
    return count;
  }

  /**
   * Calls `probe` every 100 ms until it resolves with a value, while it
   * fails with what a cluster says of a topic it has not fully propagated
   * (other errors pass).
   *
   * @throws {StatusError} `UNAVAILABLE` once `until` (epoch ms) passes.
   */
  async #untilReady<T>(
    topic: string,
    until: number,
    probe: () => Promise<T | undefined>,
  ): Promise<T> {
    for (;;) {
      let last: unknown;
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (err) {
        if (!isTopicPropagating(err)) throw err;
        last = err;
      }
      if (Date.now() + 100 >= until) {
        throw new StatusError(
          status.UNAVAILABLE,
          `topic "${topic}" was created but is not served by every partition leader yet${
            last ? `: ${(last as Error).message}` : ""
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Low and high offsets of every partition of an existing topic, by partition. */
  async offsets(topic: string, ctx?: CallContext): Promise<PartitionOffsets[]> {
    const offsets = await this.run(
      ctx,
      true,
      () => this.#client.admin.fetchTopicOffsets(topic),
    );
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }
}
