/**
 * A lean gRPC-over-HTTP/2 client, written on a plain `Deno.connect` TCP
 * socket: the load tester's transport, and the proxy's for unary calls to
 * its plugins.
 *
 * Why not `@grpc/grpc-js`: on Deno its calls go through `node:http2`, and a
 * grpc-js client spends ≈300 µs of CPU per call (measured; ≈180 µs with
 * `node:http2` alone) — more than the proxy spends serving it, so on a
 * 2-core machine the tester would starve the system it measures, and the
 * proxy's hop to a plugin would cost more than the proxy itself. This
 * client sends pre-encoded request frames, batches every frame written in
 * one tick into one socket write, and only decodes response headers (HPACK)
 * and the `grpc-status`/`grpc-message` trailers; response messages are
 * counted, or handed over as bytes when the caller asks for them. What it implements of HTTP/2 (RFC 9113): the
 * connection preface and SETTINGS exchange, flow control both ways,
 * MAX_CONCURRENT_STREAMS (calls over the limit wait), PING, GOAWAY and
 * RST_STREAM, CONTINUATION, padding. No TLS (the proxy serves plaintext
 * HTTP/2, as ghz `--insecure` and grpcurl `-plaintext` use it).
 *
 * Call outcomes are gRPC status codes: the server's `grpc-status`, the
 * gRPC mapping of an HTTP status or RST_STREAM code, or `UNAVAILABLE` when
 * the connection fails.
 *
 * @module
 */
import { encodeHeaders, type HeaderField, HpackDecoder } from "./hpack.ts";
import { StreamTable } from "./_stream_table.ts";

/** gRPC status codes used here (the rest come from the server as numbers). */
export const GRPC = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * Receives a call's outcome: gRPC status code, status message, response
 * bytes received (DATA payload); `data`, those bytes (length-prefixed gRPC
 * messages) when the call was started with `collect`; `transport`, true when
 * the status is not the server's own `grpc-status` but comes from the
 * transport (the connection failed or closed, the stream was reset or
 * cancelled, GOAWAY, an HTTP error status).
 */
export type CallDone = (
  status: number,
  message: string,
  bytes: number,
  data?: Uint8Array,
  transport?: boolean,
) => void;

/**
 * Ends a call early: the stream is reset (RST_STREAM CANCEL) and the call's
 * `done` runs with `status` and `message` as a transport outcome. A no-op
 * once the call has ended.
 */
export type CancelCall = (status: number, message: string) => void;

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7 } as const;
const WINDOW_UPDATE = 8;
const CONTINUATION = 9;
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
/** The receive windows this client announces by default, per stream and for the connection. */
const RECV_WINDOW = 16 * 1024 * 1024;

/**
 * Options of {@linkcode H2Connection.connect}.
 *
 * @example
 * ```ts
 * import type { H2ConnectOptions } from "./h2_client.ts";
 * const opts: H2ConnectOptions = { streamWindow: 1 << 20 };
 * console.log(opts.streamWindow);
 * ```
 */
export interface H2ConnectOptions {
  /** Each stream's receive window: what a paused stream may buffer (default 16 MiB). */
  streamWindow?: number;
  /** The connection's receive window (default 16 MiB). */
  connectionWindow?: number;
  /**
   * TLS (HTTP/2 agreed by ALPN): the server's certificate is checked
   * against `caCerts` (PEM; default: the system's roots) and the host name.
   */
  tls?: { caCerts?: string[] };
}
const MAX_STREAM_ID = 2 ** 31 - 1;

/** A TLS connection on which the server agreed to HTTP/2 (ALPN `h2`). */
async function connectTls(target: Deno.ConnectOptions, caCerts?: string[]): Promise<Deno.Conn> {
  const conn = await Deno.connectTls({
    hostname: target.hostname,
    port: target.port,
    caCerts,
    alpnProtocols: ["h2"],
  });
  try {
    const { alpnProtocol } = await conn.handshake();
    if (alpnProtocol !== "h2") {
      throw new Error(
        `the server did not agree to HTTP/2 over TLS (ALPN: ${alpnProtocol ?? "none"})`,
      );
    }
  } catch (err) {
    conn.close();
    throw err;
  }
  return conn;
}

/**
 * Frames a serialized message as a gRPC length-prefixed message (1 byte
 * "not compressed", 4 bytes length, the message).
 *
 * @example
 * ```ts
 * import { grpcFrame } from "./h2_client.ts";
 * console.log(grpcFrame(new Uint8Array([1, 2]))); // Uint8Array(7) [0, 0, 0, 0, 2, 1, 2]
 * ```
 */
export function grpcFrame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/** Parses `host:port` or `[v6]:port`; throws naming the bad address. */
export function parseAddress(address: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new Error(`invalid address "${address}" (expected HOST:PORT)`);
  }
  return { hostname: m[1] ?? m[2], port };
}

