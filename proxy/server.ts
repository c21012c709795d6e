/**
 * The proxy server: one gRPC server (the project's own, `proto/transport/`)
 * on the listen address — plaintext h2c, or TLS when configured — that
 * carries the router's data services, `grpc.health.v1.Health` (overall and
 * per namespace) and gRPC server reflection, with graceful shutdown.
 *
 * @module
 */
import { GrpcServer } from "../proto/transport/grpc_server.ts";
import type { Backend, BackendHealth } from "./backend/backend.ts";
import { PluginBackend } from "./backend/plugin.ts";
import { type BackendContext, createBackend } from "./backend/factory.ts";
import { ConfigError, parseListen, type ProxyConfig } from "./config/config.ts";
import { HealthService } from "./health/health.ts";
import { Logger } from "./log/logger.ts";
import { addReflection } from "./reflection/reflection.ts";
import { Router } from "./router/router.ts";
import type { JwtVerifier } from "./auth/jwt.ts";
import type { AuditLog } from "./auth/audit.ts";
import type { PluginHealth } from "./supervisor/plugin_process.ts";

/** How to start a proxy.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "./config/config.ts";
 * import type { ProxyOptions } from "./server.ts";
 * const options: ProxyOptions = { config: defaultConfig(), listen: "127.0.0.1:0" };
 * console.log(options.listen);
 * ```
 */
export interface ProxyOptions {
  config: ProxyConfig;
  /** Overrides `config.listen` (e.g. `127.0.0.1:0` for an ephemeral port). */
  listen?: string;
  log?: Logger;
  /** Milliseconds since the epoch for backends that keep time (tests). */
  clock?: () => number;
  /** Overrides how plugin processes are started (tests). */
  pluginCommand?: BackendContext["pluginCommand"];
  /** Bound on a call forwarded to a plugin without a client deadline (tests; default 30 s). */
  pluginCallTimeoutMs?: number;
  /** Milliseconds between health refreshes; default 1000. */
  healthIntervalMs?: number;
}

/** Bytes a message may exceed the value limit by (key, namespace, framing). */
const MESSAGE_OVERHEAD = 1024 * 1024;

/**
 * A running proxy.
 *
 * @example
 * ```ts ignore
 * import { defaultConfig } from "./config/config.ts";
 * import { Proxy } from "./server.ts";
 * const proxy = await Proxy.start({ config: defaultConfig(), listen: "127.0.0.1:0" });
 * console.log(proxy.port);
 * await proxy.shutdown();
 * ```
 */
export class Proxy {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** The bound `host:port`. */
  readonly address: string;
  readonly #server: GrpcServer;
  readonly #router: Router;
  readonly #backends: Map<string, Backend>;
  readonly #health: HealthService;
  readonly #log: Logger;
  readonly #drainMs: number;
  readonly #healthTimer: number;
  #shutdown: Promise<{ drained: number; aborted: number }> | undefined;

  private constructor(
    server: GrpcServer,
    router: Router,
    backends: Map<string, Backend>,
    health: HealthService,
    log: Logger,
    address: string,
    port: number,
    drainMs: number,
    healthIntervalMs: number,
  ) {
    this.#server = server;
    this.#router = router;
    this.#backends = backends;
    this.#health = health;
    this.#log = log;
    this.address = address;
    this.port = port;
    this.#drainMs = drainMs;
    this.#refreshHealth();
    // Deno's timer id (the npm type definitions in scope describe Node's).
    this.#healthTimer = setInterval(
      () => this.#refreshHealth(),
      healthIntervalMs,
    ) as unknown as number;
    Deno.unrefTimer(this.#healthTimer);
  }

