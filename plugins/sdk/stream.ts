/**
 * Writing server streams with backpressure: {@linkcode StreamSink.write}
 * waits whenever the transport's buffer for the stream is full (the client
 * is not reading, or its window is closed), and reports `false` once the
 * call is over (the client cancelled, the deadline passed, or a drain cut
 * it off), so that a handler stops reading its backend as soon as nobody
 * listens, and pauses it while nobody reads.
 *
 * @module
 */
import type { ServerWriter } from "../../proto/transport/grpc_server.ts";

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
  /**
   * Sends one message without waiting, for producers that pause themselves
   * (a Kafka consumer): true while the stream has room for more; false when
   * it is full now (pause, and resume after {@linkcode drained}) or the call
   * is over (nothing was sent).
   */
  offer(message: T): boolean;
  /** Resolves when the stream has room again, or the call is over. */
  drained(): Promise<void>;
  /** Sends the response headers now, before any message (the call is set up). */
  sendHeaders(headers: Record<string, string>): void;
  /** Whether the call is over (cancelled, past its deadline, or aborted). */
  readonly closed: boolean;
}

/**
 * A {@linkcode StreamSink} over a server stream; `signal` ends it too.
 *
 * @example
 * ```ts ignore
 * import { streamSink } from "./stream.ts";
 * const out = streamSink(call, ctx.signal, ctx.deadline);
 * await out.write({ key: "a" });
 * ```
 */
export function streamSink<T>(
  call: ServerWriter<unknown>,
  signal: AbortSignal,
  deadline = Infinity,
): StreamSink<T> {
  const over = () => call.cancelled || signal.aborted || Date.now() >= deadline;
  const drained = () =>
    over() ? Promise.resolve() : new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        clearTimeout(timer);
        resolve();
      };
      call.drain().then(done);
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
      if (!call.write(message)) await drained();
      return !over();
    },
    offer(message: T): boolean {
      if (over()) return false;
      return call.write(message);
    },
    drained,
    sendHeaders(headers: Record<string, string>): void {
      call.sendHeaders(headers);
    },
  };
}
