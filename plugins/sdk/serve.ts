/**
 * Serving a plugin: {@linkcode serve} runs its gRPC server in this process
 * (tests use it directly); {@linkcode runPlugin} is the plugin process's
 * main, which adds the process protocol (CONTRACT §4):
 *
 * - refuses to run without `PRISM_PLUGIN_MAGIC_COOKIE=prism-plugin-v1`
 *   (message on stderr, exit code 1);
 * - reads its channel token from the first line of stdin (the proxy writes
 *   it; exit code 1 when none comes within 10 s) and refuses, with
 *   `UNAUTHENTICATED`, every call — data or lifecycle — that does not carry
 *   it in `prism-plugin-token`: the endpoint serves only its proxy;
 * - serves on `127.0.0.1:<ephemeral port>` the plugin's data interfaces
 *   and `prism.interfaces.lifecycle.LifecycleInterface`, then writes the
 *   one handshake line `1|1|tcp|127.0.0.1:<port>|grpc` on stdout; anything
 *   written with `console.log` goes to stderr;
 * - logs JSON lines on stderr (`component: "plugin"`, `plugin: <name>`);
 * - exits 0 (by resolving with 0) when stdin reaches EOF (the proxy is
 *   gone: drains for 500 ms), on SIGTERM/SIGINT (stops admitting calls,
 *   finishes those in flight for up to 5 s), and right after answering
 *   `Stop`. It always releases the backend first.
 *
 * @module
 */
import { LONG_LIVED_METHODS, SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { status, StatusError } from "../../proto/status.ts";
import {
  GrpcServer,
  type ServerCall,
  type ServerWriter,
} from "../../proto/transport/grpc_server.ts";
import { Logger } from "../../proto/log/logger.ts";
import type { ConfigSchema } from "./config.ts";
import { isNetworkError, toStatusError } from "./errors.ts";
import {
  authInterceptor,
  type CallContext,
  compose,
  createCallContext,
  errorMappingInterceptor,
  type Interceptor,
  loggingInterceptor,
  tracingInterceptor,
} from "./interceptors.ts";
import { Tracer } from "../../proto/trace/tracer.ts";
import { DEFAULT_TIMEOUT_MS, Lifecycle } from "./lifecycle.ts";
import { pluginRegistry } from "./metrics.ts";
import type { PluginDefinition } from "./plugin.ts";
import {
  CHANNEL_TOKEN_HEADER,
  handshakeLine,
  hasMagicCookie,
  NOT_BY_HAND_MESSAGE,
  tokensEqual,
} from "../../proto/plugin/protocol.ts";
import {
  type ByteReader,
  type EofWatch,
  readFirstLine,
  redirectConsoleToStderr,
  watchForEof,
  writeStdout,
} from "./stdio.ts";
import { streamSink } from "./stream.ts";

/** Options of {@linkcode serve}.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from "./serve.ts";
 * const opts: ServeOptions = { handshake: () => {}, stdin: false, signals: false };
 * console.log(opts.stdin);
 * ```
 */
export interface ServeOptions {
  /** The plugin's logger (default: JSON lines on stderr with `component` and `plugin`). */
  log?: Logger;
  /** Reads environment variables (config overrides); default `Deno.env.get`. */
  env?: (name: string) => string | undefined;
  /** Receives the handshake line (default: written to stdout). */
  handshake?: (line: string) => void;
  /** Watch this reader for EOF and shut down when it ends (default: don't). */
  stdin?: ByteReader | false;
  /** Shut down on SIGTERM/SIGINT (default false). */
  signals?: boolean;
  /** Drain bound after stdin EOF, in ms (default 500: the plugin exits within ~1 s). */
  eofDrainMs?: number;
  /** Drain bound after SIGTERM/SIGINT, in ms (default 5000). */
  signalDrainMs?: number;
  /**
   * When set, every call must carry this token in `prism-plugin-token`;
   * others are refused with UNAUTHENTICATED before anything runs.
   */
  channelToken?: string;
  /** Report the process's CPU, memory and event-loop lag with the plugin's metrics (default false). */
  processMetrics?: boolean;
  /** Export a span per data call, continuing the proxy's (default: none). */
  tracer?: Tracer;
}

/** Why a plugin server ended.
 *
 * @example
 * ```ts
 * import type { ShutdownInfo } from "./serve.ts";
 * const info: ShutdownInfo = { reason: "Stop" };
 * console.log(info.reason);
 * ```
 */
export interface ShutdownInfo {
  reason: string;
}

/** A running plugin server.
 *
 * @example
 * ```ts ignore
 * import { serve } from "./serve.ts";
 * const server = await serve(plugin, { handshake: () => {} });
 * console.log(server.address);
 * await server.shutdown("test over");
 * ```
 */
export interface PluginServer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** The handshake line it wrote. */
  readonly handshake: string;
  /** Its lifecycle (state, in-flight calls). */
  readonly lifecycle: Lifecycle;
  /** Resolves when the server has shut down (after Stop, EOF, a signal or {@linkcode shutdown}). */
  readonly done: Promise<ShutdownInfo>;
  /** Drains (up to `drainMs`), releases the backend and closes the server. Idempotent. */
  shutdown(reason: string, drainMs?: number): Promise<ShutdownInfo>;
}

