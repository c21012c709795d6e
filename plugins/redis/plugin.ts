/**
 * The redis plugin's definition for the SDK: keyvalue basic, scan and TTL,
 * and list, on one Redis per namespace (CONTRACT §4).
 *
 * @module
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import type { PluginDefinition } from "../sdk/plugin.ts";
import { RedisBackend } from "./backend.ts";
import { REDIS_SCHEMA } from "./config.ts";
import { mapRedisError } from "./errors.ts";
import { redisHealthChecks } from "./health.ts";
import { redisMetrics } from "./metrics.ts";

/** The plugin's version (reported by `Initialize`).
 *
 * @example
 * ```ts
 * import { REDIS_PLUGIN_VERSION } from "./plugin.ts";
 * console.log(REDIS_PLUGIN_VERSION); // "0.1.0"
 * ```
 */
export const REDIS_PLUGIN_VERSION = "0.1.0";

/**
 * The redis plugin.
 *
 * @example
 * ```ts
 * import { REDIS_PLUGIN } from "./plugin.ts";
 * console.log(REDIS_PLUGIN.name, REDIS_PLUGIN.interfaces.length); // "redis" 4
 * ```
 */
export const REDIS_PLUGIN: PluginDefinition<typeof REDIS_SCHEMA> = {
  name: "redis",
  version: REDIS_PLUGIN_VERSION,
  interfaces: [
    SERVICE_NAMES.keyvalueBasic,
    SERVICE_NAMES.keyvalueScan,
    SERVICE_NAMES.keyvalueTtl,
    SERVICE_NAMES.list,
  ],
  configSchema: REDIS_SCHEMA,
  create(config, ctx) {
    // Connects in the background: an unreachable Redis never fails Initialize.
    const backend = new RedisBackend(config, ctx.namespace, ctx.log);
    return {
      ...backend.handlers(),
      healthChecks: redisHealthChecks(backend, redisMetrics(ctx.metrics, backend)),
      connected: () => backend.conn.whenReady(),
      mapError: mapRedisError,
      close: () => backend.close(Math.min(1000, config.command_timeout_ms)),
    };
  },
};
