/**
 * The redis backend end to end: proxy → supervised plugin process → real
 * redis-server. Cross-checks with redis-cli (data written through Prism is
 * in Redis under the namespace's prefix, and the reverse), namespace
 * isolation on one shared Redis, and the failure paths: Redis killed and
 * restarted, the plugin process killed, the proxy killed with SIGKILL.
 *
 * @module
 */
import { credentials, makeGenericClientConstructor, status } from "@grpc/grpc-js";
import { collect, connect, unary } from "../proto/client.ts";
import { SERVICE_NAMES, serviceDefinition } from "../proto/definitions.ts";
import { assert, assertBytes, assertStatus, bytes, eventually, sleep } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { spawnPrism } from "./_process.ts";
import { startRedis } from "./_redis.ts";

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port), "--no-raw", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test({
  name: "redis: data crosses between Prism and redis-cli; namespaces are isolated",
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(`
namespaces:
  - { name: cache, backend: redis, config: { url: "${redis.url}" } }
  - { name: other, backend: redis, config: { url: "${redis.url}" } }
`);
  const { keyvalue: kv, list, ttl, scan } = h.clients;
  try {
    await unary(kv, "Set", { namespace: "cache", key: "greeting", value: bytes("hello") });
    assert.equal(await redisCli(redis.port, "GET", "cache:greeting"), `"hello"`);
    await redisCli(redis.port, "SET", "cache:from-cli", "world");
    assertBytes(
      (await unary(kv, "Get", { namespace: "cache", key: "from-cli" })).value,
      bytes("world"),
    );
    await redisCli(redis.port, "RPUSH", "cache:q", "a", "b");
    assertBytes(
      (await unary(list, "PopLeft", { namespace: "cache", list_key: "q" })).value,
      bytes("a"),
    );
    assert.equal(await redisCli(redis.port, "LLEN", "cache:q"), "(integer) 1");
    await redisCli(redis.port, "EXPIRE", "cache:greeting", "100");
    const left = (await unary(ttl, "GetTTL", { namespace: "cache", key: "greeting" })).ttl_seconds;
    assert.ok(left >= 99 && left <= 100, `ttl ${left}`);
    // Binary values survive both ways.
    const binary = new Uint8Array(256).map((_, i) => i);
    await unary(kv, "Set", { namespace: "cache", key: "bin", value: binary });
    assert.equal(await redisCli(redis.port, "STRLEN", "cache:bin"), "(integer) 256");

    // Isolation: the other namespace on the same Redis sees none of it.
    assert.equal((await unary(kv, "Get", { namespace: "other", key: "greeting" })).found, false);
    assert.equal((await unary(scan, "Count", { namespace: "other", prefix: "" })).count, 0);
    await unary(kv, "Set", { namespace: "other", key: "greeting", value: bytes("other") });
    assertBytes(
      (await unary(kv, "Get", { namespace: "cache", key: "greeting" })).value,
      bytes("hello"),
    );
    const keys = (await collect(scan.ScanKeys({ namespace: "cache", prefix: "", limit: 0 })))
      .map((e) => e.key).sort();
    assert.deepEqual(keys, ["bin", "from-cli", "greeting"], "scan sees its own plain keys only");
    assert.equal(await redisCli(redis.port, "GET", "other:greeting"), `"other"`);
  } finally {
    await h.stop();
    await redis.stop();
  }
});