/** Only the proxy talks to a plugin, and it enforces the size limits: this is a backstop. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Terminal = (ctx: CallContext) => Promise<unknown>;

/** The context as the SDK holds it: it can also cut the call off. */
interface ServerCallContext extends CallContext {
  abort(reason: StatusError): void;
  streaming: boolean;
}

/** Registers every method of `service` on `server`, each call running `run` (the chain). */
function addService(
  server: GrpcServer,
  service: (typeof SERVICE_NAMES)[keyof typeof SERVICE_NAMES],
  run: (ctx: CallContext) => Promise<unknown>,
  log: () => Logger,
): void {
  for (const method of Object.values(serviceDefinition(service))) {
    const codec = { decode: method.requestDeserialize, encode: method.responseSerialize };
    // Per call: one context object. Cancellation, deadline and a drain's
    // cut-off all go through the transport's call (`abort` answers the
    // client at once and aborts the call's signal); nothing races here.
    const start = (request: unknown, call: ServerCall): Promise<unknown> => {
      const ctx = createCallContext(call, request, log()) as ServerCallContext;
      ctx.streaming = method.responseStream;
      return run(ctx).catch(throwAsStatus);
    };
    if (method.responseStream) {
      server.addServerStream(method.path, codec, async (request, call: ServerWriter<unknown>) => {
        await start(request, call);
      });
    } else {
      server.addUnary(method.path, codec, (request, call) => start(request, call));
    }
  }
}

function throwAsStatus(err: unknown): never {
  throw err instanceof StatusError ? err : toStatusError(err, "unknown");
}

/**
 * Serves `plugin` on `127.0.0.1:0` in this process and writes its
 * handshake. Nothing exits the process here; {@linkcode runPlugin} does
 * that part.
 *
 * @example
 * ```ts
 * import { connect, unary } from "../../proto/client.ts";
 * import { Logger } from "../../proto/log/logger.ts";
 * import { serve } from "./serve.ts";
 * const server = await serve({
 *   name: "demo", version: "1.0.0", interfaces: [], configSchema: {},
 *   create: () => ({ unary: {}, close() {} }),
 * }, { handshake: () => {}, log: new Logger({}, "error") });
 * const c = connect(server.address);
 * const res = await unary(c.lifecycle, "Initialize", { name: "ns", version: "0.1.0", config: "{}" });
 * console.log(res.metadata?.name); // "demo"
 * c.close();
 * await server.shutdown("example over");
 * ```
 */
