/**
 * `prism ctl status`: reads the proxy's admin endpoint (`GET /status`,
 * CONTRACT §8) and shows every namespace's backend, health, plugin process
 * and calls in flight.
 *
 * @module
 */
import { HttpError, httpGet } from "./_http.ts";
import { displayKey, formatDuration, table } from "./format.ts";

/**
 * A backend plugin process, as `/status` describes it.
 *
 * @example
 * ```ts
 * import type { PluginStatus } from "./status.ts";
 * const p: PluginStatus = { pid: 1234, uptime_seconds: 5.2, restarts: 1, health: "UNHEALTHY", message: "PING failed" };
 * console.log(p.pid);
 * ```
 */
export interface PluginStatus {
  /** Null while no process runs (between a crash and the restart). */
  pid: number | null;
  uptime_seconds: number;
  restarts: number;
  health: string;
  message: string;
}

/**
 * One namespace, as `/status` describes it.
 *
 * @example
 * ```ts
 * import type { NamespaceStatus } from "./status.ts";
 * const ns: NamespaceStatus = { name: "default", backend: "memstore", health: "SERVING", message: "", in_flight: 0, interfaces: [] };
 * console.log(ns.health);
 * ```
 */
export interface NamespaceStatus {
  name: string;
  backend: string;
  health: string;
  message: string;
  in_flight: number;
  interfaces: string[];
  /** Present for backends that run as plugin processes. */
  plugin?: PluginStatus;
}

/**
 * The body of `GET /status`.
 *
 * @example
 * ```ts
 * import type { ProxyStatus } from "./status.ts";
 * const s: ProxyStatus = {
 *   version: "0.1.0", uptime_seconds: 12.3, listen: "127.0.0.1:8980", admin: "127.0.0.1:9980",
 *   tls: false, auth: "none", in_flight: 0, namespaces: [],
 * };
 * console.log(s.listen);
 * ```
 */
export interface ProxyStatus {
  version: string;
  uptime_seconds: number;
  listen: string;
  admin: string;
  tls: boolean;
  auth: string;
  in_flight: number;
  namespaces: NamespaceStatus[];
}

/**
 * The admin endpoint could not be read; the message says why and, when it
 * could not be reached, how to point `--admin` at it.
 *
 * @example
 * ```ts
 * import { StatusUnavailableError } from "./status.ts";
 * console.log(new StatusUnavailableError("cannot reach ...").name); // "StatusUnavailableError"
 * ```
 */
export class StatusUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StatusUnavailableError";
  }
}

/**
 * Reads `GET http://<admin>/status`.
 *
 * @throws {StatusUnavailableError} when the endpoint cannot be reached or
 * does not answer with a status.
 *
 * @example
 * ```ts
 * import { fetchStatus } from "./status.ts";
 * const body = { version: "0.1.0", uptime_seconds: 1, listen: "127.0.0.1:8980", admin: "", tls: false,
 *   auth: "none", in_flight: 0, namespaces: [{ name: "default", backend: "memstore", health: "SERVING",
 *   message: "", in_flight: 0, interfaces: [] }] };
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => Response.json(body));
 * const status = await fetchStatus(`127.0.0.1:${server.addr.port}`);
 * console.log(status.namespaces[0].name); // "default"
 * await server.shutdown();
 * ```
 */