Deno.test({
  name: "redis: Redis killed → UNAVAILABLE within the deadline, NOT_SERVING; back → serving",
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(
    `namespaces: [{ name: cache, backend: redis, config: { url: "${redis.url}" } }]`,
  );
  const Health = makeGenericClientConstructor(serviceDefinition(SERVICE_NAMES.health), "Health");
  const health = new Health(h.address, credentials.createInsecure()) as unknown as {
    Check(r: { service: string }, cb: (e: Error | null, res: { status: string }) => void): void;
    close(): void;
  };
  const check = () =>
    new Promise<string>((resolve, reject) =>
      health.Check({ service: "cache" }, (e, r) => e ? reject(e) : resolve(r.status))
    );
  const kv = h.clients.keyvalue;
  try {
    await unary(kv, "Set", { namespace: "cache", key: "k", value: bytes("v") });
    assert.equal(await check(), "SERVING");
    await redis.kill();
    const t0 = performance.now();
    await assertStatus(
      unary(kv, "Get", { namespace: "cache", key: "k" }, { deadline: Date.now() + 2000 }),
      status.UNAVAILABLE,
    );
    assert.ok(performance.now() - t0 < 2000, `UNAVAILABLE came after ${performance.now() - t0} ms`);
    await assertStatus(
      unary(kv, "Set", { namespace: "cache", key: "k2", value: bytes("v") }, {
        deadline: Date.now() + 2000,
      }),
      status.UNAVAILABLE,
    );
    await eventually(async () => assert.equal(await check(), "NOT_SERVING"), 8000, "NOT_SERVING");
    const pluginBefore = h.proxy.namespaces()[0].plugin!;
    await redis.restart();
    await eventually(
      () =>
        unary(kv, "Set", { namespace: "cache", key: "k3", value: bytes("back") }, {
          deadline: Date.now() + 1000,
        }),
      15000,
      "a write after Redis came back",
    );
    assertBytes((await unary(kv, "Get", { namespace: "cache", key: "k3" })).value, bytes("back"));
    await eventually(async () => assert.equal(await check(), "SERVING"), 8000, "SERVING again");
    const pluginAfter = h.proxy.namespaces()[0].plugin!;
    assert.equal(
      pluginAfter.pid,
      pluginBefore.pid,
      "the plugin reconnected by itself (no restart)",
    );
  } finally {
    health.close();
    await h.stop();
    await redis.stop();
  }
});

Deno.test({
  name:
    "redis: a frozen plugin (SIGSTOP): DEADLINE_EXCEEDED at the client's deadline, UNAVAILABLE at the proxy's bound; thawed, it serves",
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(
    `namespaces: [{ name: cache, backend: redis, config: { url: "${redis.url}" } }, { name: default, backend: memstore }]`,
    { pluginCallTimeoutMs: 1500 },
  );
  const kv = h.clients.keyvalue;
  const pid = h.proxy.namespaces()[0].plugin!.pid!;
  try {
    await unary(kv, "Set", { namespace: "cache", key: "k", value: bytes("kept") });
    Deno.kill(pid, "SIGSTOP");
    // The plugin cannot answer (nor enforce its deadline): the proxy's own bound ends the call.
    const t0 = performance.now();
    await assertStatus(
      unary(kv, "Get", { namespace: "cache", key: "k" }, { deadline: Date.now() + 300 }),
      status.DEADLINE_EXCEEDED,
    );
    const took = performance.now() - t0;
    assert.ok(took >= 250 && took < 1500, `ended after ${Math.round(took)} ms`);
    // The proxy let go of the call too (its own timer, not only the client's).
    for (let i = 0; i < 100 && h.proxy.router.inFlight > 0; i++) await sleep(10);
    assert.equal(h.proxy.router.inFlight, 0);
    // No client deadline: the proxy's bound ends the call with UNAVAILABLE, naming the plugin.
    const t1 = performance.now();
    await assertStatus(
      unary(kv, "Get", { namespace: "cache", key: "k" }),
      status.UNAVAILABLE,
      `plugin redis of namespace "cache" did not answer within 1.5 s`,
    );
    assert.ok(performance.now() - t1 >= 1400, "bounded by the proxy's call timeout");
    // A client that cancels: the proxy lets go of the call at once.
    const call = kv.Get({ namespace: "cache", key: "k" }, () => {});
    for (let i = 0; i < 200 && h.proxy.router.inFlight === 0; i++) await sleep(5);
    assert.equal(h.proxy.router.inFlight, 1);
    call.cancel();
    // Within 1 s, well before the 1.5 s bound would end it anyway.
    for (let i = 0; i < 100 && h.proxy.router.inFlight > 0; i++) await sleep(10);
    assert.equal(h.proxy.router.inFlight, 0, "cancelled call still in flight in the proxy");
    // Other namespaces are unaffected meanwhile.
    await unary(kv, "Set", { namespace: "default", key: "m", value: bytes("v") });
    Deno.kill(pid, "SIGCONT");
    assertBytes((await unary(kv, "Get", { namespace: "cache", key: "k" })).value, bytes("kept"));
    assert.equal(h.proxy.namespaces()[0].plugin!.pid, pid, "the same plugin process serves");
  } finally {
    try {
      Deno.kill(pid, "SIGCONT");
    } catch { /* gone */ }
    await h.stop();
    await redis.stop();
  }
});

