/**
 * The redis plugin as the proxy runs it: a subprocess with exactly the
 * permission flags of `redisPluginPermissions` and the magic cookie.
 */
import assert from "node:assert/strict";
import { collect, connect, unary } from "../../proto/client.ts";
import { startRedis } from "../../tests/_redis.ts";
import { spawnPlugin } from "../sdk/_spawn.ts";
import { NOT_BY_HAND_MESSAGE } from "../../proto/plugin/protocol.ts";
import { redisPluginPermissions, runRedisPlugin } from "./main.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const deadline = (ms = 5000) => ({ deadline: Date.now() + ms });

Deno.test("runRedisPlugin: refuses to run by hand", async () => {
  const saved = console.error;
  const out: string[] = [];
  console.error = (t: string) => out.push(t);
  try {
    Deno.env.delete("PRISM_PLUGIN_MAGIC_COOKIE");
    assert.equal(await runRedisPlugin([]), 1);
  } finally {
    console.error = saved;
  }
  assert.deepEqual(out, [NOT_BY_HAND_MESSAGE]);
});

Deno.test({
  name: "redis plugin process: runs with only redisPluginPermissions' flags",
}, async () => {
  const redis = await startRedis();
  const config = { url: redis.url };
  const permissions = redisPluginPermissions(config, () => undefined);
  const p = spawnPlugin(MAIN, [], { permissions, env: { PRISM_LOG_LEVEL: "info" } });
  try {
    const line = await p.handshake;
    assert.match(line, /^1\|1\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
    const c = connect(line.split("|")[3], {}, undefined, [p.tokenHeader]);
    try {
      const init = await unary(c.lifecycle, "Initialize", {
        name: "cache",
        version: "0.1.0",
        config: JSON.stringify(config),
      }, deadline());
      assert.equal(init.metadata?.name, "redis");
      await unary(c.lifecycle, "Start", {}, deadline());
      for (let i = 0; i < 100; i++) {
        const h = await unary(c.lifecycle, "HealthCheck", {}, deadline());
        if (h.status === "HEALTHY") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const value = new TextEncoder().encode("v");
      await unary(c.keyvalue, "Set", { key: "a", value, ttl_seconds: 60 }, deadline());
      assert.equal((await unary(c.keyvalue, "Get", { key: "a" }, deadline())).found, true);
      assert.equal((await collect(c.scan.ScanKeys({ prefix: "" }, deadline()))).length, 1);
      assert.equal(
        (await unary(c.list, "PushLeft", { list_key: "l", value }, deadline())).new_length,
        1,
      );
    } finally {
      c.close();
    }
    const t0 = Date.now();
    await p.closeStdin();
    assert.equal((await p.exited).code, 0);
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(p.stdout(), line + "\n");
    const logs = p.stderr.map((l) => JSON.parse(l));
    assert.ok(
      logs.every((l) => l.component === "plugin" && l.plugin === "redis"),
      p.stderr.join("\n"),
    );
    assert.ok(!p.stderr.some((l) => /NotCapable|PermissionDenied/.test(l)), p.stderr.join("\n"));
  } finally {
    await p.closeStdin();
    await p.exited;
    await redis.stop();
  }
});

Deno.test({
  name:
    "redis plugin process: with more permissions than it needs (as in the binary), it revokes them",
}, async () => {
  const redis = await startRedis();
  const config = { url: redis.url };
  const p = spawnPlugin(MAIN, [], {
    permissions: ["-A"],
    env: { PRISM_LOG_LEVEL: "info", PRISM_PLUGIN_NARROW: "1" },
  });
  try {
    const c = connect((await p.handshake).split("|")[3], {}, undefined, [p.tokenHeader]);
    try {
      await unary(c.lifecycle, "Initialize", {
        name: "cache",
        version: "0.1.0",
        config: JSON.stringify(config),
      }, deadline());
      await unary(c.lifecycle, "Start", {}, deadline());
      const value = new TextEncoder().encode("v");
      await unary(c.keyvalue, "Set", { key: "a", value }, deadline());
      assert.equal((await unary(c.keyvalue, "Get", { key: "a" }, deadline())).found, true);
    } finally {
      c.close();
    }
    await p.closeStdin();
    assert.equal((await p.exited).code, 0);
    const narrowed = p.stderr.map((l) => JSON.parse(l)).find((l) =>
      l.msg === "permissions narrowed"
    );
    assert.ok(narrowed, p.stderr.join("\n"));
    for (const name of ["run", "write", "ffi", "read"]) {
      assert.notEqual(narrowed.revoked[name], "granted", `${name} is revoked`);
    }
  } finally {
    await p.closeStdin();
    await p.exited;
    await redis.stop();
  }
});
