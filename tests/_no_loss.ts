/**
 * Test harness for the no-loss tests (a broker restarted, a partition
 * leader killed): 32 workers publish until `target` messages are
 * acknowledged while something breaks, then every acknowledged message
 * must reach a connected subscriber exactly once.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { type PrismClients, unary } from "../proto/client.ts";
import { assert, bytes, sleep } from "./_assert.ts";
import type { TestSubscription } from "./_subscriber.ts";

/** What {@linkcode publishUntilAcked} saw. */
export interface PublishRun {
  /** Message ids of the first `target` acknowledged publishes. */
  acked: Set<string>;
  /** Failed publishes by status name. */
  failures: Map<string, number>;
  /** The slowest call, ms. */
  slowest: number;
}

/**
 * Publishes numbered messages to `topic` of namespace `events` from 32
 * workers until `target` are acknowledged; calls `fault` once, when 3,000
 * are, and waits for it before resolving.
 */
export async function publishUntilAcked(
  clients: PrismClients,
  topic: string,
  target: number,
  fault: () => Promise<void>,
): Promise<PublishRun> {
  const run: PublishRun = { acked: new Set(), failures: new Map(), slowest: 0 };
  let next = 0;
  let faulting: Promise<void> | undefined;
  const worker = async () => {
    while (run.acked.size < target) {
      const n = next++;
      const t0 = Date.now();
      try {
        const r = await unary(clients.pubsub, "Publish", {
          namespace: "events",
          topic,
          payload: bytes(String(n)),
        }, { deadline: Date.now() + 20_000 });
        if (run.acked.size < target) run.acked.add(r.message_id);
      } catch (err) {
        const code = status[(err as { code: number }).code] ?? String(err);
        run.failures.set(code, (run.failures.get(code) ?? 0) + 1);
        await sleep(50);
      }
      run.slowest = Math.max(run.slowest, Date.now() - t0);
      if (run.acked.size >= 3000 && faulting === undefined) faulting = fault();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await faulting;
  return run;
}

/**
 * Waits (up to 60 s) until every id in `acked` reached `subscription`, and
 * checks none arrived twice; resolves with how many distinct messages did.
 */
export async function assertDeliveredOnce(
  subscription: TestSubscription,
  acked: Set<string>,
): Promise<number> {
  const until = Date.now() + 60_000;
  const received = new Map<string, number>();
  let seen = 0;
  while (true) {
    for (; seen < subscription.messages.length; seen++) {
      const id = subscription.messages[seen].message_id;
      received.set(id, (received.get(id) ?? 0) + 1);
    }
    const missing = [...acked].filter((id) => !received.has(id));
    if (missing.length === 0) break;
    assert.ok(
      Date.now() < until,
      `${missing.length} acknowledged messages never arrived (e.g. ${missing.slice(0, 3)})`,
    );
    await sleep(200);
  }
  const twice = [...received].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], "no message delivered twice");
  return received.size;
}
