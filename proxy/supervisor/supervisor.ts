/**
 * The supervisor of one plugin-backed namespace (CONTRACT §4–5), and the only
 * piece that decides restarts: it launches a {@linkcode PluginProcess}, opens
 * a {@linkcode PluginConnection} to it, initializes and starts it, polls its
 * health, and when the process exits or stops answering it ends that process
 * and launches the next one after a capped exponential backoff (cockatiel's).
 * One loop does all of it, so a namespace never has more than one process:
 * the next launch begins only after the previous process has exited.
 * Stopping is Drain → Stop → end of stdin → SIGTERM → SIGKILL.
 *
 * @module
 */
import { ExponentialBackoff, type IBackoff } from "cockatiel";
import type { Logger } from "../../proto/log/logger.ts";
import { newChannelToken } from "../../proto/plugin/protocol.ts";
import type { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { PluginConnection, type PluginHealth } from "./connection.ts";
import { type PluginCommand, PluginProcess } from "./process.ts";

export type { PluginHealth } from "./connection.ts";
export type { PluginCommand } from "./process.ts";

/** Settings of one supervised plugin.
 *
 * @example
 * ```ts ignore
 * const options: SupervisorOptions = { kind: "redis", namespace: "cache", config: {}, version: "0.1.0", log, command };
 * ```
 */
export interface SupervisorOptions {
  /** Plugin name, e.g. `redis`. */
  kind: string;
  namespace: string;
  /** The namespace's `config` block, handed over in Initialize. */
  config: Record<string, unknown>;
  /** The proxy's version, handed over in Initialize. */
  version: string;
  log: Logger;
  command: PluginCommand;
  /**
   * The services the namespace needs: a plugin that declares fewer in
   * Initialize is refused (default: none required).
   */
  interfaces?: readonly string[];
  /** Environment variables passed on to the process (a secret its config names). */
  passEnv?: readonly string[];
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
  /** Deadline of one health check; default 2500 ms (a plugin's own checks, e.g. a PING, take their time). */
  healthTimeoutMs?: number;
  /** Health checks that may fail in a row before the process is restarted; default 3. */
  unhealthyAfter?: number;
  /** Restart backoff: first delay and cap, doubling in between (with jitter); default 100 ms … 10 s. */
  backoff?: { initialMs: number; maxMs: number };
}

/** A plugin refused to start; `invalidConfig` when it rejected its configuration.
 *
 * @example
 * ```ts
 * import { PluginStartError } from "./supervisor.ts";
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

/** A launched plugin: its process, the connection to it, what it declared. */
interface Launch {
  process: PluginProcess;
  conn: PluginConnection;
  interfaces: string[];
  /** Resolves when its health checks decide it must be restarted. */
  unhealthy: PromiseWithResolvers<void>;
}

/** A process that ran this long before it crashed restarts after the first delay again. */
const STABLE_MS = 30_000;

/**
 * A running, supervised plugin.
 *
 * @example
 * ```ts ignore
 * import { PluginSupervisor } from "./supervisor.ts";
 * const plugin = await PluginSupervisor.start({ kind: "redis", namespace: "cache", config, version, log, command });
 * if (plugin.ready) await plugin.client!.unaryRaw(path, requestBytes);
 * await plugin.stop();
 * ```
 */
export class PluginSupervisor {
  readonly #opts: Required<Omit<SupervisorOptions, "backoff">>;
  readonly #log: Logger;
  readonly #policy: ExponentialBackoff<unknown>;
  #backoff: IBackoff<unknown> | undefined;
  #state: State = "starting";
  #current: Launch | undefined;
  #launching: PluginProcess | undefined;
  #health: PluginHealth = { status: "UNKNOWN", message: "starting", details: {} };
  #healthTimer: ReturnType<typeof setTimeout> | undefined;
  #healthFailures = 0;
  #restarts = 0;
  #interfaces: readonly string[] = [];
  readonly #stopRequested = Promise.withResolvers<"stop">();
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  private constructor(options: SupervisorOptions) {
    this.#opts = {
      handshakeTimeoutMs: 15_000,
      lifecycleTimeoutMs: 10_000,
      healthIntervalMs: 5000,
      healthFastIntervalMs: 1000,
      healthTimeoutMs: 2500,
      onChange: () => {},
      unhealthyAfter: 3,
      interfaces: [],
      passEnv: [],
      ...options,
    };
    const backoff = options.backoff ?? { initialMs: 100, maxMs: 10_000 };
    this.#policy = new ExponentialBackoff({
      initialDelay: backoff.initialMs,
      maxDelay: backoff.maxMs,
    });
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
  static async start(options: SupervisorOptions): Promise<PluginSupervisor> {
    const s = new PluginSupervisor(options);
    try {
      s.#serving(await s.#launch());
    } catch (err) {
      s.#state = "stopped";
      throw err;
    }
    s.#loop = s.#supervise();
    return s;
  }

  /** Whether calls can be forwarded now. */
  get ready(): boolean {
    return this.#state === "running" && this.#current !== undefined;
  }

  /**
   * The gRPC client connected to the plugin — one HTTP/2 connection for
   * data, streams and lifecycle calls (undefined while it is not running).
   */
  get client(): GrpcClient | undefined {
    return this.ready ? this.#current!.conn.client : undefined;
  }

  /** The service names the plugin declared in Initialize. */
  get interfaces(): readonly string[] {
    return this.#interfaces;
  }

  /** The last health report. */
  get health(): PluginHealth {
    return this.#health;
  }

  /** The current process id (undefined while none serves). */
  get pid(): number | undefined {
    return this.#current?.process.pid;
  }

  /** How often the plugin has been relaunched (failed relaunches count). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Milliseconds since the current process started (0 while none serves). */
  get uptimeMs(): number {
    const p = this.#current?.process;
    return p === undefined ? 0 : performance.now() - p.startedAt;
  }

  /**
   * The plugin's own metric families (prom-client JSON), or undefined when
   * it is not running or does not answer within `timeoutMs`.
   */
  async metrics(timeoutMs = 2000): Promise<unknown[] | undefined> {
    const current = this.#current;
    if (this.#state !== "running" || current === undefined) return undefined;
    try {
      return await current.conn.metrics(timeoutMs);
    } catch (err) {
      this.#log.debug("plugin metrics unavailable", { error: (err as Error).message });
      return undefined;
    }
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

  /**
   * Spawns a process and brings it to serving: handshake, connection,
   * Initialize, Start. On failure the process is killed and awaited before
   * this rejects, so the next launch never overlaps it.
   */
  async #launch(): Promise<Launch> {
    const token = newChannelToken();
    const process = PluginProcess.spawn({
      kind: this.#opts.kind,
      command: this.#opts.command,
      token,
      log: this.#log,
      passEnv: this.#opts.passEnv,
    });
    this.#launching = process;
    this.#log.info("plugin process started", { pid: process.pid, restart: this.#restarts });
    let conn: PluginConnection | undefined;
    try {
      const handshake = await process.handshake(this.#opts.handshakeTimeoutMs);
      conn = new PluginConnection(handshake, token, this.#opts.lifecycleTimeoutMs);
      const interfaces = await conn.initialize(
        this.#opts.namespace,
        this.#opts.version,
        this.#opts.config,
      );
      const missing = this.#opts.interfaces.filter((i) => !interfaces.includes(i));
      if (missing.length > 0) {
        throw new Error(
          `it declares ${interfaces.join(", ") || "no interfaces"} but the namespace needs ${
            missing.join(", ")
          }`,
        );
      }
      await conn.start();
      if (this.#state === "stopping") throw new Error("the proxy is stopping");
      this.#log.info("plugin serving", {
        pid: process.pid,
        address: handshake.address,
        interfaces,
        startup_ms: Math.round(performance.now() - process.startedAt),
      });
      return { process, conn, interfaces, unhealthy: Promise.withResolvers<void>() };
    } catch (err) {
      conn?.close();
      process.kill("SIGKILL");
      await process.exited;
      const code = (err as { code?: number }).code;
      // INVALID_ARGUMENT from Initialize: the plugin rejected its config.
      throw new PluginStartError(
        `plugin ${this.#opts.kind} of namespace "${this.#opts.namespace}" did not start: ${
          (err as Error).message
        }`,
        code === 3,
        { cause: err },
      );
    } finally {
      this.#launching = undefined;
    }
  }

  /** `launch` serves from now on. */
  #serving(launch: Launch): void {
    this.#current = launch;
    this.#interfaces = launch.interfaces;
    this.#state = "running";
    this.#healthFailures = 0;
    this.#health = { status: "UNKNOWN", message: "started", details: {} };
    this.#startHealthChecks(launch);
    this.#opts.onChange();
  }

  /** Resolves after `ms`, or with false at once when a stop is requested. */
  async #sleep(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const woke = await Promise.race([
      new Promise<"slept">((r) => timer = setTimeout(r, ms, "slept")),
      this.#stopRequested.promise,
    ]);
    clearTimeout(timer);
    return woke === "slept";
  }

  /**
   * The one loop that restarts: waits for the serving process to exit or be
   * found unhealthy, ends it, and launches the next one with backoff until
   * one serves or a stop is requested.
   */
  async #supervise(): Promise<void> {
    for (;;) {
      const current = this.#current!;
      const ended = await Promise.race([
        current.process.exited,
        current.unhealthy.promise.then(() => "unhealthy" as const),
        this.#stopRequested.promise,
      ]);
      if (ended === "stop") return;
      clearTimeout(this.#healthTimer);
      current.conn.close();
      if (ended === "unhealthy") current.process.kill("SIGKILL");
      const status = await current.process.exited;
      this.#current = undefined;
      if (this.#state === "stopping") return;
      const ranMs = performance.now() - current.process.startedAt;
      if (ranMs > STABLE_MS) this.#backoff = undefined;
      this.#state = "restarting";
      this.#health = {
        status: "UNHEALTHY",
        message: `process exited (code ${status.code}, signal ${status.signal}); restarting`,
        details: {},
      };
      this.#opts.onChange();
      let delay = this.#nextDelay();
      this.#log.error("plugin process exited; restarting it", {
        pid: current.process.pid,
        code: status.code,
        signal: status.signal,
        ran_ms: Math.round(ranMs),
        restart_in_ms: delay,
      });
      for (;;) {
        if (!await this.#sleep(delay)) return;
        this.#restarts++;
        try {
          const launch = await this.#launch();
          this.#serving(launch);
          break;
        } catch (err) {
          if ((this.#state as State) === "stopping") return;
          delay = this.#nextDelay();
          this.#log.error("plugin restart failed", {
            error: (err as Error).message,
            retry_in_ms: delay,
          });
        }
      }
    }
  }

  #nextDelay(): number {
    this.#backoff = this.#backoff === undefined
      ? this.#policy.next()
      : this.#backoff.next(undefined);
    return Math.round(this.#backoff.duration);
  }

  #startHealthChecks(launch: Launch): void {
    const next = (ms: number) => {
      this.#healthTimer = setTimeout(check, ms);
      Deno.unrefTimer(this.#healthTimer as unknown as number);
    };
    const current = () => this.#state === "running" && this.#current === launch;
    const check = async () => {
      if (!current()) return;
      const before = this.#health.status;
      try {
        const health = await launch.conn.health(this.#opts.healthTimeoutMs);
        if (!current()) return;
        this.#health = health;
        this.#healthFailures = 0;
        if (before !== health.status) {
          this.#log.info("plugin health changed", {
            from: before,
            to: health.status,
            message: health.message,
          });
        }
      } catch (err) {
        if (!current()) return;
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
          launch.unhealthy.resolve();
          this.#opts.onChange();
          return;
        }
      }
      if (before !== this.#health.status) this.#opts.onChange();
      next(
        this.#health.status === "HEALTHY"
          ? this.#opts.healthIntervalMs
          : this.#opts.healthFastIntervalMs,
      );
    };
    // The first check soon after start: a new process reports UNKNOWN until then.
    next(this.#opts.healthFastIntervalMs);
  }

  /**
   * Stops the plugin: Drain (up to `drainMs`), Stop, then end of stdin,
   * SIGTERM and SIGKILL if it has not exited within `graceMs` of each step.
   * A launch in progress is killed. Idempotent.
   */
  stop(drainMs = 5000, graceMs = 2000): Promise<void> {
    this.#stopped ??= this.#stop(drainMs, graceMs);
    return this.#stopped;
  }

  async #stop(drainMs: number, graceMs: number): Promise<void> {
    if (this.#state === "stopped") return;
    const wasRunning = this.ready;
    this.#state = "stopping";
    this.#stopRequested.resolve("stop");
    clearTimeout(this.#healthTimer);
    this.#opts.onChange();
    this.#launching?.kill("SIGKILL");
    await this.#loop;
    const current = this.#current;
    if (current !== undefined) {
      if (wasRunning) {
        try {
          const d = await current.conn.drainAndStop(drainMs, graceMs, "proxy shutting down");
          this.#log.info("plugin drained", d);
        } catch (err) {
          this.#log.warn("plugin did not drain/stop cleanly", { error: (err as Error).message });
        }
      }
      await current.process.terminate(graceMs);
      current.conn.close();
      this.#current = undefined;
    }
    this.#state = "stopped";
    this.#log.info("plugin stopped");
  }
}
