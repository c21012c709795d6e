import assert from "node:assert/strict";
import {
  defineSchema,
  envVarName,
  loadConfig,
  PluginConfigError,
  redactConfig,
  redactUrl,
} from "./config.ts";

const schema = defineSchema({
  url: {
    type: "string",
    default: "redis://127.0.0.1:6379",
    check: (v) => (v.startsWith("redis://") ? undefined : "must be a redis:// URL"),
    description: "server",
  },
  key_prefix: {
    type: "string",
    default: ({ namespace }) => `${namespace}:`,
    description: "prefix",
  },
  timeout_ms: { type: "integer", default: 1000, min: 1, max: 60000, description: "timeout" },
  pipelining: { type: "boolean", default: true, description: "pipelining" },
  brokers: { type: "string[]", default: ["a:1"], description: "brokers" },
  secret: { type: "string", default: "s", env: false, description: "not from env" },
});

const noEnv = (_name: string): string | undefined => undefined;
const load = (input: string | Record<string, unknown> | undefined, env = noEnv) =>
  loadConfig("redis", schema, input, { namespace: "cache", env });

function throwsConfig(fn: () => unknown, field: string, message: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PluginConfigError);
    assert.equal(err.field, field);
    assert.equal(err.message, message);
    return true;
  });
}

Deno.test("config: defaults, including ones that depend on the namespace", () => {
  for (const input of [undefined, "", "  ", "{}", {}]) {
    assert.deepEqual(load(input), {
      url: "redis://127.0.0.1:6379",
      key_prefix: "cache:",
      timeout_ms: 1000,
      pipelining: true,
      brokers: ["a:1"],
      secret: "s",
    });
  }
});

Deno.test("config: values from the block; null means the default", () => {
  const c = load(
    '{"url":"redis://h:1","timeout_ms":5,"pipelining":false,"brokers":["x"],"key_prefix":null}',
  );
  assert.equal(c.url, "redis://h:1");
  assert.equal(c.timeout_ms, 5);
  assert.equal(c.pipelining, false);
  assert.deepEqual(c.brokers, ["x"]);
  assert.equal(c.key_prefix, "cache:");
});

Deno.test("config: environment variables override the block", () => {
  const env: Record<string, string> = {
    PRISM_REDIS_URL: "redis://10.0.0.1:6379",
    PRISM_REDIS_TIMEOUT_MS: " 250 ",
    PRISM_REDIS_PIPELINING: "off",
    PRISM_REDIS_BROKERS: "b:1, c:2,",
    PRISM_REDIS_SECRET: "ignored",
  };
  const c = load('{"url":"redis://h:1","timeout_ms":5}', (n) => env[n]);
  assert.equal(c.url, "redis://10.0.0.1:6379");
  assert.equal(c.timeout_ms, 250);
  assert.equal(c.pipelining, false);
  assert.deepEqual(c.brokers, ["b:1", "c:2"]);
  assert.equal(c.secret, "s", "env: false settings ignore the environment");
  for (
    const [text, value] of [["1", true], ["yes", true], ["ON", true], ["0", false], ["no", false]]
  ) {
    assert.equal(
      load({}, (n) => (n === "PRISM_REDIS_PIPELINING" ? String(text) : undefined)).pipelining,
      value,
    );
  }
  // A lookup that throws (no --allow-env) reads as unset.
  assert.equal(
    load({}, () => {
      throw new Error("NotCapable");
    }).url,
    "redis://127.0.0.1:6379",
  );
});

