/**
 * A fix for kafkajs 2.2.4 (the newest release), applied once when the
 * plugin loads its Kafka client.
 *
 * Every broker connection's request queue, after each response, schedules
 * a check of its pending requests at `throttledUntil - Date.now()` ms even
 * when nothing is pending and nothing is throttled; `throttledUntil` is -1,
 * so the delay is about minus the epoch in ms, which Node's timers clamp to
 * 1 ms ("TimeoutNegativeWarning: -1796055671030 is a negative number") —
 * and the check schedules itself again. Each connection then wakes the
 * event loop about a thousand times a second for ever: an idle kafka
 * plugin used 5–10% of a core (seen with strace and a CPU profile). A
 * request that has to wait is pushed to the pending list, and pushing
 * schedules its own check, so with nothing pending there is nothing to
 * schedule: the patch skips exactly that case.
 *
 * @module
 */
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";

interface Queue {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

let applied = false;

/**
 * Applies the fix (idempotent); returns whether the queue looked as
 * expected (false: kafkajs changed, nothing was patched).
 *
 * @example
 * ```ts
 * import { patchKafkajs } from "./_kafkajs_patch.ts";
 * console.log(patchKafkajs()); // true
 * ```
 */
export function patchKafkajs(): boolean {
  const proto = (RequestQueue as unknown as { prototype?: Queue })?.prototype;
  if (!proto || typeof proto.scheduleCheckPendingRequests !== "function") return false;
  if (applied) return true;
  applied = true;
  const original = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: Queue) {
    if (this.pending.length === 0) return;
    original.call(this);
  };
  return true;
}
