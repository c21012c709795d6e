/**
 * Typed plugin configuration: a schema-driven loader for the namespace's
 * `config` block (the JSON text `Initialize` carries), with defaults,
 * environment overrides and errors that name the field.
 *
 * Precedence, highest first: the environment variable
 * `PRISM_<PLUGIN>_<KEY>` (e.g. `PRISM_REDIS_URL`), the config block, the
 * schema's default. Unknown keys and wrong types are errors:
 *
 * ```text
 * Cannot configure redis as 'url' must be a redis:// URL: current value is "x"
 * ```
 *
 * @module
 */

/** The kinds of value a setting may hold.
 *
 * @example
 * ```ts
 * import type { SettingType } from "./config.ts";
 * const t: SettingType = "integer";
 * console.log(t);
 * ```
 */
export type SettingType = "string" | "integer" | "boolean" | "string[]" | "object";

/** The scalar setting types (everything but a nested block).
 *
 * @example
 * ```ts
 * import type { ScalarType } from "./config.ts";
 * const t: ScalarType = "string[]";
 * console.log(t); // "string[]"
 * ```
 */
export type ScalarType = Exclude<SettingType, "object">;

/** The JS type of a {@linkcode SettingType}.
 *
 * @example
 * ```ts
 * import type { ValueOf } from "./config.ts";
 * const n: ValueOf<"integer"> = 3;
 * console.log(n);
 * ```
 */
export type ValueOf<T extends ScalarType> = T extends "string" ? string
  : T extends "integer" ? number
  : T extends "boolean" ? boolean
  : string[];

/** What a default may depend on.
 *
 * @example
 * ```ts
 * import type { DefaultContext } from "./config.ts";
 * const ctx: DefaultContext = { namespace: "cache" };
 * console.log(ctx.namespace);
 * ```
 */
export interface DefaultContext {
  /** The namespace the plugin serves. */
  namespace: string;
}

/** One setting of a given type.
 *
 * @example
 * ```ts
 * import type { SettingOf } from "./config.ts";
 * const s: SettingOf<"integer"> = { type: "integer", default: 1000, min: 1, description: "timeout" };
 * console.log(s.default);
 * ```
 */
export interface SettingOf<T extends ScalarType> {
  type: T;
  /** May be absent (then undefined) although it has no default. */
  optional?: boolean;
  /** Used when neither the config block nor the environment sets it; required otherwise. */
  default?: ValueOf<T> | ((ctx: DefaultContext) => ValueOf<T>);
  /** Smallest allowed value (integers). */
  min?: number;
  /** Largest allowed value (integers). */
  max?: number;
  /** Further checks: returns what is wrong ("must be a redis:// URL"), or undefined. */
  check?: (value: ValueOf<T>) => string | undefined;
  /** Whether `PRISM_<PLUGIN>_<KEY>` may override it (default true). */
  env?: boolean;
  /** One line for people reading the schema. */
  description: string;
}

/** One setting of a plugin's config block (a union over the types, so
 * that `check` and `default` are typed by `type`).
 *
 * @example
 * ```ts
 * import type { Setting } from "./config.ts";
 * const s: Setting = { type: "string", check: (v) => v === "" ? "must not be empty" : undefined, description: "name" };
 * console.log(s.type);
 * ```
 */
export type Setting<T extends SettingType = SettingType> = T extends ScalarType ? SettingOf<T>
  : T extends "object" ? ObjectSetting
  : never;

/**
 * A nested block of settings (e.g. `cluster: { nodes: [...] }`), loaded
 * against its own schema; its fields' errors name the path
 * (`'cluster.nodes'`). Nested settings take no environment overrides.
 *
 * @example
 * ```ts
 * import { defineSchema, loadConfig } from "./config.ts";
 * const schema = defineSchema({
 *   cluster: {
 *     type: "object",
 *     optional: true,
 *     fields: { nodes: { type: "string[]", description: "seed nodes" } },
 *     description: "Redis Cluster",
 *   },
 * });
 * const c = loadConfig("redis", schema, { cluster: { nodes: ["10.0.0.1:7000"] } }, {
 *   namespace: "ns",
 *   env: () => undefined,
 * });
 * console.log(c.cluster?.nodes); // ["10.0.0.1:7000"]
 * console.log(loadConfig("redis", schema, {}, { namespace: "ns" }).cluster); // undefined
 * ```
 */
export interface ObjectSetting<F extends ConfigSchema = ConfigSchema> {
  type: "object";
  /** The block's own settings. */
  fields: F;
  /** May be absent (then undefined). Otherwise it is loaded from `{}` when absent. */
  optional?: boolean;
  /** Further checks of the loaded block: returns what is wrong, or undefined. */
  check?: (value: ConfigOf<F>) => string | undefined;
  /** One line for people reading the schema. */
  description: string;
}

/** A plugin's settings by key (snake_case, as written in the YAML config).
 *
 * @example
 * ```ts
 * import type { ConfigSchema } from "./config.ts";
 * const schema: ConfigSchema = { url: { type: "string", default: "x", description: "where" } };
 * console.log(Object.keys(schema));
 * ```
 */