export async function fetchStatus(admin: string, timeoutMs = 5000): Promise<ProxyStatus> {
  const url = `http://${admin}/status`;
  let res;
  try {
    res = await httpGet(admin, "/status", timeoutMs);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const where = "--admin HOST:PORT sets the address (the proxy's admin_listen or its --admin)";
    throw new StatusUnavailableError(
      err.connected
        ? `${url}: ${err.message}: is ${admin} the proxy's admin endpoint? ${where}`
        : `cannot reach the admin endpoint at ${admin} (${err.message}): is the proxy ` +
          `running with its admin endpoint there? ${where}`,
    );
  }
  const text = new TextDecoder().decode(res.body);
  if (res.status !== 200) {
    const hint = res.status === 404 ? " (is that the proxy's admin endpoint?)" : "";
    throw new StatusUnavailableError(
      `${url} answered ${res.status} ${res.statusText}${hint}: ${oneLine(text, 200)}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new StatusUnavailableError(`${url} did not answer with JSON: ${oneLine(text, 200)}`);
  }
  const problem = checkStatus(body);
  if (problem) throw new StatusUnavailableError(`${url} answered an unexpected status: ${problem}`);
  return body as ProxyStatus;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max) + "…" : flat || "(empty body)";
}

/** What is wrong with a `/status` body, or "" when it has the fields this command reads. */
function checkStatus(body: unknown): string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "not an object";
  const namespaces = (body as { namespaces?: unknown }).namespaces;
  if (!Array.isArray(namespaces)) return `"namespaces" is not a list`;
  for (const [i, ns] of namespaces.entries()) {
    if (typeof ns !== "object" || ns === null) return `namespaces[${i}] is not an object`;
    const n = ns as Record<string, unknown>;
    if (typeof n.name !== "string") return `namespaces[${i}].name is not a string`;
    if (typeof n.health !== "string") return `namespaces[${i}].health is not a string`;
  }
  return "";
}

/**
 * The namespaces whose health is not `SERVING`.
 *
 * @example
 * ```ts
 * import { notServing, type ProxyStatus } from "./status.ts";
 * const s = { namespaces: [{ name: "a", health: "SERVING" }, { name: "b", health: "NOT_SERVING" }] };
 * console.log(notServing(s as ProxyStatus)); // ["b"]
 * ```
 */
export function notServing(status: ProxyStatus): string[] {
  return status.namespaces.filter((ns) => ns.health !== "SERVING").map((ns) => ns.name);
}

const text = (v: unknown) =>
  v === undefined || v === null || v === "" ? "-" : displayKey(String(v));

/**
 * The human-readable status: a line about the proxy, then one row per
 * namespace (plugin columns `-` for backends that run inside the proxy),
 * with a MESSAGE column when some namespace or plugin has something to say.
 *
 * @example
 * ```ts
 * import { renderStatus } from "./status.ts";
 * console.log(renderStatus({
 *   version: "0.1.0", uptime_seconds: 192, listen: "127.0.0.1:8980", admin: "127.0.0.1:9980",
 *   tls: false, auth: "none", in_flight: 2,
 *   namespaces: [
 *     { name: "default", backend: "memstore", health: "SERVING", message: "", in_flight: 0, interfaces: [] },
 *     { name: "cache", backend: "redis", health: "NOT_SERVING", message: "redis unreachable", in_flight: 2,
 *       interfaces: [], plugin: { pid: 1234, uptime_seconds: 5.2, restarts: 1, health: "UNHEALTHY", message: "PING failed" } },
 *   ],
 * }));
 * // prism 0.1.0, up 3m12s, gRPC on 127.0.0.1:8980 (plaintext, auth: none), admin on 127.0.0.1:9980, 2 calls in flight
 * // NAMESPACE   BACKEND    HEALTH        PID    UPTIME   RESTARTS   IN-FLIGHT   MESSAGE
 * // default     memstore   SERVING       -      -        -          0
 * // cache       redis      NOT_SERVING   1234   5s       1          2           redis unreachable; plugin UNHEALTHY: PING failed
 * ```
 */
export function renderStatus(status: ProxyStatus): string {
  const calls = typeof status.in_flight === "number"
    ? `, ${status.in_flight} call${status.in_flight === 1 ? "" : "s"} in flight`
    : "";
  const head = `prism ${text(status.version)}, up ${formatDuration(status.uptime_seconds)}, ` +
    `gRPC on ${text(status.listen)} (${status.tls ? "TLS" : "plaintext"}, auth: ${
      text(status.auth)
    })` +
    (status.admin ? `, admin on ${text(status.admin)}` : "") + calls + "\n";
  const messages = status.namespaces.map((ns) => {
    const parts = [];
    if (ns.message) parts.push(String(ns.message));
    if (ns.plugin?.message) parts.push(`plugin ${ns.plugin.health}: ${ns.plugin.message}`);
    return displayKey(parts.join("; "));
  });
  const header = ["NAMESPACE", "BACKEND", "HEALTH", "PID", "UPTIME", "RESTARTS", "IN-FLIGHT"];
  const withMessages = messages.some((m) => m !== "");
  if (withMessages) header.push("MESSAGE");
  const rows = status.namespaces.map((ns, i) => {
    const p = ns.plugin;
    const row = [
      text(ns.name),
      text(ns.backend),
      text(ns.health),
      p ? text(p.pid) : "-",
      p ? formatDuration(p.uptime_seconds) : "-",
      p ? text(p.restarts) : "-",
      text(ns.in_flight),
    ];
    if (withMessages) row.push(messages[i]);
    return row;
  });
  return head + table(header, rows);
}