/** The gRPC status for an HTTP status without `grpc-status` (gRPC's HTTP mapping). */
export function httpToGrpc(http: number): number {
  switch (http) {
    case 400:
      return GRPC.INTERNAL;
    case 401:
      return GRPC.UNAUTHENTICATED;
    case 403:
      return GRPC.PERMISSION_DENIED;
    case 404:
      return GRPC.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC.UNAVAILABLE;
    default:
      return GRPC.UNKNOWN;
  }
}

/** The gRPC status for an RST_STREAM error code (gRPC's HTTP/2 mapping). */
export function rstToGrpc(code: number): number {
  switch (code) {
    case 0x7: // REFUSED_STREAM
      return GRPC.UNAVAILABLE;
    case 0x8: // CANCEL
      return GRPC.CANCELLED;
    case 0xb: // ENHANCE_YOUR_CALM
      return GRPC.RESOURCE_EXHAUSTED;
    case 0xc: // INADEQUATE_SECURITY
      return GRPC.PERMISSION_DENIED;
    default:
      return GRPC.INTERNAL;
  }
}

function frameHeader(
  buf: Uint8Array,
  at: number,
  len: number,
  type: number,
  flags: number,
  id: number,
) {
  buf[at] = len >>> 16;
  buf[at + 1] = (len >>> 8) & 0xff;
  buf[at + 2] = len & 0xff;
  buf[at + 3] = type;
  buf[at + 4] = flags;
  buf[at + 5] = (id >>> 24) & 0x7f;
  buf[at + 6] = (id >>> 16) & 0xff;
  buf[at + 7] = (id >>> 8) & 0xff;
  buf[at + 8] = id & 0xff;
}

