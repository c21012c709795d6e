/**
 * Creates the backend that serves a configured namespace.
 *
 * @module
 */
import { ConfigError, type Limits, type NamespaceConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import type { Backend } from "./backend.ts";
import { MemStoreBackend } from "./memstore.ts";

/** Everything a backend needs besides its namespace's config. */
export interface BackendContext {
  limits: Limits;
  log: Logger;
  /** Milliseconds since the epoch; tests drive time through it. */
  clock?: () => number;
}

/**
 * Starts the backend of one namespace.
 *
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
  switch (ns.backend) {
    case "memstore":
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
    default:
      throw new Error(
        `Cannot start namespace "${ns.name}" as backend "${ns.backend}" is not available in this build yet (available: memstore)`,
      );
  }
}
