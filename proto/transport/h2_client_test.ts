import assert from "node:assert/strict";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../definitions.ts";
import { EMPTY_HANDLERS, startEmptyServer } from "../../tasks/bench/empty_server.ts";
import {
  callHeaders,
  GRPC,
  grpcFrame,
  H2Channel,
  H2Connection,
  httpToGrpc,
  parseAddress,
  requestHeaders,
  rstToGrpc,
} from "./h2_client.ts";
import { encodeHeaders, type HeaderField } from "./hpack.ts";

type Outcome = { status: number; message: string; bytes: number };
const call = (c: H2Connection | H2Channel, headers: Uint8Array, body: Uint8Array) =>
  new Promise<Outcome>((resolve) =>
    c.call(headers, body, (status, message, bytes) => resolve({ status, message, bytes }))
  );

const getBody = (key: string) =>
  grpcFrame(
    serviceDefinition(SERVICE_NAMES.keyvalueBasic).Get.requestSerialize({ key }) as Uint8Array,
  );

Deno.test("h2: addresses and status mappings", () => {
  assert.deepEqual(parseAddress("127.0.0.1:8980"), { hostname: "127.0.0.1", port: 8980 });
  assert.deepEqual(parseAddress("[::1]:80"), { hostname: "::1", port: 80 });
  assert.deepEqual(parseAddress("localhost:1"), { hostname: "localhost", port: 1 });
  for (const bad of ["nowhere", ":80", "host:0", "host:70000", "a:b", "::1:80"]) {
    assert.throws(() => parseAddress(bad), /invalid address/, bad);
  }
  assert.equal(httpToGrpc(400), GRPC.INTERNAL);
  assert.equal(httpToGrpc(401), GRPC.UNAUTHENTICATED);
  assert.equal(httpToGrpc(403), GRPC.PERMISSION_DENIED);
  assert.equal(httpToGrpc(404), GRPC.UNIMPLEMENTED);
  for (const s of [429, 502, 503, 504]) assert.equal(httpToGrpc(s), GRPC.UNAVAILABLE);
  assert.equal(httpToGrpc(500), GRPC.UNKNOWN);
  assert.equal(rstToGrpc(0x7), GRPC.UNAVAILABLE);
  assert.equal(rstToGrpc(0x8), GRPC.CANCELLED);
  assert.equal(rstToGrpc(0xb), GRPC.RESOURCE_EXHAUSTED);
  assert.equal(rstToGrpc(0xc), GRPC.PERMISSION_DENIED);
  assert.equal(rstToGrpc(0x2), GRPC.INTERNAL);
});

Deno.test(
  "h2: calls to a grpc-js server: OK, UNIMPLEMENTED, big bodies, many at once",
  async () => {
    const { server, port } = await startEmptyServer();
    const address = `127.0.0.1:${port}`;
    const conn = await H2Connection.connect(address);
    try {
      const get = requestHeaders(address, serviceDefinition(SERVICE_NAMES.keyvalueBasic).Get.path);
      const ok = await call(conn, get, getBody("a"));
      assert.equal(ok.status, GRPC.OK);
      assert.ok(ok.bytes > 100); // the 100-byte value, framed
      const nope = await call(conn, requestHeaders(address, "/no.Such/Method"), getBody("a"));
      assert.equal(nope.status, GRPC.UNIMPLEMENTED);
      // 300 KB: more than the initial 64 KiB windows and the 16 KiB frames.
      const set = requestHeaders(address, serviceDefinition(SERVICE_NAMES.keyvalueBasic).Set.path);
      const big = grpcFrame(
        serviceDefinition(SERVICE_NAMES.keyvalueBasic).Set.requestSerialize({
          key: "k",
          value: new Uint8Array(300_000),
        }) as Uint8Array,
      );
      const results = await Promise.all([
        call(conn, set, big),
        call(conn, set, big),
        ...Array.from({ length: 200 }, () => call(conn, get, getBody("b"))),
      ]);
      assert.ok(results.every((r) => r.status === GRPC.OK), JSON.stringify(results.slice(0, 3)));
      assert.equal(conn.pending, 0);
    } finally {
      conn.close();
      server.forceShutdown();
    }
  },
);

