/**
 * Creates the backend that serves a configured namespace: the in-process
 * memstore, or a supervised plugin process.
 *
 * @module
 */
import { v8FlagsArg } from "../../proto/v8_flags.ts";
import { ConfigError, type Limits, type NamespaceConfig } from "../config/config.ts";
import type { Logger } from "../../proto/log/logger.ts";
import { type PluginName, PLUGINS } from "../../plugins/registry.ts";
import {
  type PluginCommand,
  PluginStartError,
  PluginSupervisor,
} from "../supervisor/supervisor.ts";
import { VERSION } from "../version.ts";
import type { Backend } from "./backend.ts";
import { MemStoreBackend } from "./memstore.ts";
import { PluginBackend } from "./plugin.ts";

/** Everything a backend needs besides its namespace's config. */
export interface BackendContext {
  limits: Limits;
  log: Logger;
  /** Milliseconds since the epoch; tests drive time through it. */
  clock?: () => number;
  /** Overrides how plugin processes are started (tests). */
  pluginCommand?: (
    kind: PluginName,
    config: Record<string, unknown>,
  ) => Promise<PluginCommand>;
  /** Bound on a call forwarded to a plugin without a client deadline (tests; default 30 s). */
  pluginCallTimeoutMs?: number;
  /** Called when a backend's health may have changed. */
  onHealthChange?: () => void;
}

const PRISM_TS = new URL("../../prism.ts", import.meta.url).pathname;

/**
 * How to start a plugin: from source, `deno run <the V8 flags> <its
 * permissions> prism.ts plugin <kind>`; from the compiled binary, the binary
 * itself with `plugin <kind>` (it carries the binary's flags and permissions).
 *
 * @example
 * ```ts
 * import { pluginCommand } from "./factory.ts";
 * const { args } = await pluginCommand("redis", { url: "redis://127.0.0.1:6379" });
 * console.log(args.slice(-2)); // ["plugin", "redis"]
 * ```
 */
export async function pluginCommand(
  kind: PluginName,
  config: Record<string, unknown>,
): Promise<PluginCommand> {
  if (Deno.build.standalone) return { cmd: Deno.execPath(), args: ["plugin", kind] };
  // The plugin's own module knows its least privilege; it is loaded only when
  // a namespace uses the plugin (its imports would slow every proxy start).
  const permissions = await PLUGINS[kind].permissions(config);
  return {
    cmd: Deno.execPath(),
    args: ["run", v8FlagsArg(), ...permissions, PRISM_TS, "plugin", kind],
  };
}

/**
 * Starts the backend of one namespace.
 *
 * @throws {ConfigError} when the namespace's settings cannot work (exit 2).
 * @throws {Error} naming the namespace when its backend cannot start.
 *
 * @example
 * ```ts ignore
 * import { createBackend } from "./factory.ts";
 * const backend = await createBackend(
 *   { name: "default", backend: "memstore", config: { max_memory_mb: 64 } },
 *   { limits: { max_key_bytes: 4096, max_value_bytes: 1048576 }, log },
 * );
 * ```
 */
export async function createBackend(ns: NamespaceConfig, ctx: BackendContext): Promise<Backend> {
  if (ns.backend === "memstore") {
    try {
      return await MemStoreBackend.create({
        namespace: ns.name,
        maxMemoryMb: ns.config.max_memory_mb as number,
        limits: ctx.limits,
        log: ctx.log,
        clock: ctx.clock,
      });
    } catch (err) {
      // The store refuses settings that cannot work together (a cap too
      // small for one entry of the configured limits): a config error.
      if (err instanceof RangeError) {
        throw new ConfigError(`namespace "${ns.name}": ${err.message}`, `namespaces.${ns.name}`);
      }
      throw err;
    }
  }
  const command = await (ctx.pluginCommand ?? pluginCommand)(ns.backend, ns.config);
  try {
    const supervisor = await PluginSupervisor.start({
      kind: ns.backend,
      namespace: ns.name,
      config: ns.config,
      version: VERSION,
      log: ctx.log,
      command,
      interfaces: PLUGINS[ns.backend].interfaces,
      passEnv: PLUGINS[ns.backend].passEnv(ns.config),
      onChange: ctx.onHealthChange,
    });
    return new PluginBackend(ns.backend, ns.name, supervisor, {
      callTimeoutMs: ctx.pluginCallTimeoutMs,
    });
  } catch (err) {
    if (err instanceof PluginStartError && err.invalidConfig) {
      throw new ConfigError(`namespace "${ns.name}": ${err.message}`, `namespaces.${ns.name}`);
    }
    throw err;
  }
}
