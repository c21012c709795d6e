/**
 * h2spec, the HTTP/2 conformance suite, against the proxy's port (plaintext
 * and TLS) and against a plugin's port: every test passes, and the process
 * serves on afterwards.
 */
import assert from "node:assert/strict";
import { unary } from "../proto/client.ts";
import { findExecutable, goBinDirs } from "../tasks/tools.ts";
import { parseConfig } from "../proxy/config/load.ts";
import { Logger } from "../proto/log/logger.ts";
import { Proxy } from "../proxy/server.ts";
import { startTestProxy } from "./_harness.ts";
import { startRedis } from "./_redis.ts";
import { makeCertificates } from "./_tls.ts";

/** Runs h2spec against `port`; returns its summary counts and the failures' text. */
async function h2spec(h2specPath: string, port: number, tls = false) {
  const out = await new Deno.Command(h2specPath, {
    args: ["-h", "127.0.0.1", "-p", String(port), "-o", "3", ...(tls ? ["-t", "-k"] : [])],
    stdout: "piped",
    stderr: "piped",
  }).output();
  // deno-lint-ignore no-control-regex
  const text = new TextDecoder().decode(out.stdout).replace(/\x1b\[[0-9;]*m/g, "");
  const m = /(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed/.exec(text);
  assert.ok(m, `h2spec printed no summary:\n${text}\n${new TextDecoder().decode(out.stderr)}`);
  const failures = text.slice(text.indexOf("Failures:")).slice(0, 4000);
  return {
    tests: Number(m[1]),
    passed: Number(m[2]),
    skipped: Number(m[3]),
    failed: Number(m[4]),
    failures,
  };
}

const h2specPath = await findExecutable("h2spec", goBinDirs());

Deno.test({
  name: "h2spec: every test passes against the proxy (h2c and TLS) and a plugin",
  ignore: h2specPath === undefined,
}, async () => {
  const redis = await startRedis();
  const h = await startTestProxy(
    `namespaces:\n  - { name: default, backend: memstore }\n  - { name: cache, backend: redis, config: { url: "${redis.url}" } }\n`,
  );
  const certs = await makeCertificates();
  const tlsProxy = await Proxy.start({
    config: parseConfig(
      `tls: { cert_file: "${certs.certFile}", key_file: "${certs.keyFile}" }\n`,
      "t.yaml",
    ),
    listen: "127.0.0.1:0",
    admin: "127.0.0.1:0",
    log: new Logger({}, "error"),
  });
  try {
    const plugin = /"msg":"plugin serving".*?"address":"127\.0\.0\.1:(\d+)"/.exec(
      h.logs.join("\n"),
    );
    assert.ok(plugin, "the plugin's address is logged");
    for (
      const [name, port, tls] of [
        ["proxy (h2c)", h.proxy.port, false],
        ["proxy (TLS)", tlsProxy.port, true],
        ["redis plugin", Number(plugin[1]), false],
      ] as const
    ) {
      const r = await h2spec(h2specPath!, port, tls);
      console.log(
        `h2spec against the ${name}: ${r.tests} tests, ${r.passed} passed, ${r.failed} failed`,
      );
      assert.equal(r.failed, 0, `${name}:\n${r.failures}`);
      assert.equal(r.skipped, 0, name);
      assert.equal(r.passed, r.tests, name);
      assert.ok(r.tests >= 145, `${name}: ${r.tests} tests`);
    }
    // Everyone still serves.
    await unary(h.clients.keyvalue, "Set", {
      namespace: "cache",
      key: "k",
      value: new Uint8Array([1]),
    });
    assert.equal(
      (await unary(h.clients.keyvalue, "Get", { namespace: "cache", key: "k" })).found,
      true,
    );
    assert.equal((await unary(h.clients.keyvalue, "Get", { key: "nope" })).found, false);
  } finally {
    await tlsProxy.shutdown("test over");
    await h.stop();
    await redis.stop();
    await certs.remove();
  }
});
