/**
 * The server side of HTTP/2 (RFC 9113) on a Deno socket — TCP, TLS or a
 * Unix socket: one {@linkcode H2ServerConnection} per accepted connection,
 * handing each request stream to the layer above (`grpc_server.ts`) as an
 * {@linkcode H2ServerStream}.
 *
 * Written here rather than taken from `node:http2` (measured, see the
 * README): under grpc-js on Deno that layer was most of the proxy's CPU per
 * call, let one malformed frame sequence crash the process, and buffered
 * without bound for a client that stops reading.
 *
 * What it enforces:
 *
 * - the connection preface and SETTINGS exchange, with time limits for the
 *   client's preface and for the acknowledgement of our SETTINGS;
 * - frame sizes, stream states and identifiers, padding, PRIORITY
 *   self-dependencies, CONTINUATION sequences, SETTINGS values, HPACK
 *   (via `hpack.ts`) and the request rules of RFC 9113 §8 (pseudo-headers,
 *   connection-specific fields, `te`, lowercase names, `content-length`);
 * - flow control both ways: what a stream's consumer has not taken is not
 *   credited back, and what a stream writes waits for the peer's windows
 *   and for the socket ({@linkcode H2ServerStream.write} reports when to
 *   wait), so a client that stops reading costs a bounded buffer;
 * - limits: concurrent streams, header list size (decoded and on the wire,
 *   across CONTINUATION frames), and a budget of "glitches" (frames that
 *   cost work but carry no request: PING and SETTINGS floods, empty DATA,
 *   PRIORITY, streams the client resets before they finish — rapid reset,
 *   CVE-2023-44487 — and stream errors it provokes): a connection that
 *   spends it is closed with GOAWAY ENHANCE_YOUR_CALM;
 * - reading pauses while the socket has more than a bounded amount queued
 *   to write, so a peer that floods requests needing answers (PINGs,
 *   SETTINGS) but never reads them stalls on its own TCP window;
 * - graceful drain: GOAWAY with the largest stream id and a PING, then a
 *   final GOAWAY with the last stream id taken once the PING returns;
 *   streams in flight finish, the connection closes when they have.
 *
 * @module
 */
import {
  DEFAULT_WINDOW,
  ERROR,
  errorName,
  FLAG,
  FRAME,
  frame,
  goawayFrame,
  headersFrames,
  MAX_MAX_FRAME_SIZE,
  MAX_STREAM_ID,
  MAX_WINDOW,
  MIN_MAX_FRAME_SIZE,
  PREFACE,
  readU32,
  rstStreamFrame,
  SETTING,
  SETTINGS_ACK,
  settingsFrame,
  windowUpdateFrame,
  writeFrameHeader,
} from "./_frame.ts";
import { type HeaderField, HeaderListTooLargeError, HpackDecoder, HpackError } from "./hpack.ts";
import { StreamTable } from "./_stream_table.ts";

/**
 * Limits and timings of a server connection. Every field has a default
 * (see {@linkcode H2_SERVER_DEFAULTS}).
 *
 * @example
 * ```ts
 * import type { H2ServerOptions } from "./h2_server.ts";
 * const options: H2ServerOptions = { maxConcurrentStreams: 100, idleTimeoutMs: 60_000 };
 * console.log(options.maxConcurrentStreams);
 * ```
 */
export interface H2ServerOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS: streams a client may have open at once. */
  maxConcurrentStreams?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window. */
  streamWindow?: number;
  /** The connection's receive window. */
  connectionWindow?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: decoded octets of a request's header list. */
  maxHeaderListSize?: number;
  /** Bytes a header block may take on the wire, across its CONTINUATION frames. */
  maxHeaderBlockBytes?: number;
  /** CONTINUATION frames one header block may take. */
  maxContinuations?: number;
  /** Time for the client's preface and first SETTINGS. */
  handshakeTimeoutMs?: number;
  /** Time for the client to acknowledge our SETTINGS. */
  settingsTimeoutMs?: number;
  /** A connection without streams for this long is closed with GOAWAY (0: never). */
  idleTimeoutMs?: number;
  /** Bytes a stream may have queued to send before {@linkcode H2ServerStream.write} says wait. */
  streamHighWater?: number;
  /** Bytes queued on the socket above which streams stop sending and reading pauses. */
  socketHighWater?: number;
  /** Glitches a connection may spend at once, and regains per second. */
  glitchBurst?: number;
  glitchesPerSecond?: number;
  /** Time a draining connection waits for its streams before closing anyway. */
  drainTimeoutMs?: number;
  /** A write to the socket that makes no progress for this long closes the connection (the peer does not read at all). */
  writeTimeoutMs?: number;
}

/**
 * The defaults of {@linkcode H2ServerOptions}.
 *
 * @example
 * ```ts
 * import { H2_SERVER_DEFAULTS } from "./h2_server.ts";
 * console.log(H2_SERVER_DEFAULTS.maxConcurrentStreams); // 1024
 * ```
 */
export const H2_SERVER_DEFAULTS: Required<H2ServerOptions> = {
  maxConcurrentStreams: 1024,
  streamWindow: 1024 * 1024,
  connectionWindow: 4 * 1024 * 1024,
  maxHeaderListSize: 32 * 1024,
  maxHeaderBlockBytes: 64 * 1024,
  maxContinuations: 32,
  handshakeTimeoutMs: 10_000,
  settingsTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  streamHighWater: 64 * 1024,
  socketHighWater: 256 * 1024,
  glitchBurst: 1000,
  glitchesPerSecond: 100,
  drainTimeoutMs: 30_000,
  writeTimeoutMs: 60_000,
};

/** Why a stream ended without a normal close (what an {@linkcode H2StreamHandler}'s `onAbort` gets). */
export interface StreamAbort {
  /** HTTP/2 error code (RST_STREAM's, or the connection's). */
  code: number;
  /** What happened, for logs and statuses. */
  reason: string;
}

const enum StreamState {
  /** Both sides may send. */
  Open,
  /** The client has ended its side (END_STREAM); we may send. */
  HalfClosedRemote,
  /** We have ended our side; the client may still send. */
  HalfClosedLocal,
  Closed,
}

/** How a recently closed stream ended: decides what a late frame on it means. */
const enum Closed {
  /** Both sides ended it, or the client reset it: DATA or HEADERS now is STREAM_CLOSED. */
  ByPeer,
  /** We reset it: the client may not know yet, frames are ignored. */
  ByUs,
}

/** Pseudo-headers of a request (RFC 9113 §8.3.1, RFC 8441 :protocol), as bits. */
const PSEUDO_BITS: Record<string, number> = {
  ":method": 1,
  ":scheme": 2,
  ":path": 4,
  ":authority": 8,
  ":protocol": 16,
};

/** What a request's pseudo-headers and content-length say. */
interface RequestHead {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  /** -1 when absent. */
  contentLength: number;
}
/** Connection-specific fields, malformed in HTTP/2 (RFC 9113 §8.2.2). */
const CONNECTION_FIELDS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);
/** Recently closed streams remembered for the meaning of late frames. */
const CLOSED_MEMORY = 256;
const EMPTY = new Uint8Array(0);
const DRAIN_PING = new Uint8Array([0x64, 0x72, 0x61, 0x69, 0x6e, 0x69, 0x6e, 0x67]); // "draining"

/** A field name is a lowercase token (RFC 9110 §5.1, RFC 9113 §8.2.1). */
function validName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // tchar, lowercase only: ! # $ % & ' * + - . ^ _ ` | ~ DIGIT a-z
    if (
      !((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f ||
        c === 0x2e || c === 0x21 || (c >= 0x23 && c <= 0x27) || c === 0x2a || c === 0x2b ||
        c === 0x5e || c === 0x60 || c === 0x7c || c === 0x7e)
    ) return false;
  }
  return true;
}

