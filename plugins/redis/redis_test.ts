/**
 * The redis plugin in this process against a real redis-server: prefix
 * isolation, glob escaping, scans, failures and recovery.
 */
import assert from "node:assert/strict";
import { status, statusName } from "../../proto/status.ts";
import { Redis } from "ioredis";
import { collect, unary } from "../../proto/client.ts";
import { startRedis, type TestRedis } from "../../tests/_redis.ts";
import { startPlugin, type TestPlugin, waitHealthy } from "./_test_helpers.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const deadline = (ms = 3000) => ({ deadline: Date.now() + ms });

async function rejectsWith(p: Promise<unknown>, code: status, includes?: string) {
  const err = await p.then(
    () => assert.fail(`expected ${statusName(code)}, the call succeeded`),
    (e) => e as { code: number; details: string },
  );
  assert.equal(
    err.code,
    code,
    `expected ${statusName(code)}, got ${statusName(err.code)}: ${err.details}`,
  );
  if (includes !== undefined) assert.ok(err.details.includes(includes), err.details);
  return err;
}

async function withRedis(fn: (redis: TestRedis, raw: Redis) => Promise<void>) {
  const redis = await startRedis();
  const raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  raw.on("error", () => {});
  await raw.connect();
  try {
    await fn(redis, raw);
  } finally {
    raw.disconnect();
    await redis.stop();
  }
}

const set = (p: TestPlugin, key: string, value: string, ttl_seconds?: number) =>
  unary(p.c.keyvalue, "Set", { key, value: bytes(value), ttl_seconds }, deadline());
const get = (p: TestPlugin, key: string, ms = 3000) =>
  unary(p.c.keyvalue, "Get", { key }, deadline(ms));

Deno.test(
  { name: "redis: namespaces sharing one Redis never see each other's keys" },
  async () => {
    await withRedis(async (redis, raw) => {
      const a = await startPlugin({ url: redis.url }, "alpha");
      const b = await startPlugin({ url: redis.url }, "beta");
      try {
        await set(a, "k", "from-a");
        await set(b, "k", "from-b");
        await set(a, "only-a", "x");
        await unary(a.c.list, "PushRight", { list_key: "l", value: bytes("a") }, deadline());
        assert.equal(text((await get(a, "k")).value), "from-a");
        assert.equal(text((await get(b, "k")).value), "from-b");
        assert.equal((await get(b, "only-a")).found, false);
        assert.equal((await unary(b.c.list, "Length", { list_key: "l" }, deadline())).length, 0);
        const keysB = await collect(b.c.scan.ScanKeys({ prefix: "" }, deadline()));
        assert.deepEqual(keysB.map((e) => e.key), ["k"]);
        assert.equal((await unary(a.c.scan, "Count", { prefix: "" }, deadline())).count, 2);
        assert.equal(
          (await unary(b.c.keyvalue, "Delete", { key: "only-a" }, deadline())).found,
          false,
        );
        assert.equal((await unary(b.c.keyvalue, "Delete", { key: "k" }, deadline())).found, true);
        assert.equal(text((await get(a, "k")).value), "from-a");
        // In Redis, keys carry the namespace's prefix.
        assert.deepEqual((await raw.keys("*")).sort(), ["alpha:k", "alpha:l", "alpha:only-a"]);
      } finally {
        await a.stop();
        await b.stop();
      }
    });
  },
);

