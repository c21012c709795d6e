/**
 * The supervisor with real processes: small `deno eval` programs that break
 * the protocol in one way each, and the SDK's test plugin for restarts (a
 * crash loop, relaunches that fail before their handshake, a frozen plugin,
 * a stop during a backoff). Well-behaved plugins are exercised end to end
 * in tests/redis_test.ts and tests/plugin_restart_test.ts.
 */
import assert from "node:assert/strict";
import { Logger } from "../../proto/log/logger.ts";
import { PluginStartError, PluginSupervisor, type SupervisorOptions } from "./supervisor.ts";
import { childPids } from "../../tests/_process.ts";

function misbehaving(script: string) {
  return { cmd: Deno.execPath(), args: ["eval", script] };
}

async function startFails(script: string, handshakeTimeoutMs = 5000): Promise<PluginStartError> {
  const lines: string[] = [];
  try {
    await PluginSupervisor.start({
      kind: "test",
      namespace: "ns",
      config: {},
      version: "0.0.0",
      log: new Logger({}, "debug", (l) => lines.push(l)),
      command: misbehaving(script),
      handshakeTimeoutMs,
    });
  } catch (err) {
    assert.ok(err instanceof PluginStartError, String(err));
    return err;
  }
  assert.fail("the plugin should not have started");
}

Deno.test("supervisor: a plugin that prints a bad handshake is refused", async () => {
  const err = await startFails(
    `console.log("2|1|tcp|127.0.0.1:1|grpc"); setTimeout(() => {}, 60000);`,
  );
  assert.match(err.message, /plugin test of namespace "ns" did not start: .*core protocol version/);
  assert.equal(err.invalidConfig, false);
});

Deno.test("supervisor: a plugin that never prints its handshake times out", async () => {
  const t0 = performance.now();
  const err = await startFails(`setTimeout(() => {}, 60000);`, 300);
  assert.match(err.message, /no handshake on stdout within 300 ms/);
  assert.ok(performance.now() - t0 < 5000);
});

Deno.test("supervisor: a plugin that exits before its handshake is reported", async () => {
  const err = await startFails(`console.error("boom"); Deno.exit(3);`);
  assert.match(err.message, /exited \(code 3/);
});

Deno.test("supervisor: a handshake pointing nowhere fails Initialize", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const err = await startFails(
    `console.log("1|1|tcp|127.0.0.1:${port}|grpc"); setTimeout(() => {}, 60000);`,
  );
  assert.match(err.message, /did not start/);
});

// ---------------------------------------------------------------------------
// Restarts, with the SDK's test plugin as a real subprocess.

const TEST_PLUGIN = import.meta.resolve("../../plugins/sdk/_test_plugin.ts");
const SERVE = import.meta.resolve("../../plugins/sdk/serve.ts");

/**
 * The test plugin behind a launch counter: launch n (from 1) exits with
 * code 3 before its handshake when n is in `PRISM_TEST_FAIL_LAUNCHES`.
 * `marker` is in its argv, so that the test can find its processes.
 */
function countedPlugin(marker: string) {
  const script = `
import { testPlugin } from "${TEST_PLUGIN}";
import { runPlugin } from "${SERVE}";
const file = Deno.env.get("PRISM_TEST_COUNTER");
const n = Number(await Deno.readTextFile(file).catch(() => "0")) + 1;
await Deno.writeTextFile(file, String(n));
const failing = (Deno.env.get("PRISM_TEST_FAIL_LAUNCHES") ?? "").split(",").map(Number);
if (failing.includes(n)) { console.error("launch " + n + " fails on purpose"); Deno.exit(3); }
Deno.exit(await runPlugin(testPlugin, []));
`;
  return { cmd: Deno.execPath(), args: ["eval", script, marker] };
}

/** Pids of this process's children whose argv contains `marker`. */
function children(marker: string): number[] {
  return childPids((argv) => argv.includes(marker));
}

