/**
 * The proxy server: one gRPC server (the project's own, `proto/transport/`)
 * on the listen address — plaintext h2c, or TLS when configured — that
 * carries the router's data services, `grpc.health.v1.Health` (overall and
 * per namespace) and gRPC server reflection, with graceful shutdown.
 *
 * @module
 */
import { GrpcServer, type GrpcServerOptions } from "../proto/transport/grpc_server.ts";
import { AccessLog } from "./log/access.ts";
import { ObservedCall, requestIdOf } from "./trace/observed_call.ts";
import { Tracer } from "../proto/trace/tracer.ts";
import type { Backend, BackendHealth } from "./backend/backend.ts";
import { PluginBackend } from "./backend/plugin.ts";
import { type BackendContext, createBackend } from "./backend/factory.ts";
import { ConfigError, parseListen, type ProxyConfig } from "./config/config.ts";
import { HealthService } from "./health/health.ts";
import { Logger } from "../proto/log/logger.ts";
import { addReflection } from "./reflection/reflection.ts";
import { Router } from "./router/router.ts";
import type { JwtVerifier } from "./auth/jwt.ts";
import type { AuditLog } from "./auth/audit.ts";
import type { PluginHealth } from "./supervisor/supervisor.ts";
import { AdminServer, type ProxyStatus } from "./admin/admin.ts";
import {
  type CallStats,
  type NamespaceSample,
  type PluginMetrics,
  ProxyMetrics,
} from "./metrics/metrics.ts";
import { DATA_SERVICES, serviceDefinition } from "../proto/definitions.ts";
import { MemStoreBackend } from "./backend/memstore.ts";
import { VERSION } from "./version.ts";

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
  /** Overrides `config.admin_listen` ("" turns the admin listener off). */
  admin?: string;
  log?: Logger;
  /** Milliseconds since the epoch for backends that keep time (tests). */
  clock?: () => number;
  /** Overrides how plugin processes are started (tests). */
  pluginCommand?: BackendContext["pluginCommand"];
  /** Bound on a call forwarded to a plugin without a client deadline (tests; default 30 s). */
  pluginCallTimeoutMs?: number;
  /** Milliseconds between health refreshes besides those plugins' changes cause; default 30 000. */
  healthIntervalMs?: number;
}

/** Every data method's path. */
const DATA_PATHS: ReadonlySet<string> = new Set(
  DATA_SERVICES.flatMap((s) => Object.values(serviceDefinition(s)).map((d) => d.path)),
);

/**
 * What happens when a call is over: its metrics, its span's end, its access
 * line. Undefined when nothing observes calls.
 */