export async function serve<S extends ConfigSchema>(
  plugin: PluginDefinition<S>,
  options: ServeOptions = {},
): Promise<PluginServer> {
  const baseLog = options.log ?? new Logger({ component: "plugin", plugin: plugin.name });
  const metrics = pluginRegistry({ process: options.processMetrics ?? false });
  const lifecycle = new Lifecycle(plugin, baseLog, { env: options.env, metrics: metrics.registry });
  const log = () => lifecycle.log;

  const chain: Interceptor[] = [
    // The lifecycle's logger gains the namespace at Initialize.
    loggingInterceptor(() => lifecycle.log),
    ...(options.tracer ? [tracingInterceptor(options.tracer, () => lifecycle.namespace)] : []),
    errorMappingInterceptor(() => lifecycle.instance?.mapError),
    // Without an authorizer every call is allowed: no layer for it.
    ...(plugin.authorize ? [authInterceptor(plugin.authorize)] : []),
    ...(plugin.interceptors ?? []),
  ];

  const dataCall: Terminal = async (ctx) => {
    metrics.touch();
    const entry = lifecycle.admit(
      (reason) => (ctx as ServerCallContext).abort(reason),
      LONG_LIVED_METHODS.has(ctx.method),
    );
    let work: Promise<unknown>;
    try {
      const instance = lifecycle.instance!;
      if ((ctx as ServerCallContext).streaming) {
        const handler = instance.streams?.[ctx.method];
        if (handler === undefined) throw unimplemented(plugin.name, ctx.method);
        const call = ctx.call as ServerWriter<unknown>;
        work = Promise.resolve(
          handler(ctx.request, streamSink(call, ctx.signal, ctx.deadline), ctx),
        );
      } else {
        const handler = instance.unary[ctx.method];
        if (handler === undefined) throw unimplemented(plugin.name, ctx.method);
        work = Promise.resolve(handler(ctx.request, ctx));
      }
    } catch (err) {
      lifecycle.release(entry);
      throw err;
    }
    // The slot is released when the handler's work has ended (a consumer
    // stopped), not when the client got its answer: a drain waits for that.
    // A drain that cuts the call off answers the client through the
    // transport at once (`ctx.abort`); the handler's later answer is dropped.
    try {
      return await work;
    } finally {
      lifecycle.release(entry);
    }
  };
  const lifecycleHandlers = lifecycle.handlers();
  const lifecycleCall: Terminal = async (ctx) =>
    await lifecycleHandlers[ctx.method](ctx.request, ctx);

  const token = options.channelToken;
  let refusals = 0;
  const server = new GrpcServer({
    maxReceiveMessageBytes: MAX_MESSAGE_BYTES,
    onError: (err, method) => lifecycle.log.error("handler failed", { method, error: err }),
    authorize: token === undefined ? undefined : (path, headers) => {
      let given = "";
      for (const [name, value] of headers) if (name === CHANNEL_TOKEN_HEADER) given = value;
      if (tokensEqual(given, token)) return undefined;
      // One line per 100 refusals: a caller that is not the proxy cannot fill the log.
      if (refusals++ % 100 === 0) {
        lifecycle.log.warn("refused a call without the proxy's channel token", {
          method: path,
          refused: refusals,
        });
      }
      return new StatusError(
        status.UNAUTHENTICATED,
        "this plugin serves only the proxy that started it",
      );
    },
  });
  for (const service of plugin.interfaces) {
    addService(server, service, compose(chain, dataCall), log);
  }
  addService(server, SERVICE_NAMES.lifecycle, compose(chain, lifecycleCall), log);
  const host = "127.0.0.1";
  const addr = await server.listen({ hostname: host, port: 0 });
  const port = (addr as Deno.NetAddr).port;
  const handshake = handshakeLine(host, port);
  (options.handshake ?? ((line: string) => writeStdout(line)))(handshake);
  baseLog.info("plugin listening", {
    address: `${host}:${port}`,
    interfaces: plugin.interfaces,
    version: plugin.version,
  });

  let resolveDone!: (info: ShutdownInfo) => void;
  const done = new Promise<ShutdownInfo>((resolve) => (resolveDone = resolve));
  let shuttingDown: Promise<ShutdownInfo> | undefined;
  let eofWatch: EofWatch | undefined;
  const signalHandlers: [Deno.Signal, () => void][] = [];

  // Calls are over (the lifecycle drained them): GOAWAY, then closed within a second.
  const closeServer = () => server.drain(1000);

  const shutdown = (reason: string, drainMs = DEFAULT_TIMEOUT_MS): Promise<ShutdownInfo> => {
    shuttingDown ??= (async () => {
      lifecycle.log.info("plugin shutting down", { reason });
      eofWatch?.stop();
      for (const [sig, handler] of signalHandlers) Deno.removeSignalListener(sig, handler);
      await lifecycle.stop(drainMs, Math.max(drainMs, 500));
      await closeServer();
      metrics.close();
      const info = { reason };
      resolveDone(info);
      return info;
    })();
    return shuttingDown;
  };

  // After Stop's reply has gone out, the server closes (tryShutdown lets that call finish).
  lifecycle.stopped.then(() => setTimeout(() => shutdown("Stop"), 0));

  if (options.stdin) {
    const drainMs = options.eofDrainMs ?? 500;
    eofWatch = watchForEof(options.stdin, (why) => shutdown(`${why}: the proxy is gone`, drainMs));
  }
  if (options.signals) {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const handler = () =>
        shutdown(`received ${sig}`, options.signalDrainMs ?? DEFAULT_TIMEOUT_MS);
      Deno.addSignalListener(sig, handler);
      signalHandlers.push([sig, handler]);
    }
  }

  return {
    port,
    address: `${host}:${port}`,
    handshake,
    lifecycle: lifecycle as unknown as Lifecycle,
    done,
    shutdown,
  };
}