/** A field value has no NUL, CR or LF, nor leading or trailing space (RFC 9113 §8.2.1). */
function validValue(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
  }
  return true;
}

/** An error that ends the connection (GOAWAY with `code`). */
class ConnectionError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/**
 * What the layer above does with a stream's events: an object whose methods
 * the connection calls with the stream. Set it as
 * {@linkcode H2ServerStream.handler} in the `onStream` callback.
 *
 * An object and not per-stream closures on purpose: a closure that captures a
 * call's state and is stored on a per-call object keeps that state alive in
 * V8's young-generation collections until the code creating it is optimized
 * (measured with `--trace-gc-nvp` on a server answering at 1,000 calls/s:
 * 6.5% of what each call allocated survived its collection and was promoted
 * with per-stream closures, 0.2% with a shared handler; see the README's
 * benchmarks section).
 *
 * @example
 * ```ts
 * import type { H2ServerStream, H2StreamHandler } from "./h2_server.ts";
 * import { encodeHeaders } from "./hpack.ts";
 * const ok = encodeHeaders([[":status", "200"]]);
 * const hello: H2StreamHandler = {
 *   onData(stream: H2ServerStream, chunk: Uint8Array, end: boolean) {
 *     stream.consume(chunk.length);
 *     if (end) {
 *       stream.respond(ok, false);
 *       stream.end(new TextEncoder().encode("hello"));
 *     }
 *   },
 *   onTrailers() {},
 *   onAbort() {},
 *   onDrain() {},
 * };
 * console.log(typeof hello.onData); // "function"
 * ```
 */
export interface H2StreamHandler {
  /** Request body bytes (a view valid only during the call) and whether the request ended. */
  onData(stream: H2ServerStream, chunk: Uint8Array, end: boolean): void;
  /** The request's trailers (`onData` with the end follows). */
  onTrailers(stream: H2ServerStream, fields: HeaderField[]): void;
  /** The stream ended abnormally: reset by the client, or the connection went. */
  onAbort(stream: H2ServerStream, abort: StreamAbort): void;
  /** The stream's send buffer went below its high-water mark again. */
  onDrain(stream: H2ServerStream): void;
}

/** A handler that takes and drops a request body (the default). */
export const DISCARD_HANDLER: H2StreamHandler = {
  onData(stream: H2ServerStream, chunk: Uint8Array): void {
    stream.consume(chunk.length);
  },
  onTrailers(): void {},
  onAbort(): void {},
  onDrain(): void {},
};

/**
 * One request stream. The layer above sets its {@linkcode handler} in the
 * `onStream` callback and answers with {@linkcode respond},
 * {@linkcode write} and {@linkcode end} (or {@linkcode reset}).
 *
 * @example
 * ```ts ignore
 * import { DISCARD_HANDLER, H2ServerConnection } from "./h2_server.ts";
 * import { encodeHeaders } from "./hpack.ts";
 * const ok = encodeHeaders([[":status", "200"]]);
 * H2ServerConnection.serve(conn, (stream) => {
 *   stream.handler = {
 *     ...DISCARD_HANDLER,
 *     onData(stream, chunk, end) {
 *       stream.consume(chunk.length);
 *       if (end) {
 *         stream.respond(ok, false);
 *         stream.end(new TextEncoder().encode("hello"));
 *       }
 *     },
 *   };
 * });
 * ```
 */
export class H2ServerStream {
  /** The stream identifier. */
  readonly id: number;
  /** The request's header fields, pseudo-headers first (shared: do not change). */
  readonly headers: HeaderField[];
  /** `:method`, `:path`, `:authority` (may be ""), `:scheme`. */
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  /** What receives the stream's events (the default consumes and drops the body). */
  handler: H2StreamHandler = DISCARD_HANDLER;

  /** @internal */ state: StreamState;
  /** @internal the peer's window for what we send */ sendWindow: number;
  /** @internal our window for what the client sends */ recvWindow: number;
  /** @internal credit taken by the consumer, not yet sent as WINDOW_UPDATE */ credit = 0;
  /** @internal bytes delivered to the consumer and not consumed */ held = 0;
  /** @internal queued DATA to send */ pending: Uint8Array[] = [];
  /** @internal */ pendingBytes = 0;
  /** @internal the trailer block to send once pending is out */ trailers: Uint8Array | undefined;
  /** @internal whether END_STREAM goes out with the last pending DATA */ endPending = false;
  /** @internal */ headersSent = false;
  /** @internal */ queued = false;
  /** @internal whether a drain callback is owed */ wantDrain = false;
  /** @internal content-length announced, or -1 */ contentLength: number;
  /** @internal body bytes received */ received = 0;
  readonly #conn: H2ServerConnection;

  /** @internal */
  constructor(
    conn: H2ServerConnection,
    id: number,
    headers: HeaderField[],
    pseudo: RequestHead,
    contentLength: number,
    endStream: boolean,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.#conn = conn;
    this.id = id;
    this.headers = headers;
    this.method = pseudo.method;
    this.path = pseudo.path;
    this.authority = pseudo.authority;
    this.scheme = pseudo.scheme;
    this.contentLength = contentLength;
    this.state = endStream ? StreamState.HalfClosedRemote : StreamState.Open;
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }

  /** The connection's peer, e.g. `127.0.0.1:53211`. */
  get peer(): string {
    return this.#conn.peer;
  }

  /** The connection (for per-connection accounting by the layer above). */
  get connection(): H2ServerConnection {
    return this.#conn;
  }

  /** Whether the client has ended its side of the stream. */
  get remoteEnded(): boolean {
    return this.state === StreamState.HalfClosedRemote || this.state === StreamState.Closed;
  }

  /** Whether we can still send on the stream. */
  get writable(): boolean {
    return (this.state === StreamState.Open || this.state === StreamState.HalfClosedRemote) &&
      !this.endPending && this.trailers === undefined;
  }

  /** Whether the stream is over (ended both ways, or reset). */
  get closed(): boolean {
    return this.state === StreamState.Closed;
  }

  /** Bytes written and not yet handed to the socket. */
  get bufferedAmount(): number {
    return this.pendingBytes;
  }

  /**
   * Returns `n` bytes of flow-control credit (the consumer has taken them):
   * the client may send that much more.
   */
  consume(n: number): void {
    this.#conn.consume(this, n);
  }

  /** Sends the response's header block (HPACK-encoded), with END_STREAM when `endStream`. */
  respond(block: Uint8Array, endStream: boolean): void {
    this.#conn.respond(this, block, endStream);
  }

  /**
   * Queues response body bytes (taken as they are: do not reuse the array),
   * with END_STREAM after them when `end`. Returns false when the stream's
   * buffer is over its high-water mark: wait for its handler's `onDrain`.
   */
  write(data: Uint8Array, end = false): boolean {
    return this.#conn.write(this, data, end);
  }

  /** Ends the response: trailers (a header block) or an empty END_STREAM DATA frame. */
  end(trailers?: Uint8Array): void {
    this.#conn.end(this, trailers);
  }

  /**
   * The whole of a small response in one go: headers, one body chunk,
   * trailers. Falls back to the general path when flow control does not
   * allow sending it at once.
   */
  respondAll(headers: Uint8Array, body: Uint8Array, trailers: Uint8Array): void {
    this.#conn.respondAll(this, headers, body, trailers);
  }

  /** Resets the stream (RST_STREAM with `code`, CANCEL by default). */
  reset(code: number = ERROR.CANCEL): void {
    this.#conn.resetStream(this, code);
  }
}

/**
 * Where the connection reports what it did (all optional): for logs and
 * metrics.
 *
 * @example
 * ```ts
 * import type { H2ConnectionEvents } from "./h2_server.ts";
 * const events: H2ConnectionEvents = { onError: (peer, code, reason) => console.log(peer, code, reason) };
 * console.log(typeof events.onError);
 * ```
 */
