/**
 * `prism plugin redis`: the redis plugin process (CONTRACT §4). The proxy
 * spawns it with `PRISM_PLUGIN_MAGIC_COOKIE=prism-plugin-v1`, stdin a pipe,
 * and the flags of {@linkcode redisPluginPermissions}; it writes the
 * handshake `1|1|tcp|127.0.0.1:<port>|grpc` on stdout and serves keyvalue
 * basic/scan/TTL, list and the lifecycle interface until Stop, stdin EOF or
 * SIGTERM/SIGINT.
 *
 * Runs on its own too: `deno run <flags> plugins/redis/main.ts`.
 *
 * @module
 */
import { runPlugin } from "../sdk/serve.ts";
import { REDIS_PLUGIN } from "./plugin.ts";
export { redisPluginPermissions } from "./permissions.ts";

/**
 * Runs the redis plugin; resolves with the exit code (0 after Stop, stdin
 * EOF or a signal; 1 without the magic cookie or when it cannot serve; 2
 * for unexpected arguments). The caller exits with it.
 *
 * @example
 * ```ts ignore
 * import { runRedisPlugin } from "./main.ts";
 * Deno.exit(await runRedisPlugin(Deno.args));
 * ```
 */
export async function runRedisPlugin(args: string[]): Promise<number> {
  return await runPlugin(REDIS_PLUGIN, args);
}

if (import.meta.main) {
  Deno.exit(await runRedisPlugin(Deno.args));
}
