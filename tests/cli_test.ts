/**
 * The `prism` command line as users run it: exit codes (CONTRACT §1) and
 * messages that name the flag, file, line or field at fault.
 *
 * @module
 */
import { assert } from "./_assert.ts";
import { runPrism } from "./_process.ts";
import { startTestProxy } from "./_harness.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("prism: usage, version and unknown commands", async () => {
  const none = await runPrism([]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /Usage: prism <command>/);
  assert.equal((await runPrism(["--help"])).code, 0);
  const version = await runPrism(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^prism \d+\.\d+\.\d+/);
  const unknown = await runPrism(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const ctl = await runPrism(["ctl"]);
  assert.equal(ctl.code, 2);
  assert.match(ctl.stderr, /^prism ctl: missing COMMAND \(see prism ctl --help\)$/);
});

Deno.test("prism proxy: bad flags exit 2 naming the flag", async () => {
  const unknown = await runPrism(["proxy", "--lsten", "x"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--lsten/);
  const badListen = await runPrism(["proxy", "--listen", "nowhere"]);
  assert.equal(badListen.code, 2);
  assert.match(badListen.stderr, /--listen: invalid listen address "nowhere"/);
  const extra = await runPrism(["proxy", "stray"]);
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /unexpected argument "stray"/);
  const badLevel = await runPrism(["proxy"], { PRISM_LOG_LEVEL: "loud" });
  assert.equal(badLevel.code, 2);
  assert.match(badLevel.stderr, /PRISM_LOG_LEVEL/);
  const help = await runPrism(["proxy", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--config FILE/);
});

Deno.test("prism proxy: invalid config exits 2 naming file, line and field", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/prism.yaml`;
    await Deno.writeTextFile(
      file,
      "namespaces:\n  - name: default\n    backend: memstore\n  - name: cache\n    backend: redsi\n",
    );
    const viaFlag = await runPrism(["proxy", "--config", file]);
    assert.equal(viaFlag.code, 2);
    assert.ok(
      viaFlag.stderr.includes(
        `${file}:5: namespaces[1].backend: unknown backend "redsi" (expected memstore, redis, kafka)`,
      ),
      viaFlag.stderr,
    );
    const viaEnv = await runPrism(["proxy"], { PRISM_CONFIG: file });
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.stderr, /namespaces\[1\]\.backend/);
    const tooSmall = `${dir}/small.yaml`;
    await Deno.writeTextFile(
      tooSmall,
      "limits: { max_value_bytes: 4000000 }\nnamespaces: [{ name: a, backend: memstore, config: { max_memory_mb: 2 } }]\n",
    );
    const small = await runPrism(["proxy", "--config", tooSmall]);
    assert.equal(small.code, 2, small.stderr);
    // Named by the file, the line and the setting, in the config's own words.
    assert.match(
      small.stderr,
      /small\.yaml:2: namespaces\[0\]\.config\.max_memory_mb: 2 is too small for one entry at the limits \(max_key_bytes 4096, max_value_bytes 4000000\): at least 4 is needed/,
    );
    const missing = await runPrism(["proxy", "--config", `${dir}/nope.yaml`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: cannot read config file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prism proxy: a port in use is a runtime failure (exit 1)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const r = await runPrism(["proxy", "--listen", `127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}`));
    // Said at once: no plugin is started for a proxy that cannot listen.
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/prism.yaml`,
        `listen: "127.0.0.1:${port}"\nnamespaces: [{ name: c, backend: redis, config: { url: "redis://127.0.0.1:1" } }]\n`,
      );
      const p = await runPrism(["proxy", "--config", `${dir}/prism.yaml`]);
      assert.equal(p.code, 1);
      assert.match(p.stderr, new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}`));
      assert.doesNotMatch(p.stderr, /plugin process started/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    listener.close();
  }
});

Deno.test({
  name: "deno task load: relative paths mean the caller's directory, not the repository",
}, async () => {
  const t = await startTestProxy("namespaces: [{ name: default, backend: memstore }]\n");
  const dir = await Deno.makeTempDir();
  try {
    // As from a fresh shell in `dir` (this suite itself runs under `deno task`).
    const env = Deno.env.toObject();
    delete env.INIT_CWD;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "--config",
        `${ROOT}deno.json`,
        "load",
        "--target",
        t.address,
        "--op",
        "get",
        "--requests",
        "20",
        "--warmup",
        "0s",
        "--no-seed",
        "--format",
        "json",
        "--out",
        "report.json",
      ],
      cwd: dir,
      clearEnv: true,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/report.json`)).requests, 20);
    await assert.rejects(Deno.stat(`${ROOT}report.json`), Deno.errors.NotFound);
  } finally {
    await t.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
