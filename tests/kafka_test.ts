/**
 * The kafka backend end to end: the proxy, its kafka plugin process and a
 * real single-node Kafka (`tests/_kafka.ts`), checked with an independent
 * Kafka client (`kcat`, Debian's package) and under a broker restart.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { unary } from "../proto/client.ts";
import { assert, assertStatus, bytes, sleep } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { type KafkaBroker, startKafka } from "./_kafka.ts";
import { assertDeliveredOnce, publishUntilAcked } from "./_no_loss.ts";
import { subscribe } from "./_subscriber.ts";
import { spawnPrism } from "./_process.ts";
import { connect } from "../proto/client.ts";
import { SERVICE_NAMES, serviceDefinition } from "../proto/definitions.ts";
import { GrpcClient } from "../proto/transport/grpc_client.ts";
import { Kafka, logLevel } from "kafkajs";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function kcat(args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command("kcat", {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  assert.ok(out.success, `kcat ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** One broker for this file's tests (the restart test runs last). */
let broker: Promise<KafkaBroker> | undefined;
const kafka = () => (broker ??= startKafka());
globalThis.addEventListener("unload", () => {
  broker?.then((b) => b.kill()).catch(() => {});
});

/**
 * A kafkajs admin client on `b` (an independent view of the broker), and
 * the member count of each of namespace "events"'s subscriber groups.
 */
