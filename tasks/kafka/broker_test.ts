/**
 * The test broker end to end: a topic, a record produced with acks=all and
 * read back by a consumer group, surviving a clean restart and a crash
 * (SIGKILL) with a restart; stop() leaves no java process behind.
 */
import assert from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import { KAFKA_VERSIONS, kafkaVersion, startKafka } from "./broker.ts";

/** Whether a process with this pid exists (zombies count as gone). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Reads every record of `topic` with a new consumer group; resolves with their values. */
async function readAll(kafka: Kafka, topic: string, expected: number): Promise<string[]> {
  // disconnect() waits for the fetch in flight: keep its long poll short (default 5 s).
  const consumer = kafka.consumer({ groupId: `g-${crypto.randomUUID()}`, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  const done = Promise.withResolvers<void>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        values.push(message.value?.toString() ?? "");
        if (values.length >= expected) done.resolve();
        return Promise.resolve();
      },
    });
    const timer = setTimeout(
      () => done.reject(new Error(`read ${values.length}/${expected} records in 30 s`)),
      30_000,
    );
    await done.promise.finally(() => clearTimeout(timer));
    return values;
  } finally {
    await consumer.disconnect();
  }
}

Deno.test("startKafka names a bad option", async () => {
  await assert.rejects(startKafka({ port: 70000 }), /port 70000 is not an integer in 1\.\.65535/);
  await assert.rejects(startKafka({ logLevel: "LOUD" }), /logLevel "LOUD" is not one of/);
  await assert.rejects(
    startKafka({ version: "2.8.0" }),
    /'version' is not a version the harness knows: current value is "2\.8\.0" \(known: 3\.9\.2, 4\.4\.0\)/,
  );
});

for (const version of KAFKA_VERSIONS) {
  Deno.test(`Kafka ${version}: the broker runs the version asked for`, async () => {
    const broker = await startKafka({ version, logLevel: "INFO" });
    try {
      assert.equal(broker.version, version);
      assert.match(broker.logs(), new RegExp(`Kafka version: ${version.replaceAll(".", "\\.")}`));
    } finally {
      await broker.stop();
    }
  });
}

Deno.test({
  name: `Kafka ${kafkaVersion()}: produce (acks=all), consume, restart, crash; stop leaves no java`,
  // kafkajs keeps timers and sockets past disconnect()
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startKafka();
    try {
      assert.equal(broker.brokers, `127.0.0.1:${broker.port}`);
      assert.ok(broker.pid > 0 && (await alive(broker.pid)), "java runs");
      const kafka = new Kafka({
        clientId: "broker-test",
        brokers: [broker.brokers],
        logLevel: logLevel.NOTHING,
        retry: { retries: 10, initialRetryTime: 100 },
      });
      const admin = kafka.admin();
      await admin.connect();
      assert.equal(
        await admin.createTopics({
          topics: [{ topic: "orders", numPartitions: 1, replicationFactor: 1 }],
          waitForLeaders: true,
        }),
        true,
      );
      await admin.disconnect();

      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const [meta] = await producer.send({
        topic: "orders",
        acks: -1,
        messages: [{ key: "k1", value: "first" }],
      });
      await producer.disconnect();
      assert.equal(meta.errorCode, 0);
      assert.equal(meta.baseOffset, "0");

      assert.deepEqual(await readAll(kafka, "orders", 1), ["first"]);

      // A clean restart: same port, same data.
      const port = broker.port;
      const firstPid = broker.pid;
      await broker.restart();
      assert.equal(broker.port, port);
      assert.notEqual(broker.pid, firstPid);
      assert.equal(await alive(firstPid), false, "the old java is gone");
      assert.deepEqual(await readAll(kafka, "orders", 1), ["first"]);

      // A crash: the acknowledged record is still there after a restart.
      const crashedPid = broker.pid;
      await broker.kill();
      assert.equal(await alive(crashedPid), false, "kill() ends java");
      await broker.restart();
      assert.deepEqual(await readAll(kafka, "orders", 1), ["first"]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nbroker log tail:\n${broker.logs()}`, {
        cause: err,
      });
    } finally {
      const pid = broker.pid;
      await broker.stop();
      await broker.stop(); // idempotent
      assert.equal(broker.pid, 0);
      assert.equal(await alive(pid), false, `java (pid ${pid}) still runs after stop()`);
    }
  },
});
