/**
 * The HTTP/2 server under attack: each defence closes the offending
 * connection with the right GOAWAY code (or answers the one stream), keeps
 * CPU and memory bounded, and goes on serving other clients.
 */
import assert from "node:assert/strict";
import { ERROR, FLAG, FRAME, frame, PREFACE, SETTING, settingsFrame, u32 } from "./_frame.ts";
import {
  firehoseRequest,
  grpcDataFrame,
  grpcHeadersFrame,
  RawPeer,
  startTestServer,
} from "./_testing.ts";
import { grpcFrame, H2Connection, requestHeaders } from "./h2_client.ts";
import { encodeHeaders } from "./hpack.ts";

/** An echo call by an ordinary client: the server still serves others. */
async function echo(port: number): Promise<number> {
  const conn = await H2Connection.connect(`127.0.0.1:${port}`, 3000);
  try {
    return await new Promise((resolve) =>
      conn.call(
        requestHeaders("localhost", "/t.T/Echo"),
        grpcFrame(new Uint8Array([1, 2, 3])),
        (status) => resolve(status),
      )
    );
  } finally {
    conn.close();
  }
}

Deno.test({ name: "h2 defence: rapid reset (CVE-2023-44487)" }, async () => {
  const { server, port, stats } = await startTestServer();
  try {
    const peer = await RawPeer.connect(port);
    // Open streams to a method that never answers and reset each at once.
    const burst: Uint8Array[] = [];
    for (let i = 0, id = 1; i < 5000; i++, id += 2) {
      burst.push(grpcHeadersFrame(id, "/t.T/Hang"), grpcDataFrame(id, new Uint8Array(0)));
      burst.push(frame(FRAME.RST_STREAM, 0, id, u32(ERROR.CANCEL)));
    }
    const t0 = performance.now();
    await peer.send(...burst);
    assert.ok(await peer.closedWithin(5000), "the connection is closed");
    assert.equal(peer.goaway()?.code, ERROR.ENHANCE_YOUR_CALM);
    assert.match(peer.goaway()!.debug, /reset by the client/);
    // The budget (1,000 at once) bounds the work: far fewer handlers than streams sent.
    assert.ok(stats.hanging <= 1100, `${stats.hanging} handlers ran`);
    assert.equal(stats.hangCancelled, stats.hanging, "every started handler was cancelled");
    assert.equal(await echo(port), 0);
    console.log(
      `rapid reset: ${stats.hanging} of 5000 streams ran, closed in ${
        Math.round(performance.now() - t0)
      } ms`,
    );
  } finally {
    await server.close();
  }
});

Deno.test({ name: "h2 defence: CONTINUATION flood (CVE-2024-27316)" }, async () => {
  const { server, port } = await startTestServer();
  try {
    // Many small CONTINUATION frames that never end the block.
    const peer = await RawPeer.connect(port);
    const block = encodeHeaders([[":method", "POST"], [":path", "/t.T/Echo"]]);
    const frames = [frame(FRAME.HEADERS, 0, 1, block)];
    for (let i = 0; i < 10_000; i++) {
      frames.push(frame(FRAME.CONTINUATION, 0, 1, encodeHeaders([[`x-h${i}`, "v"]])));
    }
    await peer.send(...frames);
    assert.ok(await peer.closedWithin(5000));
    assert.equal(peer.goaway()?.code, ERROR.ENHANCE_YOUR_CALM);
    assert.match(peer.goaway()!.debug, /CONTINUATION/);

    // Few but large ones: the block's bytes are capped too.
    const big = await RawPeer.connect(port);
    const chunk = encodeHeaders([["x-big", "a".repeat(16_000)]]);
    await big.send(
      frame(FRAME.HEADERS, 0, 1, block),
      ...Array.from({ length: 8 }, () => frame(FRAME.CONTINUATION, 0, 1, chunk)),
    );
    assert.ok(await big.closedWithin(5000));
    assert.equal(big.goaway()?.code, ERROR.ENHANCE_YOUR_CALM);
    assert.match(big.goaway()!.debug, /header block over/);
    assert.equal(await echo(port), 0);
  } finally {
    await server.close();
  }
});

