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
 * Second, each connection checks its requests for timeouts every 100 ms
 * from the moment it connects, requests in flight or not: ten wake-ups a
 * second per broker connection of an idle plugin. Patched, the check runs
 * only while requests are in flight: it starts with the first request sent
 * and stops when none is left (same period, same timeouts, same handling
 * of a lost connection).
 *
 * @module
 */
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";

interface SocketRequest {
  sentAt: number;
  requestTimeout: number;
  timeoutRequest(): void;
}

interface Queue {
  pending: unknown[];
  inflight: Map<number, SocketRequest>;
  enforceRequestTimeout: boolean;
  requestTimeout: number;
  requestTimeoutIntervalId: ReturnType<typeof setInterval> | undefined;
  isConnected(): boolean;
  destroy(): void;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  sendSocketRequest(request: unknown): void;
}

/** Whether a queue's timeout check is running (the patched queues' own state). */
const CHECKING = Symbol("prism:timeoutCheckRunning");

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
  if (
    !proto || typeof proto.scheduleCheckPendingRequests !== "function" ||
    typeof proto.scheduleRequestTimeoutCheck !== "function" ||
    typeof proto.sendSocketRequest !== "function" || typeof proto.destroy !== "function"
  ) {
    return false;
  }
  if (applied) return true;
  applied = true;
  const original = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: Queue) {
    if (this.pending.length === 0) return;
    original.call(this);
  };

  // Called when the connection is up: the check now waits for a request.
  proto.scheduleRequestTimeoutCheck = function (this: Queue) {
    this.destroy();
  };
  const destroy = proto.destroy;
  proto.destroy = function (this: Queue & { [CHECKING]?: boolean }) {
    destroy.call(this);
    this.requestTimeoutIntervalId = undefined;
    this[CHECKING] = false;
  };
  const send = proto.sendSocketRequest;
  proto.sendSocketRequest = function (this: Queue & { [CHECKING]?: boolean }, request: unknown) {
    send.call(this, request);
    if (!this.enforceRequestTimeout || this[CHECKING] || this.inflight.size === 0) return;
    this[CHECKING] = true;
    clearInterval(this.requestTimeoutIntervalId);
    const id = setInterval(() => {
      for (const r of this.inflight.values()) {
        if (Date.now() - r.sentAt > r.requestTimeout) r.timeoutRequest();
      }
      if (!this.isConnected()) this.destroy();
      else if (this.inflight.size === 0) {
        clearInterval(id);
        this.requestTimeoutIntervalId = undefined;
        this[CHECKING] = false;
      }
    }, Math.min(this.requestTimeout, 100));
    this.requestTimeoutIntervalId = id;
  };
  return true;
}
