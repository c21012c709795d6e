/**
 * One supervised plugin process (CONTRACT §4–5): spawned with least
 * privilege, handshake read and checked with a timeout, connected over gRPC,
 * initialized with its namespace's config and started; its health polled;
 * restarted with capped exponential backoff when it crashes or stops
 * answering; stopped with Drain → Stop → SIGTERM → SIGKILL. Its stderr (JSON
 * log lines) is forwarded into the proxy's log.
 *
 * Plugins die with their host: they exit when their stdin — a pipe only the
 * proxy holds — reaches end of file, which also happens when the proxy is
 * killed with SIGKILL. The same pipe carries, as its first line, a fresh
 * random channel token per launch; every call the proxy makes carries it,
 * and the plugin refuses calls without it (CONTRACT §7: a plugin's endpoint
 * serves only the proxy that started it).
 *
 * @module
 */
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import type { HealthCheckResponse__Output } from "../../proto/gen/prism/interfaces/lifecycle/HealthCheckResponse.ts";
import type { InitializeResponse__Output } from "../../proto/gen/prism/interfaces/lifecycle/InitializeResponse.ts";
import type { DrainResponse__Output } from "../../proto/gen/prism/interfaces/lifecycle/DrainResponse.ts";
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { CHANNEL_TOKEN_HEADER, newChannelToken } from "../../plugins/sdk/protocol.ts";
import type { Logger, LogLevel } from "../log/logger.ts";
import {
  grpcTarget,
  type Handshake,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
  parseHandshake,
} from "./handshake.ts";

/** The program and arguments that start a plugin.
 *
 * @example
 * ```ts
 * import type { PluginCommand } from "./plugin_process.ts";
 * const cmd: PluginCommand = { cmd: Deno.execPath(), args: ["run", "prism.ts", "plugin", "redis"] };
 * console.log(cmd.args.at(-1));
 * ```
 */
export interface PluginCommand {
  cmd: string;
  args: string[];
}

/** Settings of one plugin process.
 *
 * @example
 * ```ts ignore
 * const options: PluginProcessOptions = { kind: "redis", namespace: "cache", config: {}, version: "0.1.0", log, command };
 * ```
 */
export interface PluginProcessOptions {
  /** Plugin name, e.g. `redis`. */
  kind: string;
  namespace: string;
  /** The namespace's `config` block, handed over in Initialize. */
  config: Record<string, unknown>;
  /** The proxy's version, handed over in Initialize. */
  version: string;
  log: Logger;
  command: PluginCommand;
  /** How long the plugin may take to print its handshake; default 15 s. */
  handshakeTimeoutMs?: number;
  /** Deadline of Initialize and Start; default 10 s. */
  lifecycleTimeoutMs?: number;
  /**
   * Milliseconds between health checks while the plugin is HEALTHY; default
   * 5000 (an idle proxy wakes the plugin rarely). Otherwise — unknown,
   * degraded, unhealthy, failing checks — every `healthFastIntervalMs`.
   */
  healthIntervalMs?: number;
  /** Milliseconds between health checks while the plugin is not HEALTHY; default 1000. */
  healthFastIntervalMs?: number;
  /** Called when the plugin's health or state changes (the proxy's health service follows it). */
  onChange?: () => void;
  /** Health checks that may fail in a row before the process is restarted; default 3. */
  unhealthyAfter?: number;
  /** Restart backoff: first delay and cap, doubling in between; default 100 ms … 10 s. */
  backoff?: { initialMs: number; maxMs: number };
}

/** The plugin's last reported health.
 *
 * @example
 * ```ts
 * import type { PluginHealth } from "./plugin_process.ts";
 * const h: PluginHealth = { status: "HEALTHY", message: "PING 0.2 ms", details: {} };
 * console.log(h.status);
 * ```
 */
export interface PluginHealth {
  status: "HEALTHY" | "DEGRADED" | "UNHEALTHY" | "UNKNOWN";
  message: string;
  details: Record<string, string>;
}

/** A plugin refused to start; `invalidConfig` when it rejected its configuration.
 *
 * @example
 * ```ts
 * import { PluginStartError } from "./plugin_process.ts";
 * const err = new PluginStartError("bad url", true);
 * console.log(err.invalidConfig); // true
 * ```
 */
