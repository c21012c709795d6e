/**
 * Kafka as a cluster, end to end (CONTRACT §9): three brokers, topics
 * created by the plugin with replication factor 3 and min.insync.replicas 2,
 * and the partition leader killed while 10,000 publishes run — every
 * acknowledged message reaches a connected subscriber exactly once.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { unary } from "../proto/client.ts";
import { assert, bytes, sleep } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { startKafkaCluster } from "./_kafka.ts";
import { subscribe } from "./_subscriber.ts";

Deno.test("kafka cluster: the partition leader killed during 10,000 publishes — every acknowledged message delivered exactly once", async () => {
  const cluster = await startKafkaCluster(3);
  const brokers = cluster.brokers.split(",");
  const publishTimeoutMs = 5000;
  const h = await startTestProxy(`
namespaces:
  - name: events
    backend: kafka
    config:
      brokers: ${JSON.stringify(brokers)}
      replication_factor: 3
      min_insync_replicas: 2
      publish_timeout_ms: ${publishTimeoutMs}
`);
  const c = h.clients;
  const topic = `noloss-${crypto.randomUUID().slice(0, 8)}`;
  const admin = new Kafka({ clientId: "test", brokers, logLevel: logLevel.NOTHING }).admin();
  try {
    const s = await subscribe(c, "events", topic);
    await admin.connect();
    // The topic the plugin created: 3 replicas, min.insync.replicas 2.
    const meta = await admin.fetchTopicMetadata({ topics: [`events.${topic}`] });
    const partition = meta.topics[0].partitions[0];
    assert.equal(partition.replicas.length, 3);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: `events.${topic}` }],
    });
    const minIsr = configs.resources[0].configEntries.find((e) =>
      e.configName === "min.insync.replicas"
    );
    assert.equal(minIsr?.configValue, "2");
    const leader = partition.leader;
    await admin.disconnect();

    const target = 10_000;
    const acked = new Set<string>();
    const failures = new Map<string, number>();
    let slowest = 0;
    let next = 0;
    let killing: Promise<void> | undefined;
    const worker = async () => {
      while (acked.size < target) {
        const n = next++;
        const t0 = Date.now();
        try {
          const r = await unary(c.pubsub, "Publish", {
            namespace: "events",
            topic,
            payload: bytes(String(n)),
          }, { deadline: Date.now() + 20_000 });
          if (acked.size < target) acked.add(r.message_id);
        } catch (err) {
          const code = status[(err as { code: number }).code] ?? String(err);
          failures.set(code, (failures.get(code) ?? 0) + 1);
          await sleep(50);
        }
        slowest = Math.max(slowest, Date.now() - t0);
        if (acked.size >= 3000 && killing === undefined) {
          killing = cluster.nodes[leader - 1].kill();
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    await killing;
    for (const code of failures.keys()) {
      assert.equal(code, "UNAVAILABLE", JSON.stringify([...failures]));
    }
    assert.ok(
      slowest < publishTimeoutMs + 5000,
      `a publish took ${slowest} ms (bound: publish_timeout_ms ${publishTimeoutMs} + margin)`,
    );
    const until = Date.now() + 60_000;
    const received = new Map<string, number>();
    let seen = 0;
    while (true) {
      for (; seen < s.messages.length; seen++) {
        const id = s.messages[seen].message_id;
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
    console.log(
      `leader ${leader} killed; acknowledged ${acked.size}, failed ${
        JSON.stringify(Object.fromEntries(failures))
      }, received ${received.size}, slowest call ${slowest} ms`,
    );
    s.cancel();
  } finally {
    await admin.disconnect().catch(() => {});
    await h.stop();
    await cluster.stop();
  }
});
