/**
 * Worker-thread entry of {@linkcode ThreadClock}: posts `{ ready: true }`
 * once loaded, answers `{ ping: true }` with `{ pong: true }`, receives
 * `{ spec, flag }` (flag: a SharedArrayBuffer of one
 * Int32, set non-zero to stop), then posts `{ upTo }` as calls fall due and
 * `{ end: true }` when the schedule ends.
 *
 * @module
 */
import { type ClockSpec, runClockLoop } from "./clock.ts";

interface ClockScope {
  onmessage:
    | ((e: MessageEvent<{ ping: true } | { spec: ClockSpec; flag: SharedArrayBuffer }>) => void)
    | null;
  postMessage(message: unknown): void;
  close(): void;
}

/**
 * Serves the clock protocol on `scope` (the worker's global scope).
 *
 * @example
 * ```ts ignore
 * import { serveClock } from "./clock_worker.ts";
 * serveClock(self as never);
 * ```
 */
export function serveClock(scope: ClockScope): void {
  scope.onmessage = (e) => {
    const m = e.data;
    if ("ping" in m) {
      scope.postMessage({ pong: true });
      return;
    }
    runClockLoop(m.spec, new Int32Array(m.flag), (out) => scope.postMessage(out));
    scope.close();
  };
  scope.postMessage({ ready: true });
}

if (import.meta.main) serveClock(self as unknown as ClockScope);
