/**
 * Kafka as a cluster, end to end (CONTRACT §9): three brokers, topics
 * created by the plugin with replication factor 3 and min.insync.replicas 2,
 * and the partition leader killed while 10,000 publishes run — every
 * acknowledged message reaches a connected subscriber exactly once.
 *
 * @module
 */
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { assert } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { startKafkaCluster } from "./_kafka.ts";
import { assertDeliveredOnce, publishUntilAcked } from "./_no_loss.ts";
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

    const { acked, failures, slowest } = await publishUntilAcked(
      c,
      topic,
      10_000,
      () => cluster.nodes[leader - 1].kill(),
    );
    for (const code of failures.keys()) {
      assert.equal(code, "UNAVAILABLE", JSON.stringify([...failures]));
    }
    assert.ok(
      slowest < publishTimeoutMs + 5000,
      `a publish took ${slowest} ms (bound: publish_timeout_ms ${publishTimeoutMs} + margin)`,
    );
    const received = await assertDeliveredOnce(s, acked);
    console.log(
      `leader ${leader} killed; acknowledged ${acked.size}, failed ${
        JSON.stringify(Object.fromEntries(failures))
      }, received ${received}, slowest call ${slowest} ms`,
    );
    s.cancel();
  } finally {
    await admin.disconnect().catch(() => {});
    await h.stop();
    await cluster.stop();
  }
});
