/**
 * The kafka plugin served in this process (so coverage sees it) against a
 * real single-node Kafka (`tests/_kafka.ts`): the conformance suites
 * straight on the plugin's port, backpressure, plugin-specific errors, and
 * an unreachable cluster.
 */
import { status } from "../../proto/status.ts";
import { unary } from "../../proto/client.ts";
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { assert, assertStatus, bytes, sleep } from "../../tests/_assert.ts";
import { startKafka } from "../../tests/_kafka.ts";
import { subscribe } from "../../tests/_subscriber.ts";
import { pubsubBasicSuite } from "../../tests/conformance/pubsub_basic.ts";
import { streamBasicSuite } from "../../tests/conformance/stream_basic.ts";
import type { Target } from "../../tests/conformance/target.ts";
import { startPlugin, type TestPlugin, waitHealthy } from "../sdk/_testing.ts";
import { KAFKA_PLUGIN } from "./plugin.ts";

const deadline = (s = 15) => ({ deadline: Date.now() + s * 1000 });

/**
 * Whether this runtime's node:http2 tells grpc-js when a stream is full: a
 * paused client, a server writing 4 MiB; with backpressure, `write()`
 * returns false and `drain` waits for the client. Deno before 2.9.5
 * completes HTTP/2 writes at once (denoland/deno#36044), so the server side
 * buffers whatever a slow reader leaves.
 */
