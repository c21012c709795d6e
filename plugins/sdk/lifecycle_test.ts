import assert from "node:assert/strict";
import { status, StatusError } from "../../proto/status.ts";
import { Logger } from "../../proto/log/logger.ts";
import { defineSchema } from "./config.ts";
import { DEFAULT_TIMEOUT_MS, Lifecycle } from "./lifecycle.ts";
import type { PluginDefinition, PluginInstance } from "./plugin.ts";

const schema = defineSchema({ n: { type: "integer", default: 1, min: 0, description: "n" } });

function make(overrides: Partial<PluginInstance> = {}, createDelayMs = 0) {
  const lines: string[] = [];
  let creates = 0;
  const plugin: PluginDefinition<typeof schema> = {
    name: "unit",
    version: "1.2.3",
    interfaces: [],
    configSchema: schema,
    create: async (config, ctx) => {
      creates++;
      if (config.n === 99) throw new Error("cannot create");
      if (createDelayMs) await new Promise((r) => setTimeout(r, createDelayMs));
      assert.equal(ctx.namespace, "ns");
      assert.equal(ctx.proxyVersion, "0.1.0");
      return { unary: {}, close() {}, ...overrides };
    },
  };
  const lc = new Lifecycle(plugin, new Logger({}, "debug", (l) => lines.push(l)), {
    env: () => undefined,
  });
  return { lc, logs: () => lines.map((l) => JSON.parse(l)), creates: () => creates };
}

const req = (config = "{}") => ({ name: "ns", version: "0.1.0", config });

async function rejectsCode(p: Promise<unknown> | (() => unknown), code: status, includes = "") {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(includes), err.message);
    return;
  }
  assert.fail("expected an error");
}

Deno.test("lifecycle: concurrent Initialize calls share one creation", async () => {
  const { lc, creates } = make({}, 30);
  const [a, b] = await Promise.all([lc.initialize(req()), lc.initialize(req())]);
  assert.deepEqual(a, b);
  assert.equal(creates(), 1);
  assert.equal(lc.namespace, "ns");
  await rejectsCode(lc.initialize(req('{"n":2}')), status.FAILED_PRECONDITION, "another config");
});

Deno.test("lifecycle: a failed Initialize may be retried", async () => {
  const { lc, creates } = make();
  await assert.rejects(lc.initialize(req('{"n":99}')), /cannot create/);
  assert.equal(lc.state, "created");
  await rejectsCode(
    lc.initialize(req('{"n":-1}')),
    status.INVALID_ARGUMENT,
    "'n' must be at least 0",
  );
  await lc.initialize(req());
  assert.equal(creates(), 2);
  assert.equal(lc.state, "initialized");
});

Deno.test("lifecycle: admission follows the state", async () => {
  const { lc } = make();
  await rejectsCode(() => lc.admit(() => {}), status.UNAVAILABLE, "plugin not started");
  await lc.initialize(req());
  lc.start();
  const entry = lc.admit(() => {});
  assert.equal(lc.inFlight, 1);
  lc.release(entry);
  lc.release(entry); // twice is harmless
  assert.equal(lc.inFlight, 0);
  assert.deepEqual(await lc.drain(10, "rollout"), { drained: 0, aborted: 0 });
  await rejectsCode(() => lc.admit(() => {}), status.UNAVAILABLE, "draining (rollout)");
  await lc.stop(10);
  await rejectsCode(() => lc.admit(() => {}), status.UNAVAILABLE, "is stopped");
  await rejectsCode(lc.initialize(req('{"n":5}')), status.FAILED_PRECONDITION);
  await rejectsCode(() => lc.start(), status.FAILED_PRECONDITION, "it is stopped");
});

Deno.test("lifecycle: Drain and Stop before Initialize", async () => {
  const { lc } = make();
  assert.deepEqual(await lc.drain(10, ""), { drained: 0, aborted: 0 });
  await rejectsCode(lc.initialize(req()), status.FAILED_PRECONDITION, "is draining");
  await lc.stop(10);
  await lc.stop(10);
  await lc.stopped;
  const h = await lc.health();
  assert.deepEqual(h, {
    status: "UNHEALTHY",
    message: "plugin stopped",
    details: { state: "stopped" },
  });
});

Deno.test("lifecycle: drain counts calls that finish and aborts the rest", async () => {
  const { lc } = make();
  await lc.initialize(req());
  lc.start();
  const aborted: StatusError[] = [];
  const quick = lc.admit(() => assert.fail("quick call must not be aborted"));
  lc.admit((e) => aborted.push(e));
  setTimeout(() => lc.release(quick), 20);
  const res = await lc.drain(100, "test");
  assert.deepEqual(res, { drained: 1, aborted: 1 });
  assert.equal(aborted[0].code, status.UNAVAILABLE);
  assert.equal(lc.inFlight, 0);
});

Deno.test("lifecycle: a drain cuts off long-lived calls at once and waits for the rest", async () => {
  const { lc } = make();
  await lc.initialize(req());
  lc.start();
  const cut: StatusError[] = [];
  let stoppedAt = 0;
  // A subscription's work (its consumer) ends a little after it is cut off.
  const sub = lc.admit((e) => {
    cut.push(e);
    setTimeout(() => {
      stoppedAt = performance.now();
      lc.release(sub);
    }, 150);
  }, true);
  const quick = lc.admit(() => assert.fail("a call that finishes must not be aborted"));
  setTimeout(() => lc.release(quick), 50);
  const t0 = performance.now();
  const draining = lc.drain(5000, "test");
  assert.equal(cut.length, 1, "the subscription is cut off as soon as the drain starts");
  assert.equal(cut[0].code, status.UNAVAILABLE);
  assert.match(cut[0].message, /subscribe again/);
  assert.equal(lc.inFlight, 2, "its slot is held until its work has ended");
  assert.deepEqual(await draining, { drained: 1, aborted: 1 });
  assert.ok(stoppedAt > 0, "the drain waited for the subscription's work to end");
  assert.ok(performance.now() - t0 < 4000, "the drain did not wait for its bound");
  assert.equal(lc.inFlight, 0);
});

Deno.test("lifecycle: Stop survives a backend whose close fails", async () => {
  const { lc, logs } = make({ close: () => Promise.reject(new Error("close failed")) });
  await lc.initialize(req());
  await lc.stop(50);
  assert.ok(
    logs().some((l) => l.msg === "backend failed to close" && /close failed/.test(l.error)),
  );
  assert.equal(lc.state, "stopped");
});

Deno.test("lifecycle: handlers and the default timeout", async () => {
  const { lc } = make({
    healthChecks: [{ name: "x", check: () => ({ status: "DEGRADED", message: "meh" }) }],
  });
  const h = lc.handlers();
  const path = (m: string) => `/prism.interfaces.lifecycle.LifecycleInterface/${m}`;
  const init = await h[path("Initialize")](req(), {} as never) as { metadata: { name: string } };
  assert.equal(init.metadata.name, "unit");
  assert.deepEqual(await h[path("Start")]({}, {} as never), {});
  const health = await h[path("HealthCheck")]({}, {} as never) as {
    status: string;
    details: Record<string, string>;
  };
  assert.equal(health.status, "DEGRADED");
  assert.equal(health.details.state, "started");
  assert.deepEqual(await h[path("Drain")]({ timeout_seconds: 0, reason: "" }, {} as never), {
    drained: 0,
    aborted: 0,
  });
  assert.deepEqual(await h[path("Stop")]({ timeout_seconds: 0 }, {} as never), {});
  assert.equal(DEFAULT_TIMEOUT_MS, 5000);
});
