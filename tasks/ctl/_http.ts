/**
 * A minimal HTTP/1.1 GET for the proxy's admin endpoint.
 *
 * Not `fetch`: `fetch` sends requests through `HTTP_PROXY`/`HTTPS_PROXY`
 * when they are set (an operator's shell often has them, and an admin
 * endpoint on loopback must be reached directly), refuses ports it deems
 * unsafe, and reports a refused connection as a bare "fetch failed". This
 * speaks plain HTTP/1.1 on a TCP connection: one request, `Connection:
 * close`, a body by `Content-Length`, chunks or the end of the connection.
 *
 * @module
 */
import { parseAddress } from "../../proto/transport/h2_client.ts";

/**
 * A response.
 *
 * @example
 * ```ts ignore
 * import { httpGet } from "./_http.ts";
 * const res = await httpGet("127.0.0.1:9980", "/healthz");
 * console.log(res.status, new TextDecoder().decode(res.body)); // 200 "ok"
 * ```
 */
export interface HttpResponse {
  status: number;
  statusText: string;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: Uint8Array;
}

/**
 * Why a request got no response; the message says it plainly
 * ("connection refused", "no answer within 5 s", ...).
 *
 * @example
 * ```ts
 * import { HttpError } from "./_http.ts";
 * console.log(new HttpError("connection refused", false).connected); // false
 * ```
 */
export class HttpError extends Error {
  /** True when a connection was made (the answer was missing, late or not HTTP). */
  readonly connected: boolean;
  constructor(message: string, connected = true) {
    super(message);
    this.name = "HttpError";
    this.connected = connected;
  }
}

/** The longest response read (the status of thousands of namespaces fits). */
const MAX_RESPONSE = 8 * 1024 * 1024;
const CRLF2 = [13, 10, 13, 10];

function indexOf(buf: Uint8Array, seq: number[], from = 0): number {
  outer: for (let i = from; i <= buf.length - seq.length; i++) {
    for (let j = 0; j < seq.length; j++) if (buf[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

/** Decodes a chunked body; undefined while it is incomplete. */
function dechunk(data: Uint8Array): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const eol = indexOf(data, [13, 10], at);
    if (eol < 0) return undefined;
    const sizeText = new TextDecoder().decode(data.subarray(at, eol)).split(";")[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new HttpError("bad chunked encoding");
    const size = parseInt(sizeText, 16);
    at = eol + 2;
    if (size === 0) break;
    if (data.length < at + size + 2) return undefined;
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The response in `data` when it is complete (or `ended`), else undefined. */
function parse(data: Uint8Array, ended: boolean): HttpResponse | undefined {
  const end = indexOf(data, CRLF2);
  if (end < 0) {
    if (ended) throw new HttpError(data.length ? "not an HTTP response" : "empty response");
    return undefined;
  }
  const lines = new TextDecoder().decode(data.subarray(0, end)).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) throw new HttpError("not an HTTP response");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  const rest = data.subarray(end + 4);
  let body: Uint8Array | undefined;
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) {
    body = dechunk(rest);
  } else if (headers.has("content-length")) {
    const length = Number(headers.get("content-length"));
    if (!Number.isSafeInteger(length) || length < 0) throw new HttpError("bad Content-Length");
    if (rest.length >= length) body = rest.subarray(0, length);
  } else if (ended) {
    body = rest;
  }
  if (body === undefined) {
    if (ended) throw new HttpError("the response was cut short");
    return undefined;
  }
  return { status: Number(m[1]), statusText: m[2] ?? "", headers, body };
}

/**
 * GETs `path` from `address` (`HOST:PORT`) within `timeoutMs`.
 *
 * @throws {HttpError} when there is no (complete, readable) response.
 *
 * @example
 * ```ts
 * import { httpGet } from "./_http.ts";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * const res = await httpGet(`127.0.0.1:${server.addr.port}`, "/healthz");
 * console.log(res.status, new TextDecoder().decode(res.body)); // 200 "ok"
 * await server.shutdown();
 * ```
 */
export async function httpGet(
  address: string,
  path: string,
  timeoutMs = 5000,
): Promise<HttpResponse> {
  const { hostname, port } = parseAddress(address);
  const noAnswer = () => new HttpError(`no answer within ${timeoutMs / 1000} s`);
  let conn: Deno.TcpConn | undefined;
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      try {
        conn?.close(); // a read in progress fails at once
      } catch { /* already closed */ }
      reject(noAnswer());
    }, timeoutMs);
  });
  timeout.catch(() => {});
  try {
    const connecting = Deno.connect({ hostname, port });
    try {
      conn = await Promise.race([connecting, timeout]);
    } catch (err) {
      connecting.then((c) => c.close()).catch(() => {});
      if (err instanceof HttpError) throw new HttpError(err.message, false);
      if (err instanceof Deno.errors.ConnectionRefused) {
        throw new HttpError("connection refused", false);
      }
      throw new HttpError((err as Error).message, false);
    }
    const request = `GET ${path} HTTP/1.1\r\nHost: ${address}\r\nUser-Agent: prism-ctl\r\n` +
      `Accept: application/json, text/plain\r\nConnection: close\r\n\r\n`;
    try {
      const bytes = new TextEncoder().encode(request);
      for (let w = 0; w < bytes.length;) w += await conn.write(bytes.subarray(w));
      let buf = new Uint8Array(64 * 1024);
      let length = 0;
      for (;;) {
        if (length === buf.length) {
          if (buf.length >= MAX_RESPONSE) {
            throw new HttpError(`the response is larger than ${MAX_RESPONSE} bytes`);
          }
          const grown = new Uint8Array(buf.length * 2);
          grown.set(buf);
          buf = grown;
        }
        const n = await conn.read(buf.subarray(length));
        if (n === null) return parse(buf.subarray(0, length), true)!;
        length += n;
        const done = parse(buf.subarray(0, length), false);
        if (done) return done;
      }
    } catch (err) {
      if (timedOut) throw noAnswer();
      if (err instanceof HttpError) throw err;
      throw new HttpError((err as Error).message);
    } finally {
      try {
        conn.close();
      } catch { /* closed by the timer */ }
    }
  } finally {
    clearTimeout(timer);
  }
}