Deno.test({
  name: "redis: glob characters in key_prefix and scan prefix match literally",
}, async () => {
  await withRedis(async (redis, raw) => {
    const p = await startPlugin({ url: redis.url, key_prefix: "w*[i]?\\:" });
    // A neighbour whose keys the unescaped pattern "w*[i]?\:*" would match.
    await raw.set("wxi!\\:k", "not mine");
    await raw.set("w*[i]?\\:z", "mine, written directly");
    try {
      for (const k of ["*", "?", "[a]", "\\", "a*b", "ab"]) await set(p, k, k);
      const scanKeys = async (prefix: string) =>
        (await collect(p.c.scan.ScanKeys({ prefix }, deadline()))).map((e) => e.key).sort();
      assert.deepEqual(await scanKeys(""), ["*", "?", "[a]", "\\", "a*b", "ab", "z"].sort());
      assert.deepEqual(await scanKeys("*"), ["*"]);
      assert.deepEqual(await scanKeys("?"), ["?"]);
      assert.deepEqual(await scanKeys("["), ["[a]"]);
      assert.deepEqual(await scanKeys("\\"), ["\\"]);
      assert.deepEqual(await scanKeys("a*"), ["a*b"]);
      assert.equal((await unary(p.c.scan, "Count", { prefix: "a" }, deadline())).count, 2);
    } finally {
      await p.stop();
    }
  });
});

Deno.test({
  name: "redis: scans return each key exactly once across many SCAN steps",
}, async () => {
  await withRedis(async (redis, raw) => {
    // A small COUNT forces hundreds of cursor steps.
    const p = await startPlugin({ url: redis.url, scan_count: 37 });
    try {
      const n = 6000;
      const pipe = raw.pipeline();
      for (let i = 0; i < n; i++) pipe.set(`ns:big:${i}`, `v${i}`);
      for (let i = 0; i < 500; i++) pipe.set(`ns:other:${i}`, "x");
      for (let i = 0; i < 200; i++) pipe.rpush(`ns:big:list${i}`, "x");
      await pipe.exec();
      // Writes during the scan: keys that exist throughout must still come exactly once.
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          await raw.set(`ns:big:new${i}`, "n");
          if (i % 3 === 0) await raw.del(`ns:big:new${i - 1}`);
        }
      })();
      const entries = await collect(p.c.scan.Scan({ prefix: "big:" }, deadline(20000)));
      const keys = await collect(p.c.scan.ScanKeys({ prefix: "big:" }, deadline(20000)));
      writing = false;
      await writer;
      for (const got of [entries.map((e) => e.key), keys.map((e) => e.key)]) {
        assert.equal(new Set(got).size, got.length, "no key twice");
        const original = got.filter((k) => /^big:\d+$/.test(k));
        assert.equal(original.length, n, "every key that existed throughout");
        assert.ok(got.every((k) => k.startsWith("big:") && !k.startsWith("big:list")));
      }
      for (const e of entries) {
        if (/^big:\d+$/.test(e.key)) assert.equal(text(e.value), `v${e.key.slice(4)}`);
      }
      assert.ok((await unary(p.c.scan, "Count", { prefix: "big:" }, deadline(20000))).count >= n);
      // limit is honoured, entries unique.
      for (const limit of [1, 36, 37, 38, 500]) {
        const some = await collect(p.c.scan.Scan({ prefix: "big:", limit }, deadline()));
        assert.equal(some.length, limit);
        assert.equal(new Set(some.map((e) => e.key)).size, limit);
        const someKeys = await collect(p.c.scan.ScanKeys({ prefix: "big:", limit }, deadline()));
        assert.equal(someKeys.length, limit);
      }
    } finally {
      await p.stop();
    }
  });
});

Deno.test({ name: "redis: a scan skips keys deleted while it runs" }, async () => {
  await withRedis(async (redis, raw) => {
    const p = await startPlugin({ url: redis.url, scan_count: 10 });
    try {
      const pipe = raw.pipeline();
      for (let i = 0; i < 2000; i++) pipe.set(`ns:d:${i}`, "v");
      await pipe.exec();
      const call = p.c.scan.Scan({ prefix: "d:" }, deadline(20000));
      const got: string[] = [];
      let deleted = false;
      await new Promise<void>((resolve, reject) => {
        call.on("data", (e: { key: string; value: Uint8Array }) => {
          got.push(e.key);
          assert.equal(text(e.value), "v", "never an empty value for a vanished key");
          if (!deleted) {
            deleted = true;
            call.pause();
            raw.eval(
              "for _, k in ipairs(redis.call('KEYS', 'ns:d:*')) do redis.call('DEL', k) end",
              0,
            ).then(() => call.resume(), reject);
          }
        });
        call.on("end", resolve);
        call.on("error", reject);
      });
      assert.ok(got.length < 2000, `the deleted keys were skipped (${got.length} sent)`);
      assert.equal(new Set(got).size, got.length);
    } finally {
      await p.stop();
    }
  });
});