/** Samples `children(marker)` every few ms until stopped; the largest count seen. */
function watchCount(marker: string) {
  let max = 0;
  let on = true;
  const done = (async () => {
    while (on) {
      max = Math.max(max, children(marker).length);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      on = false;
      await done;
      return max;
    },
  };
}

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function restartFixture(failLaunches: number[]) {
  const dir = await Deno.makeTempDir();
  const marker = `prism-test-${crypto.randomUUID()}`;
  Deno.env.set("PRISM_TEST_COUNTER", `${dir}/count`);
  Deno.env.set("PRISM_TEST_FAIL_LAUNCHES", failLaunches.join(","));
  const lines: string[] = [];
  const options: SupervisorOptions = {
    kind: "test",
    namespace: "ns",
    config: {},
    version: "0.0.0",
    log: new Logger({}, "debug", (l) => lines.push(l)),
    command: countedPlugin(marker),
    backoff: { initialMs: 20, maxMs: 200 },
    healthFastIntervalMs: 100,
  };
  const launches = async () => Number(await Deno.readTextFile(`${dir}/count`));
  const cleanup = async () => {
    Deno.env.delete("PRISM_TEST_COUNTER");
    Deno.env.delete("PRISM_TEST_FAIL_LAUNCHES");
    await Deno.remove(dir, { recursive: true });
  };
  const logged = (msg: string) => lines.filter((l) => JSON.parse(l).msg === msg).length;
  return { marker, options, launches, cleanup, logged, lines };
}

Deno.test("supervisor: a plugin killed each time it appears never runs twice, then serves", async () => {
  const f = await restartFixture([]);
  const plugin = await PluginSupervisor.start(f.options);
  const watch = watchCount(f.marker);
  try {
    const killed = new Set<number>();
    const t0 = Date.now();
    while (Date.now() - t0 < 3000) {
      for (const pid of children(f.marker)) {
        if (killed.has(pid)) continue;
        killed.add(pid);
        Deno.kill(pid, "SIGKILL");
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(killed.size >= 3, `killed ${killed.size} processes`);
    await until("the plugin to serve again", 15_000, () => plugin.ready);
    assert.ok(plugin.pid !== undefined && !killed.has(plugin.pid));
    assert.equal(await watch.stop(), 1, "at no moment more than one process");
    assert.deepEqual(children(f.marker), [plugin.pid]);
    assert.ok(plugin.restarts >= killed.size, `${plugin.restarts} restarts`);
  } finally {
    await watch.stop();
    await plugin.stop();
    await f.cleanup();
  }
  assert.deepEqual(children(f.marker), []);
});

Deno.test("supervisor: relaunches that fail before their handshake are retried one at a time", async () => {
  const f = await restartFixture([2, 3, 4]);
  const plugin = await PluginSupervisor.start(f.options);
  const watch = watchCount(f.marker);
  try {
    const first = plugin.pid!;
    Deno.kill(first, "SIGKILL");
    await until("the restart to begin", 5000, () => !plugin.ready);
    await until("the plugin to serve again", 15_000, () => plugin.ready);
    assert.equal(await f.launches(), 5);
    assert.equal(plugin.restarts, 4);
    assert.equal(f.logged("plugin process exited; restarting it"), 1);
    assert.equal(f.logged("plugin restart failed"), 3);
    assert.ok(f.lines.some((l) => /launch 3 fails on purpose/.test(l)), "plugin stderr forwarded");
    assert.equal(await watch.stop(), 1, "at no moment more than one process");
    assert.deepEqual(children(f.marker), [plugin.pid]);
  } finally {
    await watch.stop();
    await plugin.stop();
    await f.cleanup();
  }
  assert.deepEqual(children(f.marker), []);
});

Deno.test("supervisor: a frozen plugin is killed after failed health checks and relaunched", async () => {
  const f = await restartFixture([]);
  const plugin = await PluginSupervisor.start({ ...f.options, healthTimeoutMs: 200 });
  try {
    const frozen = plugin.pid!;
    Deno.kill(frozen, "SIGSTOP");
    await until("a new process", 15_000, () => plugin.ready && plugin.pid !== frozen);
    assert.equal(f.logged("plugin stopped answering; restarting it"), 1);
    assert.deepEqual(children(f.marker), [plugin.pid]);
  } finally {
    await plugin.stop();
    await f.cleanup();
  }
  assert.deepEqual(children(f.marker), []);
});

Deno.test("supervisor: stop during a restart backoff ends at once and leaves no process", async () => {
  const f = await restartFixture([2, 3, 4, 5, 6, 7, 8, 9]);
  const plugin = await PluginSupervisor.start({
    ...f.options,
    backoff: { initialMs: 5000, maxMs: 5000 },
  });
  Deno.kill(plugin.pid!, "SIGKILL");
  await until("the restart to begin", 5000, () => !plugin.ready);
  const t0 = performance.now();
  await plugin.stop();
  assert.ok(performance.now() - t0 < 2000, "stop does not wait for the backoff");
  assert.equal(plugin.unavailableReason(), `plugin test of namespace "ns" is stopped`);
  assert.equal(await f.launches(), 1);
  assert.deepEqual(children(f.marker), []);
  await f.cleanup();
});

Deno.test("supervisor: a plugin that declares fewer interfaces than the namespace needs is refused", async () => {
  const f = await restartFixture([]);
  try {
    await assert.rejects(
      PluginSupervisor.start({
        ...f.options,
        interfaces: ["prism.interfaces.list.ListBasicInterface"],
      }),
      (err: Error) => {
        assert.ok(err instanceof PluginStartError);
        assert.match(
          err.message,
          /but the namespace needs prism\.interfaces\.list\.ListBasicInterface/,
        );
        return true;
      },
    );
    assert.deepEqual(children(f.marker), []);
  } finally {
    await f.cleanup();
  }
});
