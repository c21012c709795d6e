import assert from "node:assert/strict";
import { Metadata, status } from "@grpc/grpc-js";
import { collect, connect, type PrismClients, unary } from "../../proto/client.ts";
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { StatusError } from "../../proto/status.ts";
import { Logger } from "../../proto/log/logger.ts";
import { testPlugin, testState } from "./_test_plugin.ts";
import { spawnPlugin } from "./_spawn.ts";
import type { PluginDefinition } from "./plugin.ts";
import { NOT_BY_HAND_MESSAGE } from "../../proto/plugin/protocol.ts";
import { type PluginServer, runPlugin, serve, type ServeOptions } from "./serve.ts";

const TEST_PLUGIN = new URL("./_test_plugin.ts", import.meta.url).pathname;
const bytes = (s: string) => new TextEncoder().encode(s);
const deadline = (ms = 3000) => ({ deadline: Date.now() + ms });

async function rejectsWith(p: Promise<unknown>, code: status, includes?: string) {
  const err = await p.then(
    () => assert.fail(`expected ${status[code]}, the call succeeded`),
    (e) => e as { code: number; details: string },
  );
  assert.equal(err.code, code, `expected ${status[code]}, got ${status[err.code]}: ${err.details}`);
  if (includes !== undefined) {
    assert.ok(err.details.includes(includes), `"${err.details}" should include "${includes}"`);
  }
  return err;
}

interface Running {
  server: PluginServer;
  c: PrismClients;
  logs: () => Record<string, unknown>[];
  handshakes: string[];
  stop(): Promise<void>;
}

async function start(
  plugin: PluginDefinition = testPlugin as unknown as PluginDefinition,
  options: ServeOptions = {},
): Promise<Running> {
  const lines: string[] = [];
  const handshakes: string[] = [];
  const server = await serve(plugin, {
    log: new Logger({ component: "plugin", plugin: plugin.name }, "debug", (l) => lines.push(l)),
    handshake: (l) => handshakes.push(l),
    env: () => undefined,
    ...options,
  });
  const c = connect(server.address);
  return {
    server,
    c,
    handshakes,
    logs: () => lines.map((l) => JSON.parse(l)),
    stop: async () => {
      c.close();
      await server.shutdown("test over", 100);
    },
  };
}

async function initAndStart(c: PrismClients, config = "{}") {
  await unary(c.lifecycle, "Initialize", { name: "ns1", version: "0.1.0", config }, deadline());
  await unary(c.lifecycle, "Start", {}, deadline());
}

Deno.test(
  { name: "serve: one handshake line naming the ephemeral loopback port" },
  async () => {
    const r = await start();
    try {
      assert.equal(r.handshakes.length, 1);
      assert.match(r.handshakes[0], /^1\|1\|tcp\|127\.0\.0\.1:\d+\|grpc\n$/);
      assert.equal(r.handshakes[0], `1|1|tcp|127.0.0.1:${r.server.port}|grpc\n`);
      assert.notEqual(r.server.port, 0);
      const listening = r.logs().find((l) => l.msg === "plugin listening")!;
      assert.equal(listening.component, "plugin");
      assert.equal(listening.plugin, "testkv");
    } finally {
      await r.stop();
    }
  },
);

