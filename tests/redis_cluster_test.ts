/**
 * Redis at scale, end to end through the proxy and its redis plugin
 * (CONTRACT §9): a 3-master Redis Cluster with replicas (keys spread over
 * every master, a master killed and its replica promoted, slots resharded
 * under load), Redis Sentinel (the master killed, calls resume on the
 * promoted replica without a restart), and TLS with an ACL user (a wrong
 * password is a clear UNAVAILABLE that never shows the secret).
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { unary } from "../proto/client.ts";
import { assert, assertBytes, bytes, eventually } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { redisCli, startRedis, startRedisCluster, startRedisSentinel } from "./_redis.ts";
import { makeCertificates } from "./_tls.ts";

type Kv = Awaited<ReturnType<typeof startTestProxy>>["clients"]["keyvalue"];

/** Keys on each node (DBSIZE), by port. */
async function keysPerNode(ports: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const port of ports) {
    out.set(port, Number((await redisCli(["-p", String(port), "dbsize"])).trim()));
  }
  return out;
}

/** Every key written is read back with its value. */
async function readAll(kv: Kv, keys: number, deadlineMs = 2000): Promise<void> {
  for (let i = 0; i < keys; i++) {
    const got = await unary(kv, "Get", { namespace: "cache", key: `k${i}` }, {
      deadline: Date.now() + deadlineMs,
    });
    assert.ok(got.found, `k${i} is missing`);
    assertBytes(got.value, bytes(`v${i}`));
  }
}

Deno.test({
  name:
    "redis cluster: keys spread over every master; a master killed, its replica promoted, every acknowledged key readable again within 10 s",
}, async () => {
  const cluster = await startRedisCluster(3, 1);
  const h = await startTestProxy(`
namespaces:
  - name: cache
    backend: redis
    config: { cluster: { nodes: ["${cluster.nodes[0]}"] }, connect_timeout_ms: 500 }
`);
  const kv = h.clients.keyvalue;
  try {
    const KEYS = 300;
    for (let i = 0; i < KEYS; i++) {
      await unary(kv, "Set", { namespace: "cache", key: `k${i}`, value: bytes(`v${i}`) });
    }
    const masters = await cluster.masters();
    assert.equal(masters.length, 3);
    const spread = await keysPerNode(masters);
    for (const [port, n] of spread) assert.ok(n > 0, `master ${port} holds no key`);
    assert.equal([...spread.values()].reduce((a, b) => a + b, 0), KEYS);
    // Acknowledged with the cluster stable: the replicas have them too.
    for (const port of masters) {
      const acked = (await redisCli(["-p", String(port), "wait", "1", "2000"])).trim();
      assert.equal(acked, "1", `the replica of master ${port} acknowledged the writes`);
    }

    const victim = masters[0];
    await cluster.servers.get(victim)!.kill();
    const t0 = performance.now();
    await eventually(() => readAll(kv, KEYS, 1000), 10_000, "every key readable after failover");
    const took = Math.round(performance.now() - t0);
    const after = await cluster.masters();
    assert.ok(!after.includes(victim), "the killed master is no longer a master");
    assert.equal(after.length, 3, "its replica was promoted");
    // Writes work again on every slot.
    for (let i = 0; i < 30; i++) {
      await unary(kv, "Set", { namespace: "cache", key: `after${i}`, value: bytes("x") });
    }
    console.log(`every key readable ${took} ms after the master was killed`);
  } finally {
    await h.stop();
    await cluster.stop();
  }
});

