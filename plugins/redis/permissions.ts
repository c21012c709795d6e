/**
 * The `deno run` permission flags the redis plugin process needs, given
 * its config (the proxy spawns the plugin with exactly these):
 *
 * - `--allow-net=127.0.0.1,<redis host:port>`: its own gRPC server on
 *   loopback (any port: it binds an ephemeral one) and its Redis (and, when
 *   `OTEL_EXPORTER_OTLP_*ENDPOINT` turns tracing on, the collector); with
 *   `cluster` or `sentinel`, any host (`--allow-net`): Redis announces the
 *   nodes to reach, so they cannot be listed ahead;
 * - `--allow-read=<the tls files>` when `tls` names files;
 * - `--allow-env`: broad, because ioredis loads the `debug` package, which
 *   enumerates `process.env` when it is imported (`Object.keys(process.env)`
 *   needs the unrestricted flag; a list of names fails with NotCapable).
 *   Spawn the plugin with a cleared environment (only
 *   `PRISM_PLUGIN_MAGIC_COOKIE`, `PRISM_LOG_LEVEL`, `PRISM_REDIS_*`, `OTEL_*`
 *   and the variable `password_env` names), so that the broad flag exposes
 *   nothing else.
 *
 * Nothing else: no write, run, sys or ffi (verified by running the
 * plugin with only these flags: `permissions_test.ts`).
 *
 * @module
 */
import { envVarName } from "../sdk/config.ts";
import { DEFAULT_URL, parseRedisUrl } from "./config.ts";
import { otlpTracesUrl } from "../../proto/trace/tracer.ts";

/**
 * The permission flags for a namespace's `config` block. The Redis address
 * comes from `PRISM_REDIS_URL` when set (it overrides the block, as in the
 * plugin), else from `url`, else the default. A `url` that does not parse
 * yields the loopback-only flags (Initialize then rejects the config).
 *
 * @example
 * ```ts
 * import { redisPluginPermissions } from "./permissions.ts";
 * console.log(redisPluginPermissions({ url: "redis://cache.internal:6380" }, () => undefined));
 * // ["--allow-net=127.0.0.1,cache.internal:6380", "--allow-env"]
 * console.log(redisPluginPermissions({
 *   cluster: { nodes: ["10.0.0.1:7000"] },
 *   tls: { ca_file: "/etc/prism/ca.pem" },
 * }, () => undefined));
 * // ["--allow-net", "--allow-env", "--allow-read=/etc/prism/ca.pem"]
 * ```
 */
export function redisPluginPermissions(
  config: Record<string, unknown>,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string[] {
  let fromEnv: string | undefined;
  try {
    fromEnv = env(envVarName("redis", "url"));
  } catch {
    fromEnv = undefined;
  }
  const url = fromEnv ?? (typeof config.url === "string" ? config.url : DEFAULT_URL);
  const hosts = ["127.0.0.1"];
  try {
    const { host, port } = parseRedisUrl(url);
    const entry = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    if (host !== "127.0.0.1") hosts.push(entry);
  } catch { /* invalid URL: Initialize reports it */ }
  // Its spans' collector, when tracing is on (CONTRACT §8).
  const traces = otlpTracesUrl(env);
  if (traces !== undefined) {
    try {
      const u = new URL(traces);
      const port = u.port || (u.protocol === "https:" ? "443" : "80");
      const entry = `${u.hostname}:${port}`;
      if (!hosts.includes(entry) && u.hostname !== "127.0.0.1") hosts.push(entry);
    } catch { /* not a URL: the exporter reports it */ }
  }
  // A cluster or Sentinel announces the nodes to use (masters, replicas,
  // a promoted replica): the plugin cannot know them ahead, so it may reach
  // any host.
  const discovers = isObject(config.cluster) || isObject(config.sentinel);
  const flags = [discovers ? "--allow-net" : `--allow-net=${hosts.join(",")}`, "--allow-env"];
  // The TLS files it reads, and nothing else.
  const tls = isObject(config.tls) ? config.tls : {};
  const files = ["ca_file", "cert_file", "key_file"].map((k) => tls[k]).filter((f) =>
    typeof f === "string" && f !== ""
  );
  if (files.length > 0) flags.push(`--allow-read=${files.join(",")}`);
  return flags;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