Deno.test("h2: MAX_CONCURRENT_STREAMS makes calls wait, not fail", async () => {
  const server = new Server({ "grpc.max_concurrent_streams": 2 });
  server.addService(serviceDefinition(SERVICE_NAMES.keyvalueBasic), {
    ...EMPTY_HANDLERS,
    Get: (_c: unknown, cb: (e: null, r: unknown) => void) =>
      setTimeout(() => cb(null, { found: false }), 5),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  const address = `127.0.0.1:${port}`;
  const conn = await H2Connection.connect(address);
  try {
    const get = requestHeaders(address, serviceDefinition(SERVICE_NAMES.keyvalueBasic).Get.path);
    const pending = Array.from({ length: 10 }, () => call(conn, get, getBody("x")));
    assert.ok(conn.pending === 10);
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((r) => r.status), Array(10).fill(GRPC.OK));
  } finally {
    conn.close();
    server.forceShutdown();
  }
});

Deno.test("h2: connection failures, close, and the reconnecting channel", async () => {
  const { server, port } = await startEmptyServer();
  const address = `127.0.0.1:${port}`;
  const get = requestHeaders(address, serviceDefinition(SERVICE_NAMES.keyvalueBasic).Get.path);
  const conn = await H2Connection.connect(address);
  assert.equal((await call(conn, get, getBody("a"))).status, GRPC.OK);
  // Closing ends calls in flight with CANCELLED; later calls fail at once.
  const inFlight = call(conn, get, getBody("a"));
  conn.close();
  assert.equal((await inFlight).status, GRPC.CANCELLED);
  assert.equal(conn.usable, false);
  const after = await call(conn, get, getBody("a"));
  assert.equal(after.status, GRPC.UNAVAILABLE);
  assert.match(after.message, /closed by the client/);
  conn.close(); // twice is fine

  const ch = new H2Channel(address, { retryMs: 50 });
  await ch.ready();
  assert.equal((await call(ch, get, getBody("a"))).status, GRPC.OK);
  server.forceShutdown();
  // The server went away: calls fail with UNAVAILABLE (after a reconnection attempt).
  let failed: Outcome | undefined;
  for (let i = 0; i < 20 && !failed; i++) {
    const r = await call(ch, get, getBody("a"));
    if (r.status !== GRPC.OK) failed = r;
  }
  assert.equal(failed?.status, GRPC.UNAVAILABLE, JSON.stringify(failed));
  // Back on the same port: the channel reconnects.
  const again = await startEmptyServer(address);
  try {
    let r: Outcome | undefined;
    for (let i = 0; i < 20 && r?.status !== GRPC.OK; i++) r = await call(ch, get, getBody("a"));
    assert.equal(r?.status, GRPC.OK);
  } finally {
    ch.close();
    assert.equal((await call(ch, get, getBody("a"))).status, GRPC.CANCELLED);
    again.server.forceShutdown();
  }
  await assert.rejects(
    () => new H2Channel(address, { timeoutMs: 1000 }).ready(),
    /cannot connect to 127\.0\.0\.1:\d+/,
  );
});

// ---- A scripted HTTP/2 server, to see the client handle what grpc-js servers rarely send.

function frame(type: number, flags: number, id: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(9 + payload.length);
  f[0] = payload.length >>> 16;
  f[1] = (payload.length >>> 8) & 0xff;
  f[2] = payload.length & 0xff;
  f[3] = type;
  f[4] = flags;
  new DataView(f.buffer).setUint32(5, id);
  f.set(payload, 9);
  return f;
}
const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const hdrs = (fields: HeaderField[]) => encodeHeaders(fields);

/** Serves one connection: SETTINGS first, then `respond(streamId)` per request. */
function scriptedServer(
  settings: Uint8Array,
  respond: (id: number) => Uint8Array,
): { address: string; received: number[]; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: number[] = [];
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        await conn.write(frame(4, 0, 0, settings));
        let buf = new Uint8Array(0);
        let prefaceSeen = false;
        const chunk = new Uint8Array(65536);
        for (;;) {
          const n = await conn.read(chunk).catch(() => null);
          if (n === null) return;
          buf = concat(buf, chunk.subarray(0, n));
          if (!prefaceSeen) {
            if (buf.length < 24) continue;
            buf = buf.subarray(24);
            prefaceSeen = true;
          }
          while (buf.length >= 9) {
            const len = (buf[0] << 16) | (buf[1] << 8) | buf[2];
            if (buf.length < 9 + len) break;
            const type = buf[3];
            const flags = buf[4];
            const id = new DataView(buf.buffer, buf.byteOffset).getUint32(5) & 0x7fffffff;
            received.push(type);
            buf = buf.subarray(9 + len);
            if (type === 0 && (flags & 1)) {
              await conn.write(respond(id)).catch(() => {});
            }
          }
        }
      })();
    }
  })();
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    received,
    close: () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}

