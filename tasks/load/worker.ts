/**
 * Worker-thread entry of the load tester: runs one {@linkcode Generator} on
 * this thread's own event loop and posts its samples to the runner.
 *
 * Messages in: `{ type: "connect", config }`, `{ type: "go", startAt }`,
 * `{ type: "stop" }`. Messages out: `{ type: "connected" }`,
 * `{ type: "batch", batch }`, `{ type: "done", summary }`,
 * `{ type: "error", message }`.
 *
 * @module
 */
import { Generator, type GeneratorConfig, type SampleBatch } from "./generator.ts";

/** What a worker is sent. */
export type ToWorker =
  | { type: "connect"; config: GeneratorConfig }
  | { type: "go"; startAt: number }
  | { type: "stop" };

/** What a worker sends back. */
export type FromWorker =
  | { type: "connected" }
  | { type: "batch"; batch: SampleBatch }
  | { type: "done"; summary: { unsent: number; unfinished: number } }
  | { type: "error"; message: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
}

/**
 * Serves the worker protocol on `scope` (the worker's global scope).
 *
 * @example
 * ```ts ignore
 * import { serveWorker } from "./worker.ts";
 * serveWorker(self as never);
 * ```
 */
export function serveWorker(scope: WorkerScope): void {
  let generator: Generator | undefined;
  const post = (batch: SampleBatch) =>
    scope.postMessage({ type: "batch", batch }, [
      batch.sent.buffer as ArrayBuffer,
      batch.latencyUs.buffer as ArrayBuffer,
      batch.lagUs.buffer as ArrayBuffer,
      batch.op.buffer as ArrayBuffer,
      batch.status.buffer as ArrayBuffer,
    ]);
  scope.onmessage = async (e) => {
    const msg = e.data;
    try {
      if (msg.type === "connect") {
        generator = new Generator(msg.config, post);
        await generator.connect();
        scope.postMessage({ type: "connected" });
      } else if (msg.type === "go") {
        const summary = await generator!.run(msg.startAt);
        scope.postMessage({ type: "done", summary });
      } else {
        generator?.stop();
      }
    } catch (err) {
      scope.postMessage({ type: "error", message: (err as Error).message });
    }
  };
}

if (import.meta.main) serveWorker(self as unknown as WorkerScope);
