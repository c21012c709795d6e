/**
 * The admin listener (CONTRACT §8) against a real proxy with a real
 * redis-server: exact counts in `/metrics` after known traffic, checked by
 * Prometheus's own `promtool`; `/readyz` following Redis down and up;
 * `/healthz` and `/status`.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { unary } from "../proto/client.ts";
import { findExecutable, goBinDirs } from "../tasks/tools.ts";
import { DURATION_BUCKETS } from "../proxy/metrics/metrics.ts";
import { assert, assertStatus, bytes, sleep } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { startRedis } from "./_redis.ts";

/** The exposition's samples, by `name{label="value",...}` with labels sorted. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels = m[2] === undefined || m[2] === ""
      ? []
      : [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) =>
        `${l[1]}="${l[2]}"`
      ).sort();
    samples.set(`${m[1]}{${labels.join(",")}}`, Number(m[3]));
  }
  return samples;
}

function series(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort();
  return `${name}{${parts.join(",")}}`;
}

async function get(url: string): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type")! };
}

const promtool = await findExecutable("promtool", goBinDirs());

Deno.test({
  name: "admin: /metrics counts calls exactly by namespace, method and code; promtool accepts it",
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(
    `limits: { max_key_bytes: 64, max_value_bytes: 1024 }
namespaces:
  - { name: default, backend: memstore }
  - { name: cache, backend: redis, config: { url: "${redis.url}" } }
`,
  );
  try {
    const { keyvalue: kv, list } = h.clients;
    for (let i = 0; i < 5; i++) await unary(kv, "Set", { key: `k${i}`, value: bytes("v") });
    for (let i = 0; i < 3; i++) await unary(kv, "Get", { key: `k${i}` });
    await assertStatus(
      unary(kv, "Set", { key: "x".repeat(65), value: bytes("v") }),
      status.INVALID_ARGUMENT,
    );
    await assertStatus(
      unary(list, "PushLeft", { list_key: "k0", value: bytes("v") }),
      status.FAILED_PRECONDITION,
    );
    for (let i = 0; i < 2; i++) {
      await assertStatus(unary(kv, "Get", { namespace: "nope", key: "k" }), status.NOT_FOUND);
    }
    for (let i = 0; i < 4; i++) {
      await unary(kv, "Set", { namespace: "cache", key: `c${i}`, value: bytes("v") });
    }
    await unary(kv, "Delete", { namespace: "cache", key: "c0" });

    const admin = `http://${h.proxy.adminAddress}`;
    const res = await get(`${admin}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/plain; version=0\.0\.4/);
    const m = parseExposition(res.text);
    const requests = (namespace: string, method: string, code: string) =>
      m.get(series("prism_requests_total", { namespace, method, code }));
    assert.equal(requests("default", "Set", "OK"), 5);
    assert.equal(requests("default", "Get", "OK"), 3);
    assert.equal(requests("default", "Set", "INVALID_ARGUMENT"), 1);
    assert.equal(requests("default", "PushLeft", "FAILED_PRECONDITION"), 1);
    assert.equal(requests("", "Get", "NOT_FOUND"), 2, "an unknown namespace is not a label value");
    assert.equal(requests("cache", "Set", "OK"), 4);
    assert.equal(requests("cache", "Delete", "OK"), 1);
    const total = [...m].filter(([k]) => k.startsWith("prism_requests_total{"))
      .reduce((a, [, v]) => a + v, 0);
    assert.equal(total, 5 + 3 + 1 + 1 + 2 + 4 + 1, "no other call was counted");

    // The histogram: every configured bucket, cumulative, +Inf equal to the count.
    const bucket = (le: string) =>
      m.get(series("prism_request_duration_seconds_bucket", {
        namespace: "default",
        method: "Set",
        le,
      }));
    const les = [...DURATION_BUCKETS.map(String), "+Inf"];
    let previous = 0;
    for (const le of les) {
      const v = bucket(le);
      assert.ok(v !== undefined, `bucket le=${le}`);
      assert.ok(v >= previous, `buckets are cumulative at le=${le}`);
      previous = v;
    }
    const count = m.get(
      series("prism_request_duration_seconds_count", { namespace: "default", method: "Set" }),
    );
    assert.equal(count, 6);
    assert.equal(bucket("+Inf"), 6);
    const sum = m.get(
      series("prism_request_duration_seconds_sum", { namespace: "default", method: "Set" }),
    )!;
    assert.ok(sum > 0 && sum < 6, `sum ${sum}`);

    // State read at scrape time.
    assert.equal(m.get(series("prism_requests_in_flight", { namespace: "default" })), 0);
    assert.equal(
      m.get(series("prism_backend_up", { namespace: "default", backend: "memstore" })),
      1,
    );
    assert.equal(m.get(series("prism_backend_up", { namespace: "cache", backend: "redis" })), 1);
    assert.equal(
      m.get(series("prism_plugin_restarts_total", { namespace: "cache", plugin: "redis" })),
      0,
    );
    assert.equal(m.get(series("prism_memstore_keys", { namespace: "default" })), 5);
    assert.equal(m.get(series("prism_memstore_limit_bytes", { namespace: "default" })), 64 << 20);
    assert.ok(m.get(series("prism_memstore_bytes", { namespace: "default" }))! > 0);
    assert.equal(m.get(series("prism_pubsub_subscribers", { namespace: "default" })), 0);
    // The process, and the plugin's own series labelled with its namespace.
    assert.ok(m.get("process_cpu_seconds_total{}")! > 0);
    assert.ok(m.get("process_resident_memory_bytes{}")! > 0);
    assert.ok(m.has("nodejs_eventloop_lag_p99_seconds{}"));
    const plugin = { namespace: "cache", plugin: "redis" };
    assert.equal(m.get(series("prism_redis_connected", plugin)), 1);
    assert.ok(m.get(series("prism_plugin_process_resident_memory_bytes", plugin))! > 0);
    assert.ok(m.get(series("prism_plugin_process_cpu_seconds_total", plugin))! > 0);
    assert.equal(
      m.get(series("prism_plugin_breaker_state", { ...plugin, state: "closed" })),
      1,
    );

    // Prometheus's own parser and linter.
    if (promtool !== undefined) {
      const check = new Deno.Command(promtool, {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = check.stdin.getWriter();
      await w.write(new TextEncoder().encode(res.text));
      await w.close();
      const out = await check.output();
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `promtool check metrics: ${said}`);
    } else {
      console.warn("promtool is not installed (deno run -A tasks/ensure_tools.ts): skipped");
    }
  } finally {
    await h.stop();
    await redis.stop();
  }
});

Deno.test({
  name: "admin: /readyz follows a real redis-server going down and back; /healthz; /status",
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(
    `namespaces:
  - { name: default, backend: memstore }
  - { name: cache, backend: redis, config: { url: "${redis.url}" } }
`,
  );
  const admin = `http://${h.proxy.adminAddress}`;
  const until = async (what: string, ok: () => Promise<boolean>) => {
    const deadline = Date.now() + 20_000;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`not within 20 s: ${what}`);
      await sleep(100);
    }
  };
  try {
    await until("ready", async () => (await get(`${admin}/readyz`)).status === 200);
    assert.deepEqual(await get(`${admin}/healthz`), {
      status: 200,
      text: "ok\n",
      type: "text/plain; charset=utf-8",
    });

    const s = await (await fetch(`${admin}/status`)).json();
    assert.equal(s.listen, h.address);
    assert.equal(s.admin, h.proxy.adminAddress);
    assert.equal(s.auth, "none");
    assert.deepEqual(s.namespaces.map((n: { name: string }) => n.name), ["default", "cache"]);
    const cache = s.namespaces[1];
    assert.equal(cache.backend, "redis");
    assert.equal(cache.health, "SERVING");
    assert.equal(typeof cache.plugin.pid, "number");
    assert.equal(cache.plugin.restarts, 0);
    assert.ok(cache.plugin.uptime_seconds >= 0);
    assert.equal(s.namespaces[0].plugin, undefined);

    await redis.stop();
    await until(
      "503 once Redis is down",
      async () => (await get(`${admin}/readyz`)).status === 503,
    );
    const down = await get(`${admin}/readyz`);
    assert.match(down.text, /namespace cache \(redis\) is not serving: /);
    assert.doesNotMatch(down.text, /namespace default/, "only the namespace that is down");
    assert.equal((await get(`${admin}/healthz`)).status, 200, "the process still serves");
    const m = parseExposition((await get(`${admin}/metrics`)).text);
    assert.equal(m.get(series("prism_backend_up", { namespace: "cache", backend: "redis" })), 0);
    assert.equal(
      m.get(series("prism_backend_up", { namespace: "default", backend: "memstore" })),
      1,
    );

    await redis.restart();
    await until(
      "200 once Redis is back",
      async () => (await get(`${admin}/readyz`)).status === 200,
    );
    assert.equal((await get(`${admin}/readyz`)).text, "ready\n");

    assert.equal((await get(`${admin}/nope`)).status, 404);
    assert.equal(await fetch(`${admin}/metrics`, { method: "POST" }).then((r) => r.status), 405);
  } finally {
    await h.stop();
    await redis.stop();
  }
});

Deno.test({
  name: 'admin: an address already in use fails the start naming it; "" turns the listener off',
}, async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    let err: Error | undefined;
    try {
      await startTestProxy(`namespaces: [{ name: default, backend: memstore }]\n`, {
        admin: `127.0.0.1:${port}`,
      });
    } catch (e) {
      err = e as Error;
    }
    assert.match(
      String(err?.message),
      new RegExp(`Cannot listen for admin on 127\\.0\\.0\\.1:${port}`),
    );
  } finally {
    taken.close();
  }
  const off = await startTestProxy(`namespaces: [{ name: default, backend: memstore }]\n`, {
    admin: "",
  });
  try {
    assert.equal(off.proxy.adminAddress, undefined);
    await unary(off.clients.keyvalue, "Set", { key: "k", value: bytes("v") });
  } finally {
    await off.stop();
  }
});
