/**
 * A gRPC client on this folder's HTTP/2 client: unary and server-streaming
 * calls with deadlines, metadata and cancellation, answering with
 * {@linkcode RpcError}s. The proxy speaks to its plugins with it (data,
 * streams and lifecycle: one connection and one failure model per plugin).
 *
 * @module
 */
import type { MethodDefinition } from "../definitions.ts";
import { status, StatusError } from "../status.ts";
import {
  callHeaders,
  grpcFrame,
  H2Channel,
  type H2ConnectOptions,
  requestHeaders,
  type StreamControl,
} from "./h2_client.ts";
import type { HeaderField } from "./hpack.ts";
import { deadlineTimers, type Expiring, expiring } from "./deadline_timers.ts";
import { formatGrpcTimeout } from "./grpc_timeout.ts";

/**
 * A failed call: the status, and whether it came from the transport (the
 * connection failed, the stream was reset, the deadline passed here) rather
 * than from the server's `grpc-status`.
 *
 * @example
 * ```ts
 * import { RpcError } from "./grpc_client.ts";
 * const err = new RpcError(14, "connection refused", true);
 * console.log(err.code, err.transport); // 14 true
 * ```
 */
export class RpcError extends StatusError {
  readonly transport: boolean;
  constructor(code: number, message: string, transport: boolean) {
    super(code, message);
    this.name = "RpcError";
    this.transport = transport;
  }
}

/**
 * A response the client cannot read: no message, a compressed one, one cut
 * short, or one that does not decode (INTERNAL).
 *
 * @example
 * ```ts
 * import { BadResponseError } from "./grpc_client.ts";
 * console.log(new BadResponseError("the response has no message").code); // 13
 * ```
 */
export class BadResponseError extends RpcError {
  constructor(message: string) {
    super(status.INTERNAL, message, false);
    this.name = "BadResponseError";
  }
}

/**
 * Options of one call.
 *
 * @example
 * ```ts
 * import type { CallOptions } from "./grpc_client.ts";
 * const options: CallOptions = { deadline: Date.now() + 1000, metadata: [["x-request-id", "r-1"]] };
 * console.log(options.metadata?.length); // 1
 * ```
 */
export interface CallOptions {
  /** When the call must be over, in ms since the epoch (sent as `grpc-timeout`, enforced here too). */
  deadline?: number;
  /** Extra request headers (lowercase names). */
  metadata?: HeaderField[];
  /** Cancels the call when aborted. */
  signal?: AbortSignal;
  /**
   * A call this one serves (a proxy forwarding it): cancelled with it. Cheaper
   * than a `signal` per call where the parent call has `onCancel`.
   */
  parent?: { onCancel(listener: (reason: Error) => void): () => void };
  /**
   * What a failed unary call rejects with instead of its {@linkcode RpcError}
   * (given the error and these options): a caller that translates errors
   * saves a promise and a closure per call over a `.catch`.
   */
  mapError?: (err: RpcError, options: CallOptions) => unknown;
}

/**
 * The receiver of a server-streaming call.
 *
 * @example
 * ```ts
 * import type { StreamReceiver } from "./grpc_client.ts";
 * const r: StreamReceiver = { onMessage: () => {}, onEnd: (err) => console.log(err?.code ?? 0) };
 * console.log(typeof r.onEnd);
 * ```
 */
export interface StreamReceiver {
  /** The response headers, before the first message. */
  onHeaders?(fields: HeaderField[]): void;
  /** One message's bytes. */
  onMessage(message: Uint8Array): void;
  /** The end: nothing for OK, the error otherwise. */
  onEnd(error?: RpcError): void;
}

/**
 * Ends a started call with `cancel` when its deadline passes (in the shared
 * timers), its parent call is cancelled or its signal aborts; returns what
 * undoes that once the call ended by itself.
 */
function watchCall(
  deadline: number,
  options: CallOptions,
  cancel: (code: number, message: string) => void,
): () => void {
  const { signal, parent } = options;
  if (signal?.aborted) {
    cancel(status.CANCELLED, "cancelled by the caller");
    return () => {};
  }
  let item: Expiring | undefined;
  if (Number.isFinite(deadline)) {
    // The server enforces the deadline it was sent; this bounds one that hangs.
    item = expiring(() => cancel(status.DEADLINE_EXCEEDED, "deadline exceeded"));
    deadlineTimers.add(deadline, item);
  }
  const removeParent = parent?.onCancel((reason) => cancel(status.CANCELLED, reason.message));
  const onAbort = signal && (() => cancel(status.CANCELLED, "cancelled by the caller"));
  if (onAbort) signal!.addEventListener("abort", onAbort, { once: true });
  return () => {
    if (item !== undefined) deadlineTimers.delete(deadline, item);
    removeParent?.();
    if (onAbort) signal!.removeEventListener("abort", onAbort);
  };
}

/**
 * A gRPC client for one target.
 *
 * @example
 * ```ts ignore
 * import { GrpcClient } from "./grpc_client.ts";
 * import { serviceDefinition } from "../definitions.ts";
 * const client = new GrpcClient("127.0.0.1:8980");
 * const get = serviceDefinition("prism.interfaces.keyvalue.KeyValueBasicInterface").Get;
 * console.log(await client.unary(get, { key: "a" }));
 * client.close();
 * ```
 */