Deno.test({ name: "serve: the lifecycle state machine" }, async (t) => {
  const r = await start();
  const { c } = r;
  const get = (key: string, md = new Metadata()) =>
    unary(c.keyvalue, "Get", { key }, deadline(), md);
  try {
    await t.step("data calls before Start are UNAVAILABLE", async () => {
      await rejectsWith(get("a"), status.UNAVAILABLE, "plugin not started");
    });
    await t.step("HealthCheck before Initialize is UNHEALTHY", async () => {
      const h = await unary(c.lifecycle, "HealthCheck", {}, deadline());
      assert.equal(h.status, "UNHEALTHY");
      assert.equal(h.details.state, "created");
    });
    await t.step("Start before Initialize is FAILED_PRECONDITION", async () => {
      await rejectsWith(unary(c.lifecycle, "Start", {}, deadline()), status.FAILED_PRECONDITION);
    });
    await t.step("an invalid config is INVALID_ARGUMENT naming the field", async () => {
      await rejectsWith(
        unary(c.lifecycle, "Initialize", {
          name: "ns1",
          version: "0.1.0",
          config: '{"health":"SO-SO"}',
        }, deadline()),
        status.INVALID_ARGUMENT,
        `Cannot configure testkv as 'health' must be HEALTHY, DEGRADED or UNHEALTHY: current value is "SO-SO"`,
      );
      await rejectsWith(
        unary(c.lifecycle, "Initialize", { name: "ns1", version: "0.1.0", config: '{"x":1}' }),
        status.INVALID_ARGUMENT,
        "'x' is not a setting",
      );
      await rejectsWith(
        unary(c.lifecycle, "Initialize", { name: "", version: "0.1.0", config: "{}" }),
        status.INVALID_ARGUMENT,
        "'name'",
      );
    });
    await t.step("Initialize answers the metadata; repeating it answers the same", async () => {
      const req = { name: "ns1", version: "0.1.0", config: '{"entries": 3}' };
      const res = await unary(c.lifecycle, "Initialize", req, deadline());
      assert.deepEqual(res.metadata, {
        name: "testkv",
        version: "9.9.9",
        interfaces: [SERVICE_NAMES.keyvalueBasic, SERVICE_NAMES.keyvalueScan],
      });
      assert.deepEqual(await unary(c.lifecycle, "Initialize", req, deadline()), res);
      await rejectsWith(
        unary(c.lifecycle, "Initialize", { ...req, config: "{}" }, deadline()),
        status.FAILED_PRECONDITION,
        "already initialized",
      );
      assert.equal(r.server.lifecycle.state, "initialized");
      await rejectsWith(get("k1"), status.UNAVAILABLE, "plugin not started");
    });
    await t.step("after Start data calls are served", async () => {
      await unary(c.lifecycle, "Start", {}, deadline());
      await unary(c.lifecycle, "Start", {}, deadline()); // idempotent
      const got = await get("k1");
      assert.equal(got.found, true);
      assert.deepEqual([...got.value], [1]);
      await unary(c.keyvalue, "Set", { key: "a", value: bytes("x") }, deadline());
      assert.equal((await unary(c.keyvalue, "Exists", { key: "a" }, deadline())).exists, true);
      assert.equal((await unary(c.scan, "Count", { prefix: "k" }, deadline())).count, 3);
      const keys = await collect(c.scan.ScanKeys({ prefix: "k" }, deadline()));
      assert.deepEqual(keys.map((k) => k.key).sort(), ["k0", "k1", "k2"]);
    });
    await t.step("HealthCheck composes the plugin's checks with the state", async () => {
      const h = await unary(c.lifecycle, "HealthCheck", {}, deadline());
      assert.equal(h.status, "HEALTHY");
      assert.equal(h.details["store.status"], "HEALTHY");
      assert.equal(h.details["store.keys"], "4");
      assert.equal(h.details.state, "started");
    });
    await t.step("Drain waits for in-flight calls, then refuses new ones", async () => {
      const slow = get("slow:300");
      await new Promise((res) => setTimeout(res, 50));
      const drained = await unary(c.lifecycle, "Drain", { timeout_seconds: 5, reason: "test" });
      assert.deepEqual(drained, { drained: 1, aborted: 0 });
      assert.equal((await slow).found, false);
      await rejectsWith(get("a"), status.UNAVAILABLE, "draining (test)");
      await rejectsWith(unary(c.lifecycle, "Start", {}, deadline()), status.FAILED_PRECONDITION);
    });
    await t.step("Stop releases the backend, answers, and the server ends", async () => {
      const closedBefore = testState.closed;
      await unary(c.lifecycle, "Stop", { timeout_seconds: 1 }, deadline());
      assert.equal(testState.closed, closedBefore + 1);
      const info = await r.server.done;
      assert.equal(info.reason, "Stop");
      assert.equal(r.server.lifecycle.state, "stopped");
    });
  } finally {
    await r.stop();
  }
});

Deno.test(
  { name: "serve: a drain that times out cuts calls off with UNAVAILABLE" },
  async () => {
    const r = await start();
    try {
      await initAndStart(r.c);
      const stuck = unary(r.c.keyvalue, "Get", { key: "stuck" }, deadline(5000));
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(r.server.lifecycle.inFlight, 1);
      const t0 = Date.now();
      const res = await r.server.lifecycle.drain(200, "deploy");
      assert.deepEqual(res, { drained: 0, aborted: 1 });
      assert.ok(Date.now() - t0 < 1000);
      await rejectsWith(stuck, status.UNAVAILABLE, "drain timed out");
      const h = await unary(r.c.lifecycle, "HealthCheck", {}, deadline());
      assert.equal(h.details.state, "draining");
    } finally {
      await r.stop();
    }
  },
);

