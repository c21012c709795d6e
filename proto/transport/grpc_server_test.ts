/**
 * The gRPC layer: statuses, deadlines, encodings, metadata, limits, streams
 * and cancellation — through an independent client (grpc-js) where it
 * proves interop, and raw frames where the wire itself is the point.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  type Client,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { status, StatusError } from "../status.ts";
import { FLAG, FRAME, frame } from "./_frame.ts";
import { grpcDataFrame, grpcHeadersFrame, RawPeer } from "./_testing.ts";
import { CallMetadata, encodeGrpcMessage, GrpcServer, type ServerCall } from "./grpc_server.ts";
import { GrpcClient, type RpcError } from "./grpc_client.ts";

const TEXT = {
  decode: (b: Uint8Array) => new TextDecoder().decode(b),
  encode: (s: string) => new TextEncoder().encode(s),
};

async function setup() {
  const server = new GrpcServer({ maxReceiveMessageBytes: 1024 });
  const seen: { call?: ServerCall; cancelled?: StatusError } = {};
  server.addUnary("/t.T/Echo", TEXT, (s) => s);
  server.addUnary("/t.T/Fail", TEXT, (s) => {
    throw new StatusError(status.FAILED_PRECONDITION, s);
  });
  server.addUnary("/t.T/Bug", TEXT, () => {
    throw new TypeError("a bug");
  });
  server.addUnary("/t.T/Meta", TEXT, (_s, call) => {
    const bin = call.metadata.getBinary("trace-bin");
    return `${call.metadata.get("x-request-id")}|${bin ? [...bin].join(",") : ""}|${
      Number.isFinite(call.deadline)
    }`;
  });
  server.addUnary("/t.T/Slow", TEXT, (_s, call) => {
    seen.call = call;
    return new Promise<string>((resolve) => {
      call.onCancel((reason) => (seen.cancelled = reason));
      setTimeout(() => resolve("late"), 2000);
    });
  });
  server.addServerStream("/t.T/Count", TEXT, async (s, call) => {
    call.sendHeaders({ "prism-n": s });
    for (let i = 0; i < Number(s); i++) {
      if (!call.write(String(i))) await call.drain();
    }
  });
  server.addBidiStream("/t.T/Chat", TEXT, async (requests, call) => {
    for await (const r of requests) call.write(r.toUpperCase());
  });
  const { port } = await server.listen({ hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
  const T = makeGenericClientConstructor({
    Echo: method("/t.T/Echo"),
    Fail: method("/t.T/Fail"),
    Bug: method("/t.T/Bug"),
    Meta: method("/t.T/Meta"),
    Slow: method("/t.T/Slow"),
    Missing: method("/t.T/Missing"),
    Count: { ...method("/t.T/Count"), responseStream: true },
    Chat: { ...method("/t.T/Chat"), requestStream: true, responseStream: true },
  }, "T");
  const client = new T(`127.0.0.1:${port}`, credentials.createInsecure()) as
    & Client
    & Record<
      string,
      (...args: unknown[]) => unknown
    >;
  return { server, port, client, seen };
}

function method(path: string) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (s: string) => Buffer.from(s),
    requestDeserialize: (b: Uint8Array) => new TextDecoder().decode(b),
    responseSerialize: (s: string) => Buffer.from(s),
    responseDeserialize: (b: Uint8Array) => new TextDecoder().decode(b),
  };
}

function unary(
  client: Record<string, (...args: unknown[]) => unknown>,
  name: string,
  req: string,
  md = new Metadata(),
  options: { deadline?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) =>
    client[name](
      req,
      md,
      options,
      (e: ServiceError | null, r: string) => e ? reject(e) : resolve(r),
    )
  );
}

Deno.test({ name: "grpc: statuses and messages reach a grpc-js client" }, async () => {
  const { server, client } = await setup();
  try {
    assert.equal(await unary(client, "Echo", "hello"), "hello");
    assert.equal(await unary(client, "Echo", ""), "", "an empty message is a message");
    await assert.rejects(unary(client, "Fail", "50% done ✓ — naïve"), (e: ServiceError) => {
      assert.equal(e.code, status.FAILED_PRECONDITION);
      assert.equal(e.details, "50% done ✓ — naïve", "percent-encoding round-trips");
      return true;
    });
    await assert.rejects(
      unary(client, "Bug", "x"),
      (e: ServiceError) => e.code === status.UNKNOWN && e.details === "a bug",
    );
    await assert.rejects(
      unary(client, "Missing", "x"),
      (e: ServiceError) =>
        e.code === status.UNIMPLEMENTED && /unknown method \/t.T\/Missing/.test(e.details),
    );
    await assert.rejects(
      unary(client, "Echo", "x".repeat(2000)),
      (e: ServiceError) =>
        e.code === status.RESOURCE_EXHAUSTED &&
        /2000 bytes is over the limit of 1024/.test(e.details),
    );
    assert.equal(await unary(client, "Echo", "still fine"), "still fine");
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test({ name: "grpc: metadata, binary metadata and deadlines" }, async () => {
  const { server, port, client, seen } = await setup();
  try {
    const md = new Metadata();
    md.set("x-request-id", "req-7");
    md.set("trace-bin", Buffer.from([1, 2, 255]));
    assert.equal(await unary(client, "Meta", "", md), "req-7|1,2,255|false");
    assert.equal(
      await unary(client, "Meta", "", new Metadata(), { deadline: Date.now() + 5000 }),
      "undefined||true",
    );
    const t0 = performance.now();
    await assert.rejects(
      unary(client, "Slow", "", new Metadata(), { deadline: Date.now() + 200 }),
      (e: ServiceError) => e.code === status.DEADLINE_EXCEEDED,
    );
    assert.ok(performance.now() - t0 < 1500);
    // The server enforces it by itself: a client that sends grpc-timeout but
    // keeps no timer of its own (grpc-js's timer races the server's) gets
    // DEADLINE_EXCEEDED from the server, and the handler is told.
    seen.cancelled = undefined;
    const raw = new GrpcClient(`127.0.0.1:${port}`);
    try {
      await assert.rejects(
        raw.unaryRaw("/t.T/Slow", new Uint8Array(), { metadata: [["grpc-timeout", "200m"]] }),
        (e: RpcError) => e.code === status.DEADLINE_EXCEEDED,
      );
    } finally {
      raw.close();
    }
    const told = seen.cancelled as StatusError | undefined;
    assert.ok(told, "the handler saw the deadline");
    assert.equal(told.code, status.DEADLINE_EXCEEDED);
    assert.equal(seen.call!.cancelled, true);
    assert.equal(seen.call!.signal.aborted, true);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test(
  { name: "grpc: server and bidirectional streams with a grpc-js client" },
  async () => {
    const { server, client } = await setup();
    try {
      const got: string[] = [];
      let header = "";
      await new Promise<void>((resolve, reject) => {
        const s = client.Count("2000") as NodeJS.EventEmitter;
        s.on("metadata", (md: Metadata) => (header = String(md.get("prism-n")[0])));
        s.on("data", (m: string) => got.push(m));
        s.on("error", reject);
        s.on("end", resolve);
      });
      assert.equal(got.length, 2000);
      assert.equal(got[1999], "1999");
      assert.equal(header, "2000", "response headers come before the messages");
      const chat = client.Chat() as NodeJS.EventEmitter & { write(s: string): void; end(): void };
      const replies: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        chat.on("data", (m: string) => replies.push(m));
        chat.on("error", reject);
        chat.on("end", resolve);
      });
      chat.write("a");
      chat.write("bc");
      chat.end();
      await done;
      assert.deepEqual(replies, ["A", "BC"]);
    } finally {
      client.close();
      await server.close();
    }
  },
);

Deno.test(
  { name: "grpc: the wire — Trailers-Only, content types, encodings, framing" },
  async () => {
    const { server, port } = await setup();
    const peer = await RawPeer.connect(port);
    try {
      const statusOf = async (id: number) => {
        assert.ok(
          await peer.until(() =>
            peer.headers(id).some((h) => h.some(([n]) => n === "grpc-status"))
          ),
        );
        const all = peer.headers(id).flat();
        return {
          status: Number(all.find(([n]) => n === "grpc-status")![1]),
          message: decodeURIComponent(all.find(([n]) => n === "grpc-message")?.[1] ?? ""),
          blocks: peer.headers(id).length,
          fields: Object.fromEntries(all),
        };
      };
      // An error before any message: one HEADERS frame (Trailers-Only) with :status 200.
      await peer.send(grpcHeadersFrame(1, "/t.T/Fail"), grpcDataFrame(1, TEXT.encode("no")));
      const fail = await statusOf(1);
      assert.equal(fail.status, status.FAILED_PRECONDITION);
      assert.equal(fail.blocks, 1);
      assert.equal(fail.fields[":status"], "200");
      // A compressed message: UNIMPLEMENTED, telling what is accepted.
      await peer.send(
        grpcHeadersFrame(3, "/t.T/Echo", { extra: [["grpc-encoding", "gzip"]] }),
        frame(FRAME.DATA, FLAG.END_STREAM, 3, new Uint8Array([1, 0, 0, 0, 1, 7])),
      );
      const gz = await statusOf(3);
      assert.equal(gz.status, status.UNIMPLEMENTED);
      assert.equal(gz.fields["grpc-accept-encoding"], "identity");
      // Uncompressed messages are fine whatever grpc-encoding says.
      await peer.send(
        grpcHeadersFrame(5, "/t.T/Echo", { extra: [["grpc-encoding", "gzip"]] }),
        grpcDataFrame(5, TEXT.encode("plain")),
      );
      assert.equal((await statusOf(5)).status, status.OK);
      // No message, two messages, a message cut short.
      await peer.send(grpcHeadersFrame(7, "/t.T/Echo", { endStream: true }));
      assert.match((await statusOf(7)).message, /no message/);
      await peer.send(
        grpcHeadersFrame(9, "/t.T/Echo"),
        grpcDataFrame(9, TEXT.encode("a"), false),
        grpcDataFrame(9, TEXT.encode("b")),
      );
      const two = await statusOf(9);
      assert.equal(two.status, status.INTERNAL);
      assert.match(two.message, /one request message/);
      await peer.send(
        grpcHeadersFrame(11, "/t.T/Echo"),
        frame(FRAME.DATA, FLAG.END_STREAM, 11, new Uint8Array([0, 0, 0, 0, 9, 1])),
      );
      assert.match((await statusOf(11)).message, /ended inside a message/);
      // A malformed grpc-timeout.
      await peer.send(
        grpcHeadersFrame(13, "/t.T/Echo", { extra: [["grpc-timeout", "soon"]] }),
        grpcDataFrame(13, TEXT.encode("x")),
      );
      assert.match((await statusOf(13)).message, /malformed grpc-timeout "soon"/);
      // A message split over many DATA frames, one byte each.
      const msg = grpcDataFrame(15, TEXT.encode("split")).subarray(9);
      await peer.send(grpcHeadersFrame(15, "/t.T/Echo"));
      for (let i = 0; i < msg.length; i++) {
        await peer.send(
          frame(FRAME.DATA, i === msg.length - 1 ? FLAG.END_STREAM : 0, 15, msg.subarray(i, i + 1)),
        );
      }
      assert.equal((await statusOf(15)).status, status.OK);
      const data = peer.frames.find((f) => f.type === FRAME.DATA && f.id === 15)!;
      assert.equal(TEXT.decode(data.payload.subarray(5)), "split");
    } finally {
      peer.close();
      await server.close();
    }
  },
);

Deno.test({ name: "grpc: non-gRPC requests get HTTP errors with a body" }, async () => {
  const { server, port } = await setup();
  try {
    const res = await fetch(`http://127.0.0.1:${port}/t.T/Echo`).catch((e) => e);
    // fetch speaks HTTP/1.1 here: the server only speaks HTTP/2 and closes.
    assert.ok(res instanceof Error);
    const peer = await RawPeer.connect(port);
    const { encodeHeaders } = await import("./hpack.ts");
    await peer.send(frame(
      FRAME.HEADERS,
      FLAG.END_HEADERS | FLAG.END_STREAM,
      1,
      encodeHeaders([[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "x"]]),
    ));
    await peer.send(frame(
      FRAME.HEADERS,
      FLAG.END_HEADERS | FLAG.END_STREAM,
      3,
      encodeHeaders([
        [":method", "POST"],
        [":scheme", "http"],
        [":path", "/t.T/Echo"],
        ["content-type", "application/json"],
      ]),
    ));
    assert.ok(await peer.until(() => peer.frames.filter((f) => f.type === FRAME.DATA).length >= 2));
    assert.equal(peer.headers(1)[0][0][1], "405");
    assert.equal(peer.headers(3)[0][0][1], "415");
    const body = peer.frames.find((f) => f.type === FRAME.DATA && f.id === 3)!;
    assert.match(TEXT.decode(body.payload), /use content-type application\/grpc/);
    peer.close();
  } finally {
    await server.close();
  }
});

Deno.test(
  { name: "grpc: cancellation reaches the handler; our client's errors" },
  async () => {
    const { server, port, seen } = await setup();
    const client = new GrpcClient(`127.0.0.1:${port}`);
    try {
      const controller = new AbortController();
      const call = client.unaryRaw("/t.T/Slow", TEXT.encode(""), { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      await assert.rejects(call, (e: RpcError) => e.code === status.CANCELLED && e.transport);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(seen.cancelled?.code, status.CANCELLED, "RST_STREAM cancelled the handler");
      await assert.rejects(
        client.unaryRaw("/t.T/Fail", TEXT.encode("why")),
        (e: RpcError) =>
          e.code === status.FAILED_PRECONDITION && e.message === "why" && !e.transport,
      );
      // Streams: messages, headers, and the end.
      const got: string[] = [];
      let headers: [string, string][] = [];
      await new Promise<void>((resolve, reject) =>
        client.serverStream("/t.T/Count", TEXT.encode("3"), {
          onHeaders: (h) => (headers = h),
          onMessage: (m) => got.push(TEXT.decode(m)),
          onEnd: (err) => err ? reject(err) : resolve(),
        })
      );
      assert.deepEqual(got, ["0", "1", "2"]);
      assert.ok(headers.some(([n, v]) => n === "prism-n" && v === "3"));
    } finally {
      client.close();
      await server.close();
    }
  },
);

Deno.test("grpc: helpers", () => {
  assert.equal(encodeGrpcMessage("plain text"), "plain text");
  assert.equal(encodeGrpcMessage("a\nb"), "a%0Ab");
  const md = new CallMetadata([["a", "1"], ["a", "2"], ["b-bin", "AQI"]]);
  assert.deepEqual(md.getAll("a"), ["1", "2"]);
  assert.deepEqual([...md.getBinary("b-bin")!], [1, 2], "unpadded base64");
  assert.equal(md.getBinary("a-bin"), undefined);
  assert.deepEqual(md.toObject(), { a: "2", "b-bin": "AQI" });
});
