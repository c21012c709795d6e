/**
 * A backend served by a supervised plugin process (redis, kafka): every call
 * is forwarded to the plugin with the client's deadline (bounded when the
 * client set none) and its request id, as the bytes the client sent — the
 * router has checked them on the wire — and the plugin's answer goes back
 * as it came. While the plugin is down or restarting, calls fail at once
 * with UNAVAILABLE — never a hang.
 *
 * Every call takes the project's gRPC client (`proto/transport/`) over the
 * one HTTP/2 connection to the plugin: unary calls, and streams with flow
 * control end to end — while the client is slow, the proxy stops reading
 * the plugin's stream, so the plugin's writer waits and its backend pauses
 * (a Kafka consumer, a Redis SCAN).
 *
 * @module
 */
import {
  DATA_SERVICES,
  LONG_LIVED_METHODS,
  serviceDefinition,
  type ServiceName,
} from "../../proto/definitions.ts";
import { status, StatusError } from "../../proto/status.ts";
import { BadResponseError, type CallOptions, RpcError } from "../../proto/transport/grpc_client.ts";
import type { ServerCall, ServerWriter } from "../../proto/transport/grpc_server.ts";
import { ObservedCall, requestIdOf } from "../trace/observed_call.ts";
import type { HeaderField } from "../../proto/transport/hpack.ts";
import type { BackendKind } from "../config/config.ts";
import type { PluginName } from "../../plugins/registry.ts";
import type { PluginSupervisor } from "../supervisor/supervisor.ts";
import type { Backend, BackendHealth, StreamHandler, UnaryHandler } from "./backend.ts";

/** Bound on a forwarded call whose client set no deadline. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** Response headers a plugin may send that clients see (e.g. the chosen subscriber id). */
const FORWARDED_HEADERS = /^prism-/;

/**
 * The namespace's backend, forwarding to its plugin process.
 *
 * @example
 * ```ts ignore
 * import { PluginBackend } from "./plugin.ts";
 * const backend = new PluginBackend("redis", "cache", supervisor);
 * ```
 */
export class PluginBackend implements Backend {
  readonly kind: BackendKind;
  readonly namespace: string;
  readonly wire = true;
  readonly services: ReadonlySet<ServiceName>;
  readonly unary: Readonly<Record<string, UnaryHandler>>;
  readonly streams: Readonly<Record<string, StreamHandler>>;
  readonly process: PluginSupervisor;
  readonly #callTimeoutMs: number;

  /** `options.callTimeoutMs`: the bound on a call without a client deadline (default 30 s). */
  /**
   * Routes the data interfaces the plugin declared in Initialize (the
   * supervisor has refused a plugin that declares fewer than its registry
   * entry).
   */
  constructor(
    kind: PluginName,
    namespace: string,
    process: PluginSupervisor,
    options: { callTimeoutMs?: number } = {},
  ) {
    this.kind = kind;
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.namespace = namespace;
    this.process = process;
    this.services = new Set(
      DATA_SERVICES.filter((s) => process.interfaces.includes(s)),
    );
    const unary: Record<string, UnaryHandler> = {};
    const streams: Record<string, StreamHandler> = {};
    for (const service of this.services) {
      for (const def of Object.values(serviceDefinition(service))) {
        if (def.responseStream) streams[def.path] = this.#forwardStream(def.path);
        else unary[def.path] = this.#forwardUnary(def.path);
      }
    }
    this.unary = unary;
    this.streams = streams;
  }

