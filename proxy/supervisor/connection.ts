/**
 * The proxy's RPC connection to one plugin process (go-plugin's seam): one
 * HTTP/2 connection, over the project's gRPC client, that carries data
 * calls, streams and the lifecycle calls (CONTRACT §4) — every call with the
 * launch's channel token (CONTRACT §7). It knows nothing of processes or
 * restarts.
 *
 * @module
 */
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import type { HealthCheckResponse__Output } from "../../proto/gen/prism/interfaces/lifecycle/HealthCheckResponse.ts";
import type { InitializeResponse__Output } from "../../proto/gen/prism/interfaces/lifecycle/InitializeResponse.ts";
import type { DrainResponse__Output } from "../../proto/gen/prism/interfaces/lifecycle/DrainResponse.ts";
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { CHANNEL_TOKEN_HEADER } from "../../proto/plugin/protocol.ts";
import { grpcTarget, type Handshake } from "./handshake.ts";

/** The plugin's last reported health.
 *
 * @example
 * ```ts
 * import type { PluginHealth } from "./connection.ts";
 * const h: PluginHealth = { status: "HEALTHY", message: "PING 0.2 ms", details: {} };
 * console.log(h.status); // "HEALTHY"
 * ```
 */
export interface PluginHealth {
  status: "HEALTHY" | "DEGRADED" | "UNHEALTHY" | "UNKNOWN";
  message: string;
  details: Record<string, string>;
}

/**
 * Each stream's receive window on the connection to a plugin: what the
 * proxy buffers for a subscriber or scan whose client is not reading
 * (the plugin then waits, and pauses its backend).
 */
const PLUGIN_STREAM_WINDOW = 1024 * 1024;
const LIFECYCLE = serviceDefinition(SERVICE_NAMES.lifecycle);

/**
 * A connection to a plugin that printed `handshake`.
 *
 * @example
 * ```ts ignore
 * import { PluginConnection } from "./connection.ts";
 * const conn = new PluginConnection(handshake, token, 10_000);
 * const interfaces = await conn.initialize("cache", "0.1.0", { url: "redis://127.0.0.1:6379" });
 * await conn.start();
 * console.log(interfaces, (await conn.health(2500)).status);
 * conn.close();
 * ```
 */
export class PluginConnection {
  /** The gRPC client: data calls go through it as they are. */
  readonly client: GrpcClient;
  readonly #timeoutMs: number;

  /** `timeoutMs`: the deadline of Initialize, Start and calls without their own. */
  constructor(handshake: Handshake, token: string, timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.client = new GrpcClient(grpcTarget(handshake), {
      timeoutMs,
      streamWindow: PLUGIN_STREAM_WINDOW,
      userAgent: "prism-proxy",
      headers: [[CHANNEL_TOKEN_HEADER, token]],
    });
  }

  /** `Initialize` with the namespace's config; resolves with the interfaces the plugin declares. */
  async initialize(
    namespace: string,
    version: string,
    config: Record<string, unknown>,
  ): Promise<string[]> {
    await this.client.channel.ready();
    const init = await this.client.unary(LIFECYCLE.Initialize, {
      name: namespace,
      version,
      config: JSON.stringify(config),
    }, {
      deadline: Date.now() + this.#timeoutMs,
      metadata: [["x-request-id", `init-${crypto.randomUUID()}`]],
    }) as InitializeResponse__Output;
    return init.metadata?.interfaces ?? [];
  }

  /** `Start`. */
  async start(): Promise<void> {
    await this.client.unary(LIFECYCLE.Start, {}, { deadline: Date.now() + this.#timeoutMs });
  }

  /** `HealthCheck` within `timeoutMs`. */
  async health(timeoutMs: number): Promise<PluginHealth> {
    const res = await this.client.unary(LIFECYCLE.HealthCheck, {}, {
      deadline: Date.now() + timeoutMs,
    }) as HealthCheckResponse__Output;
    return {
      status: res.status as PluginHealth["status"],
      message: res.message,
      details: { ...res.details },
    };
  }

  /** `Metrics`: the plugin's metric families (prom-client JSON), or undefined when it sent none. */
  async metrics(timeoutMs: number): Promise<unknown[] | undefined> {
    const res = await this.client.unary(LIFECYCLE.Metrics, {}, {
      deadline: Date.now() + timeoutMs,
    }) as { json: string };
    const families = JSON.parse(res.json);
    return Array.isArray(families) ? families : undefined;
  }

  /** `Drain` (up to `drainMs`) then `Stop` (up to `graceMs`); resolves with what the drain reported. */
  async drainAndStop(
    drainMs: number,
    graceMs: number,
    reason: string,
  ): Promise<{ drained: number; aborted: number }> {
    const drained = await this.client.unary(LIFECYCLE.Drain, {
      timeout_seconds: Math.ceil(drainMs / 1000),
      reason,
    }, { deadline: Date.now() + drainMs + 1000 }) as DrainResponse__Output;
    await this.client.unary(LIFECYCLE.Stop, { timeout_seconds: Math.ceil(graceMs / 1000) }, {
      deadline: Date.now() + graceMs,
    });
    return { drained: drained.drained, aborted: drained.aborted };
  }

  /** Closes the connection; calls on it fail with UNAVAILABLE. */
  close(): void {
    this.client.close();
  }
}
