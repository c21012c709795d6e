/**
 * The plugin lifecycle (CONTRACT §4, `prism.interfaces.lifecycle.LifecycleInterface`):
 * a state machine the proxy drives, and the in-flight tracking that drains use.
 *
 * ```text
 * created ──Initialize──▶ initialized ──Start──▶ started ──Drain──▶ draining ──Stop──▶ stopped
 *    └──────────────── Drain / Stop from any state ──────────────────────────────────────┘
 * ```
 *
 * - `Initialize{name, version, config}` loads the config (`INVALID_ARGUMENT`
 *   naming the field when it is wrong) and creates the backend, which must
 *   not fail because the backend is unreachable. Repeating it with the same
 *   request answers the same; a different one is `FAILED_PRECONDITION`.
 * - Data calls are admitted only once started: before, `UNAVAILABLE
 *   "plugin not started"`; while draining or stopped, `UNAVAILABLE`.
 * - `Drain{timeout_seconds, reason}` stops admitting data calls and waits
 *   for in-flight ones up to the timeout; those still running are cut off
 *   with `UNAVAILABLE`. It answers `{drained, aborted}`.
 * - `Stop{timeout_seconds}` drains what is left, releases the backend and
 *   answers; the server then shuts down and the process exits.
 * - `timeout_seconds` ≤ 0 means the default, 5 s.
 * - `HealthCheck` composes the backend's checks (worst wins) and adds the
 *   lifecycle state to the details.
 *
 * @module
 */
import { status, StatusError } from "../../proto/status.ts";
import { type DrainResult, InFlight, type InFlightCall } from "../../proto/transport/inflight.ts";
import type { Logger } from "../../proto/log/logger.ts";
import { serviceDefinition } from "../../proto/definitions.ts";
import type { InitializeRequest__Output } from "../../proto/gen/prism/interfaces/lifecycle/InitializeRequest.ts";
import type { InitializeResponse } from "../../proto/gen/prism/interfaces/lifecycle/InitializeResponse.ts";
import type { DrainRequest__Output } from "../../proto/gen/prism/interfaces/lifecycle/DrainRequest.ts";
import type { DrainResponse } from "../../proto/gen/prism/interfaces/lifecycle/DrainResponse.ts";
import type { StopRequest__Output } from "../../proto/gen/prism/interfaces/lifecycle/StopRequest.ts";
import type { HealthCheckResponse } from "../../proto/gen/prism/interfaces/lifecycle/HealthCheckResponse.ts";
import { type ConfigSchema, loadConfig, PluginConfigError, redactConfig } from "./config.ts";
import { runHealthChecks } from "./health.ts";
import { metricsJson, type MetricsRegistry, pluginRegistry } from "./metrics.ts";
import type { PluginDefinition, PluginInstance, UnaryHandler } from "./plugin.ts";

/** Where a plugin is in its life.
 *
 * @example
 * ```ts
 * import type { LifecycleState } from "./lifecycle.ts";
 * const s: LifecycleState = "started";
 * console.log(s);
 * ```
 */
export type LifecycleState = "created" | "initialized" | "started" | "draining" | "stopped";

/**
 * How long `Start` waits for a backend's first connection before it starts
 * without one.
 *
 * @example
 * ```ts
 * import { STARTUP_WAIT_MS } from "./lifecycle.ts";
 * console.log(STARTUP_WAIT_MS); // 2000
 * ```
 */
export const STARTUP_WAIT_MS = 2000;

/** Default bound of a drain or stop whose `timeout_seconds` is 0, in milliseconds.
 *
 * @example
 * ```ts
 * import { DEFAULT_TIMEOUT_MS } from "./lifecycle.ts";
 * console.log(DEFAULT_TIMEOUT_MS); // 5000
 * ```
 */
export const DEFAULT_TIMEOUT_MS = 5000;

const LIFECYCLE = "/prism.interfaces.lifecycle.LifecycleInterface/";

export type { DrainResult, InFlightCall } from "../../proto/transport/inflight.ts";

