/**
 * The supervisor against misbehaving plugin processes (real processes:
 * small `deno eval` programs that break the protocol in one way each).
 * Well-behaved plugins are exercised end to end in tests/redis_*_test.ts.
 */
import assert from "node:assert/strict";
import { Logger } from "../log/logger.ts";
import { PluginProcess, PluginStartError } from "./plugin_process.ts";

function misbehaving(script: string) {
  return { cmd: Deno.execPath(), args: ["eval", script] };
}

async function startFails(script: string, handshakeTimeoutMs = 5000): Promise<PluginStartError> {
  const lines: string[] = [];
  try {
    await PluginProcess.start({
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
