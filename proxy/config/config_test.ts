import assert from "node:assert/strict";
import { BACKEND_CONFIG_SCHEMAS, ConfigError, defaultConfig, parseListen } from "./config.ts";
import { loadConfigFile, parseConfig, parseConfigChecked } from "./load.ts";

function rejects(text: string, message: string): ConfigError {
  try {
    parseConfig(text, "prism.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.equal(err.message, message);
    return err;
  }
  assert.fail(`expected the config to be rejected with: ${message}`);
}

Deno.test("parseConfig: the contract's example is valid", () => {
  const config = parseConfig(`
listen: "0.0.0.0:8980"
limits: { max_key_bytes: 4096, max_value_bytes: 1048576 }
namespaces:
  - name: default
    backend: memstore            # in-process AssemblyScript/WASM module
    config: { max_memory_mb: 64 }
  - name: cache
    backend: redis               # plugin subprocess → Redis
    config: { url: "redis://127.0.0.1:6379" }
  - name: events
    backend: kafka               # plugin subprocess → Kafka
    config: { brokers: ["127.0.0.1:9092"] }
`);
  assert.equal(config.listen, "0.0.0.0:8980");
  assert.deepEqual(config.namespaces.map((n) => n.backend), ["memstore", "redis", "kafka"]);
  assert.deepEqual(config.namespaces[2].config, { brokers: ["127.0.0.1:9092"] });
});

Deno.test("parseConfig: defaults fill what is missing", () => {
  assert.deepEqual(parseConfig(""), defaultConfig());
  const config = parseConfig("namespaces: [{ name: a, backend: memstore }]");
  assert.deepEqual(config.namespaces[0].config, {
    max_memory_mb: BACKEND_CONFIG_SCHEMAS.memstore!.max_memory_mb.default,
  });
  assert.equal(config.limits.max_value_bytes, 1048576);
  assert.equal(config.drain_timeout_seconds, 10);
  const limits = parseConfig("limits: { max_key_bytes: 10 }\ndrain_timeout_seconds: 3");
  assert.deepEqual(limits.limits, { max_key_bytes: 10, max_value_bytes: 1048576 });
  assert.equal(limits.drain_timeout_seconds, 3);
});

Deno.test("parseConfig: errors name file, line and path", () => {
  rejects(
    `namespaces:
  - name: default
    backend: memstore
  - name: cache
    backend: redsi
`,
    `prism.yaml:5: namespaces[1].backend: unknown backend "redsi" (expected memstore, redis, kafka)`,
  );
  rejects(
    "listen: 0.0.0.0:8980\nlimts: {}\n",
    `prism.yaml:2: limts: unknown key "limts" (expected one of listen, limits, namespaces, drain_timeout_seconds, tls, auth, admin_listen, log)`,
  );
  rejects(
    "namespaces:\n  - { name: a, backend: memstore }\n  - { name: a, backend: memstore }\n",
    `prism.yaml:3: namespaces[1].name: duplicate namespace "a" (first defined at namespaces[0])`,
  );
  rejects(
    "limits:\n  max_key_bytes: lots\n",
    `prism.yaml:2: limits.max_key_bytes: expected a positive integer, got string "lots"`,
  );
  rejects(
    "limits:\n  max_value_bytes: 0\n",
    `prism.yaml:2: limits.max_value_bytes: expected a positive integer, got number 0`,
  );
  rejects(
    "namespaces:\n  - name: a\n    backend: memstore\n    config:\n      max_memory_mb: -1\n",
    `prism.yaml:5: namespaces[0].config.max_memory_mb: expected a positive integer, got number -1`,
  );
  rejects(
    "namespaces:\n  - name: a\n    backend: memstore\n    config: { max_memory_mb: 4096 }\n",
    `prism.yaml:4: namespaces[0].config.max_memory_mb: must be at most 2048, got 4096`,
  );
  rejects(
    "namespaces:\n  - name: a\n    backend: memstore\n    config: { max_mem: 1 }\n",
    `prism.yaml:4: namespaces[0].config.max_mem: unknown key "max_mem" (expected one of max_memory_mb)`,
  );
  rejects("namespaces: {}\n", `prism.yaml:1: namespaces: expected a list, got a mapping`);
  rejects("namespaces: []\n", `prism.yaml:1: namespaces: expected at least one namespace`);
  rejects(
    "namespaces:\n  - backend: memstore\n",
    `prism.yaml:2: namespaces[0]: missing key "name"`,
  );
  rejects("namespaces:\n  - name: x\n", `prism.yaml:2: namespaces[0]: missing key "backend"`);
  rejects(
    "namespaces:\n  - name: 'bad name'\n    backend: memstore\n",
    `prism.yaml:2: namespaces[0].name: invalid namespace name "bad name" (letters, digits, '.', '_', '-'; at most 63)`,
  );
  rejects(
    "namespaces:\n  - name: 7\n    backend: memstore\n",
    `prism.yaml:2: namespaces[0].name: expected a string, got number 7`,
  );
  rejects("- a\n- b\n", `prism.yaml:1: (top level): expected a mapping, got a list`);
  rejects(
    `listen: "nohost"\n`,
    `prism.yaml:1: listen: invalid listen address "nohost" (expected HOST:PORT, e.g. 0.0.0.0:8980)`,
  );
  rejects(
    "drain_timeout_seconds: 1.5\n",
    `prism.yaml:1: drain_timeout_seconds: expected a positive integer, got number 1.5`,
  );
});

Deno.test("parseConfig: YAML syntax errors and duplicate keys name the line", () => {
  const err = rejects2("listen: [unclosed\n");
  assert.match(err.message, /^prism\.yaml:\d+: invalid YAML: /);
  const dup = rejects2("listen: a:1\nlisten: b:2\n");
  assert.match(dup.message, /^prism\.yaml:2: invalid YAML: .*[Mm]ap keys must be unique/);
});

function rejects2(text: string): ConfigError {
  try {
    parseConfig(text, "prism.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail("expected rejection");
}

Deno.test("parseListen", () => {
  assert.deepEqual(parseListen("0.0.0.0:8980"), { host: "0.0.0.0", port: 8980 });
  assert.deepEqual(parseListen("[::1]:0"), { host: "[::1]", port: 0 });
  assert.deepEqual(parseListen("localhost:1"), { host: "localhost", port: 1 });
  for (const bad of ["8980", "host:", ":80", "h:70000", "a b:1", "h:-1"]) {
    assert.throws(() => parseListen(bad), ConfigError, bad);
  }
});

Deno.test("loadConfigFile: reads a file and names it in errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = `${dir}/good.yaml`;
    await Deno.writeTextFile(good, "namespaces: [{ name: x, backend: memstore }]\n");
    assert.equal((await loadConfigFile(good)).namespaces[0].name, "x");
    const bad = `${dir}/bad.yaml`;
    await Deno.writeTextFile(bad, "namespaces: [{ name: x, backend: nope }]\n");
    await assert.rejects(loadConfigFile(bad), (e: Error) => e.message.startsWith(`${bad}:1: `));
    await assert.rejects(
      loadConfigFile(`${dir}/missing.yaml`),
      (e: Error) => e instanceof ConfigError && e.message.includes("cannot read config file"),
    );
    for (const text of ["", "\n\n", "# only a comment\n"]) {
      const empty = `${dir}/empty.yaml`;
      await Deno.writeTextFile(empty, text);
      await assert.rejects(
        loadConfigFile(empty),
        (e: Error) =>
          e instanceof ConfigError && e.message.startsWith(`${empty}: the config file is empty`),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseConfigChecked: plugin config blocks are checked by the plugin's schema", async () => {
  const ok = await parseConfigChecked(
    'namespaces:\n  - name: cache\n    backend: redis\n    config: { url: "redis://127.0.0.1:6380" }\n',
    "prism.yaml",
  );
  assert.deepEqual(ok.namespaces[0].config, { url: "redis://127.0.0.1:6380" });
  const bad = async (text: string, message: RegExp) => {
    await assert.rejects(parseConfigChecked(text, "prism.yaml"), (e: Error) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, message);
      return true;
    });
  };
  await bad(
    'namespaces:\n  - name: cache\n    backend: redis\n    config:\n      url: "http://x"\n',
    /^prism\.yaml:5: namespaces\[0\]\.config\.url: .*url/,
  );
  await bad(
    'namespaces:\n  - name: cache\n    backend: redis\n    config:\n      urll: "redis://x"\n',
    /^prism\.yaml:5: namespaces\[0\]\.config\.urll: Cannot configure redis: 'urll' is not a setting; did you mean 'url'\?/,
  );
  await bad(
    "namespaces:\n  - name: cache\n    backend: redis\n    config: []\n",
    /^prism\.yaml:4: namespaces\[0\]\.config: expected a mapping/,
  );
});

Deno.test("parseConfig: admin_listen and log", () => {
  const defaults = parseConfig("");
  assert.equal(defaults.admin_listen, "127.0.0.1:9980");
  assert.deepEqual(defaults.log, { access: false, access_sample: 1 });
  assert.equal(parseConfig(`admin_listen: ""`).admin_listen, "");
  const set = parseConfig(
    `admin_listen: "0.0.0.0:9090"\nlog: { access: true, access_sample: 0.25 }`,
  );
  assert.equal(set.admin_listen, "0.0.0.0:9090");
  assert.deepEqual(set.log, { access: true, access_sample: 0.25 });
  rejects(
    `admin_listen: nowhere`,
    `prism.yaml:1: admin_listen: invalid listen address "nowhere" (expected HOST:PORT, e.g. 0.0.0.0:8980)`,
  );
  rejects(
    `log: { access: "yes" }`,
    `prism.yaml:1: log.access: expected true or false, got string "yes"`,
  );
  rejects(
    `log: { access_sample: 0 }`,
    `prism.yaml:1: log.access_sample: expected a number in (0, 1], got number 0`,
  );
  rejects(
    `log: { level: debug }`,
    `prism.yaml:1: log.level: unknown key "level" (expected one of access, access_sample)`,
  );
});
