/**
 * The kafka plugin's config block (a namespace's `config:` in prism.yaml,
 * handed over by `Initialize`), with defaults and `PRISM_KAFKA_<KEY>`
 * environment overrides (`topic_prefix` has none: it is per namespace).
 *
 * | key | type | default | |
 * | --- | --- | --- | --- |
 * | `brokers` | string[] | `["127.0.0.1:9092"]` | bootstrap brokers, `host:port` |
 * | `client_id` | string | `"prism-<namespace>"` | Kafka client id (broker logs, quotas) |
 * | `topic_prefix` | string | `"<namespace>."` | prepended to every topic and stream name |
 * | `partitions` | integer ≥ 1 | 1 | partitions of a pub/sub topic created on first use (order per topic holds with 1) |
 * | `replication_factor` | integer ≥ 1 | 1 | replicas of a topic created on first use |
 * | `min_insync_replicas` | integer ≥ 1 | — | `min.insync.replicas` of a topic created on first use (the broker's default otherwise) |
 * | `tls` | `{ ca_file?, cert_file?, key_file? }` | — | TLS to the brokers: a CA to trust, a client certificate |
 * | `sasl` | `{ mechanism, username, password_env \| password_file }` | — | SASL: `plain`, `scram-sha-256` or `scram-sha-512`; the password from the named variable or file (exactly one) |
 * | `publish_timeout_ms` | integer ≥ 1 | 5000 | longest a Publish/Append waits for the broker's acknowledgement |
 * | `connect_timeout_ms` | integer ≥ 1 | 1000 | one connection attempt |
 * | `request_timeout_ms` | integer ≥ 1 | 5000 | one Kafka request |
 * | `max_batch_messages` | integer ≥ 1 | 500 | messages per produce request (publishes queued meanwhile share one) |
 * | `max_batch_bytes` | integer ≥ 1 | 524288 | payload bytes per produce request (below the broker's `message.max.bytes`, 1 MiB by default; a larger record goes alone) |
 * | `session_timeout_ms` | integer ≥ 6000 | 10000 | consumer-group session of a subscriber |
 * | `fetch_max_wait_ms` | integer ≥ 1 | 500 | a consumer's long poll when no data is there |
 * | `slow_metadata_ms` | integer ≥ 1 | 250 | health is DEGRADED when a metadata request takes longer |
 * | `command_timeout_ms` | integer ≥ 1 | 10000 | one admin request (topic creation, offsets, trim); the call's deadline may cut it shorter |
 * | `retry_attempts`, `breaker_threshold`, `breaker_cooldown_ms` | | | admin requests, as the SDK defines them |
 *
 * @module
 */
import { type ConfigOf, defineSchema } from "../sdk/config.ts";
import { RESILIENCE_SETTINGS } from "../sdk/resilience.ts";
import { tlsSetting } from "../sdk/tls.ts";
import { topicNameProblem } from "./topics.ts";

/** The default broker list.
 *
 * @example
 * ```ts
 * import { DEFAULT_BROKERS } from "./config.ts";
 * console.log(DEFAULT_BROKERS); // ["127.0.0.1:9092"]
 * ```
 */
export const DEFAULT_BROKERS: readonly string[] = Object.freeze(["127.0.0.1:9092"]);

/** Where a broker address points.
 *
 * @example
 * ```ts
 * import type { BrokerAddress } from "./config.ts";
 * const a: BrokerAddress = { host: "127.0.0.1", port: 9092 };
 * console.log(a.port);
 * ```
 */
export interface BrokerAddress {
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
}

/**
 * Parses a `host:port` broker address (`[v6]:port` for IPv6); throws with
 * what is wrong.
 *
 * @example
 * ```ts
 * import { parseBroker } from "./config.ts";
 * console.log(parseBroker("kafka-1.internal:9092")); // { host: "kafka-1.internal", port: 9092 }
 * console.log(parseBroker("[::1]:9093")); // { host: "::1", port: 9093 }
 * ```
 */
export function parseBroker(address: string): BrokerAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(address);
  if (m === null) {
    throw new Error(`must be "host:port" (e.g. "127.0.0.1:9092"), got "${address}"`);
  }
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`has port ${port}, outside 1-65535`);
  return { host: m[1] ?? m[2], port };
}

function brokersProblem(brokers: string[]): string | undefined {
  if (brokers.length === 0) return "must list at least one broker";
  for (const b of brokers) {
    try {
      parseBroker(b);
    } catch (err) {
      return `entry "${b}" ${(err as Error).message}`;
    }
  }
  return undefined;
}

