/**
 * The `deno run` permission flags the kafka plugin process needs (the proxy
 * spawns the plugin with exactly these):
 *
 * - `--allow-net`, unrestricted: the configured brokers are only the
 *   bootstrap list — the cluster's metadata then names every broker by its
 *   advertised listener, which the config cannot know in advance;
 * - `--allow-env`: broad, because kafkajs reads `process.env` when it is
 *   imported. The plugin is spawned with a cleared environment (only
 *   `PRISM_PLUGIN_MAGIC_COOKIE`, `PRISM_LOG_LEVEL`, `PRISM_KAFKA_*` and the
 *   variable `sasl.password_env` names), so the broad flag exposes nothing
 *   else;
 * - `--allow-read=<the tls files and sasl.password_file>` when the config names files.
 *
 * Nothing else: no write, run, sys or ffi (the plugin's tests run it
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
 * console.log(kafkaPluginPermissions({ tls: { ca_file: "/etc/prism/kafka-ca.pem" } }));
 * // ["--allow-net", "--allow-env", "--allow-read=/etc/prism/kafka-ca.pem"]
 * ```
 */
export function kafkaPluginPermissions(config: Record<string, unknown>): string[] {
  const tls = config.tls !== null && typeof config.tls === "object" && !Array.isArray(config.tls)
    ? config.tls as Record<string, unknown>
    : {};
  const sasl = config.sasl !== null && typeof config.sasl === "object" &&
      !Array.isArray(config.sasl)
    ? config.sasl as Record<string, unknown>
    : {};
  const files = [...["ca_file", "cert_file", "key_file"].map((k) => tls[k]), sasl.password_file]
    .filter((f) => typeof f === "string" && f !== "");
  return [
    "--allow-net",
    "--allow-env",
    ...(files.length > 0 ? [`--allow-read=${files.join(",")}`] : []),
  ];
}
