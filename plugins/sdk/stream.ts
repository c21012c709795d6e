/**
 * Writing server streams with backpressure: {@linkcode StreamSink.write}
 * waits for the stream's `drain` whenever grpc-js's buffer is full, and
 * reports `false` once the call is over (the client cancelled, the deadline
 * passed, or a drain cut it off), so that a handler stops reading its
 * backend as soon as nobody listens.
 *
 * @module
 */
import type { ServerWritableStream } from "@grpc/grpc-js";

/**
 * Where a stream handler sends its messages.
 *
 * @example
 * ```ts
 * import type { StreamSink } from "./stream.ts";
 * async function sendAll(out: StreamSink, keys: string[]) {
 *   for (const key of keys) if (!(await out.write({ key }))) return;
 * }
 * console.log(typeof sendAll);
 * ```
 */
export interface StreamSink<T = unknown> {
  /** Sends one message; resolves false (without sending) once the call is over. */
  write(message: T): Promise<boolean>;
  /** Whether the call is over (cancelled, past its deadline, or aborted). */
  readonly closed: boolean;
}

/**
 * A {@linkcode StreamSink} over a grpc-js server stream; `signal` ends it too.
 *
 * @example
 * ```ts ignore
 * import { streamSink } from "./stream.ts";
 * const out = streamSink(call, ctx.signal, ctx.deadline);
 * await out.write({ key: "a" });
 * ```
 */
export function streamSink<T>(
  call: ServerWritableStream<unknown, unknown>,
  signal: AbortSignal,
  deadline = Infinity,
): StreamSink<T> {
  const over = () =>
    call.cancelled || call.destroyed || call.writableEnded || signal.aborted ||
    Date.now() >= deadline;
  const waitForDrain = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        call.off("drain", done);
        call.off("cancelled", done);
        call.off("close", done);
        signal.removeEventListener("abort", done);
        clearTimeout(timer);
        resolve();
      };
      call.on("drain", done);
      call.on("cancelled", done);
      call.on("close", done);
      signal.addEventListener("abort", done);
      const timer = Number.isFinite(deadline)
        ? setTimeout(done, Math.max(0, deadline - Date.now()))
        : undefined;
    });
  return {
    get closed() {
      return over();
    },
    async write(message: T): Promise<boolean> {
      if (over()) return false;
      if (!call.write(message)) await waitForDrain();
      return !over();
    },
  };
}