/**
 * The config schema.
 *
 * @example
 * ```ts
 * import { KAFKA_SCHEMA } from "./config.ts";
 * console.log(KAFKA_SCHEMA.partitions.default); // 1
 * ```
 */
export const KAFKA_SCHEMA = defineSchema({
  brokers: {
    type: "string[]",
    default: () => [...DEFAULT_BROKERS],
    check: brokersProblem,
    description: "bootstrap brokers, host:port",
  },
  client_id: {
    type: "string",
    default: ({ namespace }) => `prism-${namespace}`,
    check: (v) => v === "" ? "must not be empty" : undefined,
    description: "the Kafka client id",
  },
  topic_prefix: {
    type: "string",
    default: ({ namespace }) => `${namespace}.`,
    check: (v) => {
      if (v === "") {
        return "must not be empty (namespaces sharing a cluster must never see each other's topics)";
      }
      const problem = topicNameProblem(`${v}x`);
      return problem === undefined ? undefined : `makes invalid topic names: ${problem}`;
    },
    env: false,
    description: "prepended to every topic and stream name (default: the namespace and a dot)",
  },
  partitions: {
    type: "integer",
    default: 1,
    min: 1,
    max: 10_000,
    description:
      "partitions of a pub/sub topic created on first use (publish order per topic needs 1)",
  },
  replication_factor: {
    type: "integer",
    default: 1,
    min: 1,
    max: 100,
    description: "replicas of a topic created on first use",
  },
  min_insync_replicas: {
    type: "integer",
    optional: true,
    min: 1,
    max: 100,
    env: false,
    description: "min.insync.replicas of a topic created on first use (default: the broker's)",
  },
  tls: tlsSetting("TLS to the brokers"),
  sasl: {
    type: "object",
    optional: true,
    fields: {
      mechanism: {
        type: "string",
        check: (v) =>
          ["plain", "scram-sha-256", "scram-sha-512"].includes(v)
            ? undefined
            : "must be plain, scram-sha-256 or scram-sha-512",
        description: "the SASL mechanism",
      },
      username: { type: "string", description: "the SASL user" },
      password_env: {
        type: "string",
        optional: true,
        check: (v) =>
          /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : "must be an environment variable's name",
        description: "the environment variable holding the password (or password_file)",
      },
      password_file: {
        type: "string",
        optional: true,
        check: (v) => v !== "" ? undefined : "must be a file's path",
        description:
          "a file holding the password, e.g. a mounted secret (one trailing newline is ignored)",
      },
    },
    description: "SASL authentication (the password never is config)",
  },
  publish_timeout_ms: {
    type: "integer",
    default: 5000,
    min: 1,
    max: 600_000,
    description: "longest a Publish or Append waits for the broker's acknowledgement",
  },
  connect_timeout_ms: {
    type: "integer",
    default: 1000,
    min: 1,
    max: 600_000,
    description: "timeout of one connection attempt",
  },
  request_timeout_ms: {
    type: "integer",
    default: 5000,
    min: 1,
    max: 600_000,
    description: "timeout of one Kafka request",
  },
  max_batch_messages: {
    type: "integer",
    default: 500,
    min: 1,
    max: 100_000,
    description: "most messages in one produce request",
  },
  max_batch_bytes: {
    type: "integer",
    default: 512 * 1024,
    min: 1,
    max: 64 * 1024 * 1024,
    description:
      "most payload bytes in one produce request (keep below the broker's message.max.bytes)",
  },
  session_timeout_ms: {
    type: "integer",
    default: 10_000,
    min: 6000,
    max: 300_000,
    description: "consumer-group session timeout of a subscriber",
  },
  fetch_max_wait_ms: {
    type: "integer",
    default: 500,
    min: 1,
    max: 60_000,
    description: "a consumer's long poll when no data is there",
  },
  slow_metadata_ms: {
    type: "integer",
    default: 250,
    min: 1,
    max: 600_000,
    description: "health is DEGRADED when a metadata request takes longer",
  },
  ...RESILIENCE_SETTINGS,
  // Admin requests (topic creation above all) can take seconds on a busy
  // cluster: each attempt may use the call's whole deadline, up to this.
  command_timeout_ms: {
    ...RESILIENCE_SETTINGS.command_timeout_ms,
    default: 10_000,
    description:
      "longest one admin request (topic creation, offsets, trim) may take; the call's deadline may cut it shorter",
  },
});

/** A loaded config.
 *
 * @example
 * ```ts
 * import type { KafkaConfig } from "./config.ts";
 * const pick = (c: KafkaConfig) => c.brokers;
 * console.log(typeof pick);
 * ```
 */
export type KafkaConfig = ConfigOf<typeof KAFKA_SCHEMA>;