Deno.test({ name: "h2 defence: oversized header lists and HPACK bombs" }, async () => {
  const { server, port } = await startTestServer();
  try {
    const peer = await RawPeer.connect(port);
    // A 40 KB header (over the 32 KiB list limit) in one block: that stream gets 431.
    const big = encodeHeaders([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/t.T/Echo"],
      ["x-big", "b".repeat(40_000)],
    ]);
    const first = big.subarray(0, 16_000);
    await peer.send(
      frame(FRAME.HEADERS, FLAG.END_STREAM, 1, first),
      frame(FRAME.CONTINUATION, 0, 1, big.subarray(16_000, 32_000)),
      frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, big.subarray(32_000)),
    );
    assert.ok(await peer.until(() => peer.headers(1).length > 0));
    assert.deepEqual(peer.headers(1)[0][0], [":status", "431"]);

    // A bomb: one 4,000-byte entry put in the dynamic table, then named 2,000 times
    // in a 2 KB block (8 MB decoded). Answered 431 quickly; the connection stays usable.
    const name = new TextEncoder().encode("x-bomb");
    const value = new Uint8Array(4000).fill(0x61);
    const insert = [0x40, name.length, ...name, 0x7f, ...varint(value.length - 127), ...value];
    const t0 = performance.now();
    await peer.send(
      frame(
        FRAME.HEADERS,
        FLAG.END_HEADERS | FLAG.END_STREAM,
        3,
        new Uint8Array([
          ...encodeHeaders([[":method", "POST"], [":scheme", "http"], [":path", "/t.T/Echo"]]),
          ...insert,
          ...new Array(2000).fill(0xbe), // dynamic index 62: the entry just added
        ]),
      ),
    );
    assert.ok(await peer.until(() => peer.headers(3).length > 0));
    assert.deepEqual(peer.headers(3)[0][0], [":status", "431"]);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(peer.closed, false, "a header list too large is a stream error only");
    await peer.send(grpcHeadersFrame(5, "/t.T/Echo"), grpcDataFrame(5, new Uint8Array([9])));
    assert.ok(await peer.until(() => peer.headers(5).length === 2), "later streams are served");
    peer.close();
  } finally {
    await server.close();
  }
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

Deno.test({ name: "h2 defence: SETTINGS and PING floods" }, async () => {
  const { server, port } = await startTestServer();
  try {
    const settings = await RawPeer.connect(port);
    await settings.send(
      ...Array.from({ length: 5000 }, () => settingsFrame([[SETTING.ENABLE_PUSH, 0]])),
    );
    assert.ok(await settings.closedWithin(5000));
    assert.equal(settings.goaway()?.code, ERROR.ENHANCE_YOUR_CALM);
    assert.match(settings.goaway()!.debug, /SETTINGS/);

    const ping = await RawPeer.connect(port);
    const t0 = performance.now();
    await ping.send(
      ...Array.from({ length: 5000 }, (_, i) => frame(FRAME.PING, 0, 0, new Uint8Array(8).fill(i))),
    );
    assert.ok(await ping.closedWithin(5000));
    const floodMs = performance.now() - t0;
    assert.equal(ping.goaway()?.code, ERROR.ENHANCE_YOUR_CALM);
    assert.match(ping.goaway()!.debug, /PING/);
    // Acknowledged until the budget ran out, each one at most once: the burst
    // (1000), plus what the budget regained (100/s) while the flood was read.
    const acks = ping.frames.filter((f) => f.type === FRAME.PING && f.flags & FLAG.ACK).length;
    const most = 1000 + Math.floor(floodMs * 100 / 1000) + 1;
    assert.ok(
      acks > 0 && acks <= most,
      `${acks} PING acks in ${floodMs.toFixed(0)} ms (at most ${most})`,
    );

    // Empty DATA frames and PRIORITY frames count too.
    const empty = await RawPeer.connect(port);
    await empty.send(grpcHeadersFrame(1, "/t.T/Echo"));
    await empty.send(
      ...Array.from({ length: 3000 }, () => frame(FRAME.DATA, 0, 1, new Uint8Array(0))),
    );
    assert.ok(await empty.closedWithin(5000));
    assert.equal(empty.goaway()?.code, ERROR.ENHANCE_YOUR_CALM);
    assert.equal(await echo(port), 0);
  } finally {
    await server.close();
  }
});

Deno.test(
  { name: "h2 defence: a client that never reads costs a bounded buffer" },
  async () => {
    const { server, port, stats } = await startTestServer({ writeTimeoutMs: 2500 });
    try {
      // Ask for 100 MB in 64 KiB messages, then read nothing at all, not even SETTINGS.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const huge = frame(
        FRAME.WINDOW_UPDATE,
        0,
        0,
        u32(0x7fffffff - 65535),
      );
      const w = async (b: Uint8Array) => {
        let at = 0;
        while (at < b.length) at += await conn.write(b.subarray(at));
      };
      await w(PREFACE);
      await w(settingsFrame([[SETTING.INITIAL_WINDOW_SIZE, 0x7fffffff]]));
      await w(huge);
      await w(grpcHeadersFrame(1, "/t.T/Firehose"));
      await w(grpcDataFrame(1, firehoseRequest(1600, 64 * 1024)));
      await new Promise((r) => setTimeout(r, 1500));
      // What was written: the stream's buffer, the socket's queue and the kernel's socket buffers.
      const written = stats.written;
      assert.ok(stats.blocked >= 1, "the handler was told to wait");
      assert.ok(
        written < 200,
        `${written} messages of 64 KiB written for a client that reads nothing`,
      );
      console.log(`non-reader: ${written} messages of 64 KiB written, then the handler waited`);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(stats.written, written, "and stays waiting");
      assert.equal(await echo(port), 0, "other clients are served");
      // A peer that reads nothing at all is cut off once its socket write stalls past the limit.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(server.connectionCount, 0, "the stalled connection was closed");
      conn.close();
    } finally {
      await server.close();
    }
  },
);

