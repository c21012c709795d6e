/**
 * Test harness: a real single-node Apache Kafka broker (KRaft) on free
 * loopback ports, run from Maven Central's jars (`tasks/kafka/broker.ts`).
 * Needs Java; the first run fetches the jars with Maven into `.cache/kafka/`
 * (`deno task test` does that up front via `tasks/ensure_tools.ts`).
 *
 * @module
 */
export { startKafka } from "../tasks/kafka/broker.ts";
export type { KafkaBroker, StartKafkaOptions } from "../tasks/kafka/broker.ts";