export type ConfigSchema = Record<string, Setting>;

/** The loaded config of a schema: every key present, with its JS type.
 *
 * @example
 * ```ts
 * import type { ConfigOf } from "./config.ts";
 * type C = ConfigOf<{ retries: { type: "integer"; description: "" } }>;
 * const c: C = { retries: 2 };
 * console.log(c.retries);
 * ```
 */
export type ConfigOf<S extends ConfigSchema> = {
  -readonly [K in keyof S]: S[K] extends { optional: true } ? SettingValue<S[K]> | undefined
    : SettingValue<S[K]>;
};

/** The loaded value of one setting (a nested block's config, or a scalar's JS value).
 *
 * @example
 * ```ts
 * import type { SettingValue } from "./config.ts";
 * const n: SettingValue<{ type: "integer"; description: "" }> = 3;
 * console.log(n); // 3
 * ```
 */
export type SettingValue<T> = T extends { type: "object"; fields: infer F extends ConfigSchema }
  ? ConfigOf<F>
  : T extends { type: infer V extends ScalarType } ? ValueOf<V>
  : never;

/**
 * Declares a schema, keeping each setting's literal type so that
 * {@linkcode ConfigOf} can type the loaded config.
 *
 * @example
 * ```ts
 * import { defineSchema, loadConfig } from "./config.ts";
 * const schema = defineSchema({
 *   retries: { type: "integer", default: 2, min: 0, description: "retries after a failure" },
 * });
 * const config = loadConfig("demo", schema, "{}", { namespace: "ns", env: () => undefined });
 * console.log(config.retries + 1); // 3
 * ```
 */
export function defineSchema<const S extends ConfigSchema>(schema: S): S {
  return schema;
}

/**
 * An invalid setting; `field` is the key at fault (`""` when the block
 * itself is not an object).
 *
 * @example
 * ```ts
 * import { PluginConfigError } from "./config.ts";
 * const err = new PluginConfigError("url", "Cannot configure redis as 'url' ...");
 * console.log(err.field); // "url"
 * ```
 */