Deno.test(
  "h2: PING, padding, priority, CONTINUATION, RST_STREAM, HTTP statuses, GOAWAY",
  async () => {
    // SETTINGS: MAX_FRAME_SIZE 16384, INITIAL_WINDOW_SIZE 100000, MAX_CONCURRENT_STREAMS 100.
    const settings = new Uint8Array(18);
    const dv = new DataView(settings.buffer);
    dv.setUint16(0, 0x5);
    dv.setUint32(2, 16384);
    dv.setUint16(6, 0x4);
    dv.setUint32(8, 100000);
    dv.setUint16(12, 0x3);
    dv.setUint32(14, 100);
    const ok200 = hdrs([[":status", "200"], ["content-type", "application/grpc"]]);
    const s = scriptedServer(settings, (id) => {
      switch (id) {
        case 1: {
          // PING, headers with padding and priority, data, trailers in HEADERS + CONTINUATION.
          const padded = concat(new Uint8Array([3]), new Uint8Array(5), ok200, new Uint8Array(3));
          const trailers = hdrs([["grpc-status", "0"], ["grpc-message", ""]]);
          return concat(
            frame(6, 0, 0, new Uint8Array(8).fill(7)),
            frame(8, 0, 0, u32(1000)),
            frame(8, 0, id, u32(1000)),
            frame(1, 0x4 | 0x8 | 0x20, id, padded),
            frame(0, 0, id, new Uint8Array([0, 0, 0, 0, 2, 8, 1])),
            frame(0, 0, 99, new Uint8Array(4)), // unknown stream: ignored
            frame(1, 0x1, id, trailers.subarray(0, 3)),
            frame(9, 0x4, id, trailers.subarray(3)),
            frame(2, 0, id, new Uint8Array(5)), // PRIORITY: ignored
          );
        }
        case 3:
          return frame(3, 0, id, u32(0x7)); // RST_STREAM REFUSED_STREAM
        case 5:
          return frame(1, 0x5, id, hdrs([[":status", "503"]]));
        case 7:
          return frame(1, 0x5, id, ok200);
        case 9:
          return frame(
            1,
            0x5,
            id,
            hdrs([[":status", "200"], ["grpc-status", "5"], [
              "grpc-message",
              "no%20such%20key%zz",
            ]]),
          );
        default: // GOAWAY: the last stream the server processed is 9.
          return concat(frame(7, 0, 0, concat(u32(9), u32(0))));
      }
    });
    try {
      const conn = await H2Connection.connect(s.address);
      const h = requestHeaders(s.address, "/x.Y/Z");
      const body = new Uint8Array([0, 0, 0, 0, 0]);
      assert.deepEqual(await call(conn, h, body), { status: 0, message: "", bytes: 7 });
      const rst = await call(conn, h, body);
      assert.equal(rst.status, GRPC.UNAVAILABLE);
      assert.match(rst.message, /stream reset by the server \(HTTP\/2 error 7\)/);
      assert.deepEqual(await call(conn, h, body), {
        status: GRPC.UNAVAILABLE,
        message: "HTTP status 503 without grpc-status",
        bytes: 0,
      });
      assert.deepEqual(await call(conn, h, body), {
        status: GRPC.UNKNOWN,
        message: "the server sent no grpc-status",
        bytes: 0,
      });
      const nf = await call(conn, h, body);
      assert.equal(nf.status, 5);
      assert.equal(nf.message, "no%20such%20key%zz"); // not valid percent-encoding: kept as is
      const gone = await call(conn, h, body);
      assert.equal(gone.status, GRPC.UNAVAILABLE);
      assert.match(gone.message, /GOAWAY/);
      assert.equal(conn.usable, false);
      assert.match(conn.closeReason, /going away/);
      conn.close();
    } finally {
      s.close();
    }
  },
);