export class PluginStartError extends Error {
  readonly invalidConfig: boolean;
  constructor(message: string, invalidConfig = false, options?: ErrorOptions) {
    super(message, options);
    this.name = "PluginStartError";
    this.invalidConfig = invalidConfig;
  }
}

type State = "starting" | "running" | "restarting" | "stopping" | "stopped";

/** What a plugin process inherits besides its own settings: where Deno keeps its cache, and coverage collection under `deno task test`. */
const INHERITED_ENV = [
  "HOME",
  "PATH",
  "DENO_DIR",
  "DENO_COVERAGE_DIR",
  "PRISM_LOG_LEVEL",
  "TMPDIR",
];

/**
 * A plugin's environment: least privilege — the magic cookie, the few
 * variables Deno itself needs, the plugin's own `PRISM_<KIND>_*`
 * overrides, and OpenTelemetry's `OTEL_*` settings (its spans go where the
 * proxy's go); nothing else of the proxy's environment.
 *
 * @example
 * ```ts
 * import { pluginEnv } from "./plugin_process.ts";
 * console.log(pluginEnv("redis").PRISM_PLUGIN_MAGIC_COOKIE); // "prism-plugin-v1"
 * ```
 */
export function pluginEnv(kind: string): Record<string, string> {
  const env: Record<string, string> = { [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE };
  const own = `PRISM_${kind.toUpperCase()}_`;
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (INHERITED_ENV.includes(k) || k.startsWith(own) || k.startsWith("OTEL_")) env[k] = v;
  }
  return env;
}

const LEVELS: ReadonlySet<string> = new Set(["debug", "info", "warn", "error"]);
/** A process that ran this long before it crashed restarts without backoff. */
const STABLE_MS = 30_000;
/**
 * Each stream's receive window on the connection to a plugin: what the
 * proxy buffers for a subscriber or scan whose client is not reading
 * (the plugin then waits, and pauses its backend).
 */
const PLUGIN_STREAM_WINDOW = 1024 * 1024;
const LIFECYCLE = serviceDefinition(SERVICE_NAMES.lifecycle);

/**
 * A running, supervised plugin.
 *
 * @example
 * ```ts ignore
 * import { PluginProcess } from "./plugin_process.ts";
 * const plugin = await PluginProcess.start({ kind: "redis", namespace: "cache", config, version, log, command });
 * if (plugin.ready) await plugin.client!.unaryRaw(path, requestBytes);
 * await plugin.stop();
 * ```
 */