function unimplemented(plugin: string, method: string): StatusError {
  return new StatusError(status.UNIMPLEMENTED, `plugin ${plugin} does not implement ${method}`);
}

/**
 * Permissions a plugin never needs: it talks to its backend and its proxy
 * over the network and reads its settings from the environment — nothing
 * else. Revoked at start when the plugin runs with more than it needs (the
 * compiled `prism` binary runs its plugins with its own permissions, which
 * cannot be narrowed per host or variable at run time: `net` and `env` stay
 * as the binary was built with).
 */
const NEVER_NEEDED = ["run", "write", "ffi", "read"] as const;

/**
 * Revokes what a plugin never needs (see {@linkcode NEVER_NEEDED}); resolves
 * with each permission's state afterwards.
 *
 * @example
 * ```ts ignore
 * import { narrowPermissions } from "./serve.ts";
 * console.log(await narrowPermissions()); // { run: "prompt", write: "prompt", ... }
 * ```
 */
export async function narrowPermissions(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of NEVER_NEEDED) {
    out[name] = (await Deno.permissions.revoke({ name })).state;
  }
  return out;
}

/** Options of {@linkcode runPlugin} (tests replace the process's streams).
 *
 * @example
 * ```ts
 * import type { RunOptions } from "./serve.ts";
 * const opts: RunOptions = { env: () => undefined, stderr: () => {} };
 * console.log(typeof opts.stderr);
 * ```
 */
export interface RunOptions extends ServeOptions {
  /** Writes plain text to stderr (the refusal message, usage). */
  stderr?: (text: string) => void;
  /**
   * Revoke the permissions a plugin never needs before serving (default:
   * in the compiled binary, or when `PRISM_PLUGIN_NARROW=1`).
   */
  narrow?: boolean;
}

/**
 * The plugin process's main (`prism plugin <name>`): checks the magic
 * cookie, serves, and resolves with the exit code once the plugin has shut
 * down — 0 after Stop, stdin EOF or SIGTERM/SIGINT; 1 without the cookie or
 * when it cannot serve; 2 for bad arguments. The caller exits with it.
 *
 * @example
 * ```ts
 * import { runPlugin } from "./serve.ts";
 * const code = await runPlugin({
 *   name: "demo", version: "1.0.0", interfaces: [], configSchema: {},
 *   create: () => ({ unary: {}, close() {} }),
 * }, [], { env: () => undefined, stderr: () => {} });
 * console.log(code); // 1 (no magic cookie)
 * ```
 */
