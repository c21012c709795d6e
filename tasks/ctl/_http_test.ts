import assert from "node:assert/strict";
import { HttpError, httpGet } from "./_http.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A TCP server that answers every connection with `reply` (raw bytes), or never. */
function rawServer(reply: string | undefined, closeAfter = true) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        await conn.read(new Uint8Array(4096));
        if (reply !== undefined) {
          await conn.write(new TextEncoder().encode(reply));
          if (closeAfter) conn.close();
        }
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}

async function httpError(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    return err;
  }
  assert.fail("no error");
}

Deno.test("http: GET with Content-Length, chunked and streamed bodies; not through HTTP_PROXY", async () => {
  const big = "x".repeat(200_000);
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(`${req.method} ${new URL(req.url).pathname} ${req.headers.get("host")}`);
    if (req.url.endsWith("/big")) return new Response(big);
    if (req.url.endsWith("/stream")) {
      // A streamed body goes out chunked.
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("one,"));
            c.enqueue(new TextEncoder().encode("two"));
            c.close();
          },
        }),
      );
    }
    return new Response("not here", { status: 404, statusText: "Not Found" });
  });
  const address = `127.0.0.1:${server.addr.port}`;
  // An HTTP proxy in the environment is not used.
  const before = Deno.env.get("HTTP_PROXY");
  Deno.env.set("HTTP_PROXY", "http://127.0.0.1:9");
  try {
    const res = await httpGet(address, "/big");
    assert.equal(res.status, 200);
    assert.equal(text(res.body), big);
    const chunked = await httpGet(address, "/stream");
    assert.equal(chunked.headers.get("transfer-encoding"), "chunked");
    assert.equal(text(chunked.body), "one,two");
    const missing = await httpGet(address, "/nope");
    assert.equal(missing.status, 404);
    assert.equal(missing.statusText, "Not Found");
    assert.equal(text(missing.body), "not here");
    assert.deepEqual(seen, [
      `GET /big ${address}`,
      `GET /stream ${address}`,
      `GET /nope ${address}`,
    ]);
  } finally {
    if (before === undefined) Deno.env.delete("HTTP_PROXY");
    else Deno.env.set("HTTP_PROXY", before);
    await server.shutdown();
  }
});

Deno.test("http: raw responses: no length (read to the end), chunk extensions, HTTP/1.0", async () => {
  const cases: [string, number, string][] = [
    ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", 200, "until the end"],
    [
      "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nnot\r\n6\r\n ready\r\n0\r\n\r\n",
      503,
      "not ready",
    ],
    ["HTTP/1.0 200\r\nContent-Length: 2\r\n\r\nok", 200, "ok"],
  ];
  for (const [reply, status, body] of cases) {
    const s = rawServer(reply);
    try {
      const res = await httpGet(s.address, "/x");
      assert.equal(res.status, status);
      assert.equal(text(res.body), body);
    } finally {
      s.close();
    }
  }
});

Deno.test("http: failures say why", async () => {
  // Refused: a port nothing listens on.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const free = `127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
  l.close();
  const refused = await httpError(httpGet(free, "/status"));
  assert.equal(refused.message, "connection refused");
  assert.equal(refused.connected, false);

  const cases: [string | undefined, RegExp, boolean][] = [
    [undefined, /^no answer within 0\.3 s$/, true],
    ["", /^empty response$/, true],
    ["SSH-2.0-OpenSSH\r\n", /^not an HTTP response$/, true],
    ["garbage\r\n\r\n", /^not an HTTP response$/, true],
    ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", /^the response was cut short$/, true],
    ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /^bad Content-Length$/, true],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /^bad chunked encoding$/, true],
    [
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
      /^the response was cut short$/,
      true,
    ],
  ];
  for (const [reply, expected, connected] of cases) {
    const s = rawServer(reply);
    try {
      const err = await httpError(httpGet(s.address, "/status", 300));
      assert.match(err.message, expected, JSON.stringify(reply));
      assert.equal(err.connected, connected);
    } finally {
      s.close();
    }
  }

  // A server that sends headers and then nothing more: the timeout ends the read.
  const slow = rawServer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", false);
  try {
    assert.match((await httpError(httpGet(slow.address, "/", 300))).message, /no answer within/);
  } finally {
    slow.close();
  }

  // An address that routes nowhere does not hang past the timeout (TEST-NET-1).
  const t0 = performance.now();
  const err = await httpError(httpGet("192.0.2.1:9980", "/status", 300));
  assert.ok(performance.now() - t0 < 3000);
  assert.equal(err.connected, false);
});

Deno.test("http: a response over the size cap is refused", async () => {
  const huge = 9 * 1024 * 1024;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(new Uint8Array(huge)),
  );
  try {
    const err = await httpError(httpGet(`127.0.0.1:${server.addr.port}`, "/", 10_000));
    assert.match(err.message, /larger than 8388608 bytes/);
  } finally {
    await server.shutdown();
  }
});