Deno.test({
  name:
    "redis cluster: resharding under load — no call fails but with UNAVAILABLE, none hangs, nothing is lost",
}, async () => {
  const cluster = await startRedisCluster(3, 0);
  const h = await startTestProxy(`
namespaces:
  - name: cache
    backend: redis
    config: { cluster: { nodes: ${JSON.stringify(cluster.nodes)} } }
`);
  const kv = h.clients.keyvalue;
  try {
    const KEYS = 500;
    for (let i = 0; i < KEYS; i++) {
      await unary(kv, "Set", { namespace: "cache", key: `k${i}`, value: bytes(`v${i}`) });
    }
    const [from, to] = await cluster.masters();
    const idOf = async (port: number) =>
      (await redisCli(["-p", String(port), "cluster", "myid"])).trim();
    const failures = new Map<string, number>();
    let calls = 0;
    let slowest = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        const i = calls++ % KEYS;
        const t0 = performance.now();
        try {
          const got = await unary(kv, "Get", { namespace: "cache", key: `k${i}` }, {
            deadline: Date.now() + 5000,
          });
          assert.ok(got.found, `k${i} is missing during the reshard`);
          assertBytes(got.value, bytes(`v${i}`));
          await unary(kv, "Set", { namespace: "cache", key: `k${i}`, value: bytes(`v${i}`) }, {
            deadline: Date.now() + 5000,
          });
        } catch (err) {
          const code = (err as { code?: number }).code;
          if (code === undefined) throw err;
          const name = status[code] ?? String(code);
          failures.set(name, (failures.get(name) ?? 0) + 1);
        }
        slowest = Math.max(slowest, performance.now() - t0);
      }
    })();
    await redisCli([
      "--cluster",
      "reshard",
      `127.0.0.1:${from}`,
      "--cluster-from",
      await idOf(from),
      "--cluster-to",
      await idOf(to),
      "--cluster-slots",
      "1000",
      "--cluster-yes",
    ]);
    loading = false;
    await load;
    await cluster.waitHealthy();
    for (const code of failures.keys()) {
      assert.equal(code, "UNAVAILABLE", `a call failed with ${code}`);
    }
    assert.ok(slowest < 5000, `a call took ${Math.round(slowest)} ms`);
    await readAll(kv, KEYS);
    console.log(
      `${calls} calls during the reshard; failures ${
        JSON.stringify(Object.fromEntries(failures))
      }; slowest ${Math.round(slowest)} ms`,
    );
  } finally {
    await h.stop();
    await cluster.stop();
  }
});

Deno.test({
  name:
    "redis sentinel: the master killed — calls resume on the promoted replica without a restart",
}, async () => {
  const s = await startRedisSentinel();
  const h = await startTestProxy(`
namespaces:
  - name: cache
    backend: redis
    config: { sentinel: { master: ${s.name}, nodes: ["${s.sentinel}"] }, connect_timeout_ms: 500 }
`);
  const kv = h.clients.keyvalue;
  try {
    for (let i = 0; i < 50; i++) {
      await unary(kv, "Set", { namespace: "cache", key: `k${i}`, value: bytes(`v${i}`) });
    }
    await redisCli(["-p", String(s.master.port), "wait", "1", "2000"]);
    const pid = h.proxy.namespaces()[0].plugin!.pid;
    await s.master.kill();
    const took = await eventually(
      () => readAll(kv, 50, 1000),
      20_000,
      "reads served by the promoted replica",
    );
    assert.equal(await s.currentMaster(), s.replica.port, "Sentinel promoted the replica");
    await unary(kv, "Set", { namespace: "cache", key: "after", value: bytes("x") });
    assert.equal(h.proxy.namespaces()[0].plugin!.pid, pid, "the plugin was not restarted");
    console.log(`serving from the promoted replica ${Math.round(took)} ms after the kill`);
  } finally {
    await h.stop();
    await s.stop();
  }
});

