/**
 * Topic names and message ids.
 *
 * A client's topic (pub/sub) or stream name maps to the Kafka topic
 * `<topic_prefix><name>`; Kafka accepts names of at most 249 characters
 * from `[a-zA-Z0-9._-]`, other than `.` and `..`. Names Kafka would reject
 * fail with `INVALID_ARGUMENT` before any request is made.
 *
 * A message id names where a message is: `<kafka topic>/<partition>/<offset>`
 * (`/` never appears in a topic name, so the id parses back unambiguously).
 *
 * @module
 */
import { status, StatusError } from "../../proto/status.ts";

/** The longest Kafka topic name.
 *
 * @example
 * ```ts
 * import { MAX_TOPIC_LENGTH } from "./topics.ts";
 * console.log(MAX_TOPIC_LENGTH); // 249
 * ```
 */
export const MAX_TOPIC_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * What is wrong with a Kafka topic name, or undefined when Kafka accepts it.
 *
 * @example
 * ```ts
 * import { topicNameProblem } from "./topics.ts";
 * console.log(topicNameProblem("orders.v1")); // undefined
 * console.log(topicNameProblem("a b")); // "contains ' ' (Kafka allows only a-z A-Z 0-9 . _ -)"
 * ```
 */
export function topicNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return `cannot be "${name}"`;
  if (name.length > MAX_TOPIC_LENGTH) {
    return `is ${name.length} characters long (Kafka allows at most ${MAX_TOPIC_LENGTH})`;
  }
  if (!LEGAL.test(name)) {
    const bad = [...name].find((c) => !LEGAL.test(c));
    return `contains '${bad}' (Kafka allows only a-z A-Z 0-9 . _ -)`;
  }
  return undefined;
}

/**
 * Maps client names to Kafka topics under one prefix.
 *
 * @example
 * ```ts
 * import { TopicNames } from "./topics.ts";
 * const names = new TopicNames("events.");
 * console.log(names.kafkaTopic("orders", "topic")); // "events.orders"
 * console.log(names.clientName("events.orders")); // "orders"
 * ```
 */
export class TopicNames {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /**
   * The Kafka topic of a client's topic or stream name.
   *
   * @throws {StatusError} `INVALID_ARGUMENT` naming the field when Kafka would reject it.
   */
  kafkaTopic(name: string, field: "topic" | "stream"): string {
    if (name === "") {
      throw new StatusError(
        status.INVALID_ARGUMENT,
        `Cannot use the ${field} as '${field}' is empty`,
      );
    }
    const topic = this.prefix + name;
    const problem = topicNameProblem(topic);
    if (problem === undefined) return topic;
    throw new StatusError(
      status.INVALID_ARGUMENT,
      `Cannot use ${field} "${name}" as its Kafka topic "${topic}" ${problem}`,
    );
  }

  /** The client's name of a Kafka topic (the prefix removed). */
  clientName(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }
}

/**
 * The id of the message at `offset` of `partition` of a Kafka topic.
 *
 * @example
 * ```ts
 * import { messageId } from "./topics.ts";
 * console.log(messageId("events.orders", 0, "42")); // "events.orders/0/42"
 * ```
 */
export function messageId(topic: string, partition: number, offset: string | bigint): string {
  return `${topic}/${partition}/${offset}`;
}

/**
 * Where a message id points, or undefined when it is not one.
 *
 * @example
 * ```ts
 * import { parseMessageId } from "./topics.ts";
 * console.log(parseMessageId("events.orders/0/42")); // { topic: "events.orders", partition: 0, offset: 42n }
 * ```
 */
export function parseMessageId(
  id: string,
): { topic: string; partition: number; offset: bigint } | undefined {
  const m = /^([a-zA-Z0-9._-]+)\/(\d+)\/(\d+)$/.exec(id);
  if (m === null) return undefined;
  return { topic: m[1], partition: Number(m[2]), offset: BigInt(m[3]) };
}