Deno.test({
  name: "serve: errors map to statuses and are logged with the request id",
}, async () => {
  const r = await start();
  try {
    await initAndStart(r.c);
    const md = new Metadata();
    md.set("x-request-id", "req-123");
    const internal = await rejectsWith(
      unary(r.c.keyvalue, "Get", { key: "boom" }, deadline(), md),
      status.INTERNAL,
      "request id req-123",
    );
    assert.ok(internal.details.includes("kaboom"));
    const md2 = new Metadata();
    md2.set("x-request-id", "req-456");
    await rejectsWith(
      unary(r.c.keyvalue, "Get", { key: "down" }, deadline(), md2),
      status.UNAVAILABLE,
      "the test backend is down",
    );
    const logs = r.logs();
    const err = logs.find((l) => l.level === "error" && l.request_id === "req-123")!;
    assert.equal(err.msg, "call failed");
    assert.equal(err.code, "INTERNAL");
    assert.equal(err.namespace, "ns1");
    assert.match(String(err.cause), /kaboom/);
    const warn = logs.find((l) => l.level === "warn" && l.request_id === "req-456")!;
    assert.equal(warn.code, "UNAVAILABLE");
    assert.equal(warn.method, `/${SERVICE_NAMES.keyvalueBasic}/Get`);
    const ok = logs.find((l) => l.level === "debug" && l.msg === "call served");
    assert.ok(ok !== undefined && typeof ok.request_id === "string");
    // Unserved interfaces are UNIMPLEMENTED (grpc-js answers for unknown services).
    await rejectsWith(
      unary(r.c.list, "Length", { list_key: "l" }, deadline()),
      status.UNIMPLEMENTED,
    );
  } finally {
    await r.stop();
  }
});

Deno.test(
  { name: "serve: streams honour backpressure and cancellation" },
  async () => {
    const r = await start();
    try {
      await initAndStart(r.c, '{"entries": 5000}');
      const all = await collect(r.c.scan.Scan({ prefix: "k" }, deadline(10000)));
      assert.equal(all.length, 5000);
      const call = r.c.scan.ScanKeys({ prefix: "k" }, deadline(10000));
      const n = await new Promise<number>((resolve) => {
        let seen = 0;
        call.on("data", () => {
          if (++seen === 10) call.cancel();
        });
        call.on("error", () => resolve(seen));
        call.on("end", () => resolve(seen));
      });
      assert.ok(n >= 10 && n < 5000, `saw ${n}`);
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(r.server.lifecycle.inFlight, 0);
    } finally {
      await r.stop();
    }
  },
);

Deno.test(
  { name: "serve: the auth hook and plugin interceptors run on every call" },
  async () => {
    const seen: string[] = [];
    const plugin: PluginDefinition = {
      ...(testPlugin as unknown as PluginDefinition),
      authorize: (ctx) => {
        if (ctx.method.endsWith("/Get") && ctx.metadata.get("authorization") === undefined) {
          throw new StatusError(status.UNAUTHENTICATED, "no token");
        }
      },
      interceptors: [async (ctx, next) => {
        seen.push(ctx.method.split("/").pop()!);
        return await next(ctx);
      }],
    };
    const r = await start(plugin);
    try {
      await initAndStart(r.c);
      await rejectsWith(
        unary(r.c.keyvalue, "Get", { key: "a" }, deadline()),
        status.UNAUTHENTICATED,
      );
      const md = new Metadata();
      md.set("authorization", "Bearer x");
      assert.equal((await unary(r.c.keyvalue, "Get", { key: "a" }, deadline(), md)).found, false);
      assert.deepEqual(seen, ["Initialize", "Start", "Get"]);
    } finally {
      await r.stop();
    }
  },
);

