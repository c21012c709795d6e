/**
 * Conformance suite: `prism.interfaces.pubsub.PubSubBasicInterface`.
 *
 * CONTRACT §2: every active subscriber of a topic receives every message
 * published after its Subscribe returned headers, in publish order per
 * topic; Unsubscribe (or the client cancelling) ends delivery and frees the
 * backend consumer.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { unary } from "../../proto/client.ts";
import { assert, assertStatus, bytes, sleep } from "../_assert.ts";
import { subscribe, type TestSubscription } from "../_subscriber.ts";
import { deadline, type Suite } from "./target.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs the pub/sub suite against `target`. */
export const pubsubBasicSuite: Suite = async (t, target) => {
  const c = target.clients;
  const ns = target.namespace;
  // Topic names must suit every backend (Kafka allows [a-zA-Z0-9._-]).
  const topicOf = (name: string) => `${target.runId}.${name}`;
  const publish = async (topic: string, payload: string, metadata: Record<string, string> = {}) =>
    (await unary(
      c.pubsub,
      "Publish",
      { namespace: ns, topic, payload: bytes(payload), metadata },
      deadline(15),
    )).message_id;
  const unsubscribe = async (topic: string, subscriber_id: string) =>
    (await unary(c.pubsub, "Unsubscribe", { namespace: ns, topic, subscriber_id }, deadline()))
      .found;
  const open: TestSubscription[] = [];
  const sub = async (topic: string, id = "") => {
    const s = await subscribe(c, ns, topic, id);
    open.push(s);
    return s;
  };

  try {
    await t.step("Publish returns a distinct message id per message", async () => {
      const topic = topicOf("ids");
      const a = await publish(topic, "a");
      const b = await publish(topic, "b");
      assert.ok(a !== "" && b !== "", "message ids are not empty");
      assert.notEqual(a, b);
    });

    await t.step(
      "a subscriber receives what is published after its headers, in order, with payload, metadata, id and time",
      async () => {
        const topic = topicOf("order");
        await publish(topic, "before"); // published before Subscribe: not delivered
        const s = await sub(topic);
        const t0 = Date.now();
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) ids.push(await publish(topic, `m${i}`, { seq: String(i) }));
        const got = await s.waitFor(20);
        assert.deepEqual(got.map((m) => text(m.payload)), ids.map((_, i) => `m${i}`));
        assert.deepEqual(got.map((m) => m.message_id), ids);
        for (const [i, m] of got.entries()) {
          assert.equal(m.topic, topic);
          assert.equal(m.metadata.seq, String(i));
          assert.ok(
            Number(m.timestamp_ms) >= t0 - 60_000 && Number(m.timestamp_ms) <= Date.now() + 60_000,
            `timestamp_ms ${m.timestamp_ms} is about now`,
          );
        }
        await sleep(200);
        assert.equal(s.messages.length, 20, "nothing more, nothing twice");
      },
    );

    await t.step(
      "fan-out: 3 subscribers each receive every message, in the same order",
      async () => {
        const topic = topicOf("fanout");
        const subs = await Promise.all([sub(topic), sub(topic), sub(topic)]);
        const sequential: string[] = [];
        for (let i = 0; i < 10; i++) sequential.push(await publish(topic, `s${i}`));
        const concurrent = await Promise.all(
          Array.from({ length: 20 }, (_, i) => publish(topic, `c${i}`)),
        );
        for (const s of subs) await s.waitFor(30);
        const first = subs[0].messages.map((m) => m.message_id);
        assert.deepEqual(first.slice(0, 10), sequential, "sequential publishes arrive in order");
        assert.deepEqual([...first.slice(10)].sort(), [...concurrent].sort());
        for (const s of subs.slice(1)) {
          assert.deepEqual(s.messages.map((m) => m.message_id), first, "same order for everyone");
        }
      },
    );

    await t.step("topics are independent", async () => {
      const a = await sub(topicOf("indep-a"));
      await publish(topicOf("indep-b"), "b");
      await publish(topicOf("indep-a"), "a");
      await a.waitFor(1);
      await sleep(200);
      assert.deepEqual(a.messages.map((m) => text(m.payload)), ["a"]);
    });

    await t.step("an empty payload is a message", async () => {
      const topic = topicOf("empty");
      const s = await sub(topic);
      await publish(topic, "");
      const [m] = await s.waitFor(1);
      assert.equal(m.payload.length, 0);
    });

    await t.step(
      "Unsubscribe ends the stream OK and stops delivery; found=false after",
      async () => {
        const topic = topicOf("unsub");
        const id = `${target.runId}-sub-1`;
        const gone = await sub(topic, id);
        const stays = await sub(topic);
        assert.equal(gone.id, id);
        await publish(topic, "one");
        await gone.waitFor(1);
        assert.equal(await unsubscribe(topic, id), true);
        await gone.ended; // OK status
        await publish(topic, "two");
        await stays.waitFor(2);
        assert.deepEqual(gone.messages.map((m) => text(m.payload)), ["one"]);
        assert.equal(await unsubscribe(topic, id), false);
        assert.equal(await unsubscribe(topic, "never-subscribed"), false);
      },
    );

    await t.step("the server chooses a subscriber id when none is given", async () => {
      const topic = topicOf("chosen");
      const s = await sub(topic);
      assert.ok(s.id !== "", "the id comes in the response headers");
      assert.equal(await unsubscribe(topic, s.id), true);
      await s.ended;
    });

    await t.step("cancelling the stream frees the subscriber id", async () => {
      const topic = topicOf("cancel");
      const id = `${target.runId}-sub-2`;
      const s = await sub(topic, id);
      s.cancel();
      await assertStatus(s.ended, status.CANCELLED);
      // The backend frees it shortly after the cancellation reaches it.
      const until = Date.now() + 10_000;
      while (await unsubscribe(topic, id)) {
        assert.ok(Date.now() < until, "the cancelled subscriber was freed within 10 s");
        await sleep(100);
      }
      const again = await sub(topic, id);
      await publish(topic, "after");
      assert.equal(text((await again.waitFor(1))[0].payload), "after");
    });

    await t.step("an empty topic is INVALID_ARGUMENT", async () => {
      await assertStatus(
        unary(c.pubsub, "Publish", { namespace: ns, topic: "", payload: bytes("x") }, deadline()),
        status.INVALID_ARGUMENT,
      );
      await assertStatus(subscribe(c, ns, ""), status.INVALID_ARGUMENT);
    });
  } finally {
    for (const s of open) s.cancel();
  }
};