export class PluginProcess {
  readonly #opts: Required<Omit<PluginProcessOptions, "backoff">> & {
    backoff: { initialMs: number; maxMs: number };
  };
  readonly #log: Logger;
  #state: State = "starting";
  #child: Deno.ChildProcess | undefined;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #client: GrpcClient | undefined;
  #interfaces: string[] = [];
  #health: PluginHealth = { status: "UNKNOWN", message: "starting", details: {} };
  #healthTimer: ReturnType<typeof setTimeout> | undefined;
  #healthFailures = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #nextBackoffMs: number;
  #startedAt = 0;
  #restarts = 0;
  #exited: Promise<Deno.CommandStatus> | undefined;

  private constructor(options: PluginProcessOptions) {
    this.#opts = {
      handshakeTimeoutMs: 15_000,
      lifecycleTimeoutMs: 10_000,
      healthIntervalMs: 5000,
      healthFastIntervalMs: 1000,
      onChange: () => {},
      unhealthyAfter: 3,
      ...options,
      backoff: options.backoff ?? { initialMs: 100, maxMs: 10_000 },
    };
    this.#nextBackoffMs = this.#opts.backoff.initialMs;
    this.#log = options.log.child({
      component: "supervisor",
      plugin: options.kind,
      namespace: options.namespace,
    });
  }

  /**
   * Starts the plugin and waits until it serves. Rejects with a
   * {@linkcode PluginStartError} when the first start fails; later crashes
   * are handled by restarting.
   */
  static async start(options: PluginProcessOptions): Promise<PluginProcess> {
    const p = new PluginProcess(options);
    try {
      await p.#launch();
    } catch (err) {
      p.#state = "stopped";
      throw err;
    }
    return p;
  }

  /** Whether calls can be forwarded now. */
  get ready(): boolean {
    return this.#state === "running" && this.#client !== undefined;
  }

  /**
   * The gRPC client connected to the plugin — one HTTP/2 connection for
   * data, streams and lifecycle calls (undefined while it is not running).
   */
  get client(): GrpcClient | undefined {
    return this.ready ? this.#client : undefined;
  }

  #disconnect(): void {
    this.#client?.close();
    this.#client = undefined;
  }

  /** The service names the plugin declared in Initialize. */
  get interfaces(): readonly string[] {
    return this.#interfaces;
  }

  /** The last health report. */
  get health(): PluginHealth {
    return this.#health;
  }

  /** The current process id (undefined while none runs). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How often the plugin has been restarted. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * The plugin's own metric families (prom-client JSON), or undefined when
   * it is not running or does not answer within `timeoutMs`.
   */
  async metrics(timeoutMs = 2000): Promise<unknown[] | undefined> {
    const client = this.#client;
    if (this.#state !== "running" || client === undefined) return undefined;
    try {
      const res = await client.unary(LIFECYCLE.Metrics, {}, {
        deadline: Date.now() + timeoutMs,
      }) as { json: string };
      const families = JSON.parse(res.json);
      return Array.isArray(families) ? families : undefined;
    } catch (err) {
      this.#log.debug("plugin metrics unavailable", { error: (err as Error).message });
      return undefined;
    }
  }

  /** Milliseconds since the current process started (0 while none runs). */
  get uptimeMs(): number {
    return this.#child === undefined ? 0 : performance.now() - this.#startedAt;
  }

  /** Why calls cannot be forwarded now (for UNAVAILABLE messages). */
  unavailableReason(): string {
    const who = `plugin ${this.#opts.kind} of namespace "${this.#opts.namespace}"`;
    switch (this.#state) {
      case "starting":
        return `${who} is starting`;
      case "restarting":
        return `${who} is restarting (restart ${this.#restarts}); retry shortly`;
      case "stopping":
      case "stopped":
        return `${who} is stopped`;
      default:
        return `${who} is not connected`;
    }
  }

  async #launch(): Promise<void> {
    this.#state = this.#restarts === 0 ? "starting" : "restarting";
    const { cmd, args } = this.#opts.command;
    const child = new Deno.Command(cmd, {
      args,
      clearEnv: true,
      env: pluginEnv(this.#opts.kind),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    const token = newChannelToken();
    this.#stdin.write(new TextEncoder().encode(`${token}\n`)).catch(() => {});
    this.#startedAt = performance.now();
    const pid = child.pid;
    this.#log.info("plugin process started", { pid, restart: this.#restarts });
    this.#forwardLogs(child.stderr, pid);
    const exited = child.status;
    this.#exited = exited;
    exited.then((status) => this.#onExit(child, status));

    let handshake: Handshake;
    try {
      handshake = await this.#readHandshake(child, exited);
      const client = new GrpcClient(grpcTarget(handshake), {
        timeoutMs: this.#opts.lifecycleTimeoutMs,
        streamWindow: PLUGIN_STREAM_WINDOW,
        userAgent: "prism-proxy",
        headers: [[CHANNEL_TOKEN_HEADER, token]],
      });
      this.#client = client;
      await client.channel.ready();
      const init = await client.unary(LIFECYCLE.Initialize, {
        name: this.#opts.namespace,
        version: this.#opts.version,
        config: JSON.stringify(this.#opts.config),
      }, {
        deadline: Date.now() + this.#opts.lifecycleTimeoutMs,
        metadata: [["x-request-id", `init-${crypto.randomUUID()}`]],
      }) as InitializeResponse__Output;
      this.#interfaces = init.metadata?.interfaces ?? [];
      await client.unary(LIFECYCLE.Start, {}, {
        deadline: Date.now() + this.#opts.lifecycleTimeoutMs,
      });
    } catch (err) {
      this.#disconnect();
      this.#kill(child, "SIGKILL");
      const code = (err as { code?: number }).code;
      const details = (err as Error).message;
      // INVALID_ARGUMENT from Initialize: the plugin rejected its config.
      throw new PluginStartError(
        `plugin ${this.#opts.kind} of namespace "${this.#opts.namespace}" did not start: ${details}`,
        code === 3,
        { cause: err },
      );
    }
    this.#state = "running";
    this.#healthFailures = 0;
    this.#health = { status: "UNKNOWN", message: "started", details: {} };
    this.#log.info("plugin serving", {
      pid,
      address: handshake.address,
      interfaces: this.#interfaces,
      startup_ms: Math.round(performance.now() - this.#startedAt),
    });
    this.#startHealthChecks();
    this.#opts.onChange();
  }

  async #readHandshake(
    child: Deno.ChildProcess,
    exited: Promise<Deno.CommandStatus>,
  ): Promise<Handshake> {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`no handshake on stdout within ${this.#opts.handshakeTimeoutMs} ms`),
          ),
        this.#opts.handshakeTimeoutMs,
      );
    });
    const died = exited.then((s) => {
      throw new Error(
        `the process exited (code ${s.code}, signal ${s.signal}) before its handshake`,
      );
    });
    try {
      while (!buf.includes("\n")) {
        const { value, done } = await Promise.race([reader.read(), timeout, died]);
        if (done) {
          // Usually the process is exiting: report how it ended.
          const s = await Promise.race([
            exited,
            new Promise<null>((r) => setTimeout(r, 1000, null)),
          ]);
          throw new Error(
            s
              ? `the process exited (code ${s.code}, signal ${s.signal}) before its handshake`
              : "stdout closed before the handshake",
          );
        }
        buf += value;
        if (buf.length > 4096) throw new Error("no handshake line in the first 4 KiB of stdout");
      }
    } finally {
      clearTimeout(timer);
      died.catch(() => {});
    }
    const nl = buf.indexOf("\n");
    const line = buf.slice(0, nl);
    // Anything else on stdout is not protocol: keep draining it into the log.
    (async () => {
      let rest = buf.slice(nl + 1);
      for (;;) {
        if (rest.trim() !== "") this.#log.warn("plugin wrote to stdout", { output: rest.trim() });
        const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
        if (done) break;
        rest = value;
      }
    })();
    return parseHandshake(line);
  }

  #forwardLogs(stream: ReadableStream<Uint8Array>, pid: number): void {
    const log = this.#log.child({ component: "plugin", pid });
    (async () => {
      const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
        if (done) break;
        buf += value;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === "") continue;
          try {
            const { level, msg, ts: _ts, ...fields } = JSON.parse(line);
            log.log(LEVELS.has(level) ? level as LogLevel : "info", String(msg ?? ""), fields);
          } catch {
            log.info(line);
          }
        }
      }
      if (buf.trim() !== "") log.info(buf.trim());
    })();
  }

  #startHealthChecks(): void {
    const next = () => {
      const ms = this.#health.status === "HEALTHY"
        ? this.#opts.healthIntervalMs
        : this.#opts.healthFastIntervalMs;
      this.#healthTimer = setTimeout(check, ms);
      Deno.unrefTimer(this.#healthTimer as unknown as number);
    };
    const check = async () => {
      const client = this.#client;
      if (this.#state !== "running" || !client) return;
      const before = this.#health.status;
      try {
        // A plugin's own checks (e.g. a PING with its timeout) may take a second or two.
        const res = await client.unary(LIFECYCLE.HealthCheck, {}, {
          deadline: Date.now() + Math.max(2500, this.#opts.healthFastIntervalMs),
        }) as HealthCheckResponse__Output;
        if (this.#state !== "running" || this.#client !== client) return;
        this.#health = {
          status: res.status as PluginHealth["status"],
          message: res.message,
          details: { ...res.details },
        };
        this.#healthFailures = 0;
        if (before !== this.#health.status) {
          this.#log.info("plugin health changed", {
            from: before,
            to: this.#health.status,
            message: res.message,
          });
        }
      } catch (err) {
        if (this.#state !== "running" || this.#client !== client) return;
        this.#healthFailures++;
        this.#health = {
          status: "UNHEALTHY",
          message: `health check failed: ${(err as Error).message}`,
          details: {},
        };
        if (this.#healthFailures >= this.#opts.unhealthyAfter) {
          this.#log.error("plugin stopped answering; restarting it", {
            failures: this.#healthFailures,
          });
          if (this.#child) this.#kill(this.#child, "SIGKILL");
        }
      }
      if (before !== this.#health.status) this.#opts.onChange();
      next();
    };
    // The first check soon after start: a new process reports UNKNOWN until then.
    this.#healthTimer = setTimeout(check, this.#opts.healthFastIntervalMs);
    Deno.unrefTimer(this.#healthTimer as unknown as number);
  }

  #kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  #onExit(child: Deno.ChildProcess, status: Deno.CommandStatus): void {
    if (child !== this.#child) return;
    clearTimeout(this.#healthTimer);
    this.#disconnect();
    this.#stdin?.close().catch(() => {});
    if (this.#state === "stopping" || this.#state === "stopped") return;
    if (this.#state === "starting") return; // #launch reports it
    const ranMs = performance.now() - this.#startedAt;
    if (ranMs > STABLE_MS) this.#nextBackoffMs = this.#opts.backoff.initialMs;
    const delay = this.#nextBackoffMs;
    this.#nextBackoffMs = Math.min(this.#nextBackoffMs * 2, this.#opts.backoff.maxMs);
    this.#state = "restarting";
    this.#health = {
      status: "UNHEALTHY",
      message: `process exited (code ${status.code}, signal ${status.signal}); restarting`,
      details: {},
    };
    this.#opts.onChange();
    this.#log.error("plugin process exited; restarting it", {
      pid: child.pid,
      code: status.code,
      signal: status.signal,
      ran_ms: Math.round(ranMs),
      restart_in_ms: delay,
    });
    this.#scheduleRestart(delay);
  }

  #scheduleRestart(delay: number): void {
    this.#restartTimer = setTimeout(async () => {
      if (this.#state !== "restarting") return;
      this.#restarts++;
      try {
        await this.#launch();
      } catch (err) {
        if (this.#state !== "restarting") return;
        const next = this.#nextBackoffMs;
        this.#nextBackoffMs = Math.min(this.#nextBackoffMs * 2, this.#opts.backoff.maxMs);
        this.#log.error("plugin restart failed", {
          error: (err as Error).message,
          retry_in_ms: next,
        });
        this.#scheduleRestart(next);
      }
    }, delay);
  }

  /**
   * Stops the plugin: Drain (up to `drainMs`), Stop, then SIGTERM and SIGKILL
   * if it has not exited within `graceMs` of each step.
   */
  async stop(drainMs = 5000, graceMs = 2000): Promise<void> {
    if (this.#state === "stopped") return;
    const wasRunning = this.ready;
    this.#state = "stopping";
    clearTimeout(this.#healthTimer);
    this.#opts.onChange();
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    const client = this.#client;
    if (wasRunning && client) {
      try {
        const drained = await client.unary(LIFECYCLE.Drain, {
          timeout_seconds: Math.ceil(drainMs / 1000),
          reason: "proxy shutting down",
        }, { deadline: Date.now() + drainMs + 1000 }) as DrainResponse__Output;
        this.#log.info("plugin drained", { drained: drained.drained, aborted: drained.aborted });
        await client.unary(LIFECYCLE.Stop, { timeout_seconds: Math.ceil(graceMs / 1000) }, {
          deadline: Date.now() + graceMs,
        });
      } catch (err) {
        this.#log.warn("plugin did not drain/stop cleanly", { error: (err as Error).message });
      }
    }
    if (child && this.#exited) {
      const waitExit = (ms: number) =>
        Promise.race([
          this.#exited!.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
        ]);
      this.#stdin?.close().catch(() => {});
      if (!await waitExit(graceMs)) {
        this.#kill(child, "SIGTERM");
        if (!await waitExit(graceMs)) {
          this.#log.warn("plugin ignored SIGTERM; killing it");
          this.#kill(child, "SIGKILL");
          await this.#exited;
        }
      }
    }
    this.#disconnect();
    this.#state = "stopped";
    this.#log.info("plugin stopped");
  }
}