async function runtimeHasHttp2Backpressure(): Promise<boolean> {
  const grpc = await import("@grpc/grpc-js");
  const { Buffer } = await import("node:buffer");
  const id = (x: Uint8Array) => Buffer.from(x);
  const def = {
    S: {
      path: "/probe.P/S",
      requestStream: false,
      responseStream: true,
      requestSerialize: id,
      requestDeserialize: id,
      responseSerialize: id,
      responseDeserialize: id,
    },
  };
  let blocked = false;
  const server = new grpc.Server();
  server.addService(def as never, {
    S: (call: import("@grpc/grpc-js").ServerWritableStream<Uint8Array, Uint8Array>) => {
      const chunk = new Uint8Array(16 * 1024);
      let written = 0;
      const pump = () => {
        while (written < 256) {
          written++;
          if (!call.write(chunk)) {
            const timer = setTimeout(() => (blocked = true), 300);
            call.once("drain", () => (clearTimeout(timer), pump()));
            return;
          }
        }
        call.end();
      };
      pump();
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  const Client = grpc.makeGenericClientConstructor(def as never, "P");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (client as unknown as {
    S(r: Uint8Array): import("@grpc/grpc-js").ClientReadableStream<Uint8Array>;
  })
    .S(new Uint8Array());
  call.on("data", () => {});
  call.on("error", () => {});
  call.pause();
  await sleep(1000);
  call.cancel();
  client.close();
  server.forceShutdown();
  return blocked;
}

Deno.test({ name: "kafka plugin: in process against a real broker" }, async (t) => {
  const kafka = await startKafka();
  const plugins: TestPlugin[] = [];
  const start = async (config: Record<string, unknown>, ns = "ev") => {
    const p = await startPlugin(KAFKA_PLUGIN, { brokers: [kafka.brokers], ...config }, ns, {
      readyTimeoutMs: 20_000,
    });
    plugins.push(p);
    return p;
  };
  try {
    const p = await start({});
    const ns = "ev";

    await t.step("conformance suites on the plugin's own port", async (t) => {
      const target: Target = {
        backend: "kafka",
        namespace: ns,
        clients: p.c,
        interfaces: new Set([SERVICE_NAMES.pubsub, SERVICE_NAMES.stream]),
        runId: `run-${crypto.randomUUID().slice(0, 8)}`,
      };
      await t.step(SERVICE_NAMES.pubsub, (t) => pubsubBasicSuite(t, target));
      await t.step(SERVICE_NAMES.stream, (t) => streamBasicSuite(t, target));
    });

    await t.step("health: HEALTHY with the cluster's details", async () => {
      const details = await waitHealthy(p);
      assert.equal(details["kafka.brokers"], kafka.brokers);
      assert.equal(details["kafka.live_brokers"], "1");
      assert.ok(Number(details["kafka.latency_ms"]) >= 0);
    });

    await t.step("topic names Kafka rejects are INVALID_ARGUMENT, naming them", async () => {
      const bad = ["a b", "ü", "x".repeat(250)];
      for (const topic of bad) {
        await assertStatus(
          unary(p.c.pubsub, "Publish", { namespace: ns, topic, payload: bytes("x") }, deadline()),
          status.INVALID_ARGUMENT,
          "Kafka topic",
        );
      }
      await assertStatus(
        unary(
          p.c.stream,
          "Append",
          { namespace: ns, stream: "a/b", payload: bytes("x") },
          deadline(),
        ),
        status.INVALID_ARGUMENT,
        `stream "a/b"`,
      );
      await assertStatus(subscribe(p.c, ns, "a:b"), status.INVALID_ARGUMENT);
      assert.equal(
        (await unary(p.c.pubsub, "Unsubscribe", {
          namespace: ns,
          topic: "a b",
          subscriber_id: "s",
        }))
          .found,
        false,
      );
    });

    await t.step(
      "a record larger than the broker accepts is INVALID_ARGUMENT; the records around it are acknowledged",
      async () => {
        const topic = `big-${crypto.randomUUID().slice(0, 6)}`;
        const s = await subscribe(p.c, ns, topic);
        const publish = (payload: Uint8Array) =>
          unary(p.c.pubsub, "Publish", { namespace: ns, topic, payload }, deadline());
        const small = Array.from({ length: 20 }, (_, i) => publish(bytes(`s${i}`)));
        // Over the broker's message.max.bytes (1 MiB by default).
        const big = publish(new Uint8Array(1536 * 1024));
        const more = Array.from({ length: 20 }, (_, i) => publish(bytes(`t${i}`)));
        await assertStatus(big, status.INVALID_ARGUMENT, "larger than the broker accepts");
        const ids = await Promise.all([...small, ...more]);
        const got = await s.waitFor(40);
        assert.deepEqual(
          got.map((m) => m.message_id).sort(),
          ids.map((r) => r.message_id).sort(),
          "every acknowledged record arrived; the rejected one did not",
        );
        s.cancel();
      },
    );

    await t.step("a subscriber id already subscribed to the topic is ALREADY_EXISTS", async () => {
      const s = await subscribe(p.c, ns, "dup", "same");
      try {
        await assertStatus(subscribe(p.c, ns, "dup", "same"), status.ALREADY_EXISTS, '"same"');
        const other = await subscribe(p.c, ns, "dup-2", "same"); // another topic: fine
        other.cancel();
      } finally {
        s.cancel();
      }
    });

    await t.step(
      "a slow subscriber pauses its consumer: nothing is dropped or buffered without bound",
      async () => {
        const topic = `slow-${crypto.randomUUID().slice(0, 6)}`;
        const s = await subscribe(p.c, ns, topic);
        s.pause();
        const payload = new Uint8Array(16 * 1024).fill(7);
        const n = 1000; // 16 MiB: far more than the HTTP/2 windows hold
        for (let i = 0; i < n; i += 100) {
          await Promise.all(
            Array.from({ length: 100 }, (_, j) =>
              unary(p.c.pubsub, "Publish", {
                namespace: ns,
                topic,
                payload,
                metadata: { i: String(i + j) },
              }, deadline(30))),
          );
        }
        if (await runtimeHasHttp2Backpressure()) {
          // The consumer pauses once gRPC's buffers are full.
          const until = Date.now() + 10_000;
          for (;;) {
            const h = await unary(p.c.lifecycle, "HealthCheck", {}, deadline());
            if (Number(h.details["consumers.paused"]) >= 1) break;
            assert.ok(Date.now() < until, `no consumer paused: ${JSON.stringify(h.details)}`);
            await sleep(100);
          }
          assert.ok(s.messages.length < n, "the subscriber did not read: not everything arrived");
        } else {
          console.log(
            `%cskipped the pause check: Deno ${Deno.version.deno}'s node:http2 reports no backpressure ` +
              "(denoland/deno#36044, in 2.9.5+), so grpc-js never says the stream is full",
            "color: yellow",
          );
        }
        s.resume();
        const got = await s.waitFor(n, 60_000);
        await sleep(200);
        assert.equal(got.length, n, "each message exactly once");
        const offsets = got.map((m) => BigInt(m.message_id.split("/")[2]));
        for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i] === offsets[i - 1] + 1n);
        s.cancel();
      },
    );

    await t.step(
      "subscribers joining a topic's feed while it delivers get everything after their headers, once, in order",
      async () => {
        const topic = `busy-${crypto.randomUUID().slice(0, 6)}`;
        const first = await subscribe(p.c, ns, topic); // starts the topic's feed
        let published = 0;
        let stop = false;
        const publisher = (async () => {
          while (!stop) {
            const i = published++;
            await unary(
              p.c.pubsub,
              "Publish",
              { namespace: ns, topic, payload: bytes(`${i}`) },
              deadline(),
            );
          }
        })();
        const joined: { s: Awaited<ReturnType<typeof subscribe>>; next: number }[] = [];
        for (let k = 0; k < 6; k++) {
          await sleep(150);
          const s = await subscribe(p.c, ns, topic);
          joined.push({ s, next: published }); // the first publish not yet started after its headers
        }
        await sleep(300);
        stop = true;
        await publisher;
        const total = published;
        const numbers = (s: typeof first) =>
          s.messages.map((m) => Number(new TextDecoder().decode(m.payload)));
        await first.waitFor(total, 30_000);
        assert.deepEqual(numbers(first), Array.from({ length: total }, (_, i) => i));
        for (const { s, next } of joined) {
          const got = await s.waitFor(total - next, 30_000).then(() => numbers(s));
          const from = got[0];
          assert.ok(
            from <= next,
            `a message published after the headers was missed: first ${from}, expected <= ${next}`,
          );
          assert.deepEqual(
            got,
            Array.from({ length: total - from }, (_, i) => from + i),
            "contiguous, once, in order",
          );
        }
        const h = await unary(p.c.lifecycle, "HealthCheck", {}, deadline());
        assert.equal(
          h.details["consumers.active"],
          "1",
          "one consumer serves the topic's seven subscribers",
        );
        for (const s of [first, ...joined.map((j) => j.s)]) s.cancel();
      },
    );

    await t.step(
      "several partitions: every message reaches the subscriber; streams refuse the topic",
      async () => {
        const multi = await start({ partitions: 3, topic_prefix: "multi." }, "multi");
        const topic = `m-${crypto.randomUUID().slice(0, 6)}`;
        const s = await subscribe(multi.c, "multi", topic);
        const ids = await Promise.all(
          Array.from(
            { length: 30 },
            (_, i) =>
              unary(multi.c.pubsub, "Publish", {
                namespace: "multi",
                topic,
                payload: bytes(`${i}`),
              }, deadline())
                .then((r) => r.message_id),
          ),
        );
        assert.equal(
          new Set(ids.map((id) => id.split("/")[1])).size,
          3,
          "spread over 3 partitions",
        );
        const got = await s.waitFor(30);
        assert.deepEqual(got.map((m) => m.message_id).sort(), [...ids].sort());
        s.cancel();
        await assertStatus(
          unary(multi.c.stream, "Append", {
            namespace: "multi",
            stream: topic,
            payload: bytes("x"),
          }, deadline()),
          status.FAILED_PRECONDITION,
          "3 partitions",
        );
      },
    );
  } finally {
    for (const p of plugins) await p.stop();
    await kafka.stop();
  }
});

Deno.test({ name: "kafka plugin: an unreachable cluster" }, async () => {
  // Nothing listens there: the port was free a moment ago.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const p = await startPlugin(
    KAFKA_PLUGIN,
    {
      brokers: [`127.0.0.1:${port}`],
      publish_timeout_ms: 1500,
      command_timeout_ms: 1000,
    },
    "down",
    { waitReady: false },
  );
  try {
    const details = await waitHealthy(p, "UNHEALTHY", 10_000);
    assert.match(details["kafka.status"] ?? "UNHEALTHY", /UNHEALTHY/);
    const h = await unary(p.c.lifecycle, "HealthCheck", {}, deadline());
    assert.match(h.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    // Fails, within its bound, with UNAVAILABLE: never a hang.
    for (
      const call of [
        () =>
          unary(
            p.c.pubsub,
            "Publish",
            { namespace: "down", topic: "t", payload: bytes("x") },
            deadline(20),
          ),
        () =>
          unary(
            p.c.stream,
            "Append",
            { namespace: "down", stream: "s", payload: bytes("x") },
            deadline(20),
          ),
        () => subscribe(p.c, "down", "t"),
      ]
    ) {
      const t0 = Date.now();
      await assertStatus(call(), status.UNAVAILABLE);
      assert.ok(Date.now() - t0 < 10_000, `failed after ${Date.now() - t0} ms`);
    }
  } finally {
    await p.stop();
  }
});