function frame(type: number, flags: number, id: number, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(9 + payload.length);
  frameHeader(buf, 0, payload.length, type, flags, id);
  buf.set(payload, 9);
  return buf;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The length field of the gRPC message prefix at `at`. */
function readLength(buf: Uint8Array, at = 0): number {
  return ((buf[at + 1] << 24) | (buf[at + 2] << 16) | (buf[at + 3] << 8) | buf[at + 4]) >>> 0;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/** Decodes a `grpc-message` value (percent-encoded UTF-8). */
function decodeGrpcMessage(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface Stream {
  /** 0 while the call waits for a stream slot. */
  id: number;
  headers: Uint8Array;
  done: CallDone;
  grpcStatus: number;
  message: string;
  http: number;
  received: number;
  unacked: number;
  sendWindow: number;
  /** Request body bytes still to send (flow control), from `offset`. */
  body?: Uint8Array;
  offset: number;
  /** Response DATA, kept when the caller collects it. */
  chunks?: Uint8Array[];
  /** The outcome came from the transport, not from `grpc-status`. */
  transport: boolean;
  ended: boolean;
  /** A streaming call's receiver (messages one by one, with flow control). */
  handlers?: StreamHandlers;
  /** Streaming: delivery paused by the receiver; DATA waits (uncredited) in `queue`. */
  paused: boolean;
  queue?: Uint8Array[];
  /** Streaming: an unfinished message's bytes. */
  partial?: Uint8Array;
  /** Streaming: END_STREAM arrived while DATA waited in the queue. */
  endQueued: boolean;
  /** Response headers were seen (the next HEADERS are trailers). */
  sawHeaders: boolean;
}

/**
 * The receiver of a streaming call ({@linkcode H2Connection.stream}).
 *
 * @example
 * ```ts
 * import type { StreamHandlers } from "./h2_client.ts";
 * const handlers: StreamHandlers = {
 *   onMessage: (bytes) => console.log("message of", bytes.length, "bytes"),
 *   onEnd: (status, message) => console.log("ended", status, message),
 * };
 * console.log(typeof handlers.onMessage);
 * ```
 */
export interface StreamHandlers {
  /** The response headers (before the first message; not for a Trailers-Only answer). */
  onHeaders?(fields: HeaderField[]): void;
  /** One response message (without its 5-byte prefix; the caller owns the bytes). */
  onMessage(message: Uint8Array): void;
  /** The call's outcome, as for {@linkcode CallDone}. */
  onEnd(status: number, message: string, transport: boolean): void;
}

/**
 * Controls a streaming call: {@linkcode pause} stops delivery (and the
 * credit that lets the server send more), {@linkcode resume} restarts it,
 * {@linkcode cancel} resets the stream.
 *
 * @example
 * ```ts
 * import type { StreamControl } from "./h2_client.ts";
 * const backpressure = (ctl: StreamControl, full: boolean) => full ? ctl.pause() : ctl.resume();
 * console.log(typeof backpressure);
 * ```
 */
export interface StreamControl {
  pause(): void;
  resume(): void;
  cancel: CancelCall;
}

/**
 * The pre-encoded HEADERS block of a gRPC call to `path`, reusable on any
 * connection.
 *
 * @example
 * ```ts
 * import { requestHeaders } from "./h2_client.ts";
 * const block = requestHeaders("127.0.0.1:8980", "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get");
 * console.log(block.length > 0); // true
 * ```
 */
export function requestHeaders(
  authority: string,
  path: string,
  userAgent = "prism-load",
  scheme: "http" | "https" = "http",
): Uint8Array {
  const fields: HeaderField[] = [
    [":method", "POST"],
    [":scheme", scheme],
    [":path", path],
    [":authority", authority],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ["user-agent", userAgent],
  ];
  return encodeHeaders(fields);
}

/**
 * A call's HEADERS block: the pre-encoded `base` from
 * {@linkcode requestHeaders} followed by per-call fields (a deadline, a
 * request id). HPACK blocks concatenate because this client's encoder never
 * uses the dynamic table.
 *
 * @example
 * ```ts
 * import { callHeaders, requestHeaders } from "./h2_client.ts";
 * const base = requestHeaders("127.0.0.1:8980", "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get");
 * const block = callHeaders(base, [["grpc-timeout", "100m"], ["x-request-id", "r-1"]]);
 * console.log(block.length > base.length); // true
 * ```
 */
export function callHeaders(base: Uint8Array, fields: HeaderField[]): Uint8Array {
  return encodeHeaders(fields, base);
}

/**
 * One HTTP/2 connection carrying gRPC calls. Use {@linkcode H2Connection.connect}.
 *
 * @example
 * ```ts ignore
 * import { H2Connection, requestHeaders } from "./h2_client.ts";
 * const conn = await H2Connection.connect("127.0.0.1:8980", 3000);
 * const headers = requestHeaders("127.0.0.1:8980", "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get");
 * const body = new Uint8Array([0, 0, 0, 0, 3, 0x12, 0x01, 0x61]); // Get{key:"a"}
 * conn.call(headers, body, (status) => console.log("status", status));
 * ```
 */
export class H2Connection {
  #conn: Deno.Conn;
  #decoder = new HpackDecoder();
  /** Open streams (not a Map: see `_stream_table.ts`). */
  #streams = new StreamTable<Stream>();
  #waiting: Stream[] = [];
  #blocked: Stream[] = [];
  #nextId = 1;
  #maxConcurrent = Infinity;
  #initialSendWindow = 65535;
  #connSendWindow = 65535;
  #maxFrameSize = 16384;
  #connUnacked = 0;
  #out: Uint8Array[] = [];
  #outLen = 0;
  #writing = false;
  #in = new Uint8Array(64 * 1024);
  #inStart = 0;
  #inEnd = 0;
  #continuation?: { id: number; endStream: boolean; parts: Uint8Array[] };
  #closed = false;
  #closeReason = "";
  #settled?: (err?: Error) => void;
  readonly #streamWindow: number;
  readonly #connWindow: number;

  private constructor(conn: Deno.Conn, options: H2ConnectOptions) {
    this.#conn = conn;
    this.#streamWindow = options.streamWindow ?? RECV_WINDOW;
    this.#connWindow = options.connectionWindow ?? RECV_WINDOW;
  }

  /**
   * Opens a connection to `address` (`host:port`, or `unix:PATH` for a Unix
   * socket, which needs read and write permission for PATH) and completes
   * the HTTP/2 handshake; rejects with a message naming the address when the
   * target cannot be reached or does not speak HTTP/2 within `timeoutMs`.
   */
  static async connect(
    address: string,
    timeoutMs = 3000,
    options: H2ConnectOptions = {},
  ): Promise<H2Connection> {
    const target: Deno.ConnectOptions | Deno.UnixConnectOptions = address.startsWith("unix:")
      ? { transport: "unix", path: address.slice(5) }
      : parseAddress(address);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`cannot connect to ${address}: no HTTP/2 handshake within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    let tcp: Deno.Conn | undefined;
    try {
      const tls = options.tls;
      if (tls !== undefined && "path" in target) {
        throw new Error("TLS over a Unix socket is not supported");
      }
      const connecting = (tls === undefined
        ? (Deno.connect as (o: typeof target) => Promise<Deno.Conn>)(target)
        : connectTls(target as Deno.ConnectOptions, tls.caCerts))
        .then((c) => (tcp = c));
      connecting.catch(() => {});
      await Promise.race([connecting, timeout]);
      const conn = new H2Connection(tcp!, options);
      await Promise.race([conn.#handshake(address), timeout]);
      return conn;
    } catch (err) {
      try {
        tcp?.close();
      } catch { /* already closed */ }
      const msg = (err as Error).message;
      throw new Error(
        msg.startsWith("cannot connect") ? msg : `cannot connect to ${address}: ${msg}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #handshake(address: string): Promise<void> {
    const tcp = this.#conn as Partial<Deno.TcpConn>;
    if (typeof tcp.setNoDelay === "function") tcp.setNoDelay(true);
    const settings = new Uint8Array(12);
    const dv = new DataView(settings.buffer);
    dv.setUint16(0, 0x2); // ENABLE_PUSH
    dv.setUint32(2, 0);
    dv.setUint16(6, 0x4); // INITIAL_WINDOW_SIZE
    dv.setUint32(8, this.#streamWindow);
    this.#send(PREFACE);
    this.#send(frame(FRAME.SETTINGS, 0, 0, settings));
    if (this.#connWindow > 65535) {
      this.#send(frame(WINDOW_UPDATE, 0, 0, u32(this.#connWindow - 65535)));
    }
    const ready = new Promise<void>((resolve, reject) => {
      this.#settled = (err) => (err ? reject(err) : resolve());
    });
    this.#readLoop(address);
    return ready;
  }

  /** Whether new calls can be started on this connection. */
  get usable(): boolean {
    return !this.#closed && this.#nextId <= MAX_STREAM_ID;
  }

  /** Why the connection closed ("" while open). */
  get closeReason(): string {
    return this.#closeReason;
  }

  /** Calls in flight or waiting for a stream slot. */
  get pending(): number {
    return this.#streams.size + this.#waiting.length;
  }

  /**
   * Starts a gRPC call: `headers` from {@linkcode requestHeaders} (or
   * {@linkcode callHeaders}), `body` the length-prefixed request
   * message(s). `done` runs once, with the outcome, and with the response
   * bytes when `collect` is set. Returns a function that cancels the call.
   */
  call(headers: Uint8Array, body: Uint8Array, done: CallDone, collect = false): CancelCall {
    return this.#open(headers, body, done, collect, undefined);
  }

  /**
   * Starts a streaming call (server-streaming: one request, messages back):
   * each response message goes to `handlers.onMessage` as it completes, the
   * outcome to `handlers.onEnd`. While paused, what arrives waits
   * uncredited, so the server can send no more than the stream window.
   */
  stream(headers: Uint8Array, body: Uint8Array, handlers: StreamHandlers): StreamControl {
    let s!: Stream;
    const cancel = this.#open(
      headers,
      body,
      (status, message, _bytes, _data, transport) => handlers.onEnd(status, message, !!transport),
      false,
      handlers,
      (created) => (s = created),
    );
    return {
      cancel,
      pause: () => {
        s.paused = true;
      },
      resume: () => {
        if (!s.paused) return;
        s.paused = false;
        this.#drainQueue(s);
      },
    };
  }

  #open(
    headers: Uint8Array,
    body: Uint8Array,
    done: CallDone,
    collect: boolean,
    handlers: StreamHandlers | undefined,
    created?: (s: Stream) => void,
  ): CancelCall {
    const s: Stream = {
      id: 0,
      headers,
      done,
      grpcStatus: -1,
      message: "",
      http: 0,
      received: 0,
      unacked: 0,
      sendWindow: 0,
      body,
      offset: 0,
      chunks: collect ? [] : undefined,
      transport: false,
      ended: false,
      handlers,
      paused: false,
      endQueued: false,
      sawHeaders: false,
    };
    created?.(s);
    const cancel: CancelCall = (status, message) => this.#cancel(s, status, message);
    if (!this.usable) {
      this.#end(s, GRPC.UNAVAILABLE, this.#closeReason || "connection out of stream ids");
    } else if (this.#streams.size >= this.#maxConcurrent) {
      this.#waiting.push(s);
    } else {
      this.#start(s);
    }
    return cancel;
  }

  /** Ends `s` with a transport outcome. */
  #end(s: Stream, status: number, message: string) {
    s.grpcStatus = status;
    s.message = message;
    s.transport = true;
    this.#finish(s);
  }

  #cancel(s: Stream, status: number, message: string) {
    if (s.ended) return;
    if (s.id === 0) {
      const i = this.#waiting.indexOf(s);
      if (i >= 0) this.#waiting.splice(i, 1);
    } else if (!this.#closed) {
      this.#send(frame(FRAME.RST_STREAM, 0, s.id, u32(0x8))); // CANCEL
    }
    this.#end(s, status, message);
  }

  #start(s: Stream) {
    const id = this.#nextId;
    this.#nextId += 2;
    s.id = id;
    s.sendWindow = this.#initialSendWindow;
    const { headers, body } = s;
    s.body = undefined;
    this.#streams.set(id, s);
    const n = body!.length;
    if (n <= this.#maxFrameSize && n <= this.#connSendWindow && n <= s.sendWindow) {
      // The common case: HEADERS and the whole body in one buffer.
      const buf = new Uint8Array(18 + headers.length + n);
      frameHeader(buf, 0, headers.length, FRAME.HEADERS, FLAG.END_HEADERS, id);
      buf.set(headers, 9);
      const at = 9 + headers.length;
      frameHeader(buf, at, n, FRAME.DATA, FLAG.END_STREAM, id);
      buf.set(body!, at + 9);
      this.#connSendWindow -= n;
      s.sendWindow -= n;
      this.#send(buf);
      return;
    }
    this.#send(frame(FRAME.HEADERS, FLAG.END_HEADERS, id, headers));
    s.body = body;
    this.#blocked.push(s);
    this.#flushBlocked();
  }

  /** Sends what flow control allows of blocked request bodies. */
  #flushBlocked() {
    while (this.#blocked.length > 0 && this.#connSendWindow > 0) {
      const s = this.#blocked[0];
      if (!this.#streams.has(s.id)) {
        this.#blocked.shift();
        continue;
      }
      const body = s.body!;
      const left = body.length - s.offset;
      const n = Math.min(left, this.#maxFrameSize, this.#connSendWindow, s.sendWindow);
      if (n <= 0 && left > 0) {
        // This stream waits for its own window; let others go.
        this.#blocked.push(this.#blocked.shift()!);
        if (this.#blocked.every((b) => b.sendWindow <= 0)) return;
        continue;
      }
      const last = n === left;
      this.#send(
        frame(FRAME.DATA, last ? FLAG.END_STREAM : 0, s.id, body.subarray(s.offset, s.offset + n)),
      );
      s.offset += n;
      s.sendWindow -= n;
      this.#connSendWindow -= n;
      if (last) {
        s.body = undefined;
        this.#blocked.shift();
      }
    }
  }

  #send(bytes: Uint8Array) {
    this.#out.push(bytes);
    this.#outLen += bytes.length;
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => this.#flush());
    }
  }

  async #flush() {
    while (this.#out.length > 0 && !this.#closed) {
      let buf: Uint8Array;
      if (this.#out.length === 1) {
        buf = this.#out[0];
      } else {
        buf = new Uint8Array(this.#outLen);
        let at = 0;
        for (const b of this.#out) {
          buf.set(b, at);
          at += b.length;
        }
      }
      this.#out = [];
      this.#outLen = 0;
      try {
        let at = 0;
        while (at < buf.length) at += await this.#conn.write(buf.subarray(at));
      } catch (err) {
        this.#fail(`write failed: ${(err as Error).message}`);
      }
    }
    this.#writing = false;
  }

  async #readLoop(address: string) {
    const chunk = new Uint8Array(256 * 1024);
    let reason = `${address} closed the connection`;
    try {
      for (;;) {
        const n = await this.#conn.read(chunk);
        if (n === null) break;
        this.#feed(chunk.subarray(0, n));
        if (this.#closed) return;
      }
    } catch (err) {
      if (this.#closed) return;
      reason = `connection to ${address} failed: ${(err as Error).message}`;
    }
    this.#fail(reason);
  }

  #feed(data: Uint8Array) {
    if (this.#inEnd + data.length > this.#in.length) {
      const used = this.#inEnd - this.#inStart;
      if (this.#in.length >= used + data.length) {
        this.#in.copyWithin(0, this.#inStart, this.#inEnd);
      } else {
        const grown = new Uint8Array(Math.max(this.#in.length * 2, used + data.length));
        grown.set(this.#in.subarray(this.#inStart, this.#inEnd), 0);
        this.#in = grown;
      }
      this.#inStart = 0;
      this.#inEnd = used;
    }
    this.#in.set(data, this.#inEnd);
    this.#inEnd += data.length;
    const b = this.#in;
    while (this.#inEnd - this.#inStart >= 9) {
      const at = this.#inStart;
      if (this.#settled && at === 0 && b[3] !== FRAME.SETTINGS) {
        this.#fail("the server did not answer with HTTP/2 SETTINGS (not a gRPC server?)");
        return;
      }
      const len = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
      if (this.#inEnd - at < 9 + len) break;
      const type = b[at + 3];
      const flags = b[at + 4];
      const id = ((b[at + 5] & 0x7f) << 24) | (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8];
      this.#inStart = at + 9 + len;
      this.#frame(type, flags, id, b.subarray(at + 9, at + 9 + len));
      if (this.#closed) return;
    }
    if (this.#inStart === this.#inEnd) this.#inStart = this.#inEnd = 0;
  }

  #frame(type: number, flags: number, id: number, payload: Uint8Array) {
    if (this.#continuation && type !== CONTINUATION) {
      this.#fail("protocol error: expected CONTINUATION");
      return;
    }
    switch (type) {
      case FRAME.DATA: {
        this.#connUnacked += payload.length;
        if (this.#connUnacked >= this.#connWindow / 2) {
          this.#send(frame(WINDOW_UPDATE, 0, 0, u32(this.#connUnacked)));
          this.#connUnacked = 0;
        }
        const s = this.#streams.get(id);
        if (!s) return;
        let data = payload;
        if (flags & FLAG.PADDED) {
          const pad = payload[0] ?? 0;
          if (pad + 1 > payload.length) {
            this.#fail("protocol error: DATA padding longer than the frame");
            return;
          }
          data = payload.subarray(1, payload.length - pad);
          this.#credit(s, payload.length - data.length);
        }
        const end = (flags & FLAG.END_STREAM) !== 0;
        s.received += data.length;
        if (s.handlers !== undefined) {
          this.#streamData(s, data, end);
          return;
        }
        if (s.chunks !== undefined && data.length > 0) s.chunks.push(data.slice());
        if (end) {
          this.#finish(s);
          return;
        }
        this.#credit(s, data.length);
        return;
      }
      case FRAME.HEADERS: {
        let start = 0;
        let end = payload.length;
        if (flags & FLAG.PADDED) {
          start = 1;
          end -= payload[0];
        }
        if (flags & FLAG.PRIORITY) start += 5;
        const block = payload.subarray(start, end);
        const endStream = (flags & FLAG.END_STREAM) !== 0;
        if (flags & FLAG.END_HEADERS) {
          this.#headers(id, block, endStream);
        } else {
          this.#continuation = { id, endStream, parts: [block.slice()] };
        }
        return;
      }
      case CONTINUATION: {
        const c = this.#continuation;
        if (!c || c.id !== id) {
          this.#fail("protocol error: unexpected CONTINUATION");
          return;
        }
        c.parts.push(payload.slice());
        if (flags & FLAG.END_HEADERS) {
          this.#continuation = undefined;
          const total = c.parts.reduce((n, p) => n + p.length, 0);
          const block = new Uint8Array(total);
          let at = 0;
          for (const p of c.parts) {
            block.set(p, at);
            at += p.length;
          }
          this.#headers(c.id, block, c.endStream);
        }
        return;
      }
      case FRAME.RST_STREAM: {
        const s = this.#streams.get(id);
        if (!s) return;
        const code = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
        this.#end(s, rstToGrpc(code), `stream reset by the server (HTTP/2 error ${code})`);
        return;
      }
      case FRAME.SETTINGS: {
        if (flags & FLAG.ACK) return;
        const dv = new DataView(payload.buffer, payload.byteOffset, payload.length);
        for (let i = 0; i + 6 <= payload.length; i += 6) {
          const key = dv.getUint16(i);
          const value = dv.getUint32(i + 2);
          if (key === 0x3) this.#maxConcurrent = value;
          if (key === 0x4) {
            const delta = value - this.#initialSendWindow;
            this.#initialSendWindow = value;
            for (const s of this.#streams.values()) s.sendWindow += delta;
          }
          if (key === 0x5) this.#maxFrameSize = value;
        }
        this.#send(frame(FRAME.SETTINGS, FLAG.ACK, 0, new Uint8Array(0)));
        const settled = this.#settled;
        this.#settled = undefined;
        settled?.();
        this.#startWaiting();
        this.#flushBlocked();
        return;
      }
      case FRAME.PING:
        if (!(flags & FLAG.ACK)) this.#send(frame(FRAME.PING, FLAG.ACK, 0, payload.slice()));
        return;
      case FRAME.GOAWAY: {
        const dv = new DataView(payload.buffer, payload.byteOffset, payload.length);
        const last = dv.getUint32(0) & 0x7fffffff;
        const code = dv.getUint32(4);
        this.#closeReason = `the server is going away (GOAWAY, HTTP/2 error ${code})`;
        // No new streams; those the server never saw fail now, the others finish.
        this.#nextId = MAX_STREAM_ID + 2;
        for (const s of [...this.#streams.values()]) {
          if (s.id > last) this.#end(s, GRPC.UNAVAILABLE, this.#closeReason);
        }
        for (const w of this.#waiting.splice(0)) this.#end(w, GRPC.UNAVAILABLE, this.#closeReason);
        return;
      }
      case WINDOW_UPDATE: {
        const inc = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) & 0x7fffffff;
        if (id === 0) {
          this.#connSendWindow += inc;
        } else {
          const s = this.#streams.get(id);
          if (s) s.sendWindow += inc;
        }
        this.#flushBlocked();
        return;
      }
      default:
        return; // PRIORITY, PUSH_PROMISE (disabled), unknown: ignored
    }
  }

  #headers(id: number, block: Uint8Array, endStream: boolean) {
    let fields: HeaderField[];
    try {
      fields = this.#decoder.decode(block);
    } catch (err) {
      this.#fail(`cannot decode response headers: ${(err as Error).message}`);
      return;
    }
    const s = this.#streams.get(id);
    if (!s) return;
    for (const [name, value] of fields) {
      if (name === ":status") s.http = Number(value);
      else if (name === "grpc-status") s.grpcStatus = Number(value);
      else if (name === "grpc-message") s.message = decodeGrpcMessage(value);
    }
    if (!endStream && !s.sawHeaders) {
      s.sawHeaders = true;
      try {
        s.handlers?.onHeaders?.(fields);
      } catch (err) {
        this.#cancel(
          s,
          GRPC.INTERNAL,
          `response headers handler failed: ${(err as Error).message}`,
        );
        return;
      }
    }
    if (!endStream) return;
    if (s.handlers !== undefined && (s.paused || (s.queue?.length ?? 0) > 0)) {
      s.endQueued = true; // after the messages still waiting
      return;
    }
    this.#finish(s);
  }

  /** Returns `n` bytes of receive credit for `s` (sent in batches). */
  #credit(s: Stream, n: number) {
    if (n <= 0 || s.ended) return;
    s.unacked += n;
    if (s.unacked >= this.#streamWindow / 4) {
      this.#send(frame(WINDOW_UPDATE, 0, s.id, u32(s.unacked)));
      s.unacked = 0;
    }
  }

  /** Streaming DATA: deliver complete messages, or queue while paused. */
  #streamData(s: Stream, data: Uint8Array, end: boolean) {
    if (s.paused || (s.queue?.length ?? 0) > 0) {
      if (data.length > 0) (s.queue ??= []).push(data.slice());
      if (end) s.endQueued = true;
      return;
    }
    const rest = this.#deliver(s, data);
    if (rest !== undefined) {
      (s.queue ??= []).unshift(rest.slice());
      if (end) s.endQueued = true;
      return;
    }
    if (end && !s.ended) this.#finish(s);
  }

  /** Resumes delivery of queued DATA. */
  #drainQueue(s: Stream) {
    const q = s.queue;
    while (q !== undefined && q.length > 0 && !s.paused && !s.ended) {
      const chunk = q.shift()!;
      const rest = this.#deliver(s, chunk);
      if (rest !== undefined) q.unshift(rest);
    }
    if (!s.paused && (q === undefined || q.length === 0) && s.endQueued && !s.ended) {
      this.#finish(s);
    }
  }

  /**
   * Parses messages out of `data` and delivers them, crediting what it
   * takes; returns what is left when the receiver paused midway.
   */
  #deliver(s: Stream, data: Uint8Array): Uint8Array | undefined {
    let at = 0;
    const handlers = s.handlers!;
    while (at < data.length) {
      if (s.paused || s.ended) {
        this.#credit(s, at);
        return data.subarray(at);
      }
      // Gather at least a prefix, then the whole message, into `partial` when split.
      let buf = data;
      let from = at;
      if (s.partial !== undefined) {
        const need = s.partial.length < 5 ? 5 : 5 + readLength(s.partial);
        const take = Math.min(need - s.partial.length, data.length - at);
        const grown = new Uint8Array(s.partial.length + take);
        grown.set(s.partial, 0);
        grown.set(data.subarray(at, at + take), s.partial.length);
        s.partial = grown;
        at += take;
        if (grown.length < 5 || grown.length < 5 + readLength(grown)) continue;
        buf = grown;
        from = 0;
        s.partial = undefined;
      } else if (data.length - at < 5 || data.length - at < 5 + readLength(data, at)) {
        s.partial = data.slice(at);
        at = data.length;
        continue;
      }
      const len = readLength(buf, from);
      if (buf[from] !== 0) {
        this.#cancel(
          s,
          GRPC.INTERNAL,
          "the server sent a compressed message, which was not asked for",
        );
        return undefined;
      }
      const message = buf.slice(from + 5, from + 5 + len);
      if (buf === data) at = from + 5 + len;
      try {
        handlers.onMessage(message);
      } catch (err) {
        this.#cancel(s, GRPC.INTERNAL, `message handler failed: ${(err as Error).message}`);
        return undefined;
      }
    }
    this.#credit(s, data.length);
    return undefined;
  }

  #finish(s: Stream) {
    if (s.ended) return;
    s.ended = true;
    if (s.id !== 0) this.#streams.delete(s.id);
    let status = s.grpcStatus;
    if (status < 0) {
      s.transport = true;
      status = s.http === 200 ? GRPC.UNKNOWN : httpToGrpc(s.http);
      if (!s.message) {
        s.message = s.http === 200
          ? "the server sent no grpc-status"
          : `HTTP status ${s.http} without grpc-status`;
      }
    }
    if (s.handlers !== undefined && status === GRPC.OK && s.partial !== undefined) {
      status = GRPC.INTERNAL;
      s.message = "the response ended inside a message";
    }
    const chunks = s.chunks;
    if (chunks === undefined) {
      s.done(status, s.message, s.received, undefined, s.transport);
    } else {
      s.done(status, s.message, s.received, concat(chunks, s.received), s.transport);
    }
    if (!this.#closed) this.#startWaiting();
  }

  #startWaiting() {
    while (this.#waiting.length > 0 && this.#streams.size < this.#maxConcurrent && this.usable) {
      this.#start(this.#waiting.shift()!);
    }
  }

  #fail(reason: string) {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    const settled = this.#settled;
    this.#settled = undefined;
    settled?.(new Error(reason));
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    const streams = [...this.#streams.values(), ...this.#waiting.splice(0)];
    this.#streams.clear();
    for (const s of streams) this.#end(s, GRPC.UNAVAILABLE, reason);
  }

  /** Closes the connection; calls in flight end with `CANCELLED`. */
  close(): void {
    if (this.#closed) return;
    const streams = [...this.#streams.values(), ...this.#waiting.splice(0)];
    this.#streams.clear();
    this.#closed = true;
    this.#closeReason = "closed by the client";
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    for (const s of streams) this.#end(s, GRPC.CANCELLED, "closed by the client");
  }
}

/**
 * A connection that reconnects when it breaks: calls made while it is down
 * wait for one reconnection attempt (at most one every `retryMs`) and fail
 * with `UNAVAILABLE` if it does not succeed, so that a closed loop does not
 * spin on instant failures.
 *
 * @example
 * ```ts ignore
 * import { H2Channel } from "./h2_client.ts";
 * const ch = new H2Channel("127.0.0.1:8980");
 * await ch.ready();
 * ch.close();
 * ```
 */
export class H2Channel {
  readonly address: string;
  #conn?: H2Connection;
  #connecting?: Promise<void>;
  #lastAttempt = -Infinity;
  #lastError = "";
  #closed = false;
  #timeoutMs: number;
  #retryMs: number;
  #connectOptions: H2ConnectOptions;

  /**
   * `timeoutMs` bounds a connection attempt (default 3 s), `retryMs` spaces
   * attempts (default 500 ms); the rest goes to {@linkcode H2Connection.connect}.
   */
  constructor(
    address: string,
    options: { timeoutMs?: number; retryMs?: number } & H2ConnectOptions = {},
  ) {
    this.address = address;
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#retryMs = options.retryMs ?? 500;
    this.#connectOptions = {
      streamWindow: options.streamWindow,
      connectionWindow: options.connectionWindow,
      tls: options.tls,
    };
  }

  /** Whether the channel has a usable connection now. */
  get connected(): boolean {
    return this.#conn?.usable === true;
  }

  /** Connects (once); rejects with the connection error. */
  async ready(): Promise<void> {
    await this.#reconnect();
    if (!this.#conn?.usable) throw new Error(this.#lastError);
  }

  #reconnect(): Promise<void> {
    if (this.#connecting) return this.#connecting;
    const wait = Math.max(0, this.#lastAttempt + this.#retryMs - performance.now());
    this.#connecting = (async () => {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.#lastAttempt = performance.now();
      try {
        const conn = await H2Connection.connect(
          this.address,
          this.#timeoutMs,
          this.#connectOptions,
        );
        if (this.#closed) conn.close();
        else this.#conn = conn;
      } catch (err) {
        this.#lastError = (err as Error).message;
      } finally {
        this.#connecting = undefined;
      }
    })();
    return this.#connecting;
  }

  /** Starts a call (see {@linkcode H2Connection.call}); returns a function that cancels it. */
  call(headers: Uint8Array, body: Uint8Array, done: CallDone, collect = false): CancelCall {
    const conn = this.#conn;
    if (conn?.usable) return conn.call(headers, body, done, collect);
    if (this.#closed) {
      done(GRPC.CANCELLED, "closed by the client", 0, undefined, true);
      return () => {};
    }
    let inner: CancelCall | undefined;
    let cancelled = false;
    this.#reconnect().then(() => {
      if (cancelled) return;
      const c = this.#conn;
      if (c?.usable) inner = c.call(headers, body, done, collect);
      else {
        done(
          GRPC.UNAVAILABLE,
          this.#lastError || c?.closeReason || "not connected",
          0,
          undefined,
          true,
        );
      }
    });
    return (status, message) => {
      if (inner !== undefined) return inner(status, message);
      if (cancelled) return;
      cancelled = true;
      done(status, message, 0, undefined, true);
    };
  }

  /** Starts a streaming call (see {@linkcode H2Connection.stream}). */
  stream(headers: Uint8Array, body: Uint8Array, handlers: StreamHandlers): StreamControl {
    const conn = this.#conn;
    if (conn?.usable) return conn.stream(headers, body, handlers);
    let inner: StreamControl | undefined;
    let ended = false;
    let paused = false;
    const end = (status: number, message: string) => {
      if (ended) return;
      ended = true;
      handlers.onEnd(status, message, true);
    };
    if (this.#closed) {
      end(GRPC.CANCELLED, "closed by the client");
    } else {
      this.#reconnect().then(() => {
        if (ended) return;
        const c = this.#conn;
        if (c?.usable) {
          inner = c.stream(headers, body, handlers);
          if (paused) inner.pause();
        } else end(GRPC.UNAVAILABLE, this.#lastError || c?.closeReason || "not connected");
      });
    }
    return {
      pause: () => inner ? inner.pause() : (paused = true),
      resume: () => inner ? inner.resume() : (paused = false),
      cancel: (status, message) => inner ? inner.cancel(status, message) : end(status, message),
    };
  }

  /** Closes the channel for good. */
  close(): void {
    this.#closed = true;
    this.#conn?.close();
  }
}