function observer(
  metrics: ProxyMetrics | undefined,
  access: AccessLog | undefined,
  dataPaths: ReadonlySet<string>,
): GrpcServerOptions["onCallEnd"] {
  if (metrics === undefined && access === undefined) return undefined;
  return (call, code, bytesIn, bytesOut) => {
    const tag = call.tag;
    if (tag instanceof ObservedCall) {
      metrics?.callEnded(call, code, tag.stats);
      tag.span?.end(code);
      access?.write({
        requestId: tag.requestId,
        traceId: tag.traceId,
        namespace: tag.namespace,
        method: tag.method,
        code,
        durationMs: performance.now() - call.startedAt,
        bytesIn,
        bytesOut,
        peer: call.peer,
      });
      return;
    }
    metrics?.callEnded(call, code, tag as CallStats | undefined);
    // A data call refused before it was routed (unknown namespace, no token).
    if (access !== undefined && dataPaths.has(call.method)) {
      access.write({
        requestId: requestIdOf(call.metadata.get("x-request-id")),
        namespace: "",
        method: call.method.slice(call.method.lastIndexOf("/") + 1),
        code,
        durationMs: performance.now() - call.startedAt,
        bytesIn,
        bytesOut,
        peer: call.peer,
      });
    }
  };
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
 * const proxy = await Proxy.start({ config: defaultConfig(), listen: "127.0.0.1:0", admin: "127.0.0.1:0" });
 * console.log(proxy.port);
 * await proxy.shutdown();
 * ```
 */
export class Proxy {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** The bound `host:port`. */
  readonly address: string;
  /** The admin listener's `host:port`, when it is on. */
  readonly adminAddress: string | undefined;
  readonly #server: GrpcServer;
  readonly #admin: AdminServer | undefined;
  readonly #metrics: ProxyMetrics | undefined;
  readonly #tracer: Tracer | undefined;
  readonly #config: ProxyConfig;
  readonly #startedAt = performance.now();
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
    config: ProxyConfig,
    metrics: ProxyMetrics | undefined,
    adminListen: string,
    tracer: Tracer | undefined,
  ) {
    this.#tracer = tracer;
    this.#config = config;
    this.#metrics = metrics;
    this.#server = server;
    this.#router = router;
    this.#backends = backends;
    this.#health = health;
    this.#log = log;
    this.address = address;
    this.port = port;
    this.#drainMs = drainMs;
    this.#refreshHealth();
    // Plugins report changes as they see them (onHealthChange); this is a backstop.
    this.#healthTimer = setInterval(
      () => this.#refreshHealth(),
      healthIntervalMs,
    ) as unknown as number;
    Deno.unrefTimer(this.#healthTimer);
    if (metrics !== undefined) {
      metrics.setSource({
        namespaces: () => this.#samples(),
        plugins: () => this.#pluginMetrics(),
      });
      const listen = parseListen(adminListen);
      try {
        this.#admin = AdminServer.start(
          { hostname: listen.host.replace(/^\[(.*)\]$/, "$1"), port: listen.port },
          {
            metrics: () => metrics.render(),
            metricsContentType: metrics.contentType,
            status: (admin) => this.status(admin),
            live: () => this.#shutdown === undefined,
          },
        );
      } catch (err) {
        clearInterval(this.#healthTimer);
        throw err;
      }
      this.adminAddress = this.#admin.address;
    }
  }

  /** Starts backends, binds the server and starts serving. */
  static async start(options: ProxyOptions): Promise<Proxy> {
    const { config } = options;
    const log = (options.log ?? new Logger()).child({ component: "proxy" });
    const listen = parseListen(options.listen ?? config.listen);
    const t0 = performance.now();
    const adminListen = options.admin ?? config.admin_listen;
    if (adminListen !== "") {
      try {
        parseListen(adminListen);
      } catch (err) {
        throw new ConfigError(`admin_listen: ${(err as Error).message}`, "admin_listen");
      }
    }

    // A port already taken is reported now, not after every plugin has started.
    if (listen.port !== 0) {
      const host = listen.host.replace(/^\[(.*)\]$/, "$1");
      try {
        Deno.listen({ hostname: host, port: listen.port }).close();
      } catch (err) {
        throw new Error(
          `Cannot listen on ${listen.host}:${listen.port}: ${(err as Error).message}`,
        );
      }
    }

    // The proxy, once made: plugins' health changes reach its health service.
    const created: { proxy?: Proxy } = {};
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
          onHealthChange: () => {
            if (created.proxy !== undefined) created.proxy.#refreshHealth();
          },
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
    // Metrics exist for the admin listener to serve: without it, calls are not counted.
    const metrics = adminListen === "" ? undefined : new ProxyMetrics({
      dataMethods: [...DATA_PATHS],
      version: VERSION,
    });
    const access = config.log.access ? new AccessLog(log, config.log.access_sample) : undefined;
    let tracer: Tracer | undefined;
    try {
      tracer = await Tracer.fromEnv("prism-proxy", { version: VERSION });
    } catch (err) {
      await Promise.allSettled([...backends.values()].map((b) => b.close()));
      throw new Error(`Cannot set up tracing: ${(err as Error).message}`);
    }
    server.onCallEnd = observer(metrics, access, DATA_PATHS);
    const router = new Router(backends, config.limits, log, {
      auth,
      metrics,
      tracer,
      observe: access !== undefined,
    });
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
    let proxy: Proxy;
    try {
      proxy = new Proxy(
        server,
        router,
        backends,
        health,
        log,
        address,
        port,
        config.drain_timeout_seconds * 1000,
        options.healthIntervalMs ?? 30_000,
        config,
        metrics,
        adminListen,
        tracer,
      );
    } catch (err) {
      await server.close();
      await Promise.allSettled([...backends.values()].map((b) => b.close()));
      throw err;
    }
    created.proxy = proxy;
    log.info("listening", {
      address,
      tls: config.tls !== undefined,
      auth: config.auth ? "jwt" : "none",
      namespaces: config.namespaces.map((n) => `${n.name}=${n.backend}`),
      admin: proxy.adminAddress ?? "off",
      tracing: tracer?.url ?? "off",
      access_log: access ? config.log.access_sample : "off",
      startup_ms: Math.round(performance.now() - t0),
      since_process_start_ms: Math.round(performance.now()),
    });
    return proxy;
  }

  /** The proxy and its namespaces, as the admin listener's `/status` gives them. */
  status(admin = this.adminAddress ?? ""): ProxyStatus {
    return {
      version: VERSION,
      uptime_seconds: round1((performance.now() - this.#startedAt) / 1000),
      listen: this.address,
      admin,
      tls: this.#config.tls !== undefined,
      auth: this.#config.auth ? "jwt" : "none",
      in_flight: this.#metrics?.inFlight() ?? this.#router.inFlight,
      namespaces: [...this.#backends].map(([name, b]) => {
        const h = this.#shutdown === undefined
          ? b.health()
          : { serving: false, message: "the proxy is shutting down" };
        return {
          name,
          backend: b.kind,
          health: h.serving ? "SERVING" : "NOT_SERVING",
          message: h.message,
          in_flight: this.#metrics?.inFlight(name) ?? 0,
          interfaces: [...b.services],
          ...(b instanceof PluginBackend
            ? {
              plugin: {
                pid: b.process.pid ?? null,
                uptime_seconds: round1(b.process.uptimeMs / 1000),
                restarts: b.process.restarts,
                health: b.process.health.status,
                message: b.process.health.message,
              },
            }
            : {}),
        };
      }),
    };
  }

  /** Each running plugin's own metrics (those that answer in time). */
  async #pluginMetrics(): Promise<PluginMetrics[]> {
    const all = await Promise.all([...this.#backends].map(async ([name, b]) => {
      if (!(b instanceof PluginBackend)) return undefined;
      const families = await b.process.metrics();
      return families && { namespace: name, plugin: b.kind, families } as PluginMetrics;
    }));
    return all.filter((p) => p !== undefined);
  }

  /** Each namespace as the metrics read it. */
  #samples(): NamespaceSample[] {
    return [...this.#backends].map(([name, b]) => {
      const sample: NamespaceSample = {
        name,
        backend: b.kind,
        serving: this.#shutdown === undefined && b.health().serving,
      };
      if (b instanceof PluginBackend) {
        sample.plugin = { restarts: b.process.restarts, health: b.process.health.status };
      } else if (b instanceof MemStoreBackend) {
        try {
          const st = b.store.stats();
          sample.memstore = {
            usedBytes: st.usedBytes,
            capacityBytes: st.capacityBytes,
            keys: st.keys,
            expiredKeys: st.expiredKeys,
          };
        } catch {
          // Closed: shutting down.
        }
      }
      return sample;
    });
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
      await Promise.allSettled([
        ...[...this.#backends.values()].map((b) => b.close()),
        this.#admin?.close(),
        this.#tracer?.shutdown(),
      ]);
      this.#metrics?.close();
      this.#log.info("stopped", { ...result });
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

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
