/**
 * A gRPC server (the gRPC-over-HTTP/2 protocol) on this folder's HTTP/2
 * server: the proxy's client port and every plugin's endpoint.
 *
 * Methods are registered by path with a codec (bytes ↔ message; the
 * {@linkcode RAW} codec hands over the bytes themselves) and a handler:
 * unary, server-streaming or bidirectional. It implements:
 *
 * - `content-type` checks (`application/grpc`, `+proto` and parameters;
 *   other requests get HTTP 415, non-POST 405, with a short text body);
 * - `grpc-timeout` → the call's deadline, enforced: the client gets
 *   `DEADLINE_EXCEEDED` and the handler sees the call cancelled;
 * - `grpc-encoding`: messages must be uncompressed; a compressed one is
 *   refused with `UNIMPLEMENTED` and `grpc-accept-encoding: identity`;
 * - message size limits (`RESOURCE_EXHAUSTED` before the body is read),
 *   and a per-connection bound on request bytes held in unfinished
 *   messages;
 * - Trailers-Only responses, percent-encoded `grpc-message`, `-bin`
 *   metadata (base64), response headers for streams
 *   ({@linkcode ServerWriter.sendHeaders});
 * - backpressure: {@linkcode ServerWriter.write} says when the client is
 *   not keeping up and {@linkcode ServerWriter.drain} waits for it;
 * - TCP, TLS (`Deno.listenTls`, ALPN `h2`) and Unix sockets, a connection
 *   limit, and a graceful drain (GOAWAY) of every connection.
 *
 * @module
 */
import { status, StatusError } from "../status.ts";
import {
  H2_SERVER_DEFAULTS,
  H2ServerConnection,
  type H2ServerOptions,
  type H2ServerStream,
  type H2StreamHandler,
  rejectStream,
  type StreamAbort,
} from "./h2_server.ts";
import { encodeHeaders, type HeaderField } from "./hpack.ts";
import { type DeadlineBucket, deadlineTimers, type Expiring } from "./deadline_timers.ts";
import { parseGrpcTimeout } from "./grpc_timeout.ts";

/**
 * Turns request bytes into the handler's message and its answers into
 * bytes.
 *
 * @example
 * ```ts
 * import type { MethodCodec } from "./grpc_server.ts";
 * const text: MethodCodec<string, string> = {
 *   decode: (b) => new TextDecoder().decode(b),
 *   encode: (s) => new TextEncoder().encode(s),
 * };
 * console.log(text.decode(text.encode("hi"))); // "hi"
 * ```
 */
export interface MethodCodec<Req, Res> {
  decode(bytes: Uint8Array): Req;
  encode(message: Res): Uint8Array;
}

/**
 * The codec that passes bytes through (the handler sees and returns
 * serialized messages).
 *
 * @example
 * ```ts
 * import { RAW } from "./grpc_server.ts";
 * console.log(RAW.decode(new Uint8Array([1, 2])).length); // 2
 * ```
 */
export const RAW: MethodCodec<Uint8Array, Uint8Array> = {
  decode: (bytes) => bytes,
  encode: (bytes) => bytes,
};