export interface H2ConnectionEvents {
  /** The connection ended with an error we sent (GOAWAY code and why). */
  onError?: (peer: string, code: number, reason: string) => void;
}

/**
 * One HTTP/2 server connection. {@linkcode H2ServerConnection.serve} runs it
 * until the connection ends.
 *
 * @example
 * ```ts ignore
 * import { H2ServerConnection } from "./h2_server.ts";
 * for await (const conn of Deno.listen({ port: 8080 })) {
 *   H2ServerConnection.serve(conn, (stream) => stream.reset());
 * }
 * ```
 */
export class H2ServerConnection {
  readonly #conn: Deno.Conn;
  readonly #opts: Required<H2ServerOptions>;
  readonly #onStream: (stream: H2ServerStream) => void;
  readonly #events: H2ConnectionEvents;
  readonly #decoder: HpackDecoder;
  /** The remote address, e.g. `127.0.0.1:53211`. */
  readonly peer: string;
  /** Open streams (not a Map: see `_stream_table.ts`). */
  readonly #streams = new StreamTable<H2ServerStream>();
  /** The last CLOSED_MEMORY closed streams and how each closed (a ring). */
  readonly #closedIds = new Int32Array(CLOSED_MEMORY);
  readonly #closedHow = new Uint8Array(CLOSED_MEMORY);
  #closedNext = 0;
  #lastStreamId = 0;
  /** Streams that have DATA to send and may be able to. */
  #sendable: H2ServerStream[] = [];

  // Peer settings.
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrame = MIN_MAX_FRAME_SIZE;
  #connSendWindow = DEFAULT_WINDOW;

  // Our receive side.
  #connRecvWindow: number;
  #connCredit = 0;
  /** Bytes delivered to streams' consumers and not yet consumed. */
  held = 0;
  /** Bytes the layer above keeps for this connection (unfinished messages): its to count. */
  reserved = 0;

  // Output.
  #out: Uint8Array[] = [];
  #outBytes = 0;
  #writingBytes = 0;
  #flushing = false;
  #flushQueued = false;
  #outDrained: (() => void) | undefined;
  /** When the socket write under way started (-1: none). */
  #writeSince = -1;

