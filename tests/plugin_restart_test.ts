/**
 * A crash-looping plugin, end to end: the proxy's redis plugin is killed
 * each time it appears, for several seconds, then left alone. A review
 * found six plugin processes for one namespace after this (a failed
 * relaunch was restarted twice); the supervisor must keep it at one.
 *
 * @module
 */
import { unary } from "../proto/client.ts";
import { assert, assertBytes, bytes, sleep } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { childPids } from "./_process.ts";
import { startRedis } from "./_redis.ts";

/** Live redis plugin processes this test process started (the harness runs the proxy in process). */
function redisPlugins(): number[] {
  return childPids((argv) => argv.at(-3) === "plugin" && argv.at(-2) === "redis");
}

Deno.test({
  name:
    "plugins: killed each time it appears for 8 s, then left alone: never two processes, then serving",
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(
    `namespaces: [{ name: cache, backend: redis, config: { url: "${redis.url}" } }]`,
  );
  const kv = h.clients.keyvalue;
  try {
    await unary(kv, "Set", { namespace: "cache", key: "k", value: bytes("kept") });
    assert.equal(redisPlugins().length, 1, "the scan finds the plugin");
    const killed = new Set<number>();
    let most = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 8000) {
      const live = redisPlugins();
      most = Math.max(most, live.length);
      for (const pid of live) {
        if (killed.has(pid)) continue;
        killed.add(pid);
        Deno.kill(pid, "SIGKILL");
      }
      await sleep(5);
    }
    assert.ok(killed.size >= 3, `killed ${killed.size} plugin processes`);
    // Left alone: the next relaunch serves (the backoff is at most 10 s).
    const t1 = Date.now();
    for (;;) {
      most = Math.max(most, redisPlugins().length);
      try {
        const got = await unary(kv, "Get", { namespace: "cache", key: "k" }, {
          deadline: Date.now() + 1000,
        });
        assertBytes(got.value, bytes("kept"));
        break;
      } catch (err) {
        if (Date.now() - t1 > 30_000) throw new Error(`not serving again: ${err}`);
        await sleep(50);
      }
    }
    assert.equal(most, 1, "at no moment more than one plugin process");
    const plugin = h.proxy.namespaces()[0].plugin!;
    assert.deepEqual(redisPlugins(), [plugin.pid]);
    assert.ok(plugin.restarts >= killed.size, `${plugin.restarts} restarts`);
    console.log(`killed ${killed.size} processes; serving ${Date.now() - t1} ms after`);
  } finally {
    await h.stop();
    await redis.stop();
  }
  assert.deepEqual(redisPlugins(), [], "no plugin outlives the proxy's shutdown");
});