Deno.test(
  { name: "h2 defence: idle, half-open and slow connections are closed" },
  async () => {
    const { server, port } = await startTestServer({
      handshakeTimeoutMs: 300,
      settingsTimeoutMs: 300,
      idleTimeoutMs: 600,
      maxConnections: 150,
    });
    try {
      // 100 connections that never send a preface.
      const silent = await Promise.all(
        Array.from({ length: 100 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await echo(port), 0, "served while they hang around");
      // Over the limit: closed at once.
      const extra = await Promise.all(
        Array.from({ length: 60 }, () => RawPeer.connect(port, false)),
      );
      for (const e of extra) e.startReading();
      assert.ok(
        (await Promise.all(extra.map((e) => e.closedWithin(2000)))).filter(Boolean).length >= 10,
        "connections over maxConnections are closed",
      );
      await new Promise((r) => setTimeout(r, 1500)); // the server ticks once a second
      assert.equal(server.connectionCount, 0, "every silent connection was closed");
      for (const c of silent) c.close();
      for (const e of extra) e.close();

      // A client that never acknowledges our SETTINGS.
      const rude = await RawPeer.connect(port, true, false);
      assert.ok(await rude.closedWithin(3000));
      assert.equal(rude.goaway()?.code, ERROR.SETTINGS_TIMEOUT);

      // An idle connection is closed gracefully (GOAWAY NO_ERROR).
      const idle = await RawPeer.connect(port);
      assert.ok(await idle.closedWithin(4000));
      assert.equal(idle.goaway()?.code, ERROR.NO_ERROR);
    } finally {
      await server.close();
    }
  },
);

Deno.test({ name: "h2 defence: garbage bytes end only their connection" }, async () => {
  const { server, port } = await startTestServer();
  try {
    // Not HTTP/2 at all (an HTTP/1.1 request).
    const http1 = await RawPeer.connect(port, false);
    http1.startReading();
    await http1.send(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert.ok(await http1.closedWithin(3000));
    assert.equal(http1.goaway()?.code, ERROR.PROTOCOL_ERROR);

    // Random bytes after a valid preface, many times over.
    let seed = 42;
    const random = (n: number) =>
      Uint8Array.from(
        { length: n },
        () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff,
      );
    for (let i = 0; i < 30; i++) {
      const peer = await RawPeer.connect(port);
      await peer.send(random(64 + i * 31));
      // Either a GOAWAY and close, or the bytes happen to look like an unfinished frame.
      await peer.until(() => peer.goaway() !== undefined, 300);
      peer.close();
    }
    assert.equal(await echo(port), 0);
  } finally {
    await server.close();
  }
});

Deno.test(
  { name: "h2: graceful drain finishes streams in flight, refuses new ones" },
  async () => {
    const { server, port } = await startTestServer();
    const peer = await RawPeer.connect(port);
    try {
      // A firehose stream blocked by a zero stream window stays in flight.
      await peer.send(settingsFrame([[SETTING.INITIAL_WINDOW_SIZE, 0]]));
      await peer.send(
        grpcHeadersFrame(1, "/t.T/Firehose"),
        grpcDataFrame(1, firehoseRequest(2, 10)),
      );
      await peer.until(() => peer.headers(1).length === 1);
      const drained = server.drain(5000);
      assert.ok(await peer.until(() => peer.goaway() !== undefined));
      assert.equal(peer.goaway()!.lastStreamId, 0x7fffffff, "first GOAWAY: the largest id");
      // The PING that measures the round trip: answer it.
      assert.ok(
        await peer.until((fs) => fs.some((f) => f.type === FRAME.PING && !(f.flags & FLAG.ACK))),
      );
      const ping = peer.frames.find((f) => f.type === FRAME.PING && !(f.flags & FLAG.ACK))!;
      await peer.send(frame(FRAME.PING, FLAG.ACK, 0, ping.payload));
      assert.ok(
        await peer.until(() => peer.goaway()!.lastStreamId === 1),
        "final GOAWAY: last id 1",
      );
      // A new stream now is refused; the one in flight finishes when the window opens.
      await peer.send(grpcHeadersFrame(3, "/t.T/Echo"), grpcDataFrame(3, new Uint8Array([1])));
      assert.ok(await peer.until(() => peer.rstCode(3) !== undefined));
      assert.equal(peer.rstCode(3), ERROR.REFUSED_STREAM);
      await peer.send(frame(FRAME.WINDOW_UPDATE, 0, 1, u32(1000)));
      assert.ok(await peer.until(() => peer.headers(1).length === 2), "stream 1 completed");
      assert.deepEqual(peer.headers(1)[1], [["grpc-status", "0"]]);
      await drained;
      assert.ok(await peer.closedWithin(2000));
    } finally {
      peer.close();
      await server.close();
    }
  },
);
