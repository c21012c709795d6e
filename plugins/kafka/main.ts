/**
 * `prism plugin kafka`: the kafka plugin process (CONTRACT §4). The proxy
 * spawns it with `PRISM_PLUGIN_MAGIC_COOKIE=prism-plugin-v1`, stdin a pipe,
 * and the flags of {@linkcode kafkaPluginPermissions}; it writes the
 * handshake `1|1|tcp|127.0.0.1:<port>|grpc` on stdout and serves pub/sub,
 * streams and the lifecycle interface until Stop, stdin EOF or
 * SIGTERM/SIGINT.
 *
 * Runs on its own too: `deno run <flags> plugins/kafka/main.ts`.
 *
 * @module
 */
import { runPlugin } from "../sdk/serve.ts";
import { KAFKA_PLUGIN } from "./plugin.ts";
export { kafkaPluginPermissions } from "./permissions.ts";

/**
 * Runs the kafka plugin; resolves with the exit code (0 after Stop, stdin
 * EOF or a signal; 1 without the magic cookie or when it cannot serve; 2
 * for unexpected arguments). The caller exits with it.
 *
 * @example
 * ```ts ignore
 * import { runKafkaPlugin } from "./main.ts";
 * Deno.exit(await runKafkaPlugin(Deno.args));
 * ```
 */
export async function runKafkaPlugin(args: string[]): Promise<number> {
  return await runPlugin(KAFKA_PLUGIN, args);
}

if (import.meta.main) {
  Deno.exit(await runKafkaPlugin(Deno.args));
}