Deno.test({
  name:
    "redis TLS + ACL user: used end to end; a wrong password is UNAVAILABLE naming the cause, never the secret",
}, async () => {
  const certs = await makeCertificates();
  const secret = `s3cret-${crypto.randomUUID()}`;
  const redis = await startRedis({
    tls: certs,
    args: ["--user", "default", "off", "--user", "app", "on", `>${secret}`, "~*", "&*", "+@all"],
    ready: async (port) => {
      try {
        const out = await redisCli([
          "--tls",
          "--cacert",
          certs.caFile,
          "-p",
          String(port),
          "--user",
          "app",
          "--pass",
          secret,
          "--no-auth-warning",
          "ping",
        ]);
        return out.trim() === "PONG";
      } catch {
        return false;
      }
    },
  });
  Deno.env.set("PRISM_TEST_REDIS_PASSWORD", secret);
  Deno.env.set("PRISM_TEST_REDIS_WRONG", "not-the-password");
  const config = (env: string) =>
    `{ url: "rediss://127.0.0.1:${redis.port}", tls: { ca_file: "${certs.caFile}" }, username: app, password_env: ${env}, connect_timeout_ms: 500 }`;
  const h = await startTestProxy(`
namespaces:
  - { name: cache, backend: redis, config: ${config("PRISM_TEST_REDIS_PASSWORD")} }
  - { name: wrong, backend: redis, config: ${config("PRISM_TEST_REDIS_WRONG")} }
`);
  const kv = h.clients.keyvalue;
  try {
    await eventually(
      () => unary(kv, "Set", { namespace: "cache", key: "k", value: bytes("over TLS") }),
      10_000,
      "a Set over TLS",
    );
    assertBytes(
      (await unary(kv, "Get", { namespace: "cache", key: "k" })).value,
      bytes("over TLS"),
    );
    // The key is in Redis, written as the ACL user.
    const cli = await redisCli([
      "--tls",
      "--cacert",
      certs.caFile,
      "-p",
      String(redis.port),
      "--user",
      "app",
      "--pass",
      secret,
      "--no-auth-warning",
      "get",
      "cache:k",
    ]);
    assert.equal(cli.trim(), "over TLS");

    // The wrong password: UNAVAILABLE naming the cause, at once.
    let message = "";
    await eventually(
      async () => {
        try {
          await unary(kv, "Get", { namespace: "wrong", key: "k" }, { deadline: Date.now() + 2000 });
        } catch (err) {
          const e = err as { code: number; details: string };
          assert.equal(e.code, status.UNAVAILABLE);
          message = e.details;
          assert.match(message, /WRONGPASS|invalid username-password/i);
          return;
        }
        throw new Error("a call with the wrong password succeeded");
      },
      10_000,
      "the wrong password reported",
    );
    // Health says so too (the plugin's check: PING fails with the same cause).
    await eventually(
      () => {
        const ns = h.proxy.namespaces().find((n) => n.name === "wrong")!;
        assert.equal(ns.health.serving, false);
        assert.match(ns.health.message, /WRONGPASS|invalid username-password|not connected/i);
        return Promise.resolve();
      },
      10_000,
      "the namespace reported as not serving",
    );
    // Never the secret, anywhere: not in the error, not in any log line.
    assert.ok(!message.includes("not-the-password"));
    for (const line of h.logs) {
      assert.ok(!line.includes(secret), `a log line shows the secret: ${line}`);
      assert.ok(!line.includes("not-the-password"), `a log line shows the password: ${line}`);
    }
    assert.ok(h.logs.some((l) => /WRONGPASS|invalid username-password/i.test(l)));
  } finally {
    await h.stop();
    await redis.stop();
    await certs.remove();
    Deno.env.delete("PRISM_TEST_REDIS_PASSWORD");
    Deno.env.delete("PRISM_TEST_REDIS_WRONG");
  }
});

Deno.test({
  name:
    "redis mutual TLS: the plugin presents its client certificate; without one Redis refuses it and calls are UNAVAILABLE",
}, async () => {
  const certs = await makeCertificates();
  const cli = (port: number, withCert: boolean, ...command: string[]) =>
    redisCli([
      "--tls",
      "--cacert",
      certs.caFile,
      ...(withCert ? ["--cert", certs.certFile, "--key", certs.keyFile] : []),
      "-p",
      String(port),
      ...command,
    ]);
  const redis = await startRedis({
    tls: certs,
    args: ["--tls-auth-clients", "yes"],
    ready: async (port) => {
      try {
        return (await cli(port, true, "ping")).trim() === "PONG";
      } catch {
        return false;
      }
    },
  });
  // Redis itself refuses a client without a certificate.
  const refused = await cli(redis.port, false, "ping").then(() => "", (err) => String(err));
  assert.ok(refused !== "", "redis-cli without a certificate was served");
  const url = `rediss://127.0.0.1:${redis.port}`;
  const h = await startTestProxy(`
namespaces:
  - name: cache
    backend: redis
    config: { url: "${url}", tls: { ca_file: "${certs.caFile}", cert_file: "${certs.certFile}", key_file: "${certs.keyFile}" } }
  - name: nocert
    backend: redis
    config: { url: "${url}", tls: { ca_file: "${certs.caFile}" }, connect_timeout_ms: 500 }
`);
  const kv = h.clients.keyvalue;
  try {
    await eventually(
      () => unary(kv, "Set", { namespace: "cache", key: "k", value: bytes("mutual") }),
      10_000,
      "a Set over mutual TLS",
    );
    assert.equal((await cli(redis.port, true, "get", "cache:k")).trim(), "mutual");
    await eventually(
      async () => {
        try {
          await unary(kv, "Get", { namespace: "nocert", key: "k" }, {
            deadline: Date.now() + 2000,
          });
        } catch (err) {
          assert.equal((err as { code: number }).code, status.UNAVAILABLE);
          return;
        }
        throw new Error("a call without a client certificate succeeded");
      },
      10_000,
      "the missing client certificate reported",
    );
  } finally {
    await h.stop();
    await redis.stop();
    await certs.remove();
  }
});