Deno.test({
  name: "redis: Redis killed → UNAVAILABLE fast and UNHEALTHY; restarted → serves again",
}, async () => {
  await withRedis(async (redis) => {
    const p = await startPlugin({ url: redis.url, reconnect_max_delay_ms: 200 });
    try {
      await set(p, "before", "1");
      const healthy = await waitHealthy(p);
      assert.equal(healthy["redis.state"], "ready");
      assert.ok(Number(healthy["redis.latency_ms"]) >= 0);
      await redis.kill();
      // Calls fail with UNAVAILABLE well within their deadline, never hang.
      for (
        const call of [
          () => get(p, "before", 2000),
          () => set(p, "x", "y"),
          () => unary(p.c.list, "PushRight", { list_key: "l", value: bytes("x") }, deadline(2000)),
          () => collect(p.c.scan.Scan({ prefix: "" }, deadline(2000))),
          () => unary(p.c.scan, "Count", { prefix: "" }, deadline(2000)),
        ]
      ) {
        const t0 = Date.now();
        await rejectsWith(call(), status.UNAVAILABLE);
        assert.ok(Date.now() - t0 < 500, `failed after ${Date.now() - t0} ms`);
      }
      const down = await waitHealthy(p, "UNHEALTHY");
      assert.notEqual(down["redis.state"], "ready");
      assert.match(down["redis.message"], /not connected/);
      assert.ok(p.logs().some((l) => l.msg === "redis connection lost; reconnecting"));

      await redis.restart();
      const t0 = Date.now();
      await waitHealthy(p, "HEALTHY", 5000);
      assert.ok(Date.now() - t0 < 3000, `reconnected after ${Date.now() - t0} ms`);
      await set(p, "after", "2");
      assert.equal(text((await get(p, "after")).value), "2");
      assert.equal(
        (await get(p, "before")).found,
        false,
        "a restarted Redis without persistence is empty",
      );
      assert.ok(p.logs().some((l) => l.msg === "redis reconnected"));
    } finally {
      await p.stop();
    }
  });
});

Deno.test({
  name: "redis: Initialize succeeds while Redis is down; the plugin connects when it comes",
}, async () => {
  await withRedis(async (redis) => {
    await redis.kill();
    const p = await startPlugin({ url: redis.url, reconnect_max_delay_ms: 100 }, "late", {
      waitReady: false,
    });
    try {
      const h = await unary(p.c.lifecycle, "HealthCheck", {}, deadline());
      assert.equal(h.status, "UNHEALTHY");
      await rejectsWith(get(p, "k"), status.UNAVAILABLE, "is not connected");
      await redis.restart();
      await waitHealthy(p);
      await set(p, "k", "v");
      assert.equal((await get(p, "k")).found, true);
    } finally {
      await p.stop();
    }
  });
});

/** Blocks the Redis server for `ms` with a busy Lua script (on its own connection). */
function busy(raw: Redis, ms: number): Promise<unknown> {
  return raw.eval(
    `local t = redis.call('TIME'); local s = t[1] * 1000000 + t[2]
     repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - s > ${ms * 1000}
     return 1`,
    0,
  );
}

