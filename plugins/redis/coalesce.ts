/**
 * Write coalescing for a Redis connection: the commands a plugin sends in
 * one turn of the event loop leave in one socket write.
 *
 * ioredis writes each command to its socket as it is issued. The plugin
 * serves the calls of one HTTP/2 read together, so at 64 calls in flight a
 * batch of Gets became a batch of separate writes, each a system call that
 * on loopback also runs Redis's side of TCP: in a CPU profile of the redis
 * plugin at 64 Gets in flight, those writes (`writeUtf8String`, Deno's Node
 * layer) were a quarter of its CPU. Corking the socket at the first write
 * of a turn and uncorking it in `setImmediate` (after the turn's promise
 * jobs, before the next I/O) hands the turn's commands to Node's `writev`
 * as one write. ioredis's own `enableAutoPipelining` batches the same way
 * but builds a pipeline object per batch, which costs what it saves
 * (measured: no gain in calls/s).
 *
 * @module
 */

/** What {@linkcode coalesceWrites} needs of a socket (a `net.Socket` or `tls.TLSSocket`).
 *
 * @example
 * ```ts
 * import type { CorkableSocket } from "./coalesce.ts";
 * import { Socket } from "node:net";
 * const socket: CorkableSocket = new Socket();
 * console.log(typeof socket.cork); // "function"
 * ```
 */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
  // deno-lint-ignore no-explicit-any
  write(...args: any[]): boolean;
}

const COALESCED = Symbol("prism.coalesced");

/**
 * Makes `socket` send what is written to it in one turn of the event loop
 * as one write. Idempotent.
 *
 * @example
 * ```ts
 * import { coalesceWrites } from "./coalesce.ts";
 * import { createServer, Socket } from "node:net";
 * const chunks: string[] = [];
 * const server = createServer((s) => s.on("data", (d) => chunks.push(String(d))));
 * await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
 * const port = (server.address() as { port: number }).port;
 * const socket = new Socket();
 * await new Promise<void>((r) => socket.connect(port, "127.0.0.1", r));
 * coalesceWrites(socket);
 * for (let i = 0; i < 10; i++) socket.write(`PING ${i}\r\n`);
 * await new Promise((r) => setTimeout(r, 100));
 * console.log(chunks.length); // 1
 * socket.destroy();
 * server.close();
 * ```
 */
export function coalesceWrites(socket: CorkableSocket): void {
  const marked = socket as CorkableSocket & { [COALESCED]?: true };
  if (marked[COALESCED]) return;
  marked[COALESCED] = true;
  const write = socket.write.bind(socket);
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  // deno-lint-ignore no-explicit-any
  socket.write = (...args: any[]): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write(...args);
  };
}