export class GrpcClient {
  /** The channel (one HTTP/2 connection, re-established when it breaks). */
  readonly channel: H2Channel;
  readonly #authority: string;
  readonly #userAgent: string;
  readonly #fixed: HeaderField[];
  readonly #scheme: "http" | "https";
  readonly #headers = new Map<string, Uint8Array>();

  /**
   * `target`: `host:port` or `unix:PATH`, or a channel to share;
   * `authority`, `userAgent` and `headers` go in every request.
   */
  constructor(
    target: string | H2Channel,
    options:
      & { authority?: string; userAgent?: string; timeoutMs?: number; headers?: HeaderField[] }
      & H2ConnectOptions = {},
  ) {
    this.channel = typeof target === "string" ? new H2Channel(target, options) : target;
    this.#authority = options.authority ?? "localhost";
    this.#userAgent = options.userAgent ?? "prism";
    this.#fixed = options.headers ?? [];
    this.#scheme = options.tls ? "https" : "http";
  }

  #headersFor(path: string, options: CallOptions): { headers: Uint8Array; deadline: number } {
    let base = this.#headers.get(path);
    if (base === undefined) {
      base = requestHeaders(this.#authority, path, this.#userAgent, this.#scheme);
      if (this.#fixed.length > 0) base = callHeaders(base, this.#fixed);
      this.#headers.set(path, base);
    }
    const extra: HeaderField[] = [];
    let deadline = Infinity;
    if (options.deadline !== undefined && Number.isFinite(options.deadline)) {
      const timeoutMs = Math.max(1, Math.ceil(options.deadline - Date.now()));
      deadline = Date.now() + timeoutMs;
      extra.push(["grpc-timeout", formatGrpcTimeout(timeoutMs)]);
    }
    if (options.metadata) extra.push(...options.metadata);
    return { headers: extra.length ? callHeaders(base, extra) : base, deadline };
  }

  /**
   * A unary call with serialized messages: the request's bytes in, the
   * response's bytes out.
   */
  unaryRaw(path: string, request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    const { headers, deadline } = this.#headersFor(path, options);
    return new Promise((resolve, reject) => {
      let done = false;
      let unwatch: (() => void) | undefined;
      const cancel = this.channel.call(
        headers,
        grpcFrame(request),
        (code, message, _n, data, transport) => {
          done = true;
          unwatch?.();
          let err: RpcError;
          if (code !== status.OK) err = new RpcError(code, message, !!transport);
          else {
            const body = unframe(data);
            if (typeof body !== "string") return resolve(body);
            err = new BadResponseError(body);
          }
          reject(options.mapError ? options.mapError(err, options) : err);
        },
        true,
      );
      if (!done) unwatch = watchCall(deadline, options, cancel);
    });
  }

  /** A unary call with the method's codecs. */
  async unary<Req, Res>(
    method: MethodDefinition<Req, Res>,
    request: Req,
    options: CallOptions = {},
  ): Promise<Res> {
    const bytes = await this.unaryRaw(method.path, method.requestSerialize(request), options);
    try {
      return method.responseDeserialize(bytes);
    } catch (err) {
      throw new BadResponseError(
        `the ${method.path} response does not decode (${(err as Error).message})`,
      );
    }
  }

  /**
   * A server-streaming call with serialized messages. The returned control
   * pauses and resumes delivery (flow control reaches the server) and
   * cancels the call.
   */
  serverStream(
    path: string,
    request: Uint8Array,
    receiver: StreamReceiver,
    options: CallOptions = {},
  ): StreamControl {
    const { headers, deadline } = this.#headersFor(path, options);
    let done = false;
    let unwatch: (() => void) | undefined;
    const control = this.channel.stream(headers, grpcFrame(request), {
      onHeaders: receiver.onHeaders?.bind(receiver),
      onMessage: (m) => receiver.onMessage(m),
      onEnd: (code, message, transport) => {
        done = true;
        unwatch?.();
        receiver.onEnd(code === status.OK ? undefined : new RpcError(code, message, transport));
      },
    });
    if (!done) {
      unwatch = watchCall(deadline, options, (code, message) => control.cancel(code, message));
    }
    return control;
  }

  /** Closes the channel. */
  close(): void {
    this.channel.close();
  }
}

/** The one message of a unary response body, or what is wrong with the body. */
function unframe(data: Uint8Array | undefined): Uint8Array | string {
  if (data === undefined || data.length < 5) return "the response has no message";
  if (data[0] !== 0) return "the response is compressed, which was not asked for";
  const length = ((data[1] << 24) | (data[2] << 16) | (data[3] << 8) | data[4]) >>> 0;
  if (data.length < 5 + length) {
    return `the response message is cut short (${data.length - 5} of ${length} bytes)`;
  }
  if (data.length > 5 + length) return "the response has more than one message";
  return data.subarray(5, 5 + length);
}