/** Options of {@linkcode Lifecycle}.
 *
 * @example
 * ```ts
 * import type { LifecycleOptions } from "./lifecycle.ts";
 * const opts: LifecycleOptions = { env: () => undefined };
 * console.log(typeof opts.env);
 * ```
 */
export interface LifecycleOptions {
  /** Reads environment variables for config overrides (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /** The plugin's metrics (default: a registry without process metrics). */
  metrics?: MetricsRegistry;
}

function timeoutMs(seconds: number | undefined): number {
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : DEFAULT_TIMEOUT_MS;
}

/** Resolves after `ms`, or at once when `ms` ≤ 0; the timer never outlives `until`. */
function sleepUntil(ms: number, until: Promise<unknown>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    until.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * One plugin's lifecycle: its state, its backend instance, its in-flight
 * data calls, and the `LifecycleInterface` handlers.
 *
 * @example
 * ```ts
 * import { Logger } from "../../proto/log/logger.ts";
 * import { Lifecycle } from "./lifecycle.ts";
 * const lc = new Lifecycle({
 *   name: "demo", version: "1.0.0", interfaces: [], configSchema: {},
 *   create: () => ({ unary: {}, close() {} }),
 * }, new Logger({}, "error"));
 * const res = await lc.initialize({ name: "ns", version: "0.1.0", config: "{}" });
 * console.log(res.metadata?.name, lc.state); // "demo" "initialized"
 * ```
 */
export class Lifecycle<S extends ConfigSchema = ConfigSchema> {
  readonly plugin: PluginDefinition<S>;
  #log: Logger;
  readonly #env: ((name: string) => string | undefined) | undefined;
  #state: LifecycleState = "created";
  #instance: PluginInstance | undefined;
  #namespace = "";
  #initKey: string | undefined;
  #initializing: Promise<InitializeResponse> | undefined;
  #drainReason = "";
  readonly #calls = new InFlight();
  #closing: Promise<void> | undefined;
  #stopped!: () => void;
  /** Resolves once `Stop` (or a shutdown) has released the backend. */
  readonly stopped: Promise<void> = new Promise((resolve) => (this.#stopped = resolve));

  constructor(plugin: PluginDefinition<S>, log: Logger, options: LifecycleOptions = {}) {
    this.plugin = plugin;
    this.#log = log;
    this.#env = options.env;
    this.metrics = options.metrics ?? pluginRegistry({ process: false }).registry;
  }

  /** The plugin's metrics: what `Metrics` returns; the backend adds its own in `create()`. */
  readonly metrics: MetricsRegistry;

  /** The current state. */
  get state(): LifecycleState {
    return this.#state;
  }
  /** The namespace from `Initialize` (empty before). */
  get namespace(): string {
    return this.#namespace;
  }
  /** The backend instance, once initialized. */
  get instance(): PluginInstance | undefined {
    return this.#instance;
  }
  /** The plugin's logger (with the namespace once initialized). */
  get log(): Logger {
    return this.#log;
  }
  /** Data calls in flight. */
  get inFlight(): number {
    return this.#calls.size;
  }

  /**
   * Admits a data call, or throws `UNAVAILABLE` when the plugin is not
   * serving; the caller must {@linkcode release} the returned token.
   * `longLived` calls (subscriptions) are cut off as soon as a drain starts.
   */
  admit(abort: (err: StatusError) => void, longLived = false): InFlightCall {
    if (this.#state !== "started") {
      throw new StatusError(
        status.UNAVAILABLE,
        this.#state === "draining"
          ? `plugin ${this.plugin.name} is draining${
            this.#drainReason ? ` (${this.#drainReason})` : ""
          }`
          : this.#state === "stopped"
          ? `plugin ${this.plugin.name} is stopped`
          : "plugin not started",
      );
    }
    return this.#calls.admit(abort, longLived);
  }

  /** Marks an admitted call as finished: its work (a consumer, a scan) has stopped. */
  release(entry: InFlightCall): void {
    this.#calls.release(entry);
  }

  /** `Initialize`: loads the config and creates the backend. */
  initialize(req: Pick<InitializeRequest__Output, "name" | "version" | "config">): Promise<
    InitializeResponse
  > {
    const key = JSON.stringify([req.name, req.version, req.config]);
    if (this.#initializing !== undefined) {
      if (key === this.#initKey) return this.#initializing;
      return Promise.reject(
        new StatusError(
          status.FAILED_PRECONDITION,
          `plugin ${this.plugin.name} is already initialized for namespace "${this.#namespace}" with another config (restart the plugin to change it)`,
        ),
      );
    }
    if (this.#state !== "created") {
      return Promise.reject(
        new StatusError(status.FAILED_PRECONDITION, `plugin ${this.plugin.name} is ${this.#state}`),
      );
    }
    this.#initKey = key;
    this.#initializing = this.#doInitialize(req);
    this.#initializing.catch(() => {
      // A failed Initialize may be retried (with a corrected config).
      this.#initializing = undefined;
      this.#initKey = undefined;
    });
    return this.#initializing;
  }

  async #doInitialize(
    req: Pick<InitializeRequest__Output, "name" | "version" | "config">,
  ): Promise<InitializeResponse> {
    if (req.name === "") {
      throw new StatusError(
        status.INVALID_ARGUMENT,
        `Cannot initialize ${this.plugin.name} as 'name' (the namespace) must not be empty`,
      );
    }
    let config;
    try {
      config = loadConfig(this.plugin.name, this.plugin.configSchema, req.config, {
        namespace: req.name,
        env: this.#env,
      });
    } catch (err) {
      if (err instanceof PluginConfigError) {
        throw new StatusError(status.INVALID_ARGUMENT, err.message, { cause: err });
      }
      throw err;
    }
    const log = this.#log.child({ namespace: req.name });
    let instance: PluginInstance;
    try {
      instance = await this.plugin.create(config, {
        namespace: req.name,
        proxyVersion: req.version,
        log,
        metrics: this.metrics,
      });
    } catch (err) {
      // Settings that contradict each other, a secret or file that cannot be read.
      if (err instanceof PluginConfigError) {
        throw new StatusError(status.INVALID_ARGUMENT, err.message, { cause: err });
      }
      throw err;
    }
    const missing: string[] = [];
    for (const service of this.plugin.interfaces) {
      for (const method of Object.values(serviceDefinition(service))) {
        const table = method.responseStream ? instance.streams ?? {} : instance.unary;
        if (typeof table[method.path] !== "function") missing.push(method.path);
      }
    }
    if (missing.length > 0) {
      await instance.close();
      throw new Error(
        `plugin ${this.plugin.name} declares interfaces it does not implement: ${
          missing.join(", ")
        }`,
      );
    }
    this.#instance = instance;
    this.#namespace = req.name;
    this.#log = log;
    this.#state = "initialized";
    log.info("plugin initialized", { proxy_version: req.version, config: redactConfig(config) });
    return {
      metadata: {
        name: this.plugin.name,
        version: this.plugin.version,
        interfaces: [...this.plugin.interfaces],
      },
    };
  }

  /**
   * `Start`: data calls are served from now on, once the backend's first
   * connection is up or after `waitMs` (default {@linkcode STARTUP_WAIT_MS})
   * without it.
   */
  async start(waitMs = STARTUP_WAIT_MS): Promise<Record<string, never>> {
    if (this.#state === "initialized" && this.#instance?.connected) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = await Promise.race([
        this.#instance.connected().then(() => true, () => true),
        new Promise<false>((r) => (timer = setTimeout(r, waitMs, false))),
      ]);
      clearTimeout(timer);
      if (!waited) {
        this.#log.warn("starting without a backend connection", { waited_ms: waitMs });
      }
    }
    return this.#startNow();
  }

  #startNow(): Record<string, never> {
    if (this.#state === "started") return {};
    if (this.#state !== "initialized") {
      throw new StatusError(
        status.FAILED_PRECONDITION,
        this.#state === "created"
          ? `plugin ${this.plugin.name} cannot start before Initialize`
          : `plugin ${this.plugin.name} cannot start: it is ${this.#state}`,
      );
    }
    this.#state = "started";
    this.#log.info("plugin started");
    return {};
  }

  /**
   * `Drain`: stops admitting data calls and waits up to `timeoutMs` for the
   * ones in flight; cuts off the rest with `UNAVAILABLE`.
   */
  async drain(timeoutMs: number, reason: string): Promise<DrainResult> {
    if (this.#state !== "stopped") this.#state = "draining";
    if (reason) this.#drainReason = reason;
    const inFlight = this.#calls.size;
    if (inFlight > 0) {
      this.#log.info("plugin draining", { reason, in_flight: inFlight, timeout_ms: timeoutMs });
    }
    let timedOut = 0;
    const result = await this.#calls.drain(timeoutMs, {
      longLived: () =>
        new StatusError(
          status.UNAVAILABLE,
          `plugin ${this.plugin.name} is stopping; subscribe again`,
        ),
      timedOut: () => {
        timedOut++;
        return new StatusError(
          status.UNAVAILABLE,
          `plugin ${this.plugin.name} stopped serving before the call finished (drain timed out after ${timeoutMs} ms)`,
        );
      },
    });
    if (timedOut > 0) this.#log.warn("drain timed out", { aborted: timedOut, reason });
    return result;
  }

  /**
   * `Stop` (and process shutdown): drains what is still in flight (up to
   * `drainMs`), then releases the backend (waiting up to `closeMs`).
   * Idempotent.
   */
  stop(drainMs: number, closeMs: number = drainMs): Promise<void> {
    this.#closing ??= (async () => {
      await this.drain(drainMs, this.#drainReason || "stopping");
      this.#state = "stopped";
      const instance = this.#instance;
      if (instance !== undefined) {
        const closed = (async () => await instance.close())();
        const outcome = await Promise.race([
          closed.then(() => "closed", (err) => err),
          sleepUntil(closeMs, closed.catch(() => {})).then(() => "timeout"),
        ]);
        if (outcome === "timeout") {
          this.#log.warn("backend did not close in time", { timeout_ms: closeMs });
        } else if (outcome !== "closed") {
          this.#log.warn("backend failed to close", { error: outcome });
        }
      }
      this.#log.info("plugin stopped");
      this.#stopped();
    })();
    return this.#closing;
  }

  /** `HealthCheck`: the backend's checks composed, with the lifecycle state. */
  async health(): Promise<HealthCheckResponse> {
    if (this.#instance === undefined || this.#state === "stopped") {
      return {
        status: "UNHEALTHY",
        message: this.#state === "stopped" ? "plugin stopped" : "plugin not initialized",
        details: { state: this.#state },
      };
    }
    const report = await runHealthChecks(this.#instance.healthChecks ?? []);
    return {
      status: report.status,
      message: report.message,
      details: { ...report.details, state: this.#state },
    };
  }

  /** The `LifecycleInterface` handlers, by method path. */
  handlers(): Record<string, UnaryHandler> {
    return {
      [`${LIFECYCLE}Initialize`]: (req: InitializeRequest__Output) => this.initialize(req),
      [`${LIFECYCLE}Start`]: () => this.start(),
      [`${LIFECYCLE}Drain`]: async (req: DrainRequest__Output): Promise<DrainResponse> =>
        await this.drain(timeoutMs(req.timeout_seconds), req.reason),
      [`${LIFECYCLE}Stop`]: async (req: StopRequest__Output) => {
        await this.stop(timeoutMs(req.timeout_seconds));
        return {};
      },
      [`${LIFECYCLE}HealthCheck`]: () => this.health(),
      [`${LIFECYCLE}Metrics`]: async () => ({ json: await metricsJson(this.metrics) }),
    };
  }
}
