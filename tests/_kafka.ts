/**
 * Test harness: a real single-node Apache Kafka broker (KRaft), or a
 * cluster of them, on free loopback ports, run from Maven Central's jars (`tasks/kafka/broker.ts`).
 * Needs Java; the first run fetches the jars with Maven into `.cache/kafka/`
 * (`deno task test` does that up front via `tasks/ensure_tools.ts`). The
 * version is `PRISM_KAFKA_VERSION`, else 3.9 (`deno task test` runs the
 * kafka suites on 4.x as well).
 *
 * @module
 */
export { kafkaVersion, startKafka, startKafkaCluster } from "../tasks/kafka/broker.ts";
export type { KafkaBroker, KafkaCluster, StartKafkaOptions } from "../tasks/kafka/broker.ts";