export class PluginConfigError extends Error {
  /** The setting at fault. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "PluginConfigError";
    this.field = field;
  }
}

/** Edit distance between two short strings (for "did you mean"). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The known name `key` was most likely meant to be: a near spelling or one that contains it. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const name of known) {
    const score = name.includes(key) || key.includes(name) ? 0.5 : distance(key, name);
    if (score < bestScore) [best, bestScore] = [name, score];
  }
  return bestScore <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}

/**
 * The environment variable that overrides `key` of `plugin`'s config.
 *
 * @example
 * ```ts
 * import { envVarName } from "./config.ts";
 * console.log(envVarName("redis", "url")); // "PRISM_REDIS_URL"
 * console.log(envVarName("redis", "key_prefix")); // "PRISM_REDIS_KEY_PREFIX"
 * ```
 */
export function envVarName(plugin: string, key: string): string {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  return `PRISM_${norm(plugin)}_${norm(key)}`;
}

/** Options of {@linkcode loadConfig}.
 *
 * @example
 * ```ts
 * import type { LoadOptions } from "./config.ts";
 * const opts: LoadOptions = { namespace: "cache", env: () => undefined };
 * console.log(opts.namespace);
 * ```
 */
export interface LoadOptions {
  /** The namespace (for defaults that depend on it). */
  namespace: string;
  /** Reads an environment variable; `Deno.env.get` by default (a throwing lookup reads as unset). */
  env?: (name: string) => string | undefined;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const ARTICLE: Record<SettingType, string> = {
  object: "a mapping of settings",
  string: "a string",
  integer: "an integer",
  boolean: "a boolean (true or false)",
  "string[]": "a list of strings",
};

/** Parses an environment variable's text as a setting of `type`; undefined when it does not parse. */
function fromEnvText(type: ScalarType, text: string): unknown {
  switch (type) {
    case "string":
      return text;
    case "integer":
      return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(t)) return true;
      if (["false", "0", "no", "off"].includes(t)) return false;
      return undefined;
    }
    case "string[]":
      return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
}

function hasType(type: SettingType, value: unknown): boolean {
  switch (type) {
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
  }
}

/**
 * Loads a plugin's config block against its schema.
 *
 * @param plugin the plugin's name, for messages and environment variables
 * @param input the block as JSON text (empty means `{}`) or as an object
 * @throws {PluginConfigError} naming the field and its value
 *
 * @example
 * ```ts
 * import { defineSchema, loadConfig } from "./config.ts";
 * const schema = defineSchema({
 *   url: { type: "string", default: "redis://127.0.0.1:6379", description: "server" },
 *   key_prefix: { type: "string", default: ({ namespace }) => `${namespace}:`, description: "prefix" },
 * });
 * const env = (name: string) => name === "PRISM_REDIS_URL" ? "redis://10.0.0.1:6379" : undefined;
 * const c = loadConfig("redis", schema, '{"key_prefix":"app:"}', { namespace: "cache", env });
 * console.log(c.url, c.key_prefix); // "redis://10.0.0.1:6379" "app:"
 * ```
 */
export function loadConfig<S extends ConfigSchema>(
  plugin: string,
  schema: S,
  input: string | Record<string, unknown> | undefined,
  options: LoadOptions,
): ConfigOf<S> {
  const fail = (field: string, what: string, value: unknown): never => {
    throw new PluginConfigError(
      field,
      `Cannot configure ${plugin} as ${what}: current value is ${describe(value)}`,
    );
  };
  let block: unknown = input ?? {};
  if (typeof block === "string") {
    if (block.trim() === "") block = {};
    else {
      try {
        block = JSON.parse(block);
      } catch (err) {
        fail("", `the config must be JSON (${(err as Error).message})`, input);
      }
    }
  }
  if (block === null || typeof block !== "object" || Array.isArray(block)) {
    fail("", "the config must be a JSON object", block);
  }
  const getEnv = options.env ?? ((name: string) => Deno.env.get(name));
  const readEnv = (name: string) => {
    try {
      return getEnv(name);
    } catch {
      return undefined; // no --allow-env for it: not set, as far as we can tell
    }
  };
  return loadBlock(plugin, schema, block as Record<string, unknown>, [], {
    namespace: options.namespace,
    readEnv,
    fail,
  }) as ConfigOf<S>;
}

/** Loads one block (the config, or a nested one at `path`) against `schema`. */
function loadBlock(
  plugin: string,
  schema: ConfigSchema,
  given: Record<string, unknown>,
  path: string[],
  ctx: {
    namespace: string;
    readEnv: (name: string) => string | undefined;
    fail: (field: string, what: string, value: unknown) => never;
  },
): Record<string, unknown> {
  const { fail } = ctx;
  const known = Object.keys(schema);
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(schema, key)) {
      const near = closest(key, known);
      const name = [...path, key].join(".");
      throw new PluginConfigError(
        name,
        `Cannot configure ${plugin}: '${name}' is not a setting${
          near ? `; did you mean '${near}'?` : ""
        } (settings${path.length > 0 ? ` of '${path.join(".")}'` : ""}: ${known.join(", ")})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, declared] of Object.entries(schema)) {
    const setting = declared as LooseSetting;
    const name = [...path, key].join(".");
    let value: unknown;
    let field = `'${name}'`;
    // Environment overrides are for top-level scalars only.
    const envName = envVarName(plugin, key);
    const envText = path.length > 0 || setting.type === "object" || setting.env === false
      ? undefined
      : ctx.readEnv(envName);
    if (envText !== undefined) {
      field = `'${name}' (from ${envName})`;
      value = fromEnvText(setting.type as ScalarType, envText);
      if (value === undefined) fail(name, `${field} must be ${ARTICLE[setting.type]}`, envText);
    } else if (given[key] !== undefined && given[key] !== null) {
      value = given[key];
    } else if (setting.type !== "object" && setting.default !== undefined) {
      value = typeof setting.default === "function"
        ? setting.default({ namespace: ctx.namespace })
        : setting.default;
    } else if (setting.optional) {
      out[key] = undefined;
      continue;
    } else if (setting.type === "object") {
      value = {};
    } else {
      fail(name, `${field} is required`, undefined);
    }
    if (!hasType(setting.type, value)) {
      fail(name, `${field} must be ${ARTICLE[setting.type]}`, value);
    }
    if (setting.type === "object") {
      value = loadBlock(plugin, setting.fields!, value as Record<string, unknown>, [
        ...path,
        key,
      ], ctx);
    }
    if (setting.type === "integer") {
      const n = value as number;
      if (setting.min !== undefined && n < setting.min) {
        fail(name, `${field} must be at least ${setting.min}`, value);
      }
      if (setting.max !== undefined && n > setting.max) {
        fail(name, `${field} must be at most ${setting.max}`, value);
      }
    }
    const problem = setting.check?.(value);
    if (problem !== undefined) fail(name, `${field} ${problem}`, value);
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

/** Any setting, as the loader reads it. */
interface LooseSetting {
  type: SettingType;
  default?: unknown;
  optional?: boolean;
  env?: boolean;
  min?: number;
  max?: number;
  check?: (value: unknown) => string | undefined;
  fields?: ConfigSchema;
}

/**
 * A config as it may be logged: credentials in URLs
 * (`redis://user:secret@host`) are masked.
 *
 * @example
 * ```ts
 * import { redactConfig } from "./config.ts";
 * console.log(redactConfig({ url: "redis://:pw@10.0.0.1:6379", n: 1 }).url); // "redis://***@10.0.0.1:6379"
 * ```
 */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    out[k] = typeof v === "string" ? redactUrl(v) : v;
  }
  return out;
}

/**
 * A URL with its credentials masked.
 *
 * @example
 * ```ts
 * import { redactUrl } from "./config.ts";
 * console.log(redactUrl("rediss://default:pw@cache:6380/2")); // "rediss://***@cache:6380/2"
 * ```
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}