/** Standard or unpadded base64 (gRPC's `-bin` values); undefined when malformed. */
function decodeBase64(text: string): Uint8Array | undefined {
  const bare = text.replace(/=+$/, "");
  try {
    const binary = atob(bare.padEnd(Math.ceil(bare.length / 4) * 4, "="));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/**
 * A call's request metadata: its header fields without the pseudo-headers
 * and the transport's own (`content-type`, `te`, `grpc-timeout`,
 * `grpc-encoding`, `grpc-accept-encoding`, `user-agent` stays).
 *
 * @example
 * ```ts
 * import { CallMetadata } from "./grpc_server.ts";
 * const md = new CallMetadata([["x-request-id", "r-1"], ["trace-bin", "AQI="]]);
 * console.log(md.get("x-request-id"), md.getBinary("trace-bin")); // "r-1" Uint8Array(2) [1, 2]
 * ```
 */
export class CallMetadata {
  readonly #fields: readonly HeaderField[];

  constructor(fields: readonly HeaderField[]) {
    this.#fields = fields;
  }

  /** The first value of `name` (lowercase), or undefined. */
  get(name: string): string | undefined {
    for (const [n, v] of this.#fields) if (n === name) return v;
    return undefined;
  }

  /** Every value of `name`. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (const [n, v] of this.#fields) if (n === name) out.push(v);
    return out;
  }

  /** The decoded value of a binary (`-bin`) field, or undefined. */
  getBinary(name: string): Uint8Array | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    return decodeBase64(v);
  }

  /** All fields, in order. */
  entries(): readonly HeaderField[] {
    return this.#fields;
  }

  /** The fields as an object (the last value of a repeated name wins). */
  toObject(): Record<string, string> {
    return Object.fromEntries(this.#fields);
  }
}

/**
 * What a handler knows about its call and can do besides answering.
 *
 * @example
 * ```ts
 * import type { ServerCall } from "./grpc_server.ts";
 * const describe = (call: ServerCall) => `${call.method} from ${call.peer}`;
 * console.log(typeof describe);
 * ```
 */
export interface ServerCall {
  /** The method's path, e.g. `/prism.interfaces.keyvalue.KeyValueBasicInterface/Get`. */
  readonly method: string;
  /** The request metadata. */
  readonly metadata: CallMetadata;
  /** The deadline in ms since the epoch (`Date.now()` clock); Infinity when the client set none. */
  readonly deadline: number;
  /** The client's address. */
  readonly peer: string;
  /** Whether the call is over for the client (cancelled, past its deadline, or answered). */
  readonly cancelled: boolean;
  /** Aborted (with a {@linkcode StatusError}) when the call ends early. */
  readonly signal: AbortSignal;
  /** Runs `listener` when the call ends early; returns a function that removes it. */
  onCancel(listener: (reason: StatusError) => void): () => void;
  /**
   * Ends the call now with `reason`'s status; the handler is told as for a
   * cancellation (`signal`, `onCancel`), and what it answers later is dropped.
   */
  abort(reason: StatusError): void;
  /** Sends response headers now (a stream's, before its first message). */
  sendHeaders(headers: Record<string, string>): void;
  /** When the call started (`performance.now()`). */
  readonly startedAt: number;
  /** The application's own data about the call (e.g. what it is counted under); the server never reads it. */
  tag: unknown;
}

/**
 * A call whose handler sends a stream of messages.
 *
 * @example
 * ```ts
 * import type { ServerWriter } from "./grpc_server.ts";
 * async function sendAll(out: ServerWriter<string>, items: string[]) {
 *   for (const item of items) {
 *     if (out.cancelled) return;
 *     if (!out.write(item)) await out.drain();
 *   }
 * }
 * console.log(typeof sendAll);
 * ```
 */
export interface ServerWriter<Res> extends ServerCall {
  /**
   * Sends a message. False means the client is not keeping up: the message
   * is queued, but wait for {@linkcode drain} before writing more. Writes
   * after the call is over are dropped.
   */
  write(message: Res): boolean;
  /** Resolves when the queue is below its high-water mark again, or the call is over. */
  drain(): Promise<void>;
}

/** Answers one request. @example ```ts
 * import type { UnaryHandler } from "./grpc_server.ts";
 * const echo: UnaryHandler<string, string> = (req) => req;
 * console.log(echo("a", {} as never)); // "a"
 * ``` */
export type UnaryHandler<Req, Res> = (request: Req, call: ServerCall) => Res | Promise<Res>;
/** Answers one request with a stream. @example ```ts
 * import type { ServerStreamHandler } from "./grpc_server.ts";
 * const twice: ServerStreamHandler<string, string> = (req, call) => {
 *   call.write(req);
 *   call.write(req);
 * };
 * console.log(typeof twice);
 * ``` */
export type ServerStreamHandler<Req, Res> = (
  request: Req,
  call: ServerWriter<Res>,
) => void | Promise<void>;
/** Answers a stream of requests with a stream. @example ```ts
 * import type { BidiStreamHandler } from "./grpc_server.ts";
 * const echo: BidiStreamHandler<string, string> = async (requests, call) => {
 *   for await (const r of requests) call.write(r);
 * };
 * console.log(typeof echo);
 * ``` */
export type BidiStreamHandler<Req, Res> = (
  requests: AsyncIterable<Req>,
  call: ServerWriter<Res>,
) => void | Promise<void>;

type Method =
  | { kind: "unary"; codec: MethodCodec<unknown, unknown>; handler: UnaryHandler<unknown, unknown> }
  | {
    kind: "server";
    codec: MethodCodec<unknown, unknown>;
    handler: ServerStreamHandler<unknown, unknown>;
  }
  | {
    kind: "bidi";
    codec: MethodCodec<unknown, unknown>;
    handler: BidiStreamHandler<unknown, unknown>;
  };

/**
 * Settings of a {@linkcode GrpcServer}: the HTTP/2 limits and these.
 *
 * @example
 * ```ts
 * import type { GrpcServerOptions } from "./grpc_server.ts";
 * const options: GrpcServerOptions = { maxReceiveMessageBytes: 8 << 20 };
 * console.log(options.maxReceiveMessageBytes);
 * ```
 */
export interface GrpcServerOptions extends H2ServerOptions {
  /** Largest request message (default 4 MiB). */
  maxReceiveMessageBytes?: number;
  /** Connections served at once; more are closed as they arrive (default 4096). */
  maxConnections?: number;
  /** Request bytes a connection may have in unfinished messages (default 4 × the message limit, at least 16 MiB). */
  maxConnectionBufferedBytes?: number;
  /** Called with a handler's error that is not a StatusError (the client gets UNKNOWN). */
  onError?: (err: unknown, method: string) => void;
  /** Called when a connection ends with an HTTP/2 error we sent (for logs). */
  onConnectionError?: (peer: string, code: number, reason: string) => void;
  /**
   * Called once per call when it is over, with the status the client got
   * (or CANCELLED when the client went away first) and the message bytes
   * received and sent (metrics, access logs).
   */
  onCallEnd?: (call: ServerCall, code: number, bytesIn: number, bytesOut: number) => void;
  /**
   * Decides whether a call may start, from its path and request headers:
   * a {@linkcode StatusError} refuses it (before its body is read); undefined
   * lets it through.
   */
  authorize?: (path: string, headers: readonly HeaderField[]) => StatusError | undefined;
}

/** Where a {@linkcode GrpcServer} listens.
 *
 * @example
 * ```ts
 * import type { ListenOptions } from "./grpc_server.ts";
 * const tcp: ListenOptions = { hostname: "127.0.0.1", port: 0 };
 * const unix: ListenOptions = { path: "/tmp/prism.sock" };
 * console.log(tcp, unix);
 * ```
 */
export type ListenOptions =
  | { hostname: string; port: number; tls?: { cert: string; key: string } }
  | { path: string };

const TEXT = new TextEncoder();
const RESPONSE_HEADERS = encodeHeaders([[":status", "200"], ["content-type", "application/grpc"]]);
const TRAILERS_OK = encodeHeaders([["grpc-status", "0"]]);
const TRAILERS_ONLY_OK = encodeHeaders([
  [":status", "200"],
  ["content-type", "application/grpc"],
  ["grpc-status", "0"],
]);
/** Request fields that are the transport's, not the application's metadata. */
const TRANSPORT_FIELDS = new Set([
  "content-type",
  "te",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "content-length",
]);
/**
 * Percent-encodes a status message for `grpc-message` (gRPC's HTTP/2
 * protocol: UTF-8, with bytes outside printable ASCII and `%` encoded).
 *
 * @example
 * ```ts
 * import { encodeGrpcMessage } from "./grpc_server.ts";
 * console.log(encodeGrpcMessage("50% done ✓")); // "50%25 done %E2%9C%93"
 * ```
 */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length && plain; i++) {
    const c = message.charCodeAt(i);
    plain = c >= 0x20 && c <= 0x7e && c !== 0x25;
  }
  if (plain) return message;
  let out = "";
  for (const b of TEXT.encode(message)) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The header block of a status: trailers, or a whole Trailers-Only response. */
function statusBlock(code: number, message: string, trailersOnly: boolean): Uint8Array {
  if (code === status.OK && message === "") return trailersOnly ? TRAILERS_ONLY_OK : TRAILERS_OK;
  const fields: HeaderField[] = trailersOnly
    ? [[":status", "200"], ["content-type", "application/grpc"]]
    : [];
  fields.push(["grpc-status", String(code)]);
  if (message !== "") fields.push(["grpc-message", encodeGrpcMessage(message)]);
  if (code === status.UNIMPLEMENTED && message.startsWith("compressed")) {
    fields.push(["grpc-accept-encoding", "identity"]);
  }
  return encodeHeaders(fields);
}

/** Frames a message: a flag byte (0, not compressed), a 4-byte length, the bytes. */
function frameMessage(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  const n = message.length;
  out[1] = n >>> 24;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 8) & 0xff;
  out[4] = n & 0xff;
  out.set(message, 5);
  return out;
}

/** The 5-byte prefix of an uncompressed message of `length` bytes. */
function messagePrefix(length: number): Uint8Array {
  const out = new Uint8Array(5);
  out[1] = length >>> 24;
  out[2] = (length >>> 16) & 0xff;
  out[3] = (length >>> 8) & 0xff;
  out[4] = length & 0xff;
  return out;
}

/** Requests of a bidirectional call, as an async iterable the handler reads. */
class RequestQueue<T> implements AsyncIterable<T> {
  #items: { message: T; bytes: number }[] = [];
  #ended = false;
  #error: StatusError | undefined;
  #wake: (() => void) | undefined;
  /** Credit goes back to the stream as the handler takes messages. */
  constructor(readonly stream: H2ServerStream) {}

  push(message: T, bytes: number): void {
    this.#items.push({ message, bytes });
    this.#wake?.();
  }

  end(error?: StatusError): void {
    this.#ended = true;
    this.#error ??= error;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        this.stream.consume(item.bytes);
        yield item.message;
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/** How a call takes its request body. */
const enum Intake {
  /** Not started (or answered before it started): bytes are dropped. */
  Discard,
  /** Unary and server-streaming: one request message. */
  Single,
  /** Bidirectional: messages as they come. */
  Bidi,
}

/**
 * One call on one stream: the request side's parsing and the response side's
 * state. It is its stream's handler (methods, not closures per call: see
 * {@linkcode H2StreamHandler}).
 */
class Call implements ServerWriter<unknown>, H2StreamHandler, Expiring {
  readonly method: string;
  readonly deadline: number;
  readonly startedAt: number = performance.now();
  tag: unknown = undefined;
  #bytesIn = 0;
  #bytesOut = 0;
  readonly #stream: H2ServerStream;
  readonly #server: GrpcServer;
  readonly #codec: MethodCodec<unknown, unknown>;
  #metadata: CallMetadata | undefined;
  #controller: AbortController | undefined;
  #listeners: ((reason: StatusError) => void)[] | undefined;
  /** Whether its deadline waits in the shared timers. */
  #armed = false;
  /** The shared timers' links (declared: one shape for every call). */
  dtBucket: DeadlineBucket | undefined = undefined;
  dtPrev: Expiring | undefined = undefined;
  dtNext: Expiring | undefined = undefined;
  #drainWaiters: (() => void)[] | undefined;
  #headersSent = false;
  #messagesSent = false;
  #over = false;
  /** Bytes of an unfinished request message, and how long it will be (-1: prefix not read). */
  #partial: Uint8Array[] = [];
  #partialBytes = 0;
  #expect = -1;
  #compressedAllowed: boolean;
  /** The one request of a unary or server-streaming call. */
  #request: Uint8Array | undefined;
  #requests = 0;
  #queue: RequestQueue<unknown> | undefined;
  #intake = Intake.Discard;
  #singleMethod: Method | undefined;
  /** Bytes of the current chunk held by queued messages (bidirectional intake). */
  #taken = 0;

  constructor(
    server: GrpcServer,
    stream: H2ServerStream,
    method: string,
    codec: MethodCodec<unknown, unknown>,
    deadline: number,
    compressedAllowed: boolean,
  ) {
    this.#server = server;
    this.#stream = stream;
    this.method = method;
    this.#codec = codec;
    this.deadline = deadline;
    this.#compressedAllowed = compressedAllowed;
  }

  get metadata(): CallMetadata {
    if (this.#metadata === undefined) {
      const fields: HeaderField[] = [];
      for (const f of this.#stream.headers) {
        if (f[0].charCodeAt(0) !== 0x3a && !TRANSPORT_FIELDS.has(f[0])) fields.push(f);
      }
      this.#metadata = new CallMetadata(fields);
    }
    return this.#metadata;
  }

  get peer(): string {
    return this.#stream.peer;
  }

  get cancelled(): boolean {
    return this.#over;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#over) this.#controller.abort(new StatusError(status.CANCELLED, "the call is over"));
    }
    return this.#controller.signal;
  }

  onCancel(listener: (reason: StatusError) => void): () => void {
    (this.#listeners ??= []).push(listener);
    return () => {
      const i = this.#listeners?.indexOf(listener) ?? -1;
      if (i >= 0) this.#listeners!.splice(i, 1);
    };
  }

  abort(reason: StatusError): void {
    this.cancel(reason, true);
  }

  sendHeaders(headers: Record<string, string>): void {
    if (this.#headersSent || this.#over) return;
    this.#headersSent = true;
    const fields: HeaderField[] = [[":status", "200"], ["content-type", "application/grpc"]];
    for (const [k, v] of Object.entries(headers)) fields.push([k.toLowerCase(), v]);
    this.#stream.respond(encodeHeaders(fields), false);
  }

  write(message: unknown): boolean {
    if (this.#over) return false;
    if (!this.#headersSent) {
      this.#headersSent = true;
      this.#stream.respond(RESPONSE_HEADERS, false);
    }
    this.#messagesSent = true;
    const bytes = this.#codec.encode(message);
    this.#bytesOut += bytes.length;
    if (bytes.length < 4096) return this.#stream.write(frameMessage(bytes));
    // A large message is not copied behind its prefix: the two go out as they are.
    this.#stream.write(messagePrefix(bytes.length));
    return this.#stream.write(bytes);
  }

  drain(): Promise<void> {
    if (this.#over || this.#stream.bufferedAmount <= this.#server.streamHighWater) {
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }

  /** The stream's send buffer has room again. */
  drained(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    if (waiters) { for (const w of waiters) w(); }
  }

  /** Ends the call with a status; no-op once over. */
  finish(code: number, message: string): void {
    if (this.#over) return;
    this.#over = true;
    this.#settle();
    this.#server.callEnded(this, code, this.#bytesIn, this.#bytesOut);
    if (this.#stream.closed) return;
    if (!this.#headersSent && !this.#messagesSent) {
      this.#stream.respond(statusBlock(code, message, true), true);
    } else {
      this.#stream.end(statusBlock(code, message, false));
    }
  }

  /** Answers a unary call in one go. */
  answer(message: unknown): void {
    if (this.#over) return;
    let body: Uint8Array;
    try {
      body = frameMessage(this.#codec.encode(message));
    } catch (err) {
      this.fail(err);
      return;
    }
    this.#over = true;
    this.#settle();
    this.#server.callEnded(this, status.OK, this.#bytesIn, this.#bytesOut + body.length - 5);
    if (this.#stream.closed) return;
    if (this.#headersSent) {
      this.#stream.write(body);
      this.#stream.end(TRAILERS_OK);
    } else {
      this.#stream.respondAll(RESPONSE_HEADERS, body, TRAILERS_OK);
    }
  }

  /** Ends the call with the status of `err`. */
  fail(err: unknown): void {
    if (err instanceof StatusError) this.finish(err.code, err.message);
    else {
      this.#server.reportError(err, this.method);
      this.finish(status.UNKNOWN, `${(err as Error)?.message ?? err}`);
    }
  }

  /** The call ended early (client reset, connection lost, deadline): tell the handler. */
  cancel(reason: StatusError, respond: boolean): void {
    if (this.#over) return;
    if (respond) this.finish(reason.code, reason.message);
    else {
      this.#over = true;
      this.#settle();
      this.#server.callEnded(this, reason.code, this.#bytesIn, this.#bytesOut);
    }
    this.#queue?.end(reason);
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) {
      for (const l of listeners) {
        try {
          l(reason);
        } catch (err) {
          this.#server.reportError(err, this.method);
        }
      }
    }
  }

  #settle(): void {
    if (this.#armed) {
      this.#armed = false;
      deadlineTimers.delete(this.deadline, this);
    }
    if (this.#partialBytes > 0) {
      this.#stream.connection.reserved -= this.#partialBytes;
      this.#partialBytes = 0;
      this.#partial = [];
    }
    this.drained();
  }

  /** Arms the deadline for a call that will not answer synchronously. */
  armDeadline(): void {
    if (this.#over || this.#armed || !Number.isFinite(this.deadline)) return;
    if (this.deadline <= Date.now()) {
      this.cancel(new StatusError(status.DEADLINE_EXCEEDED, "deadline exceeded"), true);
      return;
    }
    this.#armed = true;
    deadlineTimers.add(this.deadline, this);
  }

  /** The deadline passed (called by the shared timers). */
  expire(): void {
    this.#armed = false;
    this.cancel(new StatusError(status.DEADLINE_EXCEEDED, "deadline exceeded"), true);
  }

  /**
   * Takes request body bytes; returns the whole message(s) found. Fails the
   * call (and returns false) on a protocol fault.
   */
  take(chunk: Uint8Array): boolean {
    const stream = this.#stream;
    const max = this.#server.maxReceiveMessageBytes;
    let at = 0;
    // The common case: one or more whole messages in this chunk and nothing pending.
    while (this.#partialBytes === 0 && chunk.length - at >= 5) {
      if (chunk[at] !== 0 && !this.#compressionOk(chunk[at])) return false;
      const len = ((chunk[at + 1] << 24) | (chunk[at + 2] << 16) | (chunk[at + 3] << 8) |
        chunk[at + 4]) >>> 0;
      if (len > max) return this.#tooLarge(len);
      if (chunk.length - at - 5 < len) break;
      const message = chunk.slice(at + 5, at + 5 + len);
      at += 5 + len;
      if (!this.#message(message)) return false;
    }
    if (at === chunk.length) return true;
    // An unfinished message: keep a copy, bounded per connection.
    const rest = chunk.subarray(at);
    const conn = stream.connection;
    if (conn.reserved + rest.length > this.#server.maxConnectionBufferedBytes) {
      this.cancel(
        new StatusError(
          status.RESOURCE_EXHAUSTED,
          `more than ${this.#server.maxConnectionBufferedBytes} bytes of unfinished requests on this connection`,
        ),
        true,
      );
      return false;
    }
    this.#partial.push(rest.slice());
    this.#partialBytes += rest.length;
    conn.reserved += rest.length;
    for (;;) {
      if (this.#expect < 0) {
        if (this.#partialBytes < 5) return true;
        const head = this.#peek(5);
        if (head[0] !== 0 && !this.#compressionOk(head[0])) return false;
        const len = ((head[1] << 24) | (head[2] << 16) | (head[3] << 8) | head[4]) >>> 0;
        if (len > max) return this.#tooLarge(len);
        this.#expect = len;
      }
      if (this.#partialBytes < 5 + this.#expect) return true;
      const whole = this.#peek(5 + this.#expect);
      const message = whole.slice(5);
      this.#drop(5 + this.#expect);
      this.#expect = -1;
      if (!this.#message(message)) return false;
    }
  }

  #compressionOk(flag: number): boolean {
    const message = flag === 1 && this.#compressedAllowed
      ? "compressed messages are not supported: send them uncompressed (grpc-encoding identity)"
      : flag === 1
      ? "a compressed message without grpc-encoding"
      : `bad message flag ${flag}`;
    this.cancel(
      new StatusError(
        flag === 1 && this.#compressedAllowed ? status.UNIMPLEMENTED : status.INTERNAL,
        message,
      ),
      true,
    );
    return false;
  }

  #tooLarge(len: number): false {
    this.cancel(
      new StatusError(
        status.RESOURCE_EXHAUSTED,
        `request message of ${len} bytes is over the limit of ${this.#server.maxReceiveMessageBytes}`,
      ),
      true,
    );
    return false;
  }

  /** The first `n` buffered bytes as one array. */
  #peek(n: number): Uint8Array {
    if (this.#partial[0].length >= n) return this.#partial[0].subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.#partial) {
      const take = Math.min(p.length, n - at);
      out.set(p.subarray(0, take), at);
      at += take;
      if (at === n) break;
    }
    return out;
  }

  #drop(n: number): void {
    this.#partialBytes -= n;
    this.#stream.connection.reserved -= n;
    while (n > 0) {
      const p = this.#partial[0];
      if (p.length <= n) {
        this.#partial.shift();
        n -= p.length;
      } else {
        this.#partial[0] = p.subarray(n);
        n = 0;
      }
    }
  }

  /** Starts a unary or server-streaming call: collects its one request. */
  startSingle(method: Method): void {
    this.#singleMethod = method;
    this.#intake = Intake.Single;
  }

  // H2StreamHandler: the stream's events.

  onData(stream: H2ServerStream, chunk: Uint8Array, end: boolean): void {
    if (this.#intake === Intake.Single) this.#singleData(stream, chunk, end);
    else if (this.#intake === Intake.Bidi) this.#bidiData(stream, chunk, end);
    else stream.consume(chunk.length);
  }

  onTrailers(): void {}

  onAbort(_stream: H2ServerStream, abort: StreamAbort): void {
    this.cancel(new StatusError(status.CANCELLED, abort.reason), false);
  }

  onDrain(): void {
    this.drained();
  }

  #singleData(stream: H2ServerStream, chunk: Uint8Array, end: boolean): void {
    stream.consume(chunk.length);
    if (this.#over) return;
    if (chunk.length > 0 && !this.take(chunk)) return;
    if (!end) return;
    if (this.#request === undefined || this.#partialBytes > 0) {
      this.finish(
        status.INTERNAL,
        this.#partialBytes > 0
          ? "the request ended inside a message"
          : "the request has no message",
      );
      return;
    }
    this.#dispatch(this.#singleMethod!, this.#request);
  }

  /** A whole request message; false (after failing the call) when the call cannot take it. */
  #message(message: Uint8Array): boolean {
    if (this.#intake === Intake.Single) {
      if (++this.#requests > 1) {
        this.cancel(
          new StatusError(
            status.INTERNAL,
            `${this.method} takes one request message, not a stream`,
          ),
          true,
        );
        return false;
      }
      this.#request = message;
      this.#bytesIn = message.length;
      return true;
    }
    let decoded: unknown;
    try {
      decoded = this.#codec.decode(message);
    } catch (err) {
      this.cancel(
        new StatusError(status.INTERNAL, `cannot decode a request: ${(err as Error).message}`),
        true,
      );
      return false;
    }
    this.#taken += message.length + 5;
    this.#bytesIn += message.length;
    this.#queue!.push(decoded, message.length + 5);
    return true;
  }

  #dispatch(method: Method, bytes: Uint8Array): void {
    if (Number.isFinite(this.deadline) && Date.now() >= this.deadline) {
      this.finish(status.DEADLINE_EXCEEDED, "deadline exceeded before the call started");
      return;
    }
    let request: unknown;
    try {
      request = this.#codec.decode(bytes);
    } catch (err) {
      this.finish(status.INTERNAL, `cannot decode the request: ${(err as Error).message}`);
      return;
    }
    let result: unknown;
    try {
      result = method.kind === "unary"
        ? method.handler(request, this)
        : (method.handler as ServerStreamHandler<unknown, unknown>)(request, this);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (method.kind === "unary") {
      if (result instanceof Promise) {
        this.armDeadline();
        result.then((res) => this.answer(res), (err) => this.fail(err));
      } else {
        this.answer(result);
      }
    } else if (result instanceof Promise) {
      this.armDeadline();
      result.then(() => this.finish(status.OK, ""), (err) => this.fail(err));
    } else {
      this.finish(status.OK, "");
    }
  }

  #bidiData(stream: H2ServerStream, chunk: Uint8Array, end: boolean): void {
    if (this.#over) {
      stream.consume(chunk.length);
      return;
    }
    this.#taken = 0;
    const ok = this.take(chunk);
    // Bytes not held by queued messages (prefixes of unfinished ones are copied) go back now.
    stream.consume(chunk.length - this.#taken);
    if (!ok) return;
    if (end) {
      if (this.#partialBytes > 0) {
        this.finish(status.INTERNAL, "the request stream ended inside a message");
        return;
      }
      this.#queue!.end();
    }
  }

  /** Starts a bidirectional call: the handler runs now and reads requests as they come. */
  startBidi(method: Method & { kind: "bidi" }): void {
    const queue = new RequestQueue<unknown>(this.#stream);
    this.#queue = queue;
    this.#intake = Intake.Bidi;
    this.armDeadline();
    let result: void | Promise<void>;
    try {
      result = method.handler(queue, this);
    } catch (err) {
      this.fail(err);
      return;
    }
    Promise.resolve(result).then(() => this.finish(status.OK, ""), (err) => this.fail(err));
  }
}

/** Answers an HTTP (non-gRPC) request with an error once the client has sent all of it. */
class RejectWhenEnded implements H2StreamHandler {
  constructor(readonly httpStatus: number, readonly text: string) {}

  onData(stream: H2ServerStream, chunk: Uint8Array, end: boolean): void {
    stream.consume(chunk.length);
    if (!end) return;
    if (stream.method === "HEAD") {
      stream.respond(encodeHeaders([[":status", String(this.httpStatus)]]), true);
    } else {
      rejectStream(stream, this.httpStatus, this.text);
    }
  }

  onTrailers(): void {}
  onAbort(): void {}
  onDrain(): void {}
}

/**
 * A gRPC server.
 *
 * @example
 * ```ts
 * import { GrpcServer, RAW } from "./grpc_server.ts";
 * const server = new GrpcServer();
 * server.addUnary("/demo.Echo/Say", RAW, (bytes) => bytes);
 * const { port } = await server.listen({ hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
 * console.log(port > 0); // true
 * await server.close();
 * ```
 */
export class GrpcServer {
  readonly #methods = new Map<string, Method>();
  readonly #options: GrpcServerOptions;
  /** Called once per call when it is over (see {@linkcode GrpcServerOptions.onCallEnd}); may be set later. */
  onCallEnd: GrpcServerOptions["onCallEnd"];
  readonly #connections = new Set<H2ServerConnection>();
  #listeners: Deno.Listener[] = [];
  #ticker: number | undefined;
  /** When the scheduled tick runs (`performance.now()` time). */
  #tickAt = Infinity;
  #draining = false;
  /** Largest request message. */
  readonly maxReceiveMessageBytes: number;
  /** Bytes of unfinished requests a connection may hold. */
  readonly maxConnectionBufferedBytes: number;
  /** A stream's send high-water mark. */
  readonly streamHighWater: number;
  readonly #maxConnections: number;

  constructor(options: GrpcServerOptions = {}) {
    this.#options = options;
    this.onCallEnd = options.onCallEnd;
    this.maxReceiveMessageBytes = options.maxReceiveMessageBytes ?? 4 * 1024 * 1024;
    this.maxConnectionBufferedBytes = options.maxConnectionBufferedBytes ??
      Math.max(16 * 1024 * 1024, 4 * this.maxReceiveMessageBytes);
    this.streamHighWater = options.streamHighWater ?? H2_SERVER_DEFAULTS.streamHighWater;
    this.#maxConnections = options.maxConnections ?? 4096;
  }

  /** Registers a unary method. */
  addUnary<Req, Res>(
    path: string,
    codec: MethodCodec<Req, Res>,
    handler: UnaryHandler<Req, Res>,
  ): void {
    this.#add(path, { kind: "unary", codec, handler } as Method);
  }

  /** Registers a server-streaming method. */
  addServerStream<Req, Res>(
    path: string,
    codec: MethodCodec<Req, Res>,
    handler: ServerStreamHandler<Req, Res>,
  ): void {
    this.#add(path, { kind: "server", codec, handler } as Method);
  }

  /** Registers a bidirectional-streaming method. */
  addBidiStream<Req, Res>(
    path: string,
    codec: MethodCodec<Req, Res>,
    handler: BidiStreamHandler<Req, Res>,
  ): void {
    this.#add(path, { kind: "bidi", codec, handler } as Method);
  }

  #add(path: string, method: Method): void {
    if (!/^\/[^/]+\/[^/]+$/.test(path)) {
      throw new Error(
        `Cannot register method as its path must be /<service>/<method>: current value is "${path}"`,
      );
    }
    this.#methods.set(path, method);
  }

  /** The registered method paths. */
  get methods(): string[] {
    return [...this.#methods.keys()];
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** @internal */
  reportError(err: unknown, method: string): void {
    this.#options.onError?.(err, method);
  }

  /** A call is over (internal: calls report themselves). */
  callEnded(call: ServerCall, code: number, bytesIn: number, bytesOut: number): void {
    const hook = this.onCallEnd;
    if (hook === undefined) return;
    try {
      hook(call, code, bytesIn, bytesOut);
    } catch (err) {
      this.reportError(err, call.method);
    }
  }

  /**
   * Listens and serves (in the background) until {@linkcode close} or
   * {@linkcode drain}. Resolves with the bound address; rejects when it
   * cannot bind. May be called for several addresses.
   */
  listen(options: ListenOptions): Promise<Deno.Addr> {
    let listener: Deno.Listener;
    if ("path" in options) {
      listener = Deno.listen({ transport: "unix", path: options.path });
    } else if (options.tls) {
      listener = Deno.listenTls({
        hostname: options.hostname,
        port: options.port,
        cert: options.tls.cert,
        key: options.tls.key,
        alpnProtocols: ["h2"],
      });
    } else {
      listener = Deno.listen({ hostname: options.hostname, port: options.port });
    }
    this.#listeners.push(listener);
    this.#accept(listener, "tls" in options && options.tls !== undefined);
    return Promise.resolve(listener.addr);
  }

  /**
   * Connections' time limits are checked every second while one has a
   * short limit running (handshake, SETTINGS, drain), every 15 seconds
   * otherwise, and not at all without connections: an idle server is not
   * woken up.
   */
  #tickIn(ms: number): void {
    const at = performance.now() + ms;
    if (this.#ticker !== undefined && this.#tickAt <= at) return;
    clearTimeout(this.#ticker);
    this.#tickAt = at;
    this.#ticker = setTimeout(this.#tick, ms) as unknown as number;
    Deno.unrefTimer(this.#ticker);
  }

  #tick = (): void => {
    this.#ticker = undefined;
    this.#tickAt = Infinity;
    const now = performance.now();
    let urgent = false;
    for (const c of this.#connections) if (c.tick(now)) urgent = true;
    if (this.#connections.size > 0) this.#tickIn(urgent ? 1000 : 15_000);
  };

  async #accept(listener: Deno.Listener, tls: boolean): Promise<void> {
    try {
      for await (const conn of listener) {
        if (this.#draining || this.#connections.size >= this.#maxConnections) {
          try {
            conn.close();
          } catch { /* gone */ }
          continue;
        }
        if (tls) this.#serveTls(conn as Deno.TlsConn);
        else this.#serve(conn);
      }
    } catch {
      // The listener was closed.
    }
  }

  async #serveTls(conn: Deno.TlsConn): Promise<void> {
    const timeout = this.#options.handshakeTimeoutMs ?? H2_SERVER_DEFAULTS.handshakeTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const info = await Promise.race([
        conn.handshake(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("TLS handshake timed out")), timeout);
        }),
      ]);
      if (info.alpnProtocol !== null && info.alpnProtocol !== "h2") {
        throw new Error(`ALPN ${info.alpnProtocol} is not h2`);
      }
    } catch {
      try {
        conn.close();
      } catch { /* gone */ }
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.#draining) {
      conn.close();
      return;
    }
    this.#serve(conn);
  }

  #serve(conn: Deno.Conn): void {
    const c = H2ServerConnection.serve(
      conn,
      (stream) => this.#onStream(stream),
      this.#options,
      { onError: this.#options.onConnectionError },
    );
    this.#connections.add(c);
    c.done.then(() => this.#connections.delete(c));
    this.#tickIn(1000); // its handshake
  }

  #onStream(stream: H2ServerStream): void {
    if (stream.method !== "POST") {
      this.#rejectWhenEnded(
        stream,
        405,
        "this is a gRPC server: use POST with content-type application/grpc",
      );
      return;
    }
    const contentType = stream.headers.find((f) => f[0] === "content-type")?.[1] ?? "";
    if (
      !contentType.startsWith("application/grpc") ||
      (contentType.length > 16 && !/^[+;]/.test(contentType[16]))
    ) {
      this.#rejectWhenEnded(
        stream,
        415,
        "this is a gRPC server: use content-type application/grpc",
      );
      return;
    }
    let timeout: string | undefined;
    let encoding: string | undefined;
    for (const [name, value] of stream.headers) {
      if (name === "grpc-timeout") timeout = value;
      else if (name === "grpc-encoding") encoding = value;
    }
    const timeoutMs = timeout === undefined ? Infinity : parseGrpcTimeout(timeout);
    const method = this.#methods.get(stream.path);
    const call = new Call(
      this,
      stream,
      stream.path,
      method?.codec ?? RAW,
      timeoutMs === undefined ? Infinity : Date.now() + timeoutMs,
      encoding !== undefined && encoding !== "identity",
    );
    // Until it starts, and once answered early, the call drops what else the client sends.
    stream.handler = call;
    if (timeoutMs === undefined) {
      call.finish(status.INTERNAL, `malformed grpc-timeout "${timeout}"`);
      return;
    }
    const refused = this.#options.authorize?.(stream.path, stream.headers);
    if (refused !== undefined) {
      call.finish(refused.code, refused.message);
      return;
    }
    if (method === undefined) {
      call.finish(status.UNIMPLEMENTED, `unknown method ${stream.path}`);
      return;
    }
    if (method.kind === "bidi") call.startBidi(method);
    else call.startSingle(method);
  }

  /** Answers an HTTP (non-gRPC) request once the client has sent all of it. */
  #rejectWhenEnded(stream: H2ServerStream, httpStatus: number, text: string): void {
    stream.handler = new RejectWhenEnded(httpStatus, text);
  }

  /**
   * Stops accepting connections and drains those open (GOAWAY: calls in
   * flight finish, new ones go elsewhere). Resolves when every connection
   * has closed, or after `timeoutMs` (then closes them).
   */
  async drain(timeoutMs = 5000): Promise<void> {
    this.#draining = true;
    this.#closeListeners();
    for (const c of this.#connections) c.drain(timeoutMs);
    const all = Promise.all([...this.#connections].map((c) => c.done));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    await this.close();
  }

  /** Stops listening and closes every connection now (calls in flight are cancelled). */
  async close(): Promise<void> {
    this.#draining = true;
    this.#closeListeners();
    const done = [...this.#connections].map((c) => c.done);
    for (const c of this.#connections) c.close("the server is closing");
    await Promise.all(done);
    if (this.#ticker !== undefined) {
      clearTimeout(this.#ticker);
      this.#ticker = undefined;
    }
  }

  #closeListeners(): void {
    for (const l of this.#listeners) {
      try {
        l.close();
      } catch { /* closed */ }
    }
    this.#listeners = [];
  }
}
