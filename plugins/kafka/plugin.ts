/**
 * The kafka plugin's definition for the SDK: pub/sub and streams on one
 * Kafka cluster per namespace (CONTRACT §4).
 *
 * @module
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import type { PluginDefinition } from "../sdk/plugin.ts";
import { KafkaBackend } from "./backend.ts";
import { kafkaMetrics } from "./metrics.ts";
import { KAFKA_SCHEMA } from "./config.ts";
import { mapKafkaError } from "./errors.ts";
import { kafkaHealthChecks } from "./health.ts";

/** The plugin's version (reported by `Initialize`).
 *
 * @example
 * ```ts
 * import { KAFKA_PLUGIN_VERSION } from "./plugin.ts";
 * console.log(KAFKA_PLUGIN_VERSION); // "0.1.0"
 * ```
 */
export const KAFKA_PLUGIN_VERSION = "0.1.0";

/**
 * The kafka plugin.
 *
 * @example
 * ```ts
 * import { KAFKA_PLUGIN } from "./plugin.ts";
 * console.log(KAFKA_PLUGIN.name, KAFKA_PLUGIN.interfaces.length); // "kafka" 2
 * ```
 */
export const KAFKA_PLUGIN: PluginDefinition<typeof KAFKA_SCHEMA> = {
  name: "kafka",
  version: KAFKA_PLUGIN_VERSION,
  interfaces: [SERVICE_NAMES.pubsub, SERVICE_NAMES.stream],
  configSchema: KAFKA_SCHEMA,
  create(config, ctx) {
    // Connects lazily: an unreachable cluster never fails Initialize.
    const backend = new KafkaBackend(config, ctx.namespace, ctx.log);
    kafkaMetrics(ctx.metrics, backend);
    return {
      ...backend.handlers(),
      healthChecks: kafkaHealthChecks(backend),
      mapError: mapKafkaError,
      close: () => backend.close(),
    };
  },
};
