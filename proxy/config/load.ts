/**
 * Reading the proxy's YAML configuration: parsing with line numbers, then
 * strict validation by `config.ts`.
 *
 * @module
 */
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { pluginNamed } from "../../plugins/registry.ts";
import { ConfigError, type ProxyConfig, validateConfig, type Where } from "./config.ts";

/**
 * Parses and validates YAML configuration text. Unknown keys, unknown
 * backends, duplicate namespace names and wrong types are errors; missing
 * keys take the defaults of {@linkcode defaultConfig}. Backend-specific
 * `config` blocks are checked by the backend that owns them
 * ({@linkcode checkBackendConfig}).
 *
 * @param text The YAML document.
 * @param file The file name used in error messages.
 * @throws {ConfigError} naming file, line and field of the first problem.
 *
 * @example
 * ```ts
 * import { parseConfig } from "./load.ts";
 * const config = parseConfig("namespaces: [{ name: cache, backend: memstore }]", "prism.yaml");
 * console.log(config.namespaces[0].name); // "cache"
 * ```
 */
export function parseConfig(text: string, file = "<config>"): ProxyConfig {
  const { raw, where } = parseYaml(text, file);
  return validateConfig(raw, where);
}

/** Parses YAML text, keeping a way to find each path's line. */
function parseYaml(text: string, file: string): { raw: unknown; where: Where } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = lineCounter.linePos(err.pos[0]).line;
    throw new ConfigError(`${file}:${line}: invalid YAML: ${err.message.split("\n")[0]}`, "");
  }
  const where: Where = (path) => {
    let node: unknown = doc.contents;
    let last = node;
    for (const part of path) {
      if (isMap(node)) node = node.get(part, true);
      else if (isSeq(node)) node = node.get(part as number, true);
      else break;
      if (node !== undefined) last = node;
    }
    const range = (last as { range?: [number, number, number] } | null)?.range;
    return range ? `${file}:${lineCounter.linePos(range[0]).line}: ` : `${file}: `;
  };
  return { raw: doc.toJS(), where };
}

/**
 * Checks the `config` blocks of plugin namespaces against the plugins' own
 * schemas (one source of truth: the plugin validates the same block again
 * when it starts), so that a mistake stops the proxy at once with its line.
 * Each plugin's schema module is loaded only when a namespace uses it.
 */
async function checkPluginConfigs(config: ProxyConfig, where: Where): Promise<void> {
  for (const [i, ns] of config.namespaces.entries()) {
    const plugin = pluginNamed(ns.backend);
    if (plugin === undefined) continue;
    const err = await plugin.checkConfig(ns.name, ns.config);
    if (err !== undefined) {
      // A nested setting's field is its path (`cluster.nodes`): its line is found by parts.
      const path = ["namespaces", i, "config", ...(err.field ? err.field.split(".") : [])];
      throw new ConfigError(
        `${where(path)}namespaces[${i}].config${err.field ? `.${err.field}` : ""}: ${err.message}`,
        `namespaces[${i}].config.${err.field}`,
      );
    }
  }
}

/**
 * Parses YAML configuration text like {@linkcode parseConfig}, then checks
 * plugin namespaces' `config` blocks against the plugins' schemas.
 *
 * @example
 * ```ts
 * import { parseConfigChecked } from "./load.ts";
 * const config = await parseConfigChecked("namespaces: [{ name: c, backend: redis }]", "prism.yaml");
 * console.log(config.namespaces[0].backend); // "redis"
 * ```
 */
export async function parseConfigChecked(text: string, file = "<config>"): Promise<ProxyConfig> {
  const { raw, where } = parseYaml(text, file);
  const config = validateConfig(raw, where);
  await checkPluginConfigs(config, where);
  return config;
}

/**
 * Reads and validates a configuration file.
 *
 * @throws {ConfigError} when the file cannot be read or is invalid.
 *
 * @example
 * ```ts ignore
 * import { loadConfigFile } from "./load.ts";
 * const config = await loadConfigFile("prism.yaml");
 * ```
 */
export async function loadConfigFile(path: string): Promise<ProxyConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new ConfigError(`${path}: cannot read config file: ${(err as Error).message}`, "");
  }
  // A file with nothing in it is a mistake (a wrong path, a failed write), not
  // a wish for the defaults: those are what running without --config gives.
  if (parseDocument(text).contents === null) {
    throw new ConfigError(
      `${path}: the config file is empty (run without --config for the embedded default, or list namespaces)`,
      "",
    );
  }
  return await parseConfigChecked(text, path);
}