Deno.test({
  name: "redis: slow Redis → DEGRADED, command timeouts, the breaker, deadlines",
}, async () => {
  await withRedis(async (redis, raw) => {
    const p = await startPlugin({
      url: redis.url,
      slow_ping_ms: 50,
      command_timeout_ms: 100,
      breaker_threshold: 2,
      breaker_cooldown_ms: 300,
    });
    try {
      await set(p, "k", "v");
      // A slow PING (slower than slow_ping_ms, within the check's timeout): DEGRADED.
      let blocked = busy(raw, 150);
      const h = await unary(p.c.lifecycle, "HealthCheck", {}, deadline());
      assert.equal(h.status, "DEGRADED", h.message);
      assert.match(h.details["redis.message"], /PING took .* ms \(slow_ping_ms is 50\)/);
      await blocked;
      // Commands time out (UNAVAILABLE); two in a row open the circuit.
      blocked = busy(raw, 600);
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 2; i++) {
        await rejectsWith(get(p, "k"), status.UNAVAILABLE, "did not answer within 100 ms");
      }
      const t0 = Date.now();
      await rejectsWith(get(p, "k"), status.UNAVAILABLE, "circuit breaker open");
      assert.ok(Date.now() - t0 < 50, "an open circuit fails at once");
      const open = await unary(p.c.lifecycle, "HealthCheck", {}, deadline());
      assert.equal(open.details["breaker.state"], "open");
      assert.equal(open.details["breaker.status"], "DEGRADED");
      await blocked;
      await new Promise((r) => setTimeout(r, 350));
      assert.equal(
        (await get(p, "k")).found,
        true,
        "the half-open circuit lets a test call through",
      );
      assert.equal((await waitHealthy(p))["breaker.state"], "closed");
      // A client deadline shorter than the command timeout: DEADLINE_EXCEEDED.
      blocked = busy(raw, 300);
      await new Promise((r) => setTimeout(r, 20));
      await rejectsWith(get(p, "k", 50), status.DEADLINE_EXCEEDED);
      await blocked;
    } finally {
      await p.stop();
    }
  });
});

Deno.test({
  name: "redis: invalid config is INVALID_ARGUMENT naming the field; env overrides",
}, async () => {
  await withRedis(async (redis) => {
    await assert.rejects(
      startPlugin({ url: "http://localhost:6379" }),
      (err: { code: number; details: string }) => {
        assert.equal(err.code, status.INVALID_ARGUMENT);
        assert.equal(
          err.details,
          `Cannot configure redis as 'url' must be a redis:// URL: current value is "http://localhost:6379"`,
        );
        return true;
      },
    );
    await assert.rejects(startPlugin({ key_prefix: "" }), /'key_prefix' must not be empty/);
    await assert.rejects(
      startPlugin({ retry_attempts: -1 }),
      /'retry_attempts' must be at least 0/,
    );
    await assert.rejects(startPlugin({ hostname: "x" }), /'hostname' is not a setting/);
    // PRISM_REDIS_URL overrides the block (which points nowhere).
    const p = await startPlugin({ url: "redis://127.0.0.1:1" }, "envns", {
      env: { PRISM_REDIS_URL: redis.url, PRISM_REDIS_AUTO_PIPELINING: "true" },
    });
    try {
      await set(p, "k", "v");
      assert.equal((await get(p, "k")).found, true);
    } finally {
      await p.stop();
    }
  });
});

Deno.test({
  name: "redis: Stop closes the connection; auto-pipelining on works too",
}, async () => {
  await withRedis(async (redis, raw) => {
    const p = await startPlugin({ url: redis.url, auto_pipelining: true }, "stopper");
    await Promise.all(Array.from({ length: 50 }, (_, i) => set(p, `k${i}`, String(i))));
    const clients = async () =>
      String(await raw.call("CLIENT", "LIST")).split("\n").filter((l) =>
        l.includes("name=prism:stopper")
      ).length;
    assert.equal(await clients(), 1);
    await unary(p.c.lifecycle, "Stop", { timeout_seconds: 1 }, deadline());
    await p.server.done;
    for (let i = 0; i < 50 && (await clients()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await clients(), 0);
    await p.stop();
  });
});
