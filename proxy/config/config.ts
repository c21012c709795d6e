/**
 * The proxy's configuration (CONTRACT §3): its shape, strict validation and
 * defaults. Reading YAML is in `load.ts`, so that the YAML parser loads only
 * when there is a file.
 *
 * Every problem is reported as a {@linkcode ConfigError} whose message names
 * the file, the line and the path of the offending field, e.g.
 * `prism.yaml:7: namespaces[1].backend: unknown backend "redsi" (expected memstore, redis, kafka)`.
 *
 * @module
 */
import { type PluginName, PLUGINS } from "../../plugins/registry.ts";
import type { JwtConfig } from "../auth/jwt.ts";
import { minMemoryMb } from "../wasm_host/memstore.ts";

/** The backends a namespace may name.
 *
 * @example
 * ```ts
 * import { BACKENDS } from "./config.ts";
 * console.log(BACKENDS.includes("memstore")); // true
 * ```
 */
export const BACKENDS: readonly BackendKind[] = [
  "memstore",
  ...Object.keys(PLUGINS) as PluginName[],
];

/** One of {@linkcode BACKENDS}.
 *
 * @example
 * ```ts
 * import type { BackendKind } from "./config.ts";
 * const kind: BackendKind = "memstore";
 * console.log(kind);
 * ```
 */
export type BackendKind = "memstore" | PluginName;

/** The type of one backend setting. */
type SettingType = "string" | "positive integer" | "non-empty string list" | "boolean";

/**
 * What the in-process backends accept in their namespace's `config` block,
 * with defaults. Unknown keys and wrong types are rejected at start like any
 * other field. Plugin backends (redis, kafka) define their settings in their
 * own schema (`plugins/<name>/config.ts`), checked by `load.ts`.
 *
 * @example
 * ```ts
 * import { BACKEND_CONFIG_SCHEMAS } from "./config.ts";
 * console.log(BACKEND_CONFIG_SCHEMAS.memstore?.max_memory_mb.default); // 64
 * ```
 */
export const BACKEND_CONFIG_SCHEMAS: Partial<
  Record<
    BackendKind,
    Record<string, { type: SettingType; default?: unknown; max?: number }>
  >
> = {
  // The module addresses memory with 32-bit pointers: 2 GiB at most.
  memstore: { max_memory_mb: { type: "positive integer", default: 64, max: 2048 } },
};

/** Request size limits enforced by the proxy before any backend is called.
 *
 * @example
 * ```ts
 * import type { Limits } from "./config.ts";
 * const limits: Limits = { max_key_bytes: 4096, max_value_bytes: 1048576 };
 * console.log(limits.max_key_bytes);
 * ```
 */
export interface Limits {
  max_key_bytes: number;
  max_value_bytes: number;
}

/** One namespace: its name, the backend that serves it and that backend's own settings.
 *
 * @example
 * ```ts
 * import type { NamespaceConfig } from "./config.ts";
 * const ns: NamespaceConfig = { name: "default", backend: "memstore", config: { max_memory_mb: 64 } };
 * console.log(ns.name);
 * ```
 */
export interface NamespaceConfig {
  name: string;
  backend: BackendKind;
  config: Record<string, unknown>;
}

/** A validated configuration with every default filled in.
 *
 * @example
 * ```ts
 * import { defaultConfig, type ProxyConfig } from "./config.ts";
 * const config: ProxyConfig = defaultConfig();
 * console.log(config.listen); // "0.0.0.0:8980"
 * ```
 */
export interface ProxyConfig {
  listen: string;
  limits: Limits;
  namespaces: NamespaceConfig[];
  /** Seconds that SIGINT/SIGTERM waits for in-flight calls before cutting them off. */
  drain_timeout_seconds: number;
  /** gRPC over TLS (HTTP/2 by ALPN) on the client port; plaintext h2c when absent (CONTRACT §7). */
  tls?: TlsConfig;
  /** Who may call (CONTRACT §7); without it every call is allowed. */
  auth?: { jwt: JwtConfig };
  /** The admin HTTP listener (`/metrics`, `/healthz`, `/readyz`, `/status`; CONTRACT §8); "" turns it off. */
  admin_listen: string;
  /** What the proxy logs besides its own events. */
  log: LogConfig;
}

/** Logging settings.
 *
 * @example
 * ```ts
 * import type { LogConfig } from "./config.ts";
 * const log: LogConfig = { access: true, access_sample: 0.1 };
 * console.log(log.access_sample);
 * ```
 */
export interface LogConfig {
  /** One `access` line per data call (request id, namespace, method, status, duration, bytes). */
  access: boolean;
  /** The fraction of calls the access log keeps, in (0, 1]; calls that fail are always kept. */
  access_sample: number;
}

