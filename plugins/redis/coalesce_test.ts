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

Deno.test("coalesce: one turn's writes leave in one write, in order; the next turn's follow", async () => {
  const { server, socket, received } = await pair();
  try {
    // What the socket hands to its handle: one call per write without coalescing.
    const writes: number[] = [];
    const spy = socket as unknown as {
      _write(...a: unknown[]): void;
      _writev(chunks: unknown[], cb: unknown): void;
    };
    const one = spy._write.bind(socket);
    const many = spy._writev.bind(socket);
    spy._write = (...a) => (writes.push(1), one(...a));
    spy._writev = (chunks, cb) => (writes.push(chunks.length), many(chunks, cb));
    coalesceWrites(socket);
    coalesceWrites(socket); // idempotent: still one cork per turn
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      const cmd = `*2\r\n$3\r\nGET\r\n$${String(i).length}\r\n${i}\r\n`;
      sent.push(cmd);
      assert.equal(socket.write(cmd), true);
    }
    await until(() => received.reduce((n, b) => n + b.length, 0) === sent.join("").length);
    assert.deepEqual(writes, [50], "one write of the turn's 50 commands");
    assert.equal(Buffer.concat(received).toString(), sent.join(""));
    // A write in a later turn is not held back.
    socket.write("PING\r\n");
    await until(() => Buffer.concat(received).toString().endsWith("PING\r\n"));
    assert.deepEqual(writes, [50, 1]);
  } finally {
    socket.destroy();
    await new Promise((r) => server.close(r));
  }
});