Deno.test("config: errors name the field and its value", () => {
  throwsConfig(
    () => load('{"url":"x"}'),
    "url",
    `Cannot configure redis as 'url' must be a redis:// URL: current value is "x"`,
  );
  throwsConfig(
    () => load({}, (n) => (n === "PRISM_REDIS_URL" ? "http://x" : undefined)),
    "url",
    `Cannot configure redis as 'url' (from PRISM_REDIS_URL) must be a redis:// URL: current value is "http://x"`,
  );
  throwsConfig(
    () => load({}, (n) => (n === "PRISM_REDIS_TIMEOUT_MS" ? "soon" : undefined)),
    "timeout_ms",
    `Cannot configure redis as 'timeout_ms' (from PRISM_REDIS_TIMEOUT_MS) must be an integer: current value is "soon"`,
  );
  throwsConfig(
    () => load({}, (n) => (n === "PRISM_REDIS_PIPELINING" ? "maybe" : undefined)),
    "pipelining",
    `Cannot configure redis as 'pipelining' (from PRISM_REDIS_PIPELINING) must be a boolean (true or false): current value is "maybe"`,
  );
  throwsConfig(
    () => load({ timeout_ms: 1.5 }),
    "timeout_ms",
    "Cannot configure redis as 'timeout_ms' must be an integer: current value is 1.5",
  );
  throwsConfig(
    () => load({ timeout_ms: 0 }),
    "timeout_ms",
    "Cannot configure redis as 'timeout_ms' must be at least 1: current value is 0",
  );
  throwsConfig(
    () => load({ timeout_ms: 60001 }),
    "timeout_ms",
    "Cannot configure redis as 'timeout_ms' must be at most 60000: current value is 60001",
  );
  throwsConfig(
    () => load({ pipelining: "yes" }),
    "pipelining",
    `Cannot configure redis as 'pipelining' must be a boolean (true or false): current value is "yes"`,
  );
  throwsConfig(
    () => load({ brokers: [1] }),
    "brokers",
    "Cannot configure redis as 'brokers' must be a list of strings: current value is [1]",
  );
  throwsConfig(
    () => load({ urll: "redis://x" }),
    "urll",
    `Cannot configure redis: 'urll' is not a setting; did you mean 'url'? (settings: url, key_prefix, timeout_ms, pipelining, brokers, secret)`,
  );
  throwsConfig(
    () => load("[1,2]"),
    "",
    "Cannot configure redis as the config must be a JSON object: current value is [1,2]",
  );
  assert.throws(() => load("{nope"), /Cannot configure redis as the config must be JSON/);
});

Deno.test("config: a setting without a default is required", () => {
  const required = defineSchema({ brokers: { type: "string[]", description: "where" } });
  assert.throws(
    () => loadConfig("kafka", required, "{}", { namespace: "n", env: noEnv }),
    /Cannot configure kafka as 'brokers' is required: current value is undefined/,
  );
});

Deno.test("config: env var names and redaction", () => {
  assert.equal(envVarName("redis", "url"), "PRISM_REDIS_URL");
  assert.equal(envVarName("my-plugin", "key.prefix"), "PRISM_MY_PLUGIN_KEY_PREFIX");
  assert.equal(redactUrl("redis://:pw@h:1/0"), "redis://***@h:1/0");
  assert.equal(redactUrl("redis://h:1"), "redis://h:1");
  assert.deepEqual(redactConfig({ url: "rediss://u:p@h", n: 2 }), { url: "rediss://***@h", n: 2 });
});

Deno.test("loadConfig: nested blocks — optional, typed, checked, errors named by path", () => {
  const schema = defineSchema({
    url: { type: "string", default: "redis://127.0.0.1:6379", description: "one server" },
    password_env: { type: "string", optional: true, description: "variable with the password" },
    cluster: {
      type: "object",
      optional: true,
      fields: {
        nodes: {
          type: "string[]",
          check: (v) => v.length === 0 ? "must name at least one node" : undefined,
          description: "seed nodes",
        },
      },
      description: "Redis Cluster",
    },
    tls: {
      type: "object",
      fields: { ca_file: { type: "string", optional: true, description: "CA" } },
      description: "TLS",
    },
  });
  const opts = { namespace: "ns", env: () => undefined };
  const none = loadConfig("redis", schema, {}, opts);
  assert.equal(none.cluster, undefined);
  assert.equal(none.password_env, undefined);
  assert.deepEqual(none.tls, { ca_file: undefined }, "a block that is not optional loads from {}");
  const c = loadConfig("redis", schema, { cluster: { nodes: ["a:1", "b:2"] } }, opts);
  assert.deepEqual(c.cluster, { nodes: ["a:1", "b:2"] });
  const fails = (block: Record<string, unknown>, field: string, message: RegExp) =>
    assert.throws(() => loadConfig("redis", schema, block, opts), (e: PluginConfigError) => {
      assert.equal(e.field, field);
      assert.match(e.message, message);
      return true;
    });
  fails(
    { cluster: { nodes: [] } },
    "cluster.nodes",
    /'cluster\.nodes' must name at least one node/,
  );
  fails({ cluster: {} }, "cluster.nodes", /'cluster\.nodes' is required/);
  fails({ cluster: ["a:1"] }, "cluster", /'cluster' must be a mapping of settings/);
  fails(
    { cluster: { node: ["a:1"] } },
    "cluster.node",
    /'cluster\.node' is not a setting; did you mean 'nodes'\? \(settings of 'cluster': nodes\)/,
  );
  fails({ cluster: { nodes: [1] } }, "cluster.nodes", /must be a list of strings/);
});
