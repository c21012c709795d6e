/**
 * Maps kafkajs errors to the gRPC statuses of CONTRACT §2 (the plugin's
 * {@linkcode ErrorMapper}; the SDK maps what this leaves alone):
 *
 * | kafkajs error | status |
 * | --- | --- |
 * | connection errors, request timeouts, no broker/coordinator, `UNKNOWN_TOPIC_OR_PARTITION`, `LEADER_NOT_AVAILABLE`, `NOT_LEADER_*`, `NOT_ENOUGH_REPLICAS*`, `REQUEST_TIMED_OUT`, retries exhausted on any of these | `UNAVAILABLE` |
 * | the plugin's SASL login refused | `UNAVAILABLE` (naming the namespace's `sasl` settings) |
 * | `INVALID_TOPIC_EXCEPTION` | `INVALID_ARGUMENT` |
 * | `MESSAGE_TOO_LARGE`, `RECORD_LIST_TOO_LARGE` | `INVALID_ARGUMENT` (the broker's `message.max.bytes`) |
 * | `INVALID_REPLICATION_FACTOR`, `INVALID_PARTITIONS`, `POLICY_VIOLATION` | `FAILED_PRECONDITION` (the namespace's topic settings do not suit the cluster) |
 * | `*_AUTHORIZATION_FAILED` | `PERMISSION_DENIED` |
 *
 * @module
 */
import { status, StatusError } from "../../proto/status.ts";
import type { ErrorMapper } from "../sdk/errors.ts";

const UNAVAILABLE_NAMES = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSLockTimeout",
  "KafkaJSTimeout",
]);

const UNAVAILABLE_TYPES = new Set([
  // On a cluster, a topic just created is not yet known to every broker:
  // the plugin only asks about topics that exist, so this passes.
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "NOT_ENOUGH_REPLICAS",
  "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
  "REQUEST_TIMED_OUT",
  "NETWORK_EXCEPTION",
  "COORDINATOR_NOT_AVAILABLE",
  "COORDINATOR_LOAD_IN_PROGRESS",
  "NOT_CONTROLLER",
  "BROKER_NOT_AVAILABLE",
  "KAFKA_STORAGE_ERROR",
]);

/** The innermost error of a kafkajs error chain (retries wrap their cause). */
function innermost(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 10; i++) {
    const next = (e as { cause?: unknown; originalError?: unknown } | null)?.cause ??
      (e as { originalError?: unknown } | null)?.originalError;
    if (next === undefined || next === null || next === e) return e;
    e = next;
  }
  return e;
}

function describe(err: unknown): { name: string; type: string; message: string } {
  const e = err as { name?: unknown; type?: unknown; message?: unknown } | null;
  return {
    name: typeof e?.name === "string" ? e.name : "",
    type: typeof e?.type === "string" ? e.type : "",
    message: typeof e?.message === "string" ? e.message : String(err),
  };
}

/**
 * Whether a kafkajs error means the cluster cannot be reached or cannot
 * serve right now.
 *
 * @example
 * ```ts
 * import { isKafkaUnavailable } from "./errors.ts";
 * const err = Object.assign(new Error("Connection error: connect ECONNREFUSED"), { name: "KafkaJSConnectionError" });
 * console.log(isKafkaUnavailable(err)); // true
 * console.log(isKafkaUnavailable(new Error("boom"))); // false
 * ```
 */
export function isKafkaUnavailable(err: unknown): boolean {
  for (const e of [err, innermost(err)]) {
    const { name, type } = describe(e);
    if (UNAVAILABLE_NAMES.has(name) || UNAVAILABLE_TYPES.has(type)) return true;
  }
  return false;
}

/** What a cluster answers about a topic it has not fully propagated yet. */
const PROPAGATING_TYPES = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
]);

/**
 * Whether a kafkajs error says a topic is not (yet) served by every broker —
 * what a cluster answers for a moment after the topic's creation.
 *
 * @example
 * ```ts
 * import { isTopicPropagating } from "./errors.ts";
 * const err = Object.assign(new Error("This server does not host this topic-partition"), {
 *   name: "KafkaJSProtocolError", type: "UNKNOWN_TOPIC_OR_PARTITION",
 * });
 * console.log(isTopicPropagating(err)); // true
 * console.log(isTopicPropagating(new Error("boom"))); // false
 * ```
 */
export function isTopicPropagating(err: unknown): boolean {
  return [err, innermost(err)].some((e) => PROPAGATING_TYPES.has(describe(e).type));
}

/**
 * The kafka plugin's error mapper.
 *
 * @example
 * ```ts
 * import { mapKafkaError } from "./errors.ts";
 * const err = Object.assign(new Error("The request included message batch larger than the configured segment size"), {
 *   name: "KafkaJSProtocolError", type: "RECORD_LIST_TOO_LARGE",
 * });
 * console.log(mapKafkaError(err)?.code); // 3 (INVALID_ARGUMENT)
 * ```
 */
export const mapKafkaError: ErrorMapper = (err) => {
  if (err instanceof StatusError) return err;
  const inner = describe(innermost(err));
  const outer = describe(err);
  const type = inner.type || outer.type;
  const detail = inner.message || outer.message;
  if (isKafkaUnavailable(err)) {
    return new StatusError(status.UNAVAILABLE, `Kafka is unavailable: ${detail}`, { cause: err });
  }
  switch (type) {
    case "INVALID_TOPIC_EXCEPTION":
      return new StatusError(status.INVALID_ARGUMENT, `Kafka rejects the topic: ${detail}`, {
        cause: err,
      });
    case "MESSAGE_TOO_LARGE":
    case "RECORD_LIST_TOO_LARGE":
      return new StatusError(
        status.INVALID_ARGUMENT,
        `the message is larger than the broker accepts (its message.max.bytes): ${detail}`,
        { cause: err },
      );
    case "INVALID_REPLICATION_FACTOR":
    case "INVALID_PARTITIONS":
    case "POLICY_VIOLATION":
      return new StatusError(
        status.FAILED_PRECONDITION,
        `the cluster refuses to create the topic with this namespace's partitions/replication_factor: ${detail}`,
        { cause: err },
      );
  }
  // The plugin's own credentials were refused: the namespace cannot be served
  // until its config is fixed — for the client that is UNAVAILABLE (its own
  // token is not at fault), with the cause named.
  if (inner.name === "KafkaJSSASLAuthenticationError") {
    return new StatusError(
      status.UNAVAILABLE,
      `Kafka refused the plugin's credentials (check the namespace's sasl settings): ${detail}`,
      { cause: err },
    );
  }
  if (/AUTHORIZATION_FAILED$/.test(type)) {
    return new StatusError(status.PERMISSION_DENIED, `Kafka denies access: ${detail}`, {
      cause: err,
    });
  }
  return undefined;
};