  // Input.
  #in: Uint8Array = new Uint8Array(4096);
  #inStart = 0;
  #inEnd = 0;
  #prefaceSeen = false;
  #settingsSeen = false;
  #header?: {
    id: number;
    endStream: boolean;
    parts: Uint8Array[];
    bytes: number;
    frames: number;
    /** HEADERS that carried a priority depending on its own stream. */
    selfDependent: boolean;
  };

  // Lifecycle.
  #state: "handshake" | "open" | "draining" | "closing" | "closed" = "handshake";
  #goawayLastId = MAX_STREAM_ID;
  #finalGoaway = false;
  readonly #startedAt = performance.now();
  #settingsSentAt = -1;
  #idleSince = performance.now();
  #drainDeadline = Infinity;
  #glitchTokens: number;
  #glitchAt = performance.now();
  /** We wrote HEADERS or DATA since the last PING the client sent (PING policy). */
  #sentSincePing = true;
  #settingsCount = 0;
  readonly #done = Promise.withResolvers<void>();
  #closeReason = "";

  private constructor(
    conn: Deno.Conn,
    onStream: (stream: H2ServerStream) => void,
    options: H2ServerOptions,
    events: H2ConnectionEvents,
  ) {
    this.#conn = conn;
    this.#opts = { ...H2_SERVER_DEFAULTS, ...options };
    this.#onStream = onStream;
    this.#events = events;
    this.#decoder = new HpackDecoder(4096);
    this.#connRecvWindow = this.#opts.connectionWindow;
    this.#glitchTokens = this.#opts.glitchBurst;
    const addr = conn.remoteAddr;
    this.peer = addr.transport === "tcp" || addr.transport === "udp"
      ? `${addr.hostname}:${addr.port}`
      : `unix:${(addr as Deno.UnixAddr).path || "anonymous"}`;
  }

  /**
   * Serves one accepted connection: sends our SETTINGS, reads frames and
   * hands each new request stream to `onStream`. Resolves when the
   * connection has closed (it never rejects).
   */
  static serve(
    conn: Deno.Conn,
    onStream: (stream: H2ServerStream) => void,
    options: H2ServerOptions = {},
    events: H2ConnectionEvents = {},
  ): H2ServerConnection {
    const c = new H2ServerConnection(conn, onStream, options, events);
    c.#start();
    return c;
  }

  /** Resolves once the connection has closed. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Open streams. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Why the connection closed ("" while open). */
  get closeReason(): string {
    return this.#closeReason;
  }

  /** Whether the connection is draining or closed (no new streams). */
  get draining(): boolean {
    return this.#state !== "open" && this.#state !== "handshake";
  }

  #start(): void {
    if (this.#conn.remoteAddr.transport === "tcp") {
      try {
        (this.#conn as Deno.TcpConn).setNoDelay(true);
      } catch { /* not a TCP socket after all (TLS wraps its own) */ }
    }
    const o = this.#opts;
    this.#queue(settingsFrame([
      [SETTING.MAX_CONCURRENT_STREAMS, o.maxConcurrentStreams],
      [SETTING.INITIAL_WINDOW_SIZE, o.streamWindow],
      [SETTING.MAX_HEADER_LIST_SIZE, o.maxHeaderListSize],
      [SETTING.ENABLE_PUSH, 0],
    ]));
    this.#settingsSentAt = performance.now();
    if (o.connectionWindow > DEFAULT_WINDOW) {
      this.#queue(windowUpdateFrame(0, o.connectionWindow - DEFAULT_WINDOW));
    }
    this.#readLoop();
  }

  /**
   * Checks the connection's time limits (handshake, SETTINGS
   * acknowledgement, idleness, drain, a peer that does not read). The
   * server calls it every second while it returns true (a short limit is
   * running: handshake, SETTINGS, drain), else every 15 seconds.
   */
  tick(now = performance.now()): boolean {
    if (this.#state === "closed" || this.#state === "closing") return false;
    const o = this.#opts;
    if (this.#state === "handshake" && now - this.#startedAt > o.handshakeTimeoutMs) {
      this.#abortConnection(ERROR.PROTOCOL_ERROR, "no HTTP/2 preface and SETTINGS in time", false);
      return false;
    }
    if (this.#settingsSentAt >= 0 && now - this.#settingsSentAt > o.settingsTimeoutMs) {
      this.#connectionError(ERROR.SETTINGS_TIMEOUT, "SETTINGS not acknowledged in time");
      return false;
    }
    if (
      o.idleTimeoutMs > 0 && this.#state === "open" && this.#streams.size === 0 &&
      now - this.#idleSince > o.idleTimeoutMs
    ) {
      this.#closeReason = "idle";
      this.drain();
    }
    if (this.#state === "draining" && now > this.#drainDeadline) {
      this.#abortConnection(ERROR.NO_ERROR, "drain timed out", true);
    }
    if (this.#writeSince >= 0 && now - this.#writeSince > o.writeTimeoutMs) {
      this.#events.onError?.(this.peer, ERROR.NO_ERROR, "the client has not read for too long");
      this.#abortConnection(ERROR.NO_ERROR, "the client does not read", false);
      this.#finishClose();
      return false;
    }
    return this.#state === "handshake" || this.#state === "draining" || this.#settingsSentAt >= 0;
  }

  /**
   * Starts a graceful close: GOAWAY with the largest stream id and a PING;
   * once the PING returns (or after a second), a final GOAWAY with the last
   * stream id taken. Streams in flight finish; the connection then closes.
   */
  drain(timeoutMs = this.#opts.drainTimeoutMs): void {
    if (this.#state !== "open" && this.#state !== "handshake") return;
    this.#state = "draining";
    this.#closeReason ||= "draining";
    this.#drainDeadline = performance.now() + timeoutMs;
    this.#queue(goawayFrame(MAX_STREAM_ID, ERROR.NO_ERROR));
    this.#queue(frame(FRAME.PING, 0, 0, DRAIN_PING));
    const timer = setTimeout(() => this.#sendFinalGoaway(), 1000);
    Deno.unrefTimer(timer);
    this.#maybeFinishDrain();
  }

  #sendFinalGoaway(): void {
    if (this.#finalGoaway || this.#state !== "draining") return;
    this.#finalGoaway = true;
    this.#goawayLastId = this.#lastStreamId;
    this.#queue(goawayFrame(this.#lastStreamId, ERROR.NO_ERROR));
    this.#maybeFinishDrain();
  }

  #maybeFinishDrain(): void {
    if (this.#state === "draining" && this.#finalGoaway && this.#streams.size === 0) {
      this.#state = "closing";
      this.#closeAfterFlush();
    }
  }

  /** Ends the connection now: GOAWAY (NO_ERROR), streams in flight are aborted. */
  close(reason = "closed by the server"): void {
    if (this.#state === "closed" || this.#state === "closing") return;
    this.#abortConnection(ERROR.NO_ERROR, reason, true);
  }

  // ---------------------------------------------------------------- output

  #queue(bytes: Uint8Array): void {
    this.#out.push(bytes);
    this.#outBytes += bytes.length;
    if (!this.#flushQueued && !this.#flushing) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Bytes queued or being written to the socket. */
  get #buffered(): number {
    return this.#outBytes + this.#writingBytes;
  }

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#out.length > 0 && this.#state !== "closed") {
        const chunks = this.#out;
        const total = this.#outBytes;
        this.#out = [];
        this.#outBytes = 0;
        this.#writingBytes = total;
        // Small frames are gathered into one write; large payloads go out as
        // they are (a copy of them would cost more than the extra write).
        for (const buf of gather(chunks, total)) {
          let at = 0;
          while (at < buf.length) {
            this.#writeSince = performance.now();
            at += await this.#conn.write(buf.subarray(at));
          }
        }
        this.#writeSince = -1;
        this.#writingBytes = 0;
        // Room on the socket again: move queued stream data along.
        this.#pump();
      }
    } catch (err) {
      this.#writingBytes = 0;
      this.#out = [];
      this.#outBytes = 0;
      this.#abortConnection(ERROR.NO_ERROR, `write failed: ${(err as Error).message}`, false);
    } finally {
      this.#flushing = false;
    }
    const drained = this.#outDrained;
    this.#outDrained = undefined;
    drained?.();
    if (this.#state === "closing" && this.#out.length === 0) this.#finishClose();
  }

  #closeAfterFlush(): void {
    if (!this.#flushing && this.#out.length === 0) this.#finishClose();
    else if (!this.#flushing && !this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #finishClose(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#abortAll({ code: ERROR.CANCEL, reason: this.#closeReason || "connection closed" });
    this.#done.resolve();
  }

  /** Sends GOAWAY and ends the connection. */
  #connectionError(code: number, reason: string): void {
    this.#events.onError?.(this.peer, code, reason);
    this.#abortConnection(code, reason, true);
  }

  #abortConnection(code: number, reason: string, goaway: boolean): void {
    if (this.#state === "closed" || this.#state === "closing") return;
    this.#closeReason ||= code === ERROR.NO_ERROR ? reason : `${errorName(code)}: ${reason}`;
    this.#state = "closing";
    this.#sendable = [];
    if (goaway) {
      // Reset nothing more; what is queued (earlier responses) still goes out first.
      this.#queue(goawayFrame(this.#lastStreamId, code, code === ERROR.NO_ERROR ? "" : reason));
    }
    this.#abortAll({
      code: code === ERROR.NO_ERROR ? ERROR.CANCEL : code,
      reason: this.#closeReason,
    });
    // A last write must not wait for a peer that does not read.
    const timer = setTimeout(() => this.#finishClose(), 1000);
    Deno.unrefTimer(timer);
    this.#closeAfterFlush();
  }

  #abortAll(abort: StreamAbort): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const s of streams) {
      if (s.state === StreamState.Closed) continue;
      s.state = StreamState.Closed;
      this.held -= s.held;
      s.held = 0;
      s.pending = [];
      s.pendingBytes = 0;
      try {
        s.handler.onAbort(s, abort);
      } catch { /* the layer above must not break the connection */ }
    }
  }

  // ------------------------------------------------------------ glitches

  /** Spends `n` glitches; false (and the connection is closing) once the budget is gone. */
  #glitch(what: string, n = 1): boolean {
    const now = performance.now();
    const o = this.#opts;
    this.#glitchTokens = Math.min(
      o.glitchBurst,
      this.#glitchTokens + (now - this.#glitchAt) * o.glitchesPerSecond / 1000,
    );
    this.#glitchAt = now;
    this.#glitchTokens -= n;
    if (this.#glitchTokens >= 0) return true;
    this.#connectionError(ERROR.ENHANCE_YOUR_CALM, `too many ${what}`);
    return false;
  }

  // ---------------------------------------------------------------- input

  async #readLoop(): Promise<void> {
    let reason = "the client closed the connection";
    try {
      for (;;) {
        if (this.#buffered > this.#opts.socketHighWater * 4) {
          // The client is not reading what it asks for: stop reading it too.
          const drained = Promise.withResolvers<void>();
          this.#outDrained = drained.resolve;
          await drained.promise;
          if (this.#state === "closed") return;
        }
        if (this.#inEnd === this.#in.length) this.#makeRoom();
        const n = await this.#conn.read(this.#in.subarray(this.#inEnd));
        if (n === null) break;
        this.#inEnd += n;
        this.#process();
        if (this.#state === "closing" || this.#state === "closed") return;
        // A full buffer means more is waiting: read bigger next time.
        if (this.#inEnd === this.#in.length && this.#in.length < 256 * 1024) this.#grow();
      }
    } catch (err) {
      if (this.#state === "closed" || this.#state === "closing") return;
      reason = `read failed: ${(err as Error).message}`;
    }
    this.#abortConnection(ERROR.NO_ERROR, reason, false);
  }

  #makeRoom(): void {
    const used = this.#inEnd - this.#inStart;
    if (this.#inStart > 0 && used < this.#in.length) {
      this.#in.copyWithin(0, this.#inStart, this.#inEnd);
      this.#inStart = 0;
      this.#inEnd = used;
    } else {
      this.#grow();
    }
  }

  #grow(): void {
    const used = this.#inEnd - this.#inStart;
    const bigger = new Uint8Array(Math.max(this.#in.length * 2, used + 9 + MIN_MAX_FRAME_SIZE));
    bigger.set(this.#in.subarray(this.#inStart, this.#inEnd), 0);
    this.#in = bigger;
    this.#inStart = 0;
    this.#inEnd = used;
  }

  #process(): void {
    try {
      if (!this.#prefaceSeen) {
        const have = this.#inEnd - this.#inStart;
        const n = Math.min(have, PREFACE.length);
        for (let i = 0; i < n; i++) {
          if (this.#in[this.#inStart + i] !== PREFACE[i]) {
            throw new ConnectionError(ERROR.PROTOCOL_ERROR, "not an HTTP/2 connection preface");
          }
        }
        if (have < PREFACE.length) return;
        this.#inStart += PREFACE.length;
        this.#prefaceSeen = true;
      }
      const maxFrame = MIN_MAX_FRAME_SIZE;
      const b = this.#in;
      while (this.#inEnd - this.#inStart >= 9) {
        const at = this.#inStart;
        const len = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
        const type = b[at + 3];
        if (len > maxFrame) {
          // RFC 9113 §4.2: a frame that could alter the connection's state is a connection error.
          throw new ConnectionError(
            ERROR.FRAME_SIZE_ERROR,
            `frame of ${len} bytes is over SETTINGS_MAX_FRAME_SIZE (${maxFrame})`,
          );
        }
        if (this.#inEnd - at < 9 + len) {
          if (this.#in.length < 9 + len) this.#grow();
          break;
        }
        const flags = b[at + 4];
        const id = ((b[at + 5] & 0x7f) << 24) | (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8];
        this.#inStart = at + 9 + len;
        if (!this.#settingsSeen) {
          if (type !== FRAME.SETTINGS || (flags & FLAG.ACK) !== 0) {
            throw new ConnectionError(ERROR.PROTOCOL_ERROR, "the first frame is not SETTINGS");
          }
          this.#settingsSeen = true;
          if (this.#state === "handshake") this.#state = "open";
        }
        this.#frame(type, flags, id, b.subarray(at + 9, at + 9 + len));
        if (this.#state === "closing" || this.#state === "closed") return;
      }
      if (this.#inStart === this.#inEnd) this.#inStart = this.#inEnd = 0;
    } catch (err) {
      if (err instanceof ConnectionError) this.#connectionError(err.code, err.message);
      else this.#connectionError(ERROR.INTERNAL_ERROR, `internal error: ${(err as Error).message}`);
    }
  }

  #frame(type: number, flags: number, id: number, payload: Uint8Array): void {
    const h = this.#header;
    if (h !== undefined && type !== FRAME.CONTINUATION) {
      throw new ConnectionError(
        ERROR.PROTOCOL_ERROR,
        `frame type ${type} inside a header block (CONTINUATION expected)`,
      );
    }
    switch (type) {
      case FRAME.DATA:
        return this.#data(flags, id, payload);
      case FRAME.HEADERS:
        return this.#headersFrame(flags, id, payload);
      case FRAME.PRIORITY:
        return this.#priority(id, payload);
      case FRAME.RST_STREAM:
        return this.#rstStream(id, payload);
      case FRAME.SETTINGS:
        return this.#settings(flags, id, payload);
      case FRAME.PUSH_PROMISE:
        throw new ConnectionError(ERROR.PROTOCOL_ERROR, "a client cannot send PUSH_PROMISE");
      case FRAME.PING:
        return this.#ping(flags, id, payload);
      case FRAME.GOAWAY:
        return this.#goaway(id, payload);
      case FRAME.WINDOW_UPDATE:
        return this.#windowUpdate(id, payload);
      case FRAME.CONTINUATION:
        return this.#continuation(flags, id, payload);
      default:
        return; // unknown frame types are ignored (RFC 9113 §4.1, §5.5)
    }
  }

  /** The payload without padding (RFC 9113 §6.1); `extra` leading bytes (priority) are skipped. */
  #unpad(flags: number, payload: Uint8Array, extra: number): Uint8Array {
    let start = 0;
    let end = payload.length;
    if (flags & FLAG.PADDED) {
      if (payload.length < 1) {
        throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "padded frame without a pad length");
      }
      const pad = payload[0];
      start = 1;
      if (pad + 1 + extra > payload.length) {
        throw new ConnectionError(ERROR.PROTOCOL_ERROR, "padding longer than the frame");
      }
      end -= pad;
    }
    if (start + extra > end) {
      throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "frame too short for its fields");
    }
    return payload.subarray(start + extra, end);
  }

  #data(flags: number, id: number, payload: Uint8Array): void {
    if (id === 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "DATA on stream 0");
    const len = payload.length;
    // Flow control counts the whole frame, padding included.
    if (len > this.#connRecvWindow) {
      throw new ConnectionError(ERROR.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
    }
    this.#connRecvWindow -= len;
    const s = this.#streams.get(id);
    if (
      s === undefined || s.state === StreamState.HalfClosedRemote || s.state === StreamState.Closed
    ) {
      // Not ours to keep: credit the connection back at once.
      this.#creditConnection(len);
      if (s !== undefined) {
        this.#streamError(s, ERROR.STREAM_CLOSED, "DATA after the client ended the stream");
        return;
      }
      if (id > this.#lastStreamId) {
        throw new ConnectionError(ERROR.PROTOCOL_ERROR, `DATA on idle stream ${id}`);
      }
      if (this.#closedAs(id) === Closed.ByUs) return;
      throw new ConnectionError(ERROR.STREAM_CLOSED, `DATA on closed stream ${id}`);
    }
    if (len > s.recvWindow) {
      this.#creditConnection(len);
      this.#streamError(s, ERROR.FLOW_CONTROL_ERROR, "DATA beyond the stream window");
      return;
    }
    s.recvWindow -= len;
    const data = this.#unpad(flags, payload, 0);
    const padding = len - data.length;
    if (padding > 0) this.#creditStream(s, padding);
    const end = (flags & FLAG.END_STREAM) !== 0;
    if (data.length === 0 && !end && !this.#glitch("empty DATA frames")) return;
    s.received += data.length;
    if (
      s.contentLength >= 0 &&
      (s.received > s.contentLength || (end && s.received !== s.contentLength))
    ) {
      this.#creditConnection(data.length);
      this.#streamError(s, ERROR.PROTOCOL_ERROR, "body length differs from content-length");
      return;
    }
    if (end) this.#remoteEnd(s);
    s.held += data.length;
    this.held += data.length;
    s.handler.onData(s, data, end);
    if (end && s.closed) this.#forget(s, Closed.ByPeer);
  }

  #remoteEnd(s: H2ServerStream): void {
    if (s.state === StreamState.Open) s.state = StreamState.HalfClosedRemote;
    else if (s.state === StreamState.HalfClosedLocal) s.state = StreamState.Closed;
  }

  #headersFrame(flags: number, id: number, payload: Uint8Array): void {
    if (id === 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "HEADERS on stream 0");
    const hasPriority = (flags & FLAG.PRIORITY) !== 0;
    const block = this.#unpad(flags, payload, hasPriority ? 5 : 0);
    let selfDependent = false;
    if (hasPriority) {
      const start = (flags & FLAG.PADDED) ? 1 : 0;
      selfDependent = (readU32(payload, start) & MAX_STREAM_ID) === id;
    }
    const endStream = (flags & FLAG.END_STREAM) !== 0;
    if (flags & FLAG.END_HEADERS) {
      this.#headerBlock(id, block, endStream, selfDependent);
      return;
    }
    this.#header = {
      id,
      endStream,
      parts: [block.slice()],
      bytes: block.length,
      frames: 0,
      selfDependent,
    };
    this.#checkBlockSize(this.#header.bytes);
  }

  #checkBlockSize(bytes: number): void {
    if (bytes > this.#opts.maxHeaderBlockBytes) {
      throw new ConnectionError(
        ERROR.ENHANCE_YOUR_CALM,
        `header block over ${this.#opts.maxHeaderBlockBytes} bytes`,
      );
    }
  }

  #continuation(flags: number, id: number, payload: Uint8Array): void {
    const h = this.#header;
    if (h === undefined || h.id !== id) {
      throw new ConnectionError(
        ERROR.PROTOCOL_ERROR,
        "CONTINUATION without a header block to continue",
      );
    }
    h.frames++;
    if (h.frames > this.#opts.maxContinuations) {
      throw new ConnectionError(
        ERROR.ENHANCE_YOUR_CALM,
        `header block in more than ${this.#opts.maxContinuations} CONTINUATION frames`,
      );
    }
    h.bytes += payload.length;
    this.#checkBlockSize(h.bytes);
    h.parts.push(payload.slice());
    if ((flags & FLAG.END_HEADERS) === 0) return;
    this.#header = undefined;
    const block = new Uint8Array(h.bytes);
    let at = 0;
    for (const p of h.parts) {
      block.set(p, at);
      at += p.length;
    }
    this.#headerBlock(h.id, block, h.endStream, h.selfDependent);
  }

  /** A complete header block: a new request, trailers, or a frame on a closed stream. */
  #headerBlock(id: number, block: Uint8Array, endStream: boolean, selfDependent: boolean): void {
    // Decode first, whatever happens to the stream: the HPACK state must stay in step.
    let fields: HeaderField[] | undefined;
    let tooLarge: HeaderListTooLargeError | undefined;
    try {
      fields = this.#decoder.decode(block, this.#opts.maxHeaderListSize);
    } catch (err) {
      if (err instanceof HpackError) {
        throw new ConnectionError(ERROR.COMPRESSION_ERROR, err.message);
      }
      if (err instanceof HeaderListTooLargeError) tooLarge = err;
      else throw err;
    }
    const existing = this.#streams.get(id);
    if (existing !== undefined) {
      this.#trailers(existing, fields, endStream, tooLarge);
      return;
    }
    if ((id & 1) === 0) {
      throw new ConnectionError(ERROR.PROTOCOL_ERROR, `client stream id ${id} is even`);
    }
    if (id <= this.#lastStreamId) {
      const closed = this.#closedAs(id);
      if (closed === Closed.ByUs) return;
      if (closed === Closed.ByPeer) {
        throw new ConnectionError(ERROR.STREAM_CLOSED, `HEADERS on closed stream ${id}`);
      }
      throw new ConnectionError(
        ERROR.PROTOCOL_ERROR,
        `stream id ${id} is not above the last one (${this.#lastStreamId})`,
      );
    }
    this.#lastStreamId = id;
    if ((this.#state !== "open" && this.#state !== "draining") || id > this.#goawayLastId) {
      // Draining: the client will retry elsewhere.
      this.#refuse(id, ERROR.REFUSED_STREAM);
      return;
    }
    if (selfDependent) {
      this.#refuse(id, ERROR.PROTOCOL_ERROR);
      this.#glitch("malformed requests");
      return;
    }
    if (this.#streams.size >= this.#opts.maxConcurrentStreams) {
      this.#refuse(id, ERROR.REFUSED_STREAM);
      this.#glitch("streams over the concurrency limit");
      return;
    }
    if (tooLarge !== undefined) {
      // 431: the fields are gone, but the stream can still be answered.
      this.#openAndReject(id, endStream, 431, tooLarge.message);
      return;
    }
    const request = this.#validateRequest(fields!);
    if (typeof request === "string") {
      this.#refuse(id, ERROR.PROTOCOL_ERROR);
      this.#glitch("malformed requests");
      return;
    }
    const s = new H2ServerStream(
      this,
      id,
      fields!,
      request,
      request.contentLength,
      endStream,
      this.#peerInitialWindow,
      this.#opts.streamWindow,
    );
    if (endStream && request.contentLength > 0) {
      this.#refuse(id, ERROR.PROTOCOL_ERROR);
      return;
    }
    this.#streams.set(id, s);
    try {
      this.#onStream(s);
      if (endStream && !s.closed) s.handler.onData(s, EMPTY, true);
    } catch (err) {
      this.#streamError(s, ERROR.INTERNAL_ERROR, `handler failed: ${(err as Error).message}`);
    }
  }

  /** A stream we answer at once with an HTTP error and a short body. */
  #openAndReject(id: number, endStream: boolean, status: number, text: string): void {
    const s = new H2ServerStream(
      this,
      id,
      [],
      { method: "", path: "", authority: "", scheme: "", contentLength: -1 },
      -1,
      endStream,
      this.#peerInitialWindow,
      this.#opts.streamWindow,
    );
    this.#streams.set(id, s);
    rejectStream(s, status, text);
  }

  #trailers(
    s: H2ServerStream,
    fields: HeaderField[] | undefined,
    endStream: boolean,
    tooLarge: HeaderListTooLargeError | undefined,
  ): void {
    if (s.state === StreamState.HalfClosedRemote || s.state === StreamState.Closed) {
      this.#streamError(s, ERROR.STREAM_CLOSED, "HEADERS after the client ended the stream");
      return;
    }
    if (!endStream) {
      this.#streamError(s, ERROR.PROTOCOL_ERROR, "trailers without END_STREAM");
      return;
    }
    if (tooLarge !== undefined) {
      this.#streamError(s, ERROR.PROTOCOL_ERROR, tooLarge.message);
      return;
    }
    for (const [name, value] of fields!) {
      if (name.charCodeAt(0) === 0x3a || !validName(name) || !validValue(value)) {
        this.#streamError(s, ERROR.PROTOCOL_ERROR, `malformed trailer field "${name}"`);
        return;
      }
    }
    if (s.contentLength >= 0 && s.received !== s.contentLength) {
      this.#streamError(s, ERROR.PROTOCOL_ERROR, "body length differs from content-length");
      return;
    }
    this.#remoteEnd(s);
    s.handler.onTrailers(s, fields!);
    s.handler.onData(s, EMPTY, true);
    if (s.closed) this.#forget(s, Closed.ByPeer);
  }

  /** Checks a request's header list (RFC 9113 §8.2, §8.3); a string says what is wrong. */
  #validateRequest(fields: HeaderField[]): string | RequestHead {
    const head: RequestHead = {
      method: "",
      path: "",
      authority: "",
      scheme: "",
      contentLength: -1,
    };
    let seen = 0; // bits: 1 :method, 2 :scheme, 4 :path, 8 :authority, 16 :protocol
    let regular = false;
    for (let i = 0; i < fields.length; i++) {
      const [name, value] = fields[i];
      if (name.charCodeAt(0) === 0x3a) {
        if (regular) return `pseudo-header ${name} after a regular field`;
        const bit = PSEUDO_BITS[name];
        if (bit === undefined) return `unknown pseudo-header ${name}`;
        if (seen & bit) return `duplicate ${name}`;
        seen |= bit;
        if (bit === 1) head.method = value;
        else if (bit === 2) head.scheme = value;
        else if (bit === 4) {
          if (value === "") return "empty :path";
          head.path = value;
        } else if (bit === 8) head.authority = value;
        continue;
      }
      regular = true;
      if (!validName(name)) return `malformed field name "${name}"`;
      if (!validValue(value)) return `malformed value of "${name}"`;
      if (CONNECTION_FIELDS.has(name)) return `connection-specific field "${name}"`;
      if (name === "te" && value !== "trailers") return `te: ${value}`;
      if (name === "content-length") {
        const n = /^\d{1,15}$/.test(value) ? Number(value) : -1;
        if (n < 0 || (head.contentLength >= 0 && n !== head.contentLength)) {
          return `bad content-length "${value}"`;
        }
        head.contentLength = n;
      }
    }
    if ((seen & 1) === 0) return "missing :method";
    if (head.method === "CONNECT" || (seen & 16) !== 0) return "CONNECT is not served";
    if ((seen & 2) === 0) return "missing :scheme";
    if ((seen & 4) === 0) return "missing :path";
    return head;
  }

  /** A stream that never opened: RST_STREAM, and remember it as reset by us. */
  #refuse(id: number, code: number): void {
    this.#queue(rstStreamFrame(id, code));
    this.#remember(id, Closed.ByUs);
  }

  #priority(id: number, payload: Uint8Array): void {
    if (id === 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "PRIORITY on stream 0");
    if (payload.length !== 5) {
      const s = this.#streams.get(id);
      if (s) this.#streamError(s, ERROR.FRAME_SIZE_ERROR, "PRIORITY frame not 5 bytes");
      else this.#queue(rstStreamFrame(id, ERROR.FRAME_SIZE_ERROR));
      return;
    }
    if (!this.#glitch("PRIORITY frames")) return;
    if ((readU32(payload, 0) & MAX_STREAM_ID) === id) {
      const s = this.#streams.get(id);
      if (s) this.#streamError(s, ERROR.PROTOCOL_ERROR, "stream depends on itself");
      else this.#queue(rstStreamFrame(id, ERROR.PROTOCOL_ERROR));
    }
    // Priorities are advisory (RFC 9113 §5.3 deprecates them): nothing else to do.
  }

  #rstStream(id: number, payload: Uint8Array): void {
    if (id === 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (payload.length !== 4) {
      throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "RST_STREAM frame not 4 bytes");
    }
    if (id > this.#lastStreamId) {
      throw new ConnectionError(ERROR.PROTOCOL_ERROR, `RST_STREAM on idle stream ${id}`);
    }
    const s = this.#streams.get(id);
    if (s === undefined) return; // closed already
    const code = readU32(payload, 0);
    // A stream the client gives up on before we finished: rapid reset's signature.
    if (!this.#glitch("streams reset by the client")) return;
    this.#closeStream(s, Closed.ByPeer);
    try {
      s.handler.onAbort(s, { code, reason: `the client reset the stream (${errorName(code)})` });
    } catch { /* the layer above must not break the connection */ }
  }

  #settings(flags: number, id: number, payload: Uint8Array): void {
    if (id !== 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & FLAG.ACK) {
      if (payload.length !== 0) {
        throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      }
      this.#settingsSentAt = -1;
      return;
    }
    if (payload.length % 6 !== 0) {
      throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
    }
    if (this.#settingsCount++ > 0 && !this.#glitch("SETTINGS frames")) return;
    for (let i = 0; i < payload.length; i += 6) {
      const key = (payload[i] << 8) | payload[i + 1];
      const value = readU32(payload, i + 2);
      switch (key) {
        case SETTING.ENABLE_PUSH:
          if (value > 1) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "ENABLE_PUSH not 0 or 1");
          break;
        case SETTING.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) {
            throw new ConnectionError(ERROR.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE over 2^31-1");
          }
          const delta = value - this.#peerInitialWindow;
          this.#peerInitialWindow = value;
          for (const s of this.#streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW) {
              throw new ConnectionError(ERROR.FLOW_CONTROL_ERROR, "a stream window over 2^31-1");
            }
            if (delta > 0 && s.pendingBytes > 0) this.#markSendable(s);
          }
          break;
        }
        case SETTING.MAX_FRAME_SIZE:
          if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
            throw new ConnectionError(ERROR.PROTOCOL_ERROR, `MAX_FRAME_SIZE ${value} out of range`);
          }
          this.#peerMaxFrame = value;
          break;
        default:
          break; // HEADER_TABLE_SIZE (our encoder uses no table), MAX_CONCURRENT_STREAMS (no push), others
      }
    }
    this.#queue(SETTINGS_ACK);
    this.#pump();
  }

  #ping(flags: number, id: number, payload: Uint8Array): void {
    if (id !== 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "PING on a stream");
    if (payload.length !== 8) throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "PING not 8 bytes");
    if (flags & FLAG.ACK) {
      if (this.#state === "draining" && payload.every((b, i) => b === DRAIN_PING[i])) {
        this.#sendFinalGoaway();
      }
      return;
    }
    // Keepalive and BDP pings come with traffic; a stream of them without is a flood.
    if (!this.#sentSincePing && !this.#glitch("PING frames")) return;
    this.#sentSincePing = false;
    this.#queue(frame(FRAME.PING, FLAG.ACK, 0, payload));
  }

  #goaway(id: number, payload: Uint8Array): void {
    if (id !== 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "GOAWAY on a stream");
    if (payload.length < 8) throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "GOAWAY too short");
    // The client will open no more streams; those open finish. Nothing to change.
  }

  #windowUpdate(id: number, payload: Uint8Array): void {
    if (payload.length !== 4) {
      throw new ConnectionError(ERROR.FRAME_SIZE_ERROR, "WINDOW_UPDATE not 4 bytes");
    }
    const inc = readU32(payload, 0) & MAX_WINDOW;
    if (id === 0) {
      if (inc === 0) throw new ConnectionError(ERROR.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      this.#connSendWindow += inc;
      if (this.#connSendWindow > MAX_WINDOW) {
        throw new ConnectionError(ERROR.FLOW_CONTROL_ERROR, "connection window over 2^31-1");
      }
      this.#pump();
      return;
    }
    if (id > this.#lastStreamId) {
      throw new ConnectionError(ERROR.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${id}`);
    }
    const s = this.#streams.get(id);
    if (s === undefined) return; // closed: may arrive late
    if (inc === 0) {
      this.#streamError(s, ERROR.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      return;
    }
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) {
      this.#streamError(s, ERROR.FLOW_CONTROL_ERROR, "stream window over 2^31-1");
      return;
    }
    if (s.pendingBytes > 0 || s.trailers !== undefined) {
      this.#markSendable(s);
      this.#pump();
    }
  }

  // ------------------------------------------------------ receive credit

  /** @internal the consumer took `n` bytes of `s`'s body. */
  consume(s: H2ServerStream, n: number): void {
    if (n <= 0) return;
    n = Math.min(n, s.held);
    s.held -= n;
    this.held -= n;
    this.#creditConnection(n);
    if (s.state === StreamState.Open || s.state === StreamState.HalfClosedLocal) {
      this.#creditStream(s, n);
    }
  }

  #creditStream(s: H2ServerStream, n: number): void {
    s.credit += n;
    // Batch: one WINDOW_UPDATE per quarter window taken.
    if (s.credit >= this.#opts.streamWindow / 4) {
      s.recvWindow += s.credit;
      this.#queue(windowUpdateFrame(s.id, s.credit));
      s.credit = 0;
    }
  }

  #creditConnection(n: number): void {
    this.#connCredit += n;
    if (this.#connCredit >= this.#opts.connectionWindow / 4) {
      this.#connRecvWindow += this.#connCredit;
      this.#queue(windowUpdateFrame(0, this.#connCredit));
      this.#connCredit = 0;
    }
  }

  // ------------------------------------------------------------ sending

  /** @internal */
  respond(s: H2ServerStream, block: Uint8Array, endStream: boolean): void {
    if (s.headersSent || !s.writable) return;
    s.headersSent = true;
    this.#sentSincePing = true;
    this.#queue(headersFrames(s.id, block, endStream, this.#peerMaxFrame));
    if (endStream) this.#localEnd(s);
  }

  /** @internal */
  write(s: H2ServerStream, data: Uint8Array, end: boolean): boolean {
    if (!s.writable) return false;
    if (data.length > 0) {
      s.pending.push(data);
      s.pendingBytes += data.length;
    }
    if (end) s.endPending = true;
    this.#markSendable(s);
    this.#pump();
    if (s.pendingBytes > this.#opts.streamHighWater) {
      s.wantDrain = true;
      return false;
    }
    return true;
  }

  /** @internal */
  end(s: H2ServerStream, trailers?: Uint8Array): void {
    if (!s.writable) return;
    if (trailers === undefined) s.endPending = true;
    else s.trailers = trailers;
    this.#markSendable(s);
    this.#pump();
  }

  /** @internal */
  respondAll(s: H2ServerStream, headers: Uint8Array, body: Uint8Array, trailers: Uint8Array): void {
    if (s.headersSent || !s.writable) return;
    const n = body.length;
    const maxFrame = this.#peerMaxFrame;
    if (
      n > s.sendWindow || n > this.#connSendWindow || n > maxFrame || headers.length > maxFrame ||
      trailers.length > maxFrame
    ) {
      this.respond(s, headers, false);
      this.write(s, body, false);
      this.end(s, trailers);
      return;
    }
    const buf = new Uint8Array(27 + headers.length + n + trailers.length);
    writeFrameHeader(buf, 0, headers.length, FRAME.HEADERS, FLAG.END_HEADERS, s.id);
    buf.set(headers, 9);
    let at = 9 + headers.length;
    writeFrameHeader(buf, at, n, FRAME.DATA, 0, s.id);
    buf.set(body, at + 9);
    at += 9 + n;
    writeFrameHeader(
      buf,
      at,
      trailers.length,
      FRAME.HEADERS,
      FLAG.END_HEADERS | FLAG.END_STREAM,
      s.id,
    );
    buf.set(trailers, at + 9);
    s.sendWindow -= n;
    this.#connSendWindow -= n;
    s.headersSent = true;
    this.#sentSincePing = true;
    this.#queue(buf);
    this.#localEnd(s);
  }

  #markSendable(s: H2ServerStream): void {
    if (!s.queued) {
      s.queued = true;
      this.#sendable.push(s);
    }
  }

  /** Moves queued stream data to the socket as far as windows and the socket allow. */
  #pump(): void {
    if (this.#sendable.length === 0) return;
    const high = this.#opts.socketHighWater;
    const list = this.#sendable;
    const keep: H2ServerStream[] = [];
    let drained: H2ServerStream[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.state === StreamState.Closed || s.state === StreamState.HalfClosedLocal) {
        s.queued = false;
        continue;
      }
      if (this.#buffered >= high || (s.pendingBytes > 0 && this.#connSendWindow <= 0)) {
        keep.push(s); // waits for the socket or the connection window
        continue;
      }
      let ended = false;
      // As much of this stream as the windows allow, a frame at a time.
      while (s.pendingBytes > 0 && this.#buffered < high) {
        const allowed = Math.min(s.sendWindow, this.#connSendWindow, this.#peerMaxFrame);
        if (allowed <= 0) break;
        let chunk = s.pending[0];
        if (chunk.length > allowed) {
          s.pending[0] = chunk.subarray(allowed);
          chunk = chunk.subarray(0, allowed);
        } else {
          s.pending.shift();
        }
        s.pendingBytes -= chunk.length;
        s.sendWindow -= chunk.length;
        this.#connSendWindow -= chunk.length;
        ended = s.pendingBytes === 0 && s.endPending && s.trailers === undefined;
        const head = new Uint8Array(9);
        writeFrameHeader(head, 0, chunk.length, FRAME.DATA, ended ? FLAG.END_STREAM : 0, s.id);
        this.#out.push(head, chunk);
        this.#outBytes += 9 + chunk.length;
        this.#sentSincePing = true;
      }
      if (s.wantDrain && s.pendingBytes <= this.#opts.streamHighWater) {
        s.wantDrain = false;
        (drained ??= []).push(s);
      }
      if (s.pendingBytes > 0) {
        // Still data: blocked by the socket or the connection (stays listed), or by the
        // stream's own window (listed again by its WINDOW_UPDATE).
        if (s.sendWindow > 0) keep.push(s);
        else s.queued = false;
        continue;
      }
      s.queued = false;
      if (ended) {
        this.#localEnd(s);
      } else if (s.trailers !== undefined) {
        const t = headersFrames(s.id, s.trailers, true, this.#peerMaxFrame);
        s.trailers = undefined;
        s.headersSent = true;
        this.#out.push(t);
        this.#outBytes += t.length;
        this.#localEnd(s);
      } else if (s.endPending) {
        const head = new Uint8Array(9);
        writeFrameHeader(head, 0, 0, FRAME.DATA, FLAG.END_STREAM, s.id);
        this.#out.push(head);
        this.#outBytes += 9;
        this.#localEnd(s);
      }
    }
    this.#sendable = keep;
    if (this.#out.length > 0 && !this.#flushQueued && !this.#flushing) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
    if (drained === undefined) return;
    for (const s of drained) {
      if (s.state === StreamState.Closed) continue;
      try {
        s.handler.onDrain(s);
      } catch { /* the layer above must not break the connection */ }
    }
  }

  /** We sent END_STREAM on `s`. */
  #localEnd(s: H2ServerStream): void {
    s.endPending = false;
    if (s.state === StreamState.HalfClosedRemote) {
      s.state = StreamState.Closed;
      this.#forget(s, Closed.ByPeer);
    } else if (s.state === StreamState.Open) {
      // We answered before the request ended: tell the client to stop sending (gRPC does this).
      s.state = StreamState.HalfClosedLocal;
      this.#queue(rstStreamFrame(s.id, ERROR.NO_ERROR));
      this.#closeStream(s, Closed.ByUs);
    }
  }

  /** @internal */
  resetStream(s: H2ServerStream, code: number): void {
    if (s.state === StreamState.Closed) return;
    this.#queue(rstStreamFrame(s.id, code));
    this.#closeStream(s, Closed.ByUs);
  }

  /** Resets `s` for a fault of the client's (a stream error). */
  #streamError(s: H2ServerStream, code: number, reason: string): void {
    if (s.state === StreamState.Closed) return;
    this.#queue(rstStreamFrame(s.id, code));
    this.#closeStream(s, Closed.ByUs);
    try {
      s.handler.onAbort(s, { code, reason });
    } catch { /* the layer above must not break the connection */ }
    this.#glitch("stream errors");
  }

  #closeStream(s: H2ServerStream, how: Closed): void {
    s.state = StreamState.Closed;
    // Whatever the consumer still holds is dropped: credit the connection back.
    if (s.held > 0) {
      this.held -= s.held;
      this.#creditConnection(s.held);
      s.held = 0;
    }
    s.pending = [];
    s.pendingBytes = 0;
    s.trailers = undefined;
    this.#forget(s, how);
  }

  #forget(s: H2ServerStream, how: Closed): void {
    if (this.#streams.get(s.id) === s) {
      this.#streams.delete(s.id);
      if (this.#streams.size === 0) this.#idleSince = performance.now();
    }
    this.#remember(s.id, how);
    this.#maybeFinishDrain();
  }

  #remember(id: number, how: Closed): void {
    this.#closedIds[this.#closedNext] = id;
    this.#closedHow[this.#closedNext] = how;
    this.#closedNext = (this.#closedNext + 1) % CLOSED_MEMORY;
  }

  /** How a recently closed stream closed (newest first), if it is remembered. */
  #closedAs(id: number): Closed | undefined {
    for (let n = 1; n <= CLOSED_MEMORY; n++) {
      const i = (this.#closedNext - n + CLOSED_MEMORY) % CLOSED_MEMORY;
      if (this.#closedIds[i] === id) return this.#closedHow[i] as Closed;
    }
    return undefined;
  }
}

/** Chunks this large are written as they are, not copied into a gathered buffer. */
const WRITE_AS_IS = 16 * 1024;

/** Groups `chunks` into as few buffers as possible without copying large ones. */
function gather(chunks: Uint8Array[], total: number): Uint8Array[] {
  if (chunks.length === 1) return chunks;
  let large = false;
  for (const c of chunks) if (c.length >= WRITE_AS_IS) large = true;
  if (!large) return [concat(chunks, total)];
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  for (const c of chunks) {
    if (c.length >= WRITE_AS_IS) {
      if (run.length > 0) out.push(concat(run, runBytes));
      run = [];
      runBytes = 0;
      out.push(c);
    } else {
      run.push(c);
      runBytes += c.length;
    }
  }
  if (run.length > 0) out.push(concat(run, runBytes));
  return out;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const buf = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    buf.set(c, at);
    at += c.length;
  }
  return buf;
}

const TEXT = new TextEncoder();

/**
 * Answers `s` with an HTTP error status and a short plain-text body (what a
 * client that is not speaking gRPC gets).
 */
export function rejectStream(s: H2ServerStream, status: number, text: string): void {
  const body = TEXT.encode(`${text}\n`);
  s.respond(
    encodeResponseHead(status, [["content-type", "text/plain; charset=utf-8"], [
      "content-length",
      String(body.length),
    ]]),
    false,
  );
  s.write(body, true);
}

import { encodeHeaders } from "./hpack.ts";

function encodeResponseHead(status: number, fields: HeaderField[]): Uint8Array {
  return encodeHeaders([[":status", String(status)], ...fields]);
}
