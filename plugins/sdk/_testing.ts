/**
 * Test helpers for plugins: a plugin served in this process (so coverage
 * sees it), initialized and started through its lifecycle service, with
 * real gRPC clients — against a real backend (`tests/_redis.ts`,
 * `tests/_kafka.ts`).
 *
 * @module
 */
import { connect, type PrismClients, unary } from "../../proto/client.ts";
import { Logger } from "../../proto/log/logger.ts";
import type { ConfigSchema } from "./config.ts";
import type { PluginDefinition } from "./plugin.ts";
import { type PluginServer, serve } from "./serve.ts";

/** A started plugin with clients.
 *
 * @example
 * ```ts ignore
 * import { startPlugin } from "./_testing.ts";
 * const p = await startPlugin(REDIS_PLUGIN, { url: "redis://127.0.0.1:6379" });
 * await p.stop();
 * ```
 */
export interface TestPlugin {
  server: PluginServer;
  c: PrismClients;
  logs: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Serves the plugin, initializes it for `namespace` with `config`, starts it,
 * and (unless `waitReady: false`) waits until it is HEALTHY.
 *
 * @example
 * ```ts ignore
 * import { startPlugin } from "./_testing.ts";
 * const p = await startPlugin(REDIS_PLUGIN, { url: redis.url }, "cache");
 * ```
 */
export async function startPlugin<S extends ConfigSchema>(
  plugin: PluginDefinition<S>,
  config: Record<string, unknown>,
  namespace = "ns",
  options: { waitReady?: boolean; env?: Record<string, string>; readyTimeoutMs?: number } = {},
): Promise<TestPlugin> {
  const lines: string[] = [];
  const server = await serve(plugin, {
    handshake: () => {},
    env: (name) => options.env?.[name],
    log: new Logger({ component: "plugin", plugin: plugin.name }, "debug", (l) => lines.push(l)),
  });
  const c = connect(server.address);
  await unary(c.lifecycle, "Initialize", {
    name: namespace,
    version: "test",
    config: JSON.stringify(config),
  }, { deadline: Date.now() + 5000 });
  await unary(c.lifecycle, "Start", {}, { deadline: Date.now() + 5000 });
  const result = {
    server,
    c,
    logs: () => lines.map((l) => JSON.parse(l)),
    stop: async () => {
      c.close();
      await server.shutdown("test over", 200);
    },
  };
  if (options.waitReady !== false) await waitHealthy(result, "HEALTHY", options.readyTimeoutMs);
  return result;
}

/** Polls HealthCheck until `status` (default HEALTHY), up to `timeoutMs`;
 * resolves with the details.
 *
 * @example
 * ```ts ignore
 * import { waitHealthy } from "./_testing.ts";
 * const details = await waitHealthy(plugin, "UNHEALTHY");
 * ```
 */
export async function waitHealthy(
  p: TestPlugin,
  status = "HEALTHY",
  timeoutMs = 5000,
): Promise<Record<string, string>> {
  const t0 = Date.now();
  for (;;) {
    const h = await unary(p.c.lifecycle, "HealthCheck", {}, { deadline: Date.now() + 2000 });
    if (h.status === status) return h.details;
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`health is still ${h.status} (${h.message}) after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
