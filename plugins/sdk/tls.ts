/**
 * TLS to a backend, for every plugin alike: the `tls` block of a config
 * schema (`ca_file`, `cert_file`, `key_file`; a client certificate needs
 * both of the latter) and reading its PEM files, with errors that name the
 * setting and the file.
 *
 * @module
 */
import { type ConfigOf, PluginConfigError } from "./config.ts";

const TLS_FIELDS = {
  ca_file: { type: "string", optional: true, description: "PEM CA certificates to trust" },
  cert_file: { type: "string", optional: true, description: "PEM client certificate" },
  key_file: { type: "string", optional: true, description: "PEM key of the client certificate" },
} as const;

/**
 * A loaded `tls` block.
 *
 * @example
 * ```ts
 * import type { TlsFiles } from "./tls.ts";
 * const tls: TlsFiles = { ca_file: "/etc/prism/ca.pem", cert_file: undefined, key_file: undefined };
 * console.log(tls.ca_file);
 * ```
 */
export type TlsFiles = ConfigOf<typeof TLS_FIELDS>;

/**
 * The `tls` setting of a plugin's schema, optional, described for its backend.
 *
 * @example
 * ```ts
 * import { tlsSetting } from "./tls.ts";
 * const setting = tlsSetting("TLS to the brokers");
 * console.log(setting.check({ cert_file: "c.pem" }));
 * // "needs both cert_file and key_file, or neither"
 * ```
 */
export function tlsSetting<D extends string>(description: D) {
  return {
    type: "object",
    optional: true,
    fields: TLS_FIELDS,
    // Typed loosely: the schema's checks take any loaded block.
    check: (v: { cert_file?: unknown; key_file?: unknown }) =>
      (v.cert_file === undefined) !== (v.key_file === undefined)
        ? "needs both cert_file and key_file, or neither"
        : undefined,
    description,
  } as const;
}

/**
 * Reads the PEM files a `tls` block names (those it leaves out are absent;
 * no block: none).
 *
 * @throws {PluginConfigError} naming `tls.<field>` and the file when one cannot be read.
 *
 * @example
 * ```ts
 * import { readTlsFiles } from "./tls.ts";
 * console.log(readTlsFiles("redis", {})); // {}
 * ```
 */
export function readTlsFiles(
  plugin: string,
  tls: Partial<TlsFiles> = {},
): { ca?: string; cert?: string; key?: string } {
  const out: { ca?: string; cert?: string; key?: string } = {};
  for (
    const [field, key] of [["ca_file", "ca"], ["cert_file", "cert"], ["key_file", "key"]] as const
  ) {
    const file = tls[field];
    if (file === undefined) continue;
    try {
      out[key] = Deno.readTextFileSync(file);
    } catch (err) {
      throw new PluginConfigError(
        `tls.${field}`,
        `Cannot configure ${plugin} as 'tls.${field}' cannot be read (${file}): ${
          (err as Error).message
        }`,
      );
    }
  }
  return out;
}
