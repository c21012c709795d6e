/**
 * A backend served by a supervised plugin process (redis, kafka): every call
 * is forwarded over gRPC to the plugin with the client's deadline (bounded
 * when the client set none) and its request id. While the plugin is down or
 * restarting, calls fail at once with UNAVAILABLE — never a hang.
 *
 * Unary calls — the hot path — take the lean HTTP/2 client of
 * `proto/h2/h2.ts`: a grpc-js client on Deno costs ≈300 µs of CPU per call
 * (more than the proxy spends serving the call), the lean one a fraction of
 * that (`deno task bench`, proxy → redis and → kafka). Server streams keep
 * grpc-js clients, whose per-call cost is spread over their messages.
 *
 * @module
 */
import {
  type Client,
  type Deadline,
  Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import type { PrismClients } from "../../proto/client.ts";
import {
  LONG_LIVED_METHODS,
  SERVICE_NAMES,
  serviceDefinition,
  type ServiceName,
} from "../../proto/definitions.ts";
import { callHeaders, grpcFrame, requestHeaders } from "../../proto/h2/h2.ts";
import { StatusError } from "../../proto/status.ts";
import type { BackendKind } from "../config/config.ts";
import type { PluginProcess } from "../supervisor/plugin_process.ts";
import type { Backend, BackendHealth, StreamHandler, UnaryHandler } from "./backend.ts";

/** The interfaces each plugin kind serves (CONTRACT §4).
 *
 * @example
 * ```ts
 * import { PLUGIN_INTERFACES } from "./plugin.ts";
 * console.log(PLUGIN_INTERFACES.kafka.length); // 2
 * ```
 */
export const PLUGIN_INTERFACES: Readonly<Record<"redis" | "kafka", readonly ServiceName[]>> = {
  redis: [
    SERVICE_NAMES.keyvalueBasic,
    SERVICE_NAMES.keyvalueScan,
    SERVICE_NAMES.keyvalueTtl,
    SERVICE_NAMES.list,
  ],
  kafka: [SERVICE_NAMES.pubsub, SERVICE_NAMES.stream],
};

/** Which client of {@linkcode PrismClients} speaks each service. */
const CLIENT_OF: Partial<Record<ServiceName, keyof PrismClients>> = {
  [SERVICE_NAMES.keyvalueBasic]: "keyvalue",
  [SERVICE_NAMES.keyvalueScan]: "scan",
  [SERVICE_NAMES.keyvalueTtl]: "ttl",
  [SERVICE_NAMES.list]: "list",
  [SERVICE_NAMES.pubsub]: "pubsub",
  [SERVICE_NAMES.stream]: "stream",
};

/** Bound on a forwarded call whose client set no deadline. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * INTERNAL errors that grpc-js makes up itself when the connection to the
 * plugin breaks mid-call (a killed plugin resets its streams): the plugin
 * never answered, so the client gets UNAVAILABLE like any lost connection.
 */
const TRANSPORT_FAILURE =
  /^Received RST_STREAM|socket has been ended|Connection dropped|Protocol error/;

/** Response headers a plugin may send that clients see (e.g. the chosen subscriber id). */
const FORWARDED_HEADERS = /^prism-/;

function deadlineMs(d: Deadline): number {
  return d instanceof Date ? d.getTime() : d;
}

function requestId(metadata: Metadata): string {
  const given = metadata.get("x-request-id")[0];
  return typeof given === "string" && given !== "" ? given : crypto.randomUUID();
}

/** What a forwarded unary call needs of its method. */
interface UnaryMethod {
  path: string;
  requestSerialize(value: unknown): Uint8Array;
  responseDeserialize(bytes: Uint8Array): unknown;
}
type StreamMethod = (req: unknown, md: Metadata, opts: { deadline: number }) =>
  & NodeJS.EventEmitter
  & { cancel(): void; pause(): void; resume(): void };

/**
 * Decodes the one response message of a forwarded unary call from the
 * response body (gRPC length-prefixed, uncompressed); throws an INTERNAL
 * `StatusError` naming the plugin when the body is not that.
 *
 * @example
 * ```ts
 * import { decodeResponse } from "./plugin.ts";
 * const method = { path: "/x.Y/Z", responseDeserialize: (b: Uint8Array) => ({ size: b.length }) };
 * console.log(decodeResponse(method, new Uint8Array([0, 0, 0, 0, 2, 8, 1]), "redis")); // { size: 2 }
 * ```
 */
export function decodeResponse(
  method: Pick<UnaryMethod, "path" | "responseDeserialize">,
  data: Uint8Array | undefined,
  plugin: string,
): unknown {
  const bad = (why: string) =>
    new StatusError(status.INTERNAL, `plugin ${plugin} sent a bad response: ${why}`);
  if (data === undefined || data.length < 5) throw bad("no response message");
  if (data[0] !== 0) throw bad("a compressed message, which was not asked for");
  const length = new DataView(data.buffer, data.byteOffset).getUint32(1);
  if (data.length < 5 + length) {
    throw bad(`a message cut short (${data.length - 5} of ${length} bytes)`);
  }
  try {
    return method.responseDeserialize(data.subarray(5, 5 + length));
  } catch (err) {
    throw bad(`the ${method.path} response does not decode (${(err as Error).message})`);
  }
}

/**
 * The namespace's backend, forwarding to its plugin process.
 *
 * @example
 * ```ts ignore
 * import { PluginBackend } from "./plugin.ts";
 * const backend = new PluginBackend("redis", "cache", pluginProcess);
 * ```
 */
export class PluginBackend implements Backend {
  readonly kind: BackendKind;
  readonly namespace: string;
  readonly services: ReadonlySet<ServiceName>;
  readonly unary: Readonly<Record<string, UnaryHandler>>;
  readonly streams: Readonly<Record<string, StreamHandler>>;
  readonly process: PluginProcess;
  readonly #callTimeoutMs: number;

  /** `options.callTimeoutMs`: the bound on a call without a client deadline (default 30 s). */
  constructor(
    kind: "redis" | "kafka",
    namespace: string,
    process: PluginProcess,
    options: { callTimeoutMs?: number } = {},
  ) {
    this.kind = kind;
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.namespace = namespace;
    this.process = process;
    this.services = new Set(PLUGIN_INTERFACES[kind]);
    const unary: Record<string, UnaryHandler> = {};
    const streams: Record<string, StreamHandler> = {};
    for (const service of this.services) {
      const key = CLIENT_OF[service]!;
      for (const [method, def] of Object.entries(serviceDefinition(service))) {
        if (def.responseStream) streams[def.path] = this.#forwardStream(key, method, def.path);
        else unary[def.path] = this.#forwardUnary(def as UnaryMethod);
      }
    }
    this.unary = unary;
    this.streams = streams;
  }

  #client(key: keyof PrismClients): Client {
    const clients = this.process.clients;
    if (!clients) throw new StatusError(status.UNAVAILABLE, this.process.unavailableReason());
    return clients[key] as Client;
  }

  /**
   * The client's status for a failed forwarded call: `transport` when the
   * status was not the plugin's own answer (the connection broke, the
   * stream was reset).
   */
  #map(code: number, details: string, ownTimeout: boolean, transport = false): StatusError {
    if (code === status.DEADLINE_EXCEEDED && ownTimeout) {
      return new StatusError(
        status.UNAVAILABLE,
        `plugin ${this.kind} of namespace "${this.namespace}" did not answer within ${
          this.#callTimeoutMs / 1000
        } s`,
      );
    }
    if (
      code === status.UNAVAILABLE || code === status.CANCELLED ||
      (code === status.INTERNAL && (transport || TRANSPORT_FAILURE.test(details)))
    ) {
      // The connection to the plugin broke (it crashed or is restarting).
      const reason = this.process.ready ? details : this.process.unavailableReason();
      return new StatusError(status.UNAVAILABLE, reason);
    }
    return new StatusError(code, details);
  }

  /** A forwarded call's deadline (the client's, bounded unless long-lived) and request id. */
  #forward(
    call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
    longLived = false,
  ) {
    const clientDeadline = deadlineMs(call.getDeadline());
    const deadline = longLived
      ? clientDeadline
      : Math.min(clientDeadline, Date.now() + this.#callTimeoutMs);
    return { deadline, ownTimeout: deadline !== clientDeadline, id: requestId(call.metadata) };
  }

  #forwardUnary(method: UnaryMethod): UnaryHandler {
    // The plugin serves one host: a fixed :authority keeps the encoded block reusable.
    const base = requestHeaders("localhost", method.path, "prism-proxy");
    return (request, call) => {
      const channel = this.process.channel;
      if (!channel) throw new StatusError(status.UNAVAILABLE, this.process.unavailableReason());
      const { deadline, ownTimeout, id } = this.#forward(call);
      const timeoutMs = Math.max(1, Math.ceil(deadline - Date.now()));
      const headers = callHeaders(base, [["grpc-timeout", `${timeoutMs}m`], ["x-request-id", id]]);
      const body = grpcFrame(method.requestSerialize(request));
      return new Promise((resolve, reject) => {
        // The plugin enforces the deadline it was sent; this bounds a plugin that hangs.
        const timer = setTimeout(
          () => cancel(status.DEADLINE_EXCEEDED, "deadline exceeded"),
          timeoutMs,
        );
        const cancelled = () => cancel(status.CANCELLED, "cancelled by the client");
        call.once("cancelled", cancelled);
        const cancel = channel.call(headers, body, (code, details, _bytes, data, transport) => {
          clearTimeout(timer);
          call.off("cancelled", cancelled);
          if (code !== status.OK) return reject(this.#map(code, details, ownTimeout, transport));
          try {
            resolve(decodeResponse(method, data, this.kind));
          } catch (err) {
            reject(err);
          }
        }, true);
      });
    };
  }

  #forwardStream(key: keyof PrismClients, method: string, path: string): StreamHandler {
    // No default bound for a subscription: the client's own deadline,
    // cancellation, Unsubscribe or a drain end it.
    const longLived = LONG_LIVED_METHODS.has(path);
    return (request, call) => {
      const client = this.#client(key);
      const { deadline, ownTimeout, id } = this.#forward(call, longLived);
      const md = new Metadata();
      md.set("x-request-id", id);
      return new Promise<void>((resolve, reject) => {
        const upstream = (client as unknown as Record<string, StreamMethod>)[method].call(
          client,
          request,
          md,
          { deadline },
        );
        const cancel = () => upstream.cancel();
        call.on("cancelled", cancel);
        // The plugin's response headers say the call is set up (a subscriber
        // is positioned): pass them on at once, not with the first message.
        upstream.once("metadata", (headers: Metadata) => {
          const out = new Metadata();
          for (const [k, v] of Object.entries(headers.getMap())) {
            if (FORWARDED_HEADERS.test(k)) out.set(k, v as string);
          }
          if (!call.cancelled) call.sendMetadata(out);
        });
        upstream.on("data", (message: unknown) => {
          // Backpressure: stop reading from the plugin while the client is slow.
          if (!call.write(message)) {
            upstream.pause();
            call.once("drain", () => upstream.resume());
          }
        });
        upstream.on("end", () => {
          call.off("cancelled", cancel);
          resolve();
        });
        upstream.on("error", (err: ServiceError) => {
          call.off("cancelled", cancel);
          reject(this.#map(err.code, err.details, ownTimeout));
        });
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