Deno.test(
  { name: "serve: a plugin missing a declared handler fails Initialize" },
  async () => {
    const plugin: PluginDefinition = {
      name: "broken",
      version: "0.0.1",
      interfaces: [SERVICE_NAMES.list],
      configSchema: {},
      create: () => ({ unary: {}, close() {} }),
    };
    const r = await start(plugin);
    try {
      await rejectsWith(
        unary(r.c.lifecycle, "Initialize", { name: "n", version: "0", config: "" }, deadline()),
        status.INTERNAL,
        "does not implement",
      );
    } finally {
      await r.stop();
    }
  },
);

Deno.test(
  { name: "serve: stdin EOF shuts the plugin down within a second" },
  async () => {
    let endStdin!: () => void;
    const eof = new Promise<null>((resolve) => (endStdin = () => resolve(null)));
    const r = await start(undefined, { stdin: { read: () => eof }, eofDrainMs: 300 });
    try {
      await initAndStart(r.c);
      const closedBefore = testState.closed;
      const t0 = Date.now();
      endStdin();
      const info = await r.server.done;
      assert.match(info.reason, /stdin reached EOF/);
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      assert.equal(testState.closed, closedBefore + 1);
      await rejectsWith(
        unary(r.c.keyvalue, "Get", { key: "a" }, deadline(1000)),
        status.UNAVAILABLE,
      );
    } finally {
      await r.stop();
    }
  },
);

Deno.test(
  { name: "serve: a backend that will not close does not hold the shutdown" },
  async () => {
    const r = await start();
    try {
      await initAndStart(r.c, '{"close_ms": 5000}');
      const t0 = Date.now();
      await r.server.shutdown("test", 200);
      assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
      assert.ok(r.logs().some((l) => l.msg === "backend did not close in time"));
    } finally {
      await r.stop();
    }
  },
);

Deno.test("runPlugin: refuses without the magic cookie, rejects arguments, prints usage", async () => {
  const out: string[] = [];
  const opts = { env: () => undefined, stderr: (t: string) => out.push(t) };
  assert.equal(await runPlugin(testPlugin, [], opts), 1);
  assert.equal(out.at(-1), NOT_BY_HAND_MESSAGE);
  assert.equal(await runPlugin(testPlugin, ["--port", "1"], opts), 2);
  assert.match(out.at(-1)!, /unexpected argument "--port"/);
  assert.equal(await runPlugin(testPlugin, ["--help"], opts), 0);
  assert.match(out.at(-1)!, /Usage: prism plugin testkv/);
  const cookie = (n: string) => (n === "PRISM_PLUGIN_MAGIC_COOKIE" ? "prism-plugin-v1" : undefined);
  const saved = Deno.env.get("PRISM_LOG_LEVEL");
  Deno.env.set("PRISM_LOG_LEVEL", "loud");
  try {
    assert.equal(await runPlugin(testPlugin, [], { ...opts, env: cookie }), 2);
    assert.match(out.at(-1)!, /PRISM_LOG_LEVEL/);
  } finally {
    if (saved === undefined) Deno.env.delete("PRISM_LOG_LEVEL");
    else Deno.env.set("PRISM_LOG_LEVEL", saved);
  }
});

Deno.test({ name: "runPlugin: in-process run until Stop resolves 0" }, async () => {
  const handshakes: string[] = [];
  const lines: string[] = [];
  const running = runPlugin(testPlugin, [], {
    env: (n) => (n === "PRISM_PLUGIN_MAGIC_COOKIE" ? "prism-plugin-v1" : undefined),
    handshake: (l) => handshakes.push(l),
    stdin: false,
    signals: false,
    log: new Logger({ component: "plugin", plugin: "testkv" }, "debug", (l) => lines.push(l)),
  });
  while (handshakes.length === 0) await new Promise((res) => setTimeout(res, 10));
  const c = connect(handshakes[0].split("|")[3]);
  try {
    await initAndStart(c);
    await unary(c.lifecycle, "Stop", {}, deadline());
    assert.equal(await running, 0);
    assert.ok(lines.some((l) => JSON.parse(l).msg === "plugin exiting"));
  } finally {
    c.close();
  }
});

// ---- as a real subprocess, the way the proxy runs it ----

Deno.test(
  { name: "process: no cookie → message on stderr, exit 1, empty stdout" },
  async () => {
    const p = spawnPlugin(TEST_PLUGIN, [], { cookie: false });
    const st = await p.exited;
    assert.equal(st.code, 1);
    assert.equal(p.stdout(), "");
    assert.equal(p.stderr.join("\n").trim(), NOT_BY_HAND_MESSAGE);
  },
);