  /**
   * The client's status for a failed forwarded call: a transport failure
   * (the plugin crashed, is restarting, reset the stream) is UNAVAILABLE;
   * our own bound is UNAVAILABLE naming the plugin; a response the proxy
   * cannot read is INTERNAL naming the plugin.
   */
  #map(err: unknown, ownTimeout: boolean): StatusError {
    if (!(err instanceof RpcError)) return err as StatusError;
    if (err instanceof BadResponseError) {
      return new StatusError(
        status.INTERNAL,
        `plugin ${this.kind} sent a bad response: ${err.message}`,
      );
    }
    if (err.code === status.DEADLINE_EXCEEDED && ownTimeout) {
      return new StatusError(
        status.UNAVAILABLE,
        `plugin ${this.kind} of namespace "${this.namespace}" did not answer within ${
          this.#callTimeoutMs / 1000
        } s`,
      );
    }
    if (
      err.code === status.UNAVAILABLE || (err.transport && err.code !== status.DEADLINE_EXCEEDED)
    ) {
      // The connection to the plugin broke (it crashed or is restarting).
      const reason = this.process.ready ? err.message : this.process.unavailableReason();
      return new StatusError(status.UNAVAILABLE, reason);
    }
    return new StatusError(err.code, err.message);
  }

  /** A forwarded call's deadline: the client's, bounded by ours unless the call is long-lived. */
  #deadline(call: ServerCall, longLived: boolean): number {
    return longLived ? call.deadline : Math.min(call.deadline, Date.now() + this.#callTimeoutMs);
  }

  /** A forwarded call's metadata: its request id and trace (the plugin's log lines and span carry them). */
  #metadata(call: ServerCall): HeaderField[] {
    const observed = call.tag instanceof ObservedCall ? call.tag : undefined;
    const metadata: HeaderField[] = [[
      "x-request-id",
      observed?.requestId ?? requestIdOf(call.metadata.get("x-request-id")),
    ]];
    const traceparent = observed ? observed.traceparent : call.metadata.get("traceparent");
    if (traceparent !== undefined) metadata.push(["traceparent", traceparent]);
    return metadata;
  }

  /** A forwarded unary call's error, for the client (the call is the options' parent). */
  readonly #mapUnaryError = (err: RpcError, options: CallOptions): StatusError =>
    this.#map(err, options.deadline !== (options.parent as ServerCall).deadline);

  #client() {
    const client = this.process.client;
    if (!client) throw new StatusError(status.UNAVAILABLE, this.process.unavailableReason());
    return client;
  }

  #forwardUnary(path: string): UnaryHandler {
    // Rejects with StatusError only (the router passes it on as it is).
    return (request, call) =>
      this.#client().unaryRaw(path, request as Uint8Array, {
        deadline: this.#deadline(call, false),
        metadata: this.#metadata(call),
        parent: call,
        mapError: this.#mapUnaryError,
      });
  }

  #forwardStream(path: string): StreamHandler {
    // No default bound for a subscription: the client's own deadline,
    // cancellation, Unsubscribe or a drain end it.
    const longLived = LONG_LIVED_METHODS.has(path);
    return (request, out: ServerWriter<unknown>) => {
      const client = this.#client();
      const deadline = this.#deadline(out, longLived);
      const ownTimeout = deadline !== out.deadline;
      const metadata = this.#metadata(out);
      return new Promise<void>((resolve, reject) => {
        let waiting = false;
        const upstream = client.serverStream(path, request as Uint8Array, {
          // The plugin's response headers say the call is set up (a subscriber
          // is positioned): pass them on at once, not with the first message.
          onHeaders: (fields) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of fields) if (FORWARDED_HEADERS.test(k)) headers[k] = v;
            out.sendHeaders(headers);
          },
          onMessage: (message) => {
            // Backpressure: stop reading from the plugin while the client is slow.
            if (!out.write(message) && !waiting) {
              waiting = true;
              upstream.pause();
              out.drain().then(() => {
                waiting = false;
                upstream.resume();
              });
            }
          },
          onEnd: (err) => {
            removeCancel();
            if (err === undefined) resolve();
            else reject(this.#map(err, ownTimeout));
          },
        }, { deadline, metadata });
        const removeCancel = out.onCancel((reason) =>
          upstream.cancel(status.CANCELLED, reason.message)
        );
      });
    };
  }

  /** Serving while the plugin runs and does not report UNHEALTHY. */
  health(): BackendHealth {
    const h = this.process.health;
    if (!this.process.ready) return { serving: false, message: this.process.unavailableReason() };
    return { serving: h.status !== "UNHEALTHY", message: `${h.status}: ${h.message}` };
  }

  /** Drains and stops the plugin process. */
  close(): Promise<void> {
    return this.process.stop();
  }
}
