/**
 * The `deno run` permission flags the kafka plugin process needs (the proxy
 * spawns the plugin with exactly these):
 *
 * - `--allow-net`, unrestricted: the configured brokers are only the
 *   bootstrap list — the cluster's metadata then names every broker by its
 *   advertised listener, which the config cannot know in advance;
 * - `--allow-env`: broad, because kafkajs reads `process.env` when it is
 *   imported. The plugin is spawned with a cleared environment (only
 *   `PRISM_PLUGIN_MAGIC_COOKIE`, `PRISM_LOG_LEVEL` and `PRISM_KAFKA_*`), so
 *   the broad flag exposes nothing else.
 *
 * Nothing else: no read, write, run, sys or ffi (the plugin's tests run it
 * with only these flags).
 *
 * @module
 */

/**
 * The permission flags for a namespace's `config` block.
 *
 * @example
 * ```ts
 * import { kafkaPluginPermissions } from "./permissions.ts";
 * console.log(kafkaPluginPermissions({ brokers: ["kafka-1:9092"] }));
 * // ["--allow-net", "--allow-env"]
 * ```
 */
export function kafkaPluginPermissions(_config: Record<string, unknown>): string[] {
  return ["--allow-net", "--allow-env"];
}