Deno.test({
  name: "redis: plugin process killed → UNAVAILABLE, restarted automatically, serving",
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(
    `namespaces: [{ name: cache, backend: redis, config: { url: "${redis.url}" } }]`,
  );
  const kv = h.clients.keyvalue;
  try {
    await unary(kv, "Set", { namespace: "cache", key: "k", value: bytes("kept") });
    const before = h.proxy.namespaces()[0].plugin!;
    assert.ok(before.pid);
    Deno.kill(before.pid, "SIGKILL");
    await sleep(50);
    const t0 = performance.now();
    await assertStatus(
      unary(kv, "Get", { namespace: "cache", key: "k" }, { deadline: Date.now() + 3000 }),
      status.UNAVAILABLE,
    );
    assert.ok(performance.now() - t0 < 1000, "fails fast while the plugin is down");
    const took = await eventually(
      () => unary(kv, "Get", { namespace: "cache", key: "k" }, { deadline: Date.now() + 1000 }),
      15000,
      "serving after the restart",
    );
    assertBytes((await unary(kv, "Get", { namespace: "cache", key: "k" })).value, bytes("kept"));
    const after = h.proxy.namespaces()[0].plugin!;
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.restarts, 1);
    console.log(`plugin restarted and serving again after ${Math.round(took)} ms`);
  } finally {
    await h.stop();
    await redis.stop();
  }
});

Deno.test({
  name: "redis: plugin processes exit by themselves when the proxy is SIGKILLed",
}, async () => {
  const redis = await startRedis();
  const dir = await Deno.makeTempDir();
  try {
    const config = `${dir}/prism.yaml`;
    await Deno.writeTextFile(
      config,
      `namespaces:\n  - { name: cache, backend: redis, config: { url: "${redis.url}" } }\n`,
    );
    const p = spawnPrism(["proxy", "--config", config, "--listen", "127.0.0.1:0"]);
    const serving = await p.waitForLog("plugin serving", 20000);
    const pid = Number(serving.pid);
    const { address } = await p.waitForLog("listening");
    const c = connect(String(address));
    await unary(c.keyvalue, "Set", { namespace: "cache", key: "k", value: bytes("v") });
    c.close();
    p.child.kill("SIGKILL");
    await p.exited;
    const gone = await eventually(
      async () => {
        let stat: string;
        try {
          stat = await Deno.readTextFile(`/proc/${pid}/stat`);
        } catch {
          return; // no such process: it exited and was reaped
        }
        // An exited orphan waits as a zombie until init reaps it.
        if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return;
        throw new Error(`plugin ${pid} still running`);
      },
      5000,
      "the orphaned plugin exiting",
    );
    console.log(`plugin exited ${Math.round(gone)} ms after the proxy was killed`);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await redis.stop();
  }
});

Deno.test({
  name: "redis: a config the plugin rejects stops the proxy with a config error",
}, async () => {
  await assert.rejects(
    startTestProxy(
      `namespaces: [{ name: cache, backend: redis, config: { url: "http://not-redis" } }]`,
    ),
    (e: Error) => {
      assert.equal(e.name, "ConfigError", e.message);
      assert.match(e.message, /namespace "cache": .*url/);
      return true;
    },
  );
});