Deno.test(
  "h2: a server that breaks the protocol fails the calls in flight",
  async () => {
    const s = scriptedServer(new Uint8Array(0), (id) =>
      // CONTINUATION without a HEADERS first.
      frame(9, 0x4, id, new Uint8Array([0x88])));
    try {
      const conn = await H2Connection.connect(s.address);
      const r = await call(conn, requestHeaders(s.address, "/x.Y/Z"), new Uint8Array(5));
      assert.equal(r.status, GRPC.UNAVAILABLE);
      assert.match(r.message, /unexpected CONTINUATION/);
    } finally {
      s.close();
    }
    const bad = scriptedServer(new Uint8Array(0), (id) =>
      // A header block that does not decode (index 0).
      frame(1, 0x5, id, new Uint8Array([0x80])));
    try {
      const conn = await H2Connection.connect(bad.address);
      const r = await call(conn, requestHeaders(bad.address, "/x.Y/Z"), new Uint8Array(5));
      assert.equal(r.status, GRPC.UNAVAILABLE);
      assert.match(r.message, /cannot decode response headers/);
    } finally {
      bad.close();
    }
  },
);

type Full = Outcome & { data?: Uint8Array; transport?: boolean };
/** A call that collects the response; `cancel` is the call's canceller. */
function collectCall(c: H2Connection | H2Channel, headers: Uint8Array, body: Uint8Array) {
  let cancel!: (status: number, message: string) => void;
  let calls = 0;
  const done = new Promise<Full>((resolve) => {
    cancel = c.call(headers, body, (status, message, bytes, data, transport) => {
      calls++;
      resolve({ status, message, bytes, data, transport });
    }, true);
  });
  return { done, cancel, calls: () => calls };
}