async function subscriberGroups(b: KafkaBroker, clientId: string) {
  const admin = new Kafka({ clientId, brokers: [b.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return {
    members: async (): Promise<number[]> => {
      const ids = (await admin.listGroups()).groups.map((g) => g.groupId)
        .filter((id) => id.startsWith("prism.events.sub."));
      if (ids.length === 0) return [];
      return (await admin.describeGroups(ids)).groups.map((g) => g.members.length);
    },
    disconnect: () => admin.disconnect(),
  };
}

const config = (b: KafkaBroker, extra = "") => `
namespaces:
  - name: events
    backend: kafka
    config: { brokers: ["${b.brokers}"]${extra} }
`;

Deno.test({ name: "kafka: messages cross between Prism and kcat" }, async () => {
  const b = await kafka();
  const h = await startTestProxy(config(b));
  const c = h.clients;
  try {
    // Prism → Kafka: the record is in the topic, metadata as headers.
    const { message_id } = await unary(c.pubsub, "Publish", {
      namespace: "events",
      topic: "xcheck",
      payload: bytes("hello from prism"),
      metadata: { trace: "abc-123", kind: "greeting" },
    }, { deadline: Date.now() + 15_000 });
    const [topic, partition, offset] = message_id.split("/");
    assert.equal(topic, "events.xcheck", "the topic carries the namespace's prefix");
    const consumed = await kcat([
      "-C",
      "-b",
      b.brokers,
      "-t",
      "events.xcheck",
      "-o",
      "beginning",
      "-e",
      "-q",
      "-f",
      "%p|%o|%s|%h\n",
    ]);
    const lines = consumed.trim().split("\n");
    assert.equal(lines.length, 1, consumed);
    const [p, o, payload, headers] = lines[0].split("|");
    assert.equal(p, partition);
    assert.equal(o, offset);
    assert.equal(payload, "hello from prism");
    assert.deepEqual(headers.split(",").sort(), ["kind=greeting", "trace=abc-123"]);

    // Kafka → Prism: kcat's records reach a Prism subscriber, headers as metadata.
    const s = await subscribe(c, "events", "fromkcat");
    await kcat(
      ["-P", "-b", b.brokers, "-t", "events.fromkcat", "-H", "source=kcat", "-H", "n=1"],
      "one\ntwo\n",
    );
    const got = await s.waitFor(2);
    assert.deepEqual(got.map((m) => text(m.payload)), ["one", "two"]);
    assert.equal(got[0].metadata.source, "kcat");
    assert.equal(got[0].metadata.n, "1");
    assert.match(got[0].message_id, /^events\.fromkcat\/0\/\d+$/);
    s.cancel();

    // Streams are Kafka topics too.
    const appended = await unary(c.stream, "Append", {
      namespace: "events",
      stream: "ledger",
      payload: bytes("entry"),
      metadata: { account: "7" },
    }, { deadline: Date.now() + 15_000 });
    const entry = await kcat([
      "-C",
      "-b",
      b.brokers,
      "-t",
      "events.ledger",
      "-o",
      String(appended.offset),
      "-c",
      "1",
      "-e",
      "-q",
      "-f",
      "%o|%s|%h",
    ]);
    assert.equal(entry, `${appended.offset}|entry|account=7`);
  } finally {
    await h.stop();
  }
});

Deno.test({
  name:
    "kafka: SIGTERM ends open subscriptions with UNAVAILABLE at once instead of waiting for them",
}, async () => {
  const b = await kafka();
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(file, `listen: "127.0.0.1:0"${config(b)}`);
  const p = spawnPrism(["proxy", "--config", file]);
  try {
    const listening = await p.waitForLog("listening", 30_000);
    const c = connect(String(listening.address));
    const subs = await Promise.all([
      subscribe(c, "events", "shutdown"),
      subscribe(c, "events", "shutdown"),
    ]);
    const t0 = Date.now();
    p.child.kill("SIGTERM");
    for (const s of subs) await assertStatus(s.ended, status.UNAVAILABLE, "shutting down");
    const { code } = await p.exited;
    const took = Date.now() - t0;
    assert.equal(code, 0);
    // The drain bound is 10 s: open subscriptions must not hold the exit back.
    assert.ok(took < 5000, `the proxy took ${took} ms to exit`);
    c.close();
  } finally {
    try {
      p.child.kill("SIGKILL");
    } catch { /* exited */ }
    await Deno.remove(file);
  }
});

Deno.test({
  name: "kafka: a proxy drain cancels the plugin's consumer of an open subscription within 1 s",
}, async () => {
  const b = await kafka();
  const h = await startTestProxy(config(b));
  const admin = await subscriberGroups(b, "drain-test");
  const members = admin.members;
  try {
    const sub = await subscribe(h.clients, "events", "drained");
    // The consumer has joined its group (the check below can fail).
    const t1 = Date.now();
    while (!(await members()).includes(1)) {
      if (Date.now() - t1 > 20_000) throw new Error("the subscriber's consumer never joined");
      await sleep(50);
    }
    const pid = h.proxy.namespaces()[0].plugin!.pid;
    const t0 = Date.now();
    const drained = h.proxy.router.drain(5000);
    await assertStatus(sub.ended, status.UNAVAILABLE, "shutting down");
    while ((await members()).some((n) => n > 0)) {
      if (Date.now() - t0 > 1000) {
        throw new Error(`the plugin's consumer still runs ${Date.now() - t0} ms after the drain`);
      }
      await sleep(20);
    }
    const took = Date.now() - t0;
    assert.deepEqual(await drained, { drained: 0, aborted: 1 });
    // The plugin itself was not stopped: the proxy's cancel reached it.
    assert.equal(h.proxy.namespaces()[0].plugin!.pid, pid);
    assert.equal(h.proxy.namespaces()[0].plugin!.restarts, 0);
    console.log(`consumer stopped ${took} ms after the drain began`);
  } finally {
    await admin.disconnect();
    await h.stop();
  }
});

Deno.test({
  name: "kafka: a slow subscriber pauses its consumer, and resumes with nothing lost",
}, async () => {
  const b = await kafka();
  const h = await startTestProxy(config(b));
  // A client with a small window: while it is paused, the proxy's stream to it fills,
  // the proxy stops reading the plugin, the plugin's writer waits, its consumer pauses.
  const client = new GrpcClient(h.address, { streamWindow: 64 * 1024 });
  const sub = serviceDefinition(SERVICE_NAMES.pubsub).Subscribe;
  const COUNT = 300;
  const payload = (i: number) => {
    const p = new Uint8Array(64 * 1024);
    new DataView(p.buffer).setUint32(0, i);
    return p;
  };
  try {
    const got: number[] = [];
    let headers = false;
    let control!: ReturnType<GrpcClient["serverStream"]>;
    const ended = new Promise<void>((resolve, reject) => {
      control = client.serverStream(
        sub.path,
        sub.requestSerialize({ namespace: "events", topic: "slow", subscriber_id: "slow-1" }),
        {
          onHeaders: () => (headers = true),
          onMessage: (m) => {
            const msg = sub.responseDeserialize(m) as { payload: Uint8Array };
            got.push(new DataView(msg.payload.buffer, msg.payload.byteOffset).getUint32(0));
            if (got.length === 1) control.pause(); // then read nothing for a while
            if (got.length === COUNT) resolve();
          },
          onEnd: (err) => err ? reject(err) : resolve(),
        },
      );
    });
    ended.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
    await eventually(() => headers, 20_000, "subscribed");
    for (let i = 0; i < COUNT; i += 20) {
      await Promise.all(
        Array.from(
          { length: 20 },
          (_, j) =>
            unary(h.clients.pubsub, "Publish", {
              namespace: "events",
              topic: "slow",
              payload: payload(i + j),
            }),
        ),
      );
    }
    const paused = () =>
      Number(h.proxy.namespaces()[0].plugin?.health.details["consumers.paused"] ?? 0);
    await eventually(() => paused() >= 1, 15_000, "the plugin's consumer paused");
    const whilePaused = got.length;
    assert.ok(whilePaused < COUNT / 2, `${whilePaused} of ${COUNT} delivered while paused`);
    control.resume();
    await ended;
    assert.deepEqual(got, Array.from({ length: COUNT }, (_, i) => i), "all, once, in order");
    await eventually(() => paused() === 0, 5_000, "the consumer runs again");
    control.cancel(1, "test over");
  } finally {
    client.close();
    await h.stop();
  }
});

Deno.test({
  name:
    "kafka: the subscribers of a topic share one consumer, and a slow one does not hold the others back",
}, async () => {
  const b = await kafka();
  const h = await startTestProxy(config(b));
  const admin = await subscriberGroups(b, "feed-test");
  // Small windows: a paused subscriber's streams fill after a few messages.
  const client = new GrpcClient(h.address, { streamWindow: 64 * 1024 });
  const sub = serviceDefinition(SERVICE_NAMES.pubsub).Subscribe;
  const topic = `shared-${crypto.randomUUID().slice(0, 8)}`;
  const COUNT = 300;
  const FAST = 4;
  /** Groups of this namespace's subscribers that have members, and how many each. */
  const groups = async () => (await admin.members()).filter((n) => n > 0);
  const paused = () =>
    Number(h.proxy.namespaces()[0].plugin?.health.details["consumers.paused"] ?? 0);
  type Reader = {
    got: number[];
    headers: boolean;
    control: ReturnType<GrpcClient["serverStream"]>;
    ended: Promise<void>;
  };
  const open = (id: string, slow: boolean): Reader => {
    const r = { got: [] as number[], headers: false } as Reader;
    r.ended = new Promise<void>((resolve, reject) => {
      r.control = client.serverStream(
        sub.path,
        sub.requestSerialize({ namespace: "events", topic, subscriber_id: id }),
        {
          onHeaders: () => (r.headers = true),
          onMessage: (m) => {
            const msg = sub.responseDeserialize(m) as { payload: Uint8Array };
            r.got.push(new DataView(msg.payload.buffer, msg.payload.byteOffset).getUint32(0));
            if (slow && r.got.length === 1) r.control.pause(); // then read nothing for a while
            if (r.got.length === COUNT) resolve();
          },
          onEnd: (err) => err ? reject(err) : resolve(),
        },
      );
    });
    r.ended.catch(() => {}); // awaited below
    return r;
  };
  const readers: Reader[] = [];
  try {
    for (let i = 0; i < FAST; i++) readers.push(open(`fast-${i}`, false));
    const slow = open("slow", true);
    readers.push(slow);
    await eventually(() => readers.every((r) => r.headers), 20_000, "all subscribed");
    // One consumer group (with one member) serves the five of them.
    await eventually(async () => (await groups()).length === 1, 10_000, "one shared group");
    assert.deepEqual(await groups(), [1]);
    const payload = (i: number) => {
      const p = new Uint8Array(64 * 1024);
      new DataView(p.buffer).setUint32(0, i);
      return p;
    };
    for (let i = 0; i < COUNT; i += 20) {
      await Promise.all(
        Array.from(
          { length: 20 },
          (_, j) =>
            unary(h.clients.pubsub, "Publish", {
              namespace: "events",
              topic,
              payload: payload(i + j),
            }),
        ),
      );
    }
    const all = Array.from({ length: COUNT }, (_, i) => i);
    // The fast subscribers get everything while the slow one is still paused.
    await Promise.all(readers.slice(0, FAST).map((r) => r.ended));
    for (const r of readers.slice(0, FAST)) assert.deepEqual(r.got, all, "all, once, in order");
    assert.ok(slow.got.length < COUNT / 2, `${slow.got.length} of ${COUNT} reached the paused one`);
    await eventually(() => paused() >= 1, 15_000, "the slow subscriber is paused");
    // The slow one continues on a consumer of its own, from where it stopped.
    slow.control.resume();
    await slow.ended;
    assert.deepEqual(slow.got, all, "all, once, in order, after the pause");
    await eventually(() => paused() === 0, 5_000, "nothing paused");
    for (const r of readers) r.control.cancel(1, "test over");
    await eventually(async () => (await groups()).length === 0, 10_000, "every consumer stopped");
  } finally {
    client.close();
    await admin.disconnect();
    await h.stop();
  }
});

Deno.test({
  name:
    "kafka: 10,000 acknowledged publishes reach a connected subscriber exactly once, across a broker restart",
}, async () => {
  const b = await kafka();
  const publishTimeoutMs = 3000;
  const h = await startTestProxy(config(b, `, publish_timeout_ms: ${publishTimeoutMs}`));
  const c = h.clients;
  const topic = `noloss-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const s = await subscribe(c, "events", topic);
    const { acked, failures, slowest } = await publishUntilAcked(
      c,
      topic,
      10_000,
      () => b.restart(),
    );
    // Publishes during the restart failed, and only with UNAVAILABLE, within their bound.
    assert.ok(failures.size > 0, "the restart made some publishes fail");
    assert.deepEqual([...failures.keys()], ["UNAVAILABLE"], JSON.stringify([...failures]));
    assert.ok(
      slowest < publishTimeoutMs + 3000,
      `a publish took ${slowest} ms (bound: publish_timeout_ms ${publishTimeoutMs} + margin)`,
    );
    // Every acknowledged message arrives, once; the stream stayed open.
    const received = await assertDeliveredOnce(s, acked);
    console.log(
      `acknowledged ${acked.size}, failed ${JSON.stringify(Object.fromEntries(failures))}, ` +
        `received ${received} (unacknowledged but written: ${
          received - acked.size
        }), slowest call ${slowest} ms`,
    );
    s.cancel();
  } finally {
    await h.stop();
    await b.stop();
  }
});

async function eventually(
  test: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await sleep(100);
  }
}
