/**
 * Test helpers: the redis plugin served in this process (so coverage sees
 * it) against a real redis-server (`tests/_redis.ts`), with real clients.
 *
 * @module
 */
import { startPlugin as startAny, type TestPlugin } from "../sdk/_testing.ts";
import { REDIS_PLUGIN } from "./plugin.ts";
export { type TestPlugin, waitHealthy } from "../sdk/_testing.ts";

/**
 * Serves the redis plugin in this process for `namespace` with `config`
 * (see {@linkcode startAny}).
 *
 * @example
 * ```ts ignore
 * import { startPlugin } from "./_test_helpers.ts";
 * const p = await startPlugin({ url: redis.url }, "cache");
 * ```
 */
export function startPlugin(
  config: Record<string, unknown>,
  namespace = "ns",
  options: { waitReady?: boolean; env?: Record<string, string> } = {},
): Promise<TestPlugin> {
  return startAny(REDIS_PLUGIN, config, namespace, options);
}