  /** Starts backends, binds the server and starts serving. */
  static async start(options: ProxyOptions): Promise<Proxy> {
    const { config } = options;
    const log = (options.log ?? new Logger()).child({ component: "proxy" });
    const listen = parseListen(options.listen ?? config.listen);
    const t0 = performance.now();

    // Backends start together: plugin processes take a while each.
    const backends = new Map<string, Backend>();
    const started = await Promise.allSettled(
      config.namespaces.map((ns) =>
        createBackend(ns, {
          limits: config.limits,
          log,
          clock: options.clock,
          pluginCommand: options.pluginCommand,
          pluginCallTimeoutMs: options.pluginCallTimeoutMs,
        })
      ),
    );
    const failed = started.find((r) => r.status === "rejected");
    started.forEach((r, i) => {
      if (r.status === "fulfilled") backends.set(config.namespaces[i].name, r.value);
    });
    if (failed) {
      await Promise.allSettled([...backends.values()].map((b) => b.close()));
      throw (failed as PromiseRejectedResult).reason;
    }

    const maxMessage = Math.max(
      4 * 1024 * 1024,
      config.limits.max_value_bytes + config.limits.max_key_bytes + MESSAGE_OVERHEAD,
    );
    const transportLog = log.child({ component: "transport" });
    const server = new GrpcServer({
      maxReceiveMessageBytes: maxMessage,
      onError: (err, method) => transportLog.error("handler failed", { method, error: err }),
      onConnectionError: (peer, code, reason) =>
        transportLog.warn("closed a client connection for a protocol error", {
          peer,
          code,
          reason,
        }),
    });
    let auth: { verifier: JwtVerifier; audit: AuditLog } | undefined;
    if (config.auth) {
      try {
        // Loaded only when configured: jose is not part of every start.
        const { JwtVerifier } = await import("./auth/jwt.ts");
        const { AuditLog } = await import("./auth/audit.ts");
        auth = { verifier: await JwtVerifier.create(config.auth.jwt), audit: new AuditLog(log) };
      } catch (err) {
        await Promise.allSettled([...backends.values()].map((b) => b.close()));
        throw new ConfigError((err as Error).message, "auth.jwt");
      }
    } else if (!/^(127\.|\[::1\]$|::1$|localhost$)/.test(listen.host)) {
      log.warn(
        "listening beyond loopback without auth: anyone who reaches this port can read and write every namespace (configure auth.jwt, CONTRACT §7)",
        { address: `${listen.host}:${listen.port}` },
      );
    }
    const router = new Router(backends, config.limits, log, auth);
    router.addTo(server);

    const health = new HealthService({ "": "SERVING" });
    health.addTo(server);
    addReflection(server);

    let port: number;
    try {
      const tls = config.tls ? await readTls(config.tls) : undefined;
      const host = listen.host.replace(/^\[(.*)\]$/, "$1");
      const addr = await server.listen({ hostname: host, port: listen.port, tls });
      port = (addr as Deno.NetAddr).port;
    } catch (err) {
      await Promise.allSettled([...backends.values()].map((b) => b.close()));
      if (err instanceof ConfigError) throw err;
      throw new Error(`Cannot listen on ${listen.host}:${listen.port}: ${(err as Error).message}`);
    }
    const address = `${listen.host}:${port}`;
    log.info("listening", {
      address,
      tls: config.tls !== undefined,
      auth: config.auth ? "jwt" : "none",
      namespaces: config.namespaces.map((n) => `${n.name}=${n.backend}`),
      startup_ms: Math.round(performance.now() - t0),
      since_process_start_ms: Math.round(performance.now()),
    });
    return new Proxy(
      server,
      router,
      backends,
      health,
      log,
      address,
      port,
      config.drain_timeout_seconds * 1000,
      options.healthIntervalMs ?? 1000,
    );
  }

  /** Each namespace with its backend kind and declared interfaces. */
  namespaces(): {
    name: string;
    backend: string;
    services: string[];
    health: BackendHealth;
    plugin?: { pid: number | undefined; restarts: number; health: PluginHealth };
  }[] {
    return [...this.#backends].map(([name, b]) => ({
      name,
      backend: b.kind,
      services: [...b.services],
      health: b.health(),
      ...(b instanceof PluginBackend
        ? { plugin: { pid: b.process.pid, restarts: b.process.restarts, health: b.process.health } }
        : {}),
    }));
  }

  /** The router (for tests and diagnostics). */
  get router(): Router {
    return this.#router;
  }

  #refreshHealth(): void {
    if (this.#shutdown !== undefined) return;
    for (const [name, backend] of this.#backends) {
      this.#health.set(name, backend.health().serving ? "SERVING" : "NOT_SERVING");
    }
  }

  /**
   * Graceful shutdown (CONTRACT §5): reports NOT_SERVING, refuses new calls
   * with UNAVAILABLE, lets calls in flight finish for up to the drain timeout
   * (then ends them with UNAVAILABLE), closes the server and the backends.
   * Calling it again returns the same promise.
   */
  shutdown(reason = "shutdown requested"): Promise<{ drained: number; aborted: number }> {
    this.#shutdown ??= (async () => {
      clearInterval(this.#healthTimer);
      this.#log.info("draining", { reason, in_flight: this.#router.inFlight });
      this.#health.set("", "NOT_SERVING");
      for (const name of this.#backends.keys()) this.#health.set(name, "NOT_SERVING");
      const result = await this.#router.drain(this.#drainMs);
      // Calls are over: GOAWAY to every connection, closed within a second.
      await this.#server.drain(1000);
      this.#health.close();
      await Promise.allSettled([...this.#backends.values()].map((b) => b.close()));
      this.#log.info("stopped", result);
      return result;
    })();
    return this.#shutdown;
  }
}

/** Reads the client port's certificate chain and key; a missing file is a config error (exit 2). */
async function readTls(tls: { cert_file: string; key_file: string }) {
  const read = async (file: string, key: string) => {
    try {
      return await Deno.readTextFile(file);
    } catch (err) {
      throw new ConfigError(
        `tls.${key}: cannot read "${file}": ${(err as Error).message}`,
        `tls.${key}`,
      );
    }
  };
  return {
    cert: await read(tls.cert_file, "cert_file"),
    key: await read(tls.key_file, "key_file"),
  };
}