Deno.test({
  name: "process: handshake only on stdout; exits 0 within ~1 s of stdin EOF",
}, async () => {
  const p = spawnPlugin(TEST_PLUGIN);
  const line = await p.handshake;
  assert.match(line, /^1\|1\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
  const c = connect(line.split("|")[3], {}, undefined, [p.tokenHeader]);
  try {
    await initAndStart(c);
    await unary(c.keyvalue, "Set", { key: "a", value: bytes("1") }, deadline());
    assert.equal((await unary(c.keyvalue, "Get", { key: "a" }, deadline())).found, true);
  } finally {
    c.close();
  }
  const t0 = Date.now();
  await p.closeStdin();
  const st = await p.exited;
  const took = Date.now() - t0;
  assert.equal(st.code, 0);
  assert.ok(took < 1500, `exit took ${took} ms`);
  assert.equal(p.stdout(), line + "\n", "nothing but the handshake on stdout");
  assert.ok(p.stderr.some((l) => l.includes("a stray console.log")), "console.log went to stderr");
  const json = p.stderr.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  assert.ok(json.every((l) => l.component === "plugin" && l.plugin === "testkv"));
  assert.ok(json.some((l) => l.msg === "plugin shutting down" && /EOF/.test(l.reason)));
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(
    { name: `process: ${signal} finishes in-flight calls and exits 0` },
    async () => {
      const p = spawnPlugin(TEST_PLUGIN);
      const c = connect((await p.handshake).split("|")[3], {}, undefined, [p.tokenHeader]);
      try {
        await initAndStart(c);
        const slow = unary(c.keyvalue, "Get", { key: "slow:300" }, deadline());
        await new Promise((res) => setTimeout(res, 100));
        p.child.kill(signal);
        assert.equal((await slow).found, false, "the in-flight call completed");
        assert.equal((await p.exited).code, 0);
      } finally {
        c.close();
        await p.closeStdin();
      }
    },
  );
}

Deno.test({ name: "process: Stop answers, then the process exits 0" }, async () => {
  const p = spawnPlugin(TEST_PLUGIN);
  const c = connect((await p.handshake).split("|")[3], {}, undefined, [p.tokenHeader]);
  try {
    await initAndStart(c);
    await unary(c.lifecycle, "Stop", { timeout_seconds: 1 }, deadline());
    assert.equal((await p.exited).code, 0);
  } finally {
    c.close();
    await p.closeStdin();
  }
});

Deno.test({
  name: "process: only the holder of the channel token is served; no token, no plugin",
}, async () => {
  const p = spawnPlugin(TEST_PLUGIN);
  const address = (await p.handshake).split("|")[3];
  const stranger = connect(address);
  const wrong = connect(address, {}, undefined, [[p.tokenHeader[0], "0".repeat(64)]]);
  const proxy = connect(address, {}, undefined, [p.tokenHeader]);
  try {
    for (const c of [stranger, wrong]) {
      await rejectsWith(
        unary(c.lifecycle, "Initialize", { name: "x", version: "0", config: "{}" }, deadline()),
        status.UNAUTHENTICATED,
        "serves only the proxy that started it",
      );
      await rejectsWith(unary(c.lifecycle, "Stop", {}, deadline()), status.UNAUTHENTICATED);
      await rejectsWith(
        unary(c.keyvalue, "Get", { key: "a" }, deadline()),
        status.UNAUTHENTICATED,
      );
    }
    await initAndStart(proxy);
    assert.equal((await unary(proxy.keyvalue, "Get", { key: "a" }, deadline())).found, false);
  } finally {
    stranger.close();
    wrong.close();
    proxy.close();
    await p.closeStdin();
    await p.exited;
  }
  assert.ok(
    p.stderr.some((l) => l.includes("refused a call without the proxy's channel token")),
    "refusals are logged",
  );

  // Started by hand with no token on stdin: it does not serve.
  const bare = spawnPlugin(TEST_PLUGIN, [], { token: false });
  await bare.closeStdin();
  assert.equal((await bare.exited).code, 1);
  assert.ok(
    bare.stderr.some((l) => /no channel token from the proxy/.test(l)),
    bare.stderr.join("\n"),
  );
});
