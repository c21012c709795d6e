/**
 * Test helpers for the transport: a raw HTTP/2 peer that writes whatever
 * frames a test wants (well-formed or not) and records what comes back, and
 * a small gRPC server with methods to exercise. For tests only.
 *
 * @module
 */
import { FLAG, FRAME, frame, PREFACE, readU32, settingsFrame, u32 } from "./_frame.ts";
import { GrpcServer, type GrpcServerOptions, RAW } from "./grpc_server.ts";
import { encodeHeaders, type HeaderField, HpackDecoder } from "./hpack.ts";

/** A frame as received. */
export interface RawFrame {
  type: number;
  flags: number;
  id: number;
  payload: Uint8Array;
}

/** A raw HTTP/2 client connection: send frames, read frames. */
export class RawPeer {
  readonly conn: Deno.Conn;
  readonly frames: RawFrame[] = [];
  readonly decoder = new HpackDecoder();
  #buf = new Uint8Array(0);
  #closed = false;
  #waiters: (() => void)[] = [];
  #reading: Promise<void> | undefined;
  readonly #autoAck: boolean;

  private constructor(conn: Deno.Conn, autoAck: boolean) {
    this.conn = conn;
    this.#autoAck = autoAck;
  }

  /**
   * Connects; with `handshake`, sends the preface and empty SETTINGS and
   * starts reading. With `autoAck` (the default) the server's SETTINGS are
   * acknowledged, as any client must.
   */
  static async connect(port: number, handshake = true, autoAck = true): Promise<RawPeer> {
    const peer = new RawPeer(await Deno.connect({ hostname: "127.0.0.1", port }), autoAck);
    if (handshake) {
      await peer.send(PREFACE, settingsFrame([]));
      peer.startReading();
    }
    return peer;
  }

  /** Reads frames in the background until the connection closes. */
  startReading(): void {
    this.#reading ??= (async () => {
      const chunk = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const n = await this.conn.read(chunk);
          if (n === null) break;
          const joined = new Uint8Array(this.#buf.length + n);
          joined.set(this.#buf, 0);
          joined.set(chunk.subarray(0, n), this.#buf.length);
          this.#buf = joined;
          this.#parse();
        }
      } catch { /* reset */ }
      this.#closed = true;
      this.#wake();
    })();
  }

  #parse() {
    let at = 0;
    const b = this.#buf;
    while (b.length - at >= 9) {
      const len = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
      if (b.length - at < 9 + len) break;
      const f: RawFrame = {
        type: b[at + 3],
        flags: b[at + 4],
        id: readU32(b, at + 5) & 0x7fffffff,
        payload: b.slice(at + 9, at + 9 + len),
      };
      // Acknowledge SETTINGS as any client must.
      if (this.#autoAck && f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK)) {
        this.send(frame(FRAME.SETTINGS, FLAG.ACK, 0, new Uint8Array(0))).catch(() => {});
      }
      this.frames.push(f);
      at += 9 + len;
    }
    this.#buf = b.slice(at);
    this.#wake();
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes bytes (frames) to the server; errors (a closed connection) are ignored. */
  async send(...chunks: Uint8Array[]): Promise<void> {
    for (const c of chunks) {
      try {
        let at = 0;
        while (at < c.length) at += await this.conn.write(c.subarray(at));
      } catch {
        return;
      }
    }
  }

  /** Waits until `test` holds for the frames so far (or the connection closes); false on timeout. */
  async until(test: (frames: RawFrame[]) => boolean, timeoutMs = 5000): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (!test(this.frames)) {
      if (this.#closed) return test(this.frames);
      const left = end - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** The GOAWAY received, if any: last stream id and error code. */
  goaway(): { lastStreamId: number; code: number; debug: string } | undefined {
    const f = this.frames.findLast((f) => f.type === FRAME.GOAWAY);
    if (!f) return undefined;
    return {
      lastStreamId: readU32(f.payload, 0) & 0x7fffffff,
      code: readU32(f.payload, 4),
      debug: new TextDecoder().decode(f.payload.subarray(8)),
    };
  }

  /** Waits for the server to close the connection; false on timeout. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    return await this.until(() => this.#closed, timeoutMs) && this.#closed;
  }

  /** The RST_STREAM code received for `id`, if any. */
  rstCode(id: number): number | undefined {
    const f = this.frames.find((f) => f.type === FRAME.RST_STREAM && f.id === id);
    return f ? readU32(f.payload, 0) : undefined;
  }

  /** Decoded header blocks received on `id` (each HEADERS frame with END_HEADERS). */
  headers(id: number): HeaderField[][] {
    return this.frames.filter((f) => f.type === FRAME.HEADERS && f.id === id).map((f) =>
      this.decoder.decode(unpadHeaders(f))
    );
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

function unpadHeaders(f: RawFrame): Uint8Array {
  let start = 0;
  let end = f.payload.length;
  if (f.flags & FLAG.PADDED) {
    start = 1;
    end -= f.payload[0];
  }
  if (f.flags & FLAG.PRIORITY) start += 5;
  return f.payload.subarray(start, end);
}

/** A HEADERS frame for a gRPC call to `path` (plus `extra` fields), END_HEADERS set. */
export function grpcHeadersFrame(
  id: number,
  path: string,
  options: { endStream?: boolean; extra?: HeaderField[] } = {},
): Uint8Array {
  const block = encodeHeaders([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "localhost"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...(options.extra ?? []),
  ]);
  return frame(
    FRAME.HEADERS,
    FLAG.END_HEADERS | (options.endStream ? FLAG.END_STREAM : 0),
    id,
    block,
  );
}

/** A DATA frame carrying one gRPC message. */
export function grpcDataFrame(id: number, message: Uint8Array, endStream = true): Uint8Array {
  const body = new Uint8Array(5 + message.length);
  body.set(u32(message.length), 1);
  body.set(message, 5);
  return frame(FRAME.DATA, endStream ? FLAG.END_STREAM : 0, id, body);
}

/** A test server: `/t.T/Echo` (unary), `/t.T/Firehose` (streams `count` messages of `size` bytes, counting writes), `/t.T/Hang` (never answers). */
export async function startTestServer(options: GrpcServerOptions = {}) {
  const server = new GrpcServer(options);
  const stats = { written: 0, blocked: 0, hangCancelled: 0, hanging: 0 };
  server.addUnary("/t.T/Echo", RAW, (bytes) => bytes);
  server.addServerStream("/t.T/Firehose", RAW, async (req, call) => {
    const view = new DataView(req.buffer, req.byteOffset, req.length);
    const count = req.length >= 8 ? view.getUint32(0) : 10;
    const size = req.length >= 8 ? view.getUint32(4) : 1024;
    for (let i = 0; i < count && !call.cancelled; i++) {
      stats.written++;
      if (!call.write(new Uint8Array(size))) {
        stats.blocked++;
        await call.drain();
      }
    }
  });
  server.addUnary("/t.T/Hang", RAW, (_bytes, call) => {
    stats.hanging++;
    return new Promise<Uint8Array>(() => {
      call.onCancel(() => stats.hangCancelled++);
    });
  });
  const addr = await server.listen({ hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
  return { server, port: addr.port, stats };
}

/** The request of `/t.T/Firehose`: `count` messages of `size` bytes. */
export function firehoseRequest(count: number, size: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, count);
  new DataView(b.buffer).setUint32(4, size);
  return b;
}
