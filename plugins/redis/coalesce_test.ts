import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createServer, type Server, Socket } from "node:net";
import { coalesceWrites } from "./coalesce.ts";

async function pair(): Promise<{ server: Server; socket: Socket; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = createServer((s) => s.on("data", (d: Buffer) => received.push(d)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const socket = new Socket();
  await new Promise<void>((r) =>
    socket.connect((server.address() as { port: number }).port, "127.0.0.1", r)
  );
  return { server, socket, received };
}

const until = async (test: () => boolean) => {
  const end = Date.now() + 5000;
  while (!test()) {
    assert.ok(Date.now() < end, "timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Records what `socket` hands its handle: "write" for one buffer, "writev:N" for N at once. */
function spyOnWrites(socket: Socket): string[] {
  const calls: string[] = [];
  const spy = socket as unknown as {
    _write(...a: unknown[]): void;
    _writev(chunks: unknown[], cb: unknown): void;
  };
  const one = spy._write.bind(socket);
  const many = spy._writev.bind(socket);
  spy._write = (...a) => (calls.push("write"), one(...a));
  spy._writev = (chunks, cb) => (calls.push(`writev:${chunks.length}`), many(chunks, cb));
  return calls;
}

Deno.test("coalesce: one turn's commands leave in one write, in order; the next turn's follow", async () => {
  const { server, socket, received } = await pair();
  try {
    const calls = spyOnWrites(socket);
    coalesceWrites(socket);
    coalesceWrites(socket); // idempotent: still one write per turn
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      const cmd = `*2\r\n$3\r\nGET\r\n$${String(i).length}\r\n${i}\r\n`;
      sent.push(cmd);
      assert.equal(socket.write(cmd), true);
    }
    await until(() => received.reduce((n, b) => n + b.length, 0) === sent.join("").length);
    assert.deepEqual(calls, ["write"], "the turn's 50 commands in one write");
    assert.equal(Buffer.concat(received).toString(), sent.join(""));
    // A write in a later turn is not held back.
    socket.write("PING\r\n");
    await until(() => Buffer.concat(received).toString().endsWith("PING\r\n"));
    assert.deepEqual(calls, ["write", "write"]);
  } finally {
    socket.destroy();
    await new Promise((r) => server.close(r));
  }
});

Deno.test("coalesce: a turn that also writes buffers keeps the order, still in one write", async () => {
  const { server, socket, received } = await pair();
  try {
    const calls = spyOnWrites(socket);
    coalesceWrites(socket);
    const parts: (string | Buffer)[] = [
      "*1\r\n$4\r\nPING\r\n",
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n",
      Buffer.from([0xff, 0x00, 0x80]),
      "\r\n",
      "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    ];
    for (const p of parts) socket.write(p);
    const expected = Buffer.concat(parts.map((p) => typeof p === "string" ? Buffer.from(p) : p));
    await until(() => received.reduce((n, b) => n + b.length, 0) === expected.length);
    assert.deepEqual(Buffer.concat(received), expected);
    assert.equal(calls.length, 1, `one write to the socket, not ${JSON.stringify(calls)}`);
  } finally {
    socket.destroy();
    await new Promise((r) => server.close(r));
  }
});
