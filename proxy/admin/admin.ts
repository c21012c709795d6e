/**
 * The admin listener (CONTRACT §8): plain HTTP, on loopback by default,
 * separate from the gRPC port.
 *
 * - `GET /metrics`: Prometheus text format.
 * - `GET /healthz`: 200 while the process serves (503 once it drains).
 * - `GET /readyz`: 200 when every namespace is SERVING; otherwise 503 naming
 *   those that are not, and why.
 * - `GET /status`: the proxy and each namespace as JSON (what `prism ctl
 *   status` prints).
 *
 * @module
 */

/** One namespace in `/status`.
 *
 * @example
 * ```ts
 * import type { NamespaceStatus } from "./admin.ts";
 * const ns: NamespaceStatus = {
 *   name: "default", backend: "memstore", health: "SERVING", message: "", in_flight: 0, interfaces: [],
 * };
 * console.log(ns.health);
 * ```
 */
export interface NamespaceStatus {
  name: string;
  backend: string;
  health: "SERVING" | "NOT_SERVING";
  message: string;
  in_flight: number;
  interfaces: string[];
  plugin?: {
    pid: number | null;
    uptime_seconds: number;
    restarts: number;
    health: string;
    message: string;
  };
}

/** The `/status` document.
 *
 * @example
 * ```ts
 * import type { ProxyStatus } from "./admin.ts";
 * const s: ProxyStatus = {
 *   version: "0.1.0", uptime_seconds: 1, listen: "127.0.0.1:8980", admin: "127.0.0.1:9980",
 *   tls: false, auth: "none", in_flight: 0, namespaces: [],
 * };
 * console.log(s.version);
 * ```
 */
export interface ProxyStatus {
  version: string;
  uptime_seconds: number;
  listen: string;
  admin: string;
  tls: boolean;
  auth: "none" | "jwt";
  in_flight: number;
  namespaces: NamespaceStatus[];
}

/** What the admin listener serves from.
 *
 * @example
 * ```ts
 * import type { AdminSource } from "./admin.ts";
 * const source: AdminSource = {
 *   metrics: () => Promise.resolve("# nothing\n"),
 *   metricsContentType: "text/plain; version=0.0.4; charset=utf-8",
 *   status: (admin) => ({ version: "0", uptime_seconds: 0, listen: "", admin, tls: false,
 *     auth: "none", in_flight: 0, namespaces: [] }),
 *   live: () => true,
 * };
 * console.log(source.live());
 * ```
 */
export interface AdminSource {
  /** The Prometheus exposition. */
  metrics(): Promise<string>;
  metricsContentType: string;
  /** The status document; `admin` is this listener's address. */
  status(admin: string): ProxyStatus;
  /** False once the proxy is shutting down. */
  live(): boolean;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/**
 * A running admin listener.
 *
 * @example
 * ```ts
 * import { AdminServer } from "./admin.ts";
 * const admin = AdminServer.start({ hostname: "127.0.0.1", port: 0 }, {
 *   metrics: () => Promise.resolve("up 1\n"),
 *   metricsContentType: "text/plain; version=0.0.4; charset=utf-8",
 *   status: (address) => ({ version: "0", uptime_seconds: 0, listen: "", admin: address,
 *     tls: false, auth: "none", in_flight: 0, namespaces: [] }),
 *   live: () => true,
 * });
 * const res = await fetch(`http://${admin.address}/readyz`);
 * console.log(res.status, await res.text()); // 200 "ready\n"
 * await admin.close();
 * ```
 */
export class AdminServer {
  /** The bound `host:port`. */
  readonly address: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  private constructor(server: Deno.HttpServer<Deno.NetAddr>, address: string) {
    this.#server = server;
    this.address = address;
  }

  /**
   * Binds `hostname:port` and serves.
   *
   * @throws {Error} naming the address when it cannot bind.
   */
  static start(listen: { hostname: string; port: number }, source: AdminSource): AdminServer {
    let address = "";
    const handler = async (req: Request): Promise<Response> => {
      const { pathname } = new URL(req.url);
      if (req.method !== "GET" && req.method !== "HEAD") {
        return new Response("only GET\n", { status: 405, headers: { ...TEXT, allow: "GET" } });
      }
      switch (pathname) {
        case "/metrics":
          try {
            return new Response(await source.metrics(), {
              headers: { "content-type": source.metricsContentType },
            });
          } catch (err) {
            return new Response(`cannot collect metrics: ${(err as Error).message}\n`, {
              status: 500,
              headers: TEXT,
            });
          }
        case "/healthz":
          return source.live()
            ? new Response("ok\n", { headers: TEXT })
            : new Response("shutting down\n", { status: 503, headers: TEXT });
        case "/readyz": {
          if (!source.live()) {
            return new Response("not ready: shutting down\n", { status: 503, headers: TEXT });
          }
          const down = source.status(address).namespaces.filter((n) => n.health !== "SERVING");
          if (down.length === 0) return new Response("ready\n", { headers: TEXT });
          const lines = down.map((n) =>
            `namespace ${n.name} (${n.backend}) is not serving: ${n.message}`
          );
          return new Response(`not ready:\n${lines.join("\n")}\n`, { status: 503, headers: TEXT });
        }
        case "/status":
          return Response.json(source.status(address));
        case "/":
          return new Response("/metrics /healthz /readyz /status\n", { headers: TEXT });
        default:
          return new Response("not found: try /metrics, /healthz, /readyz or /status\n", {
            status: 404,
            headers: TEXT,
          });
      }
    };
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: listen.hostname,
        port: listen.port,
        onListen: () => {},
      }, handler);
    } catch (err) {
      throw new Error(
        `Cannot listen for admin on ${listen.hostname}:${listen.port}: ${(err as Error).message}`,
      );
    }
    const host = listen.hostname.includes(":") ? `[${listen.hostname}]` : listen.hostname;
    address = `${host}:${server.addr.port}`;
    return new AdminServer(server, address);
  }

  /** Stops listening (requests in progress finish). */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}