export async function runPlugin<S extends ConfigSchema>(
  plugin: PluginDefinition<S>,
  args: string[],
  options: RunOptions = {},
): Promise<number> {
  const stderr = options.stderr ?? ((text: string) => console.error(text));
  if (args.includes("--help") || args.includes("-h")) {
    stderr(
      `Usage: prism plugin ${plugin.name}\n\n${NOT_BY_HAND_MESSAGE}\nIt serves ${
        plugin.interfaces.join(", ")
      } and prism.interfaces.lifecycle.LifecycleInterface on 127.0.0.1.`,
    );
    return 0;
  }
  if (args.length > 0) {
    stderr(`prism plugin ${plugin.name}: unexpected argument "${args[0]}" (it takes none)`);
    return 2;
  }
  if (!hasMagicCookie(options.env)) {
    stderr(NOT_BY_HAND_MESSAGE);
    return 1;
  }
  let log: Logger;
  try {
    log = options.log ?? new Logger({ component: "plugin", plugin: plugin.name });
  } catch (err) {
    stderr(`prism plugin ${plugin.name}: ${(err as Error).message}`); // e.g. a bad PRISM_LOG_LEVEL
    return 2;
  }
  const stdin = options.stdin ?? Deno.stdin;
  let channelToken = options.channelToken;
  if (channelToken === undefined && stdin) {
    try {
      channelToken = await readFirstLine(stdin, 10_000);
    } catch (err) {
      stderr(
        `prism plugin ${plugin.name}: no channel token from the proxy: ${(err as Error).message}`,
      );
      return 1;
    }
    if (!/^[0-9a-f]{32,}$/.test(channelToken)) {
      stderr(`prism plugin ${plugin.name}: the channel token from the proxy is malformed`);
      return 1;
    }
  }
  const narrow = options.narrow ??
    (Deno.build.standalone ||
      (options.env ?? ((n: string) => Deno.env.get(n)))("PRISM_PLUGIN_NARROW") === "1");
  let narrowed: Record<string, string> | undefined;
  if (narrow) narrowed = await narrowPermissions();
  const restoreConsole = redirectConsoleToStderr();
  const onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    log.error("unhandled promise rejection in the plugin", { error: e.reason });
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  // A socket error that reaches the global scope: Deno's Node layer can
  // emit one where the backend client has no listener (a TLS socket that
  // Redis closed with "certificate required", then a write: EPIPE). The
  // client sees the same failure on its own listener and reconnects, so
  // the process goes on; any other uncaught error still ends it.
  const onError = (e: ErrorEvent) => {
    if (!isNetworkError(e.error)) return;
    e.preventDefault();
    log.warn("socket error outside any call (the backend client reconnects)", {
      error: e.error,
    });
  };
  globalThis.addEventListener("error", onError);
  try {
    if (narrowed) log.info("permissions narrowed", { revoked: narrowed });
    let server: PluginServer;
    let tracer: Tracer | undefined;
    try {
      // A plugin is a service of its own in a trace: "<OTEL_SERVICE_NAME or prism-plugin>-<name>".
      const env = (n: string) => n === "OTEL_SERVICE_NAME" ? undefined : Deno.env.get(n);
      tracer = await Tracer.fromEnv(
        `${Deno.env.get("OTEL_SERVICE_NAME") || "prism-plugin"}-${plugin.name}`,
        { env, version: plugin.version },
      );
      server = await serve(plugin, {
        signals: true,
        processMetrics: true,
        tracer,
        ...options,
        stdin,
        channelToken,
        log,
      });
    } catch (err) {
      log.error("plugin failed to start", { error: err });
      return 1;
    }
    const info = await server.done;
    await tracer?.shutdown().catch(() => {});
    log.info("plugin exiting", { reason: info.reason });
    return 0;
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
    restoreConsole();
  }
}
