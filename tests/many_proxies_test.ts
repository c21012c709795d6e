/**
 * Proxies scale horizontally: plugin-backed namespaces keep no state in the
 * proxy, so two proxies on the same Redis and Kafka serve the same data,
 * and a subscriber on one receives what is published through the other.
 * (memstore is per proxy: each has its own.)
 *
 * @module
 */
import { unary } from "../proto/client.ts";
import { assert, assertBytes, bytes } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { startKafka } from "./_kafka.ts";
import { startRedis } from "./_redis.ts";
import { subscribe } from "./_subscriber.ts";

Deno.test("many proxies: two proxies on one Redis and one Kafka serve the same data", async () => {
  const redis = await startRedis();
  const kafka = await startKafka();
  const config = `
namespaces:
  - { name: cache, backend: redis, config: { url: "${redis.url}" } }
  - { name: events, backend: kafka, config: { brokers: ["${kafka.brokers}"] } }
  - { name: local, backend: memstore }
`;
  const a = await startTestProxy(config);
  const b = await startTestProxy(config);
  try {
    // Key-value: written through one, read through the other.
    await unary(a.clients.keyvalue, "Set", {
      namespace: "cache",
      key: "k",
      value: bytes("from a"),
    });
    assertBytes(
      (await unary(b.clients.keyvalue, "Get", { namespace: "cache", key: "k" })).value,
      bytes("from a"),
    );
    await unary(b.clients.list, "PushRight", {
      namespace: "cache",
      list_key: "q",
      value: bytes("from b"),
    });
    assertBytes(
      (await unary(a.clients.list, "PopLeft", { namespace: "cache", list_key: "q" })).value,
      bytes("from b"),
    );
    // Pub/sub: a subscriber on b receives what is published through a, in order.
    const sub = await subscribe(b.clients, "events", "orders");
    for (let i = 0; i < 20; i++) {
      await unary(a.clients.pubsub, "Publish", {
        namespace: "events",
        topic: "orders",
        payload: bytes(`m${i}`),
      });
    }
    const got = await sub.waitFor(20, 20_000);
    assert.deepEqual(
      got.map((m) => new TextDecoder().decode(m.payload)),
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    sub.cancel();
    // memstore is per proxy.
    await unary(a.clients.keyvalue, "Set", { namespace: "local", key: "k", value: bytes("a") });
    assert.equal(
      (await unary(b.clients.keyvalue, "Get", { namespace: "local", key: "k" })).found,
      false,
    );
  } finally {
    await a.stop();
    await b.stop();
    await kafka.stop();
    await redis.stop();
  }
});