/** The client port's certificate chain and key, PEM files.
 *
 * @example
 * ```ts
 * import type { TlsConfig } from "./config.ts";
 * const tls: TlsConfig = { cert_file: "/etc/prism/tls.crt", key_file: "/etc/prism/tls.key" };
 * console.log(tls.cert_file);
 * ```
 */
export interface TlsConfig {
  cert_file: string;
  key_file: string;
}

/** Raised for an invalid configuration; the message names file, line and field.
 *
 * @example
 * ```ts
 * import { ConfigError, validateConfig } from "./config.ts";
 * try {
 *   validateConfig({ listen: 1 }, () => "prism.yaml: ");
 * } catch (err) {
 *   console.log(err instanceof ConfigError); // true
 * }
 * ```
 */
export class ConfigError extends Error {
  /** The dotted path of the field at fault, e.g. `namespaces[1].backend`. */
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.name = "ConfigError";
    this.path = path;
  }
}

/** The listen address when neither the config nor `--listen` gives one.
 *
 * @example
 * ```ts
 * import { DEFAULT_LISTEN } from "./config.ts";
 * console.log(DEFAULT_LISTEN); // "0.0.0.0:8980"
 * ```
 */
export const DEFAULT_LISTEN = "0.0.0.0:8980";

/** The admin listener's address when neither the config nor `--admin` gives one (loopback only).
 *
 * @example
 * ```ts
 * import { DEFAULT_ADMIN_LISTEN } from "./config.ts";
 * console.log(DEFAULT_ADMIN_LISTEN); // "127.0.0.1:9980"
 * ```
 */
export const DEFAULT_ADMIN_LISTEN = "127.0.0.1:9980";

const JWT_KEYS = [
  "issuer",
  "audience",
  "jwks_file",
  "jwks_url",
  "jwks_ca_file",
  "hs256_secret_env",
  "clock_skew_seconds",
  "jwks_cooldown_seconds",
] as const;

/** The configuration used when no file is given: namespace `default` on memstore.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "./config.ts";
 * console.log(defaultConfig().namespaces[0].backend); // "memstore"
 * ```
 */
export function defaultConfig(): ProxyConfig {
  return {
    listen: DEFAULT_LISTEN,
    limits: { max_key_bytes: 4096, max_value_bytes: 1048576 },
    namespaces: [{ name: "default", backend: "memstore", config: { max_memory_mb: 64 } }],
    drain_timeout_seconds: 10,
    admin_listen: DEFAULT_ADMIN_LISTEN,
    log: { access: false, access_sample: 1 },
  };
}

/** Tells where a config path is in its source, as a `file:line: ` prefix.
 *
 * @example
 * ```ts
 * import type { Where } from "./config.ts";
 * const where: Where = () => "prism.yaml:3: ";
 * console.log(where(["listen"]));
 * ```
 */
export type Where = (path: (string | number)[]) => string;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function pathText(path: (string | number)[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  }
  return out === "" ? "(top level)" : out;
}

class Validator {
  constructor(private readonly where: Where) {}

  fail(path: (string | number)[], message: string): never {
    throw new ConfigError(`${this.where(path)}${pathText(path)}: ${message}`, pathText(path));
  }

