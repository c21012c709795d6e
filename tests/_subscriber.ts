/**
 * Test helper: a Subscribe stream that records its messages, resolves when
 * the response headers arrive (CONTRACT §2: the subscriber is positioned),
 * and waits for a number of messages with a timeout.
 *
 * @module
 */
import type { Metadata, ServiceError } from "@grpc/grpc-js";
import type { PrismClients } from "../proto/client.ts";
import type { Message__Output } from "../proto/gen/prism/interfaces/pubsub/Message.ts";

/** An open subscription. */
export interface TestSubscription {
  /** The subscriber id (the request's, or the one the server chose, from the headers). */
  id: string;
  /** Messages received so far, in arrival order. */
  messages: Message__Output[];
  /** Resolves with the messages once at least `n` arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<Message__Output[]>;
  /** Settles when the stream ends: resolves on OK, rejects with the status error. */
  ended: Promise<void>;
  /** Cancels the stream from the client side. */
  cancel(): void;
  /** Pauses or resumes reading (for backpressure tests). */
  pause(): void;
  resume(): void;
}

/**
 * Subscribes and resolves once the response headers arrived (or rejects
 * with the call's error if it fails first).
 */
export function subscribe(
  clients: PrismClients,
  namespace: string,
  topic: string,
  subscriberId = "",
  headersTimeoutMs = 20_000,
): Promise<TestSubscription> {
  const call = clients.pubsub.Subscribe({ namespace, topic, subscriber_id: subscriberId });
  const messages: Message__Output[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  call.on("data", (m: Message__Output) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (messages.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const ended = new Promise<void>((resolve, reject) => {
    call.on("end", resolve);
    call.on("error", (err: ServiceError) => reject(err));
  });
  ended.catch(() => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      call.cancel();
      reject(new Error(`Subscribe to "${topic}" sent no headers within ${headersTimeoutMs} ms`));
    }, headersTimeoutMs);
    ended.then(
      () => {
        clearTimeout(timer);
        reject(new Error(`Subscribe to "${topic}" ended before its headers`));
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
    call.once("metadata", (md: Metadata) => {
      clearTimeout(timer);
      const chosen = md.get("prism-subscriber-id")[0];
      resolve({
        id: typeof chosen === "string" ? chosen : subscriberId,
        messages,
        ended,
        cancel: () => call.cancel(),
        pause: () => call.pause(),
        resume: () => call.resume(),
        waitFor(n, timeoutMs = 15_000) {
          if (messages.length >= n) return Promise.resolve(messages);
          return new Promise((res, rej) => {
            const w = { n, resolve: () => (clearTimeout(t), res(messages)) };
            const t = setTimeout(() => {
              waiters.splice(waiters.indexOf(w), 1);
              rej(
                new Error(
                  `subscriber of "${topic}" got ${messages.length} of ${n} messages within ${timeoutMs} ms`,
                ),
              );
            }, timeoutMs);
            waiters.push(w);
          });
        },
      });
    });
  });
}
