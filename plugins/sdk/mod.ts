/**
 * The Prism plugin SDK: everything a backend plugin needs to run as a
 * subprocess of the proxy (CONTRACT §4) — the process protocol (magic
 * cookie, handshake, exit on stdin EOF and signals), the lifecycle service,
 * health checks, resilience (retries, circuit breaker, timeouts), typed
 * config, interceptors (logging, error mapping, auth) and backpressured
 * streams. A plugin is mostly its backend logic:
 *
 * ```ts ignore
 * import { defineSchema, type PluginDefinition, runPlugin } from "./mod.ts";
 *
 * const schema = defineSchema({
 *   url: { type: "string", default: "redis://127.0.0.1:6379", description: "server" },
 * });
 * const plugin: PluginDefinition<typeof schema> = {
 *   name: "redis",
 *   version: "0.1.0",
 *   interfaces: ["prism.interfaces.keyvalue.KeyValueBasicInterface"],
 *   configSchema: schema,
 *   create: (config, ctx) => ({ unary: { ... }, healthChecks: [...], close: () => {} }),
 * };
 * Deno.exit(await runPlugin(plugin, Deno.args));
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./interceptors.ts";
export * from "./lifecycle.ts";
export * from "./plugin.ts";
export * from "../../proto/plugin/protocol.ts";
export * from "./resilience.ts";
export * from "./serve.ts";
export * from "./stdio.ts";
export * from "./stream.ts";