  object(value: unknown, path: (string | number)[], allowed: readonly string[]) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.fail(path, `expected a mapping, got ${describe(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.fail(
          [...path, key],
          `unknown key "${key}" (expected one of ${allowed.join(", ")})`,
        );
      }
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: (string | number)[]): string {
    if (typeof value !== "string") this.fail(path, `expected a string, got ${describe(value)}`);
    return value;
  }

  backendConfig(value: unknown, path: (string | number)[], backend: BackendKind) {
    const schema = BACKEND_CONFIG_SCHEMAS[backend];
    // Plugins own their settings: `load.ts` checks them with the plugin's schema.
    if (schema === undefined) return { ...this.object(value, path, Object.keys(value ?? {})) };
    const given = this.object(value, path, Object.keys(schema));
    const out: Record<string, unknown> = {};
    for (const [key, rule] of Object.entries(schema)) {
      const item = given[key] ?? rule.default;
      const at = [...path, key];
      if (item === undefined) this.fail(path, `missing key "${key}"`);
      const ok = rule.type === "string"
        ? typeof item === "string" && item.length > 0
        : rule.type === "positive integer"
        ? typeof item === "number" && Number.isSafeInteger(item) && item > 0
        : rule.type === "boolean"
        ? typeof item === "boolean"
        : Array.isArray(item) && item.length > 0 &&
          item.every((s) => typeof s === "string" && s.length > 0);
      if (!ok) this.fail(at, `expected a ${rule.type}, got ${describe(item)}`);
      if (rule.max !== undefined && (item as number) > rule.max) {
        this.fail(at, `must be at most ${rule.max}, got ${item}`);
      }
      out[key] = item;
    }
    return out;
  }

  positiveInt(value: unknown, path: (string | number)[]): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
      this.fail(path, `expected a positive integer, got ${describe(value)}`);
    }
    return value;
  }
}

/**
 * Checks a `HOST:PORT` listen address and splits it.
 *
 * @example
 * ```ts
 * import { parseListen } from "./config.ts";
 * console.log(parseListen("127.0.0.1:8980")); // { host: "127.0.0.1", port: 8980 }
 * ```
 */
export function parseListen(address: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new ConfigError(
      `invalid listen address "${address}" (expected HOST:PORT, e.g. 0.0.0.0:8980)`,
      "listen",
    );
  }
  return { host: match[1], port };
}

const NAMESPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Validates a parsed configuration document (plain data) and fills in
 * defaults; `where` locates paths for messages.
 *
 * @throws {ConfigError} naming the location and path of the first problem.
 *
 * @example
 * ```ts
 * import { validateConfig } from "./config.ts";
 * const config = validateConfig({ namespaces: [{ name: "a", backend: "memstore" }] }, () => "");
 * console.log(config.namespaces[0].config); // { max_memory_mb: 64 }
 * ```
 */
export function validateConfig(raw: unknown, where: Where): ProxyConfig {
  const v: Validator = new Validator(where);
  const config = defaultConfig();
  if (raw === null || raw === undefined) return config;
  const top = v.object(raw, [], [
    "listen",
    "limits",
    "namespaces",
    "drain_timeout_seconds",
    "tls",
    "auth",
    "admin_listen",
    "log",
  ]);
  if (top.admin_listen !== undefined) {
    config.admin_listen = v.string(top.admin_listen, ["admin_listen"]);
    if (config.admin_listen !== "") {
      try {
        parseListen(config.admin_listen);
      } catch (err) {
        v.fail(["admin_listen"], (err as Error).message);
      }
    }
  }
  if (top.log !== undefined) {
    const log = v.object(top.log, ["log"], ["access", "access_sample"]);
    if (log.access !== undefined) {
      if (typeof log.access !== "boolean") {
        v.fail(["log", "access"], `expected true or false, got ${describe(log.access)}`);
      }
      config.log.access = log.access;
    }
    if (log.access_sample !== undefined) {
      const r = log.access_sample;
      if (typeof r !== "number" || !(r > 0 && r <= 1)) {
        v.fail(["log", "access_sample"], `expected a number in (0, 1], got ${describe(r)}`);
      }
      config.log.access_sample = r;
    }
  }
  if (top.auth !== undefined) {
    const auth = v.object(top.auth, ["auth"], ["jwt"]);
    if (auth.jwt === undefined) v.fail(["auth"], `missing key "jwt"`);
    const jwt = v.object(auth.jwt, ["auth", "jwt"], JWT_KEYS);
    const at = (key: string) => ["auth", "jwt", key];
    for (const key of ["issuer", "audience"]) {
      if (jwt[key] === undefined) v.fail(["auth", "jwt"], `missing key "${key}"`);
    }
    const sources = ["jwks_file", "jwks_url", "hs256_secret_env"].filter((k) =>
      jwt[k] !== undefined
    );
    if (sources.length !== 1) {
      v.fail(
        ["auth", "jwt"],
        `exactly one of jwks_file, jwks_url, hs256_secret_env is required (got ${
          sources.length === 0 ? "none" : sources.join(", ")
        })`,
      );
    }
    const cfg: JwtConfig = {
      issuer: v.string(jwt.issuer, at("issuer")),
      audience: v.string(jwt.audience, at("audience")),
      clock_skew_seconds: 30,
    };
    if (jwt.clock_skew_seconds !== undefined) {
      const skew = jwt.clock_skew_seconds;
      if (typeof skew !== "number" || !Number.isSafeInteger(skew) || skew < 0 || skew > 3600) {
        v.fail(at("clock_skew_seconds"), `expected 0-3600 seconds, got ${describe(skew)}`);
      }
      cfg.clock_skew_seconds = skew;
    }
    if (jwt.jwks_file !== undefined) cfg.jwks_file = v.string(jwt.jwks_file, at("jwks_file"));
    if (jwt.hs256_secret_env !== undefined) {
      cfg.hs256_secret_env = v.string(jwt.hs256_secret_env, at("hs256_secret_env"));
    }
    if (jwt.jwks_url !== undefined) {
      const url = v.string(jwt.jwks_url, at("jwks_url"));
      if (!/^https:\/\/[^\s]+$/.test(url)) {
        v.fail(at("jwks_url"), `expected an https:// URL, got "${url}"`);
      }
      cfg.jwks_url = url;
    }
    if (jwt.jwks_cooldown_seconds !== undefined) {
      const c = jwt.jwks_cooldown_seconds;
      if (cfg.jwks_url === undefined) {
        v.fail(at("jwks_cooldown_seconds"), "only goes with jwks_url");
      }
      if (typeof c !== "number" || !Number.isSafeInteger(c) || c < 0 || c > 86400) {
        v.fail(at("jwks_cooldown_seconds"), `expected 0-86400 seconds, got ${describe(c)}`);
      }
      cfg.jwks_cooldown_seconds = c;
    }
    if (jwt.jwks_ca_file !== undefined) {
      if (cfg.jwks_url === undefined) v.fail(at("jwks_ca_file"), "only goes with jwks_url");
      cfg.jwks_ca_file = v.string(jwt.jwks_ca_file, at("jwks_ca_file"));
    }
    config.auth = { jwt: cfg };
  }
  if (top.tls !== undefined) {
    const tls = v.object(top.tls, ["tls"], ["cert_file", "key_file"]);
    for (const key of ["cert_file", "key_file"] as const) {
      if (tls[key] === undefined) v.fail(["tls"], `missing key "${key}"`);
    }
    config.tls = {
      cert_file: v.string(tls.cert_file, ["tls", "cert_file"]),
      key_file: v.string(tls.key_file, ["tls", "key_file"]),
    };
  }

  if (top.listen !== undefined) {
    config.listen = v.string(top.listen, ["listen"]);
    try {
      parseListen(config.listen);
    } catch (err) {
      v.fail(["listen"], (err as Error).message);
    }
  }
  if (top.drain_timeout_seconds !== undefined) {
    config.drain_timeout_seconds = v.positiveInt(top.drain_timeout_seconds, [
      "drain_timeout_seconds",
    ]);
  }
  if (top.limits !== undefined) {
    const limits = v.object(top.limits, ["limits"], ["max_key_bytes", "max_value_bytes"]);
    for (const key of ["max_key_bytes", "max_value_bytes"] as const) {
      if (limits[key] !== undefined) {
        config.limits[key] = v.positiveInt(limits[key], ["limits", key]);
      }
    }
  }
  if (top.namespaces !== undefined) {
    const list = top.namespaces;
    if (!Array.isArray(list)) {
      v.fail(["namespaces"], `expected a list, got ${describe(list)}`);
    }
    if (list.length === 0) v.fail(["namespaces"], "expected at least one namespace");
    const seen = new Map<string, number>();
    config.namespaces = list.map((item: unknown, i: number): NamespaceConfig => {
      const ns = v.object(item, ["namespaces", i], ["name", "backend", "config"]);
      if (ns.name === undefined) v.fail(["namespaces", i], `missing key "name"`);
      if (ns.backend === undefined) v.fail(["namespaces", i], `missing key "backend"`);
      const name = v.string(ns.name, ["namespaces", i, "name"]);
      if (!NAMESPACE_NAME.test(name)) {
        v.fail(
          ["namespaces", i, "name"],
          `invalid namespace name "${name}" (letters, digits, '.', '_', '-'; at most 63)`,
        );
      }
      const first = seen.get(name);
      if (first !== undefined) {
        v.fail(
          ["namespaces", i, "name"],
          `duplicate namespace "${name}" (first defined at namespaces[${first}])`,
        );
      }
      seen.set(name, i);
      const backend = v.string(ns.backend, ["namespaces", i, "backend"]);
      if (!(BACKENDS as readonly string[]).includes(backend)) {
        v.fail(
          ["namespaces", i, "backend"],
          `unknown backend "${backend}" (expected ${BACKENDS.join(", ")})`,
        );
      }
      const nsConfig = v.backendConfig(
        ns.config ?? {},
        ["namespaces", i, "config"],
        backend as BackendKind,
      );
      if (backend === "memstore") {
        const { max_key_bytes, max_value_bytes } = config.limits;
        const least = minMemoryMb(max_key_bytes, max_value_bytes);
        if ((nsConfig.max_memory_mb as number) < least) {
          v.fail(
            ["namespaces", i, "config", "max_memory_mb"],
            `${nsConfig.max_memory_mb} is too small for one entry at the limits (max_key_bytes ${max_key_bytes}, max_value_bytes ${max_value_bytes}): at least ${least} is needed`,
          );
        }
      }
      return { name, backend: backend as BackendKind, config: nsConfig };
    });
  }
  return config;
}
