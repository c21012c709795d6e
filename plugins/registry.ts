/**
 * The plugin registry: every plugin the proxy can run, described once —
 * its name, the interfaces it serves, its config schema, the permissions
 * its process gets, and its entry point. The CLI (`prism plugin <name>`),
 * the config loader, the backend factory and the router all read it, and it
 * is the only module of `plugins/` the proxy imports (what both sides share
 * lives in `proto/`).
 *
 * A plugin's modules load only when a namespace uses it: the proxy never
 * loads a plugin's client libraries, and a proxy without plugin namespaces
 * loads none of them.
 *
 * @module
 */
import { SERVICE_NAMES, type ServiceName } from "../proto/definitions.ts";
import type { ConfigSchema } from "./sdk/config.ts";

/** The plugins the proxy can run.
 *
 * @example
 * ```ts
 * import type { PluginName } from "./registry.ts";
 * const name: PluginName = "redis";
 * console.log(name); // "redis"
 * ```
 */
export type PluginName = "redis" | "kafka";

/** A plugin's config that does not load: the setting at fault and why.
 *
 * @example
 * ```ts
 * import type { ConfigProblem } from "./registry.ts";
 * const p: ConfigProblem = { field: "url", message: "must be a redis:// URL" };
 * console.log(p.field); // "url"
 * ```
 */
export interface ConfigProblem {
  /** The setting at fault ("" when the block as a whole is wrong). */
  field: string;
  message: string;
}

/** One registered plugin.
 *
 * @example
 * ```ts
 * import { PLUGINS } from "./registry.ts";
 * console.log(PLUGINS.kafka.description); // "Apache Kafka: pub/sub and streams"
 * ```
 */
export interface PluginEntry {
  readonly name: PluginName;
  /** One line for help texts. */
  readonly description: string;
  /**
   * The interfaces a namespace of this plugin serves: the proxy refuses a
   * plugin process that declares fewer in Initialize, and routes by them.
   */
  readonly interfaces: readonly ServiceName[];
  /**
   * Checks a namespace's `config` block against the plugin's schema without
   * the environment's overrides (those belong to the plugin process):
   * undefined when it loads.
   */
  checkConfig(
    namespace: string,
    config: Record<string, unknown>,
  ): Promise<ConfigProblem | undefined>;
  /**
   * Environment variables its process needs besides its own `PRISM_<NAME>_*`
   * (those a config names for secrets, e.g. `password_env`).
   */
  passEnv(config: Record<string, unknown>): string[];
  /** The `deno run` permission flags of its process, given the namespace's config. */
  permissions(config: Record<string, unknown>): Promise<string[]>;
  /** Runs the plugin process (`prism plugin <name> …`); resolves with its exit code. */
  run(args: string[]): Promise<number>;
}

/** Loads `schema` with the SDK's loader; a config error becomes a problem. */
async function check(
  plugin: PluginName,
  schema: Promise<ConfigSchema>,
  namespace: string,
  config: Record<string, unknown>,
): Promise<ConfigProblem | undefined> {
  const [{ loadConfig, PluginConfigError }, s] = await Promise.all([
    import("./sdk/config.ts"),
    schema,
  ]);
  try {
    loadConfig(plugin, s, config, { namespace, env: () => undefined });
    return undefined;
  } catch (err) {
    if (!(err instanceof PluginConfigError)) throw err;
    return { field: err.field, message: err.message };
  }
}

/**
 * Every plugin, by name.
 *
 * @example
 * ```ts
 * import { PLUGINS } from "./registry.ts";
 * console.log(Object.keys(PLUGINS)); // ["redis", "kafka"]
 * console.log(await PLUGINS.redis.checkConfig("cache", { url: "redis://127.0.0.1:6379" })); // undefined
 * console.log((await PLUGINS.redis.checkConfig("cache", { url: 5 }))?.field); // "url"
 * ```
 */
export const PLUGINS: Readonly<Record<PluginName, PluginEntry>> = Object.freeze({
  redis: {
    name: "redis",
    description: "Redis: key-value (basic, scan, TTL) and lists",
    interfaces: [
      SERVICE_NAMES.keyvalueBasic,
      SERVICE_NAMES.keyvalueScan,
      SERVICE_NAMES.keyvalueTtl,
      SERVICE_NAMES.list,
    ],
    checkConfig: (namespace, config) =>
      check("redis", import("./redis/config.ts").then((m) => m.REDIS_SCHEMA), namespace, config),
    passEnv: (config) => typeof config.password_env === "string" ? [config.password_env] : [],
    permissions: async (config) =>
      (await import("./redis/permissions.ts")).redisPluginPermissions(config),
    run: async (args) => await (await import("./redis/main.ts")).runRedisPlugin(args),
  },
  kafka: {
    name: "kafka",
    description: "Apache Kafka: pub/sub and streams",
    interfaces: [SERVICE_NAMES.pubsub, SERVICE_NAMES.stream],
    checkConfig: (namespace, config) =>
      check("kafka", import("./kafka/config.ts").then((m) => m.KAFKA_SCHEMA), namespace, config),
    passEnv: (config) => {
      const sasl = config.sasl as { password_env?: unknown } | undefined;
      return typeof sasl?.password_env === "string" ? [sasl.password_env] : [];
    },
    permissions: async (config) =>
      (await import("./kafka/permissions.ts")).kafkaPluginPermissions(config),
    run: async (args) => await (await import("./kafka/main.ts")).runKafkaPlugin(args),
  },
});

/** The registered plugin called `name`, or undefined.
 *
 * @example
 * ```ts
 * import { pluginNamed } from "./registry.ts";
 * console.log(pluginNamed("kafka")?.interfaces.length); // 2
 * console.log(pluginNamed("memstore")); // undefined
 * ```
 */
export function pluginNamed(name: string): PluginEntry | undefined {
  return Object.hasOwn(PLUGINS, name) ? PLUGINS[name as PluginName] : undefined;
}
