/**
 * Reading the proxy's YAML configuration: parsing with line numbers, then
 * strict validation by `config.ts`.
 *
 * @module
 */
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
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
  return validateConfig(doc.toJS(), where);
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
  return parseConfig(text, path);
}