/** A grpc-js server whose Get never answers (until shut down) and Set answers at once. */
async function stallingServer(options: Record<string, number> = {}, address = "127.0.0.1:0") {
  const stalled: { cancelled: boolean }[] = [];
  const server = new Server(options);
  server.addService(serviceDefinition(SERVICE_NAMES.keyvalueBasic), {
    ...EMPTY_HANDLERS,
    Get: (c: { cancelled: boolean }) => stalled.push(c),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      address,
      ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  return { server, port, stalled };
}

Deno.test("h2: collected responses, and the transport flag", async () => {
  const { server, port } = await startEmptyServer();
  const address = `127.0.0.1:${port}`;
  const def = serviceDefinition(SERVICE_NAMES.keyvalueBasic);
  const conn = await H2Connection.connect(address);
  try {
    const ok = await collectCall(conn, requestHeaders(address, def.Get.path), getBody("a")).done;
    assert.equal(ok.status, GRPC.OK);
    assert.equal(ok.transport, false);
    assert.equal(ok.data?.length, ok.bytes);
    const len = new DataView(ok.data!.buffer, ok.data!.byteOffset).getUint32(1);
    const res = def.Get.responseDeserialize(ok.data!.subarray(5, 5 + len) as never) as {
      found: boolean;
      value: Uint8Array;
    };
    assert.equal(res.found, true);
    assert.deepEqual([...res.value], Array(100).fill(0x61));
    // The server's own status: not a transport outcome.
    const nope = await collectCall(conn, requestHeaders(address, "/no.Such/Method"), getBody("a"))
      .done;
    assert.equal(nope.status, GRPC.UNIMPLEMENTED);
    assert.equal(nope.transport, false);
    // Per-call header fields after the reusable block.
    const timed = callHeaders(requestHeaders(address, def.Get.path, "prism-test"), [
      ["grpc-timeout", "5000m"],
      ["x-request-id", "r-1"],
    ]);
    assert.equal((await collectCall(conn, timed, getBody("a")).done).status, GRPC.OK);
    // Without collect, no bytes are kept.
    const counted = await new Promise<unknown>((resolve) =>
      conn.call(requestHeaders(address, def.Get.path), getBody("a"), (...args) => resolve(args[3]))
    );
    assert.equal(counted, undefined);
  } finally {
    conn.close();
  }
  // The connection closed under the call: a transport outcome.
  const closed = await collectCall(conn, requestHeaders(address, def.Get.path), getBody("a")).done;
  assert.equal(closed.status, GRPC.UNAVAILABLE);
  assert.equal(closed.transport, true);
  server.forceShutdown();
});

Deno.test("h2: cancelling calls in flight, waiting, and not yet connected", async () => {
  const { server, port, stalled } = await stallingServer({ "grpc.max_concurrent_streams": 1 });
  const address = `127.0.0.1:${port}`;
  const def = serviceDefinition(SERVICE_NAMES.keyvalueBasic);
  const get = requestHeaders(address, def.Get.path);
  const conn = await H2Connection.connect(address);
  try {
    // In flight: the server sees the cancellation (RST_STREAM), the caller gets the given status.
    const first = collectCall(conn, get, getBody("a"));
    for (let i = 0; i < 100 && stalled.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(stalled.length, 1);
    // The only stream slot is taken: the next call waits, and can be cancelled while waiting.
    const waiting = collectCall(conn, get, getBody("b"));
    assert.equal(conn.pending, 2);
    waiting.cancel(GRPC.DEADLINE_EXCEEDED, "deadline exceeded");
    const w = await waiting.done;
    assert.deepEqual([w.status, w.message, w.transport], [
      GRPC.DEADLINE_EXCEEDED,
      "deadline exceeded",
      true,
    ]);
    assert.equal(conn.pending, 1);
    first.cancel(GRPC.CANCELLED, "cancelled by the client");
    const f = await first.done;
    assert.deepEqual([f.status, f.transport], [GRPC.CANCELLED, true]);
    for (let i = 0; i < 100 && !stalled[0].cancelled; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(stalled[0].cancelled, true);
    // Cancelling again, or after the end, changes nothing; the connection still serves.
    first.cancel(GRPC.INTERNAL, "again");
    assert.equal(first.calls(), 1);
    const set = collectCall(conn, requestHeaders(address, def.Set.path), getBody("c"));
    assert.equal((await set.done).status, GRPC.OK);
    set.cancel(GRPC.CANCELLED, "late");
    assert.equal(set.calls(), 1);
  } finally {
    conn.close();
  }
  // A channel not yet connected: the cancelled call ends at once and is never sent.
  const ch = new H2Channel(address);
  try {
    const early = collectCall(ch, get, getBody("d"));
    early.cancel(GRPC.CANCELLED, "cancelled before connecting");
    assert.equal((await early.done).message, "cancelled before connecting");
    await ch.ready();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(early.calls(), 1);
    assert.equal(stalled.length, 1); // the cancelled call never reached the server
    // Connected: the channel's canceller is the connection's.
    const later = collectCall(ch, get, getBody("e"));
    for (let i = 0; i < 100 && stalled.length === 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    later.cancel(GRPC.CANCELLED, "bye");
    assert.equal((await later.done).status, GRPC.CANCELLED);
  } finally {
    ch.close();
    server.forceShutdown();
  }
});

Deno.test("h2: a server on a Unix socket", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/plugin.sock`;
  const { server } = await stallingServer({}, `unix:${path}`);
  try {
    const conn = await H2Connection.connect(`unix:${path}`);
    const set = requestHeaders(
      "localhost",
      serviceDefinition(SERVICE_NAMES.keyvalueBasic).Set.path,
    );
    assert.equal((await collectCall(conn, set, getBody("a")).done).status, GRPC.OK);
    conn.close();
    await assert.rejects(
      () => H2Connection.connect(`unix:${dir}/missing.sock`, 1000),
      /cannot connect to unix:.*missing\.sock/,
    );
  } finally {
    server.forceShutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
