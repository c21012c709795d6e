import assert from "node:assert/strict";
import { status } from "../../proto/status.ts";
import { loadConfig, type PluginConfigError } from "../sdk/config.ts";
import { BackendUnavailableError } from "../sdk/errors.ts";
import { DEFAULT_URL, parseRedisUrl, REDIS_SCHEMA, redisTopology } from "./config.ts";
import { credentialsOf, reconnectDelay } from "./connection.ts";
import { isReply, isRetryableRedisError, mapRedisError } from "./errors.ts";
import { escapeGlob, KeySpace } from "./keys.ts";
import { redisPluginPermissions } from "./permissions.ts";
import { REDIS_PLUGIN } from "./plugin.ts";

const reply = (message: string) => Object.assign(new Error(message), { name: "ReplyError" });

Deno.test("redis keys: glob escaping and the namespace prefix", () => {
  assert.equal(escapeGlob("plain:key"), "plain:key");
  assert.equal(escapeGlob("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f");
  const ks = new KeySpace("ns:");
  assert.equal(ks.key("k"), "ns:k");
  assert.equal(ks.strip("ns:k"), "k");
  assert.equal(ks.pattern(""), "ns:*");
  assert.equal(ks.pattern("u*"), "ns:u\\**");
  assert.equal(new KeySpace("a[1]:").pattern("x"), "a\\[1\\]:x*");
});

Deno.test("redis config: defaults and URL checks", () => {
  const c = loadConfig("redis", REDIS_SCHEMA, "{}", { namespace: "cache", env: () => undefined });
  assert.deepEqual(c, {
    url: DEFAULT_URL,
    key_prefix: "cache:",
    command_timeout_ms: 1000,
    retry_attempts: 2,
    breaker_threshold: 10,
    breaker_cooldown_ms: 1000,
    connect_timeout_ms: 2000,
    reconnect_max_delay_ms: 1000,
    slow_ping_ms: 100,
    auto_pipelining: false,
    scan_count: 1000,
    cluster: undefined,
    sentinel: undefined,
    tls: undefined,
    username: undefined,
    password_env: undefined,
  });
  assert.deepEqual(parseRedisUrl("redis://h"), { host: "h", port: 6379, tls: false, db: 0 });
  assert.deepEqual(parseRedisUrl("rediss://u:p@h:1/"), { host: "h", port: 1, tls: true, db: 0 });
  assert.deepEqual(parseRedisUrl("redis://[::1]:7/3"), { host: "::1", port: 7, tls: false, db: 3 });
  for (
    const [url, problem] of [
      ["x", "must be a redis:// URL"],
      ["http://h:1", "must be a redis:// URL"],
      ["redis://", "must be a redis:// URL with a host"],
      ["redis://h/x", "whose path is a database number"],
      ["redis://h/1?a=b", "without query or fragment"],
    ]
  ) {
    assert.throws(() => parseRedisUrl(url), new RegExp(problem.replace(/[?]/g, "\\?")), url);
  }
  assert.throws(
    () =>
      loadConfig("redis", REDIS_SCHEMA, '{"url":"x"}', { namespace: "n", env: () => undefined }),
    { message: `Cannot configure redis as 'url' must be a redis:// URL: current value is "x"` },
  );
  const env = (n: string) => (n === "PRISM_REDIS_KEY_PREFIX" ? "shared:" : undefined);
  assert.equal(
    loadConfig("redis", REDIS_SCHEMA, {}, { namespace: "n", env }).key_prefix,
    "n:",
    "no env override for key_prefix: it would make namespaces share keys",
  );
  assert.throws(
    () =>
      loadConfig("redis", REDIS_SCHEMA, { key_prefix: "x".repeat(1025) }, {
        namespace: "n",
        env: () => undefined,
      }),
    /at most 1024 characters/,
  );
});

Deno.test("redis errors: statuses and retryability", () => {
  assert.equal(
    mapRedisError(reply("WRONGTYPE Operation against a key"))?.code,
    status.FAILED_PRECONDITION,
  );
  assert.equal(
    mapRedisError(reply("ERR invalid expire time in 'set' command"))?.code,
    status.INVALID_ARGUMENT,
  );
  assert.equal(mapRedisError(reply("OOM command not allowed"))?.code, status.RESOURCE_EXHAUSTED);
  for (
    const m of [
      "LOADING Redis is loading",
      "READONLY You can't write",
      "NOAUTH Authentication required",
      "BUSY script",
    ]
  ) {
    assert.equal(mapRedisError(reply(m))?.code, status.UNAVAILABLE, m);
  }
  assert.equal(mapRedisError(reply("ERR unknown command")), undefined);
  assert.equal(mapRedisError(new Error("Connection is closed."))?.code, status.UNAVAILABLE);
  const maxRetries = Object.assign(new Error("Reached the max retries per request limit"), {
    name: "MaxRetriesPerRequestError",
  });
  assert.equal(mapRedisError(maxRetries)?.code, status.UNAVAILABLE);
  assert.equal(
    mapRedisError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))
      ?.code,
    status.UNAVAILABLE,
  );
  assert.equal(mapRedisError(new Error("something else")), undefined);
  assert.equal(mapRedisError("not an error"), undefined);
  assert.equal(isReply(reply("WRONGTYPE x"), "WRONGTYPE"), true);
  assert.equal(isReply(new Error("WRONGTYPE x"), "WRONGTYPE"), false);
  assert.equal(isRetryableRedisError(maxRetries), true);
  assert.equal(isRetryableRedisError(Object.assign(new Error("x"), { name: "AbortError" })), true);
  assert.equal(isRetryableRedisError(Object.assign(new Error("x"), { code: "ECONNRESET" })), true);
  assert.equal(isRetryableRedisError(new BackendUnavailableError("down")), false);
  assert.equal(isRetryableRedisError(reply("WRONGTYPE")), false);
  assert.equal(isRetryableRedisError(null), false);
});

Deno.test("redis connection: capped exponential reconnect backoff with jitter", () => {
  const mid = () => 0.5;
  assert.equal(reconnectDelay(1, 10_000, mid), 100);
  assert.equal(reconnectDelay(2, 10_000, mid), 200);
  assert.equal(reconnectDelay(0, 10_000, mid), 100);
  assert.equal(reconnectDelay(50, 1000, mid), 1000);
  assert.equal(reconnectDelay(50, 1000, () => 0), 800);
  assert.equal(reconnectDelay(50, 1000, () => 1), 1200);
});

Deno.test("redis permissions: net to loopback and the Redis; env", () => {
  const none = () => undefined;
  assert.deepEqual(redisPluginPermissions({}, none), ["--allow-net=127.0.0.1", "--allow-env"]);
  assert.deepEqual(redisPluginPermissions({ url: "redis://127.0.0.1:7000" }, none), [
    "--allow-net=127.0.0.1",
    "--allow-env",
  ]);
  assert.deepEqual(redisPluginPermissions({ url: "rediss://:pw@cache.internal/2" }, none), [
    "--allow-net=127.0.0.1,cache.internal:6379",
    "--allow-env",
  ]);
  assert.deepEqual(redisPluginPermissions({ url: "redis://[::1]:6380" }, none), [
    "--allow-net=127.0.0.1,[::1]:6380",
    "--allow-env",
  ]);
  assert.deepEqual(redisPluginPermissions({ url: "nonsense" }, none), [
    "--allow-net=127.0.0.1",
    "--allow-env",
  ]);
  const env = (n: string) => (n === "PRISM_REDIS_URL" ? "redis://10.1.2.3:6390" : undefined);
  assert.deepEqual(redisPluginPermissions({ url: "redis://127.0.0.1:1" }, env), [
    "--allow-net=127.0.0.1,10.1.2.3:6390",
    "--allow-env",
  ]);
  const throwing = () => {
    throw new Error("NotCapable");
  };
  assert.deepEqual(redisPluginPermissions({}, throwing), ["--allow-net=127.0.0.1", "--allow-env"]);
  assert.ok(Array.isArray(redisPluginPermissions({})));
  // Tracing on: the collector too (a loopback one is already allowed).
  const otel = (collector: string) => (n: string) =>
    n === "OTEL_EXPORTER_OTLP_ENDPOINT" ? collector : undefined;
  assert.deepEqual(redisPluginPermissions({}, otel("http://otel.internal:4318")), [
    "--allow-net=127.0.0.1,otel.internal:4318",
    "--allow-env",
  ]);
  assert.deepEqual(redisPluginPermissions({}, otel("https://otel.example.com")), [
    "--allow-net=127.0.0.1,otel.example.com:443",
    "--allow-env",
  ]);
  assert.deepEqual(redisPluginPermissions({}, otel("http://127.0.0.1:4318")), [
    "--allow-net=127.0.0.1",
    "--allow-env",
  ]);
});

Deno.test("redis plugin: identity", () => {
  assert.equal(REDIS_PLUGIN.name, "redis");
  assert.deepEqual(REDIS_PLUGIN.interfaces, [
    "prism.interfaces.keyvalue.KeyValueBasicInterface",
    "prism.interfaces.keyvalue.KeyValueScanInterface",
    "prism.interfaces.keyvalue.KeyValueTTLInterface",
    "prism.interfaces.list.ListBasicInterface",
  ]);
});

Deno.test("redis config: cluster, sentinel, TLS and credentials", () => {
  const load = (block: Record<string, unknown>) =>
    loadConfig("redis", REDIS_SCHEMA, block, { namespace: "cache", env: () => undefined });
  assert.equal(redisTopology(load({})), "server");
  assert.equal(redisTopology(load({ cluster: { nodes: ["127.0.0.1:7000"] } })), "cluster");
  assert.equal(
    redisTopology(load({ sentinel: { master: "m", nodes: ["[::1]:26379"] } })),
    "sentinel",
  );
  assert.throws(
    () =>
      redisTopology(
        load({ cluster: { nodes: ["a:1"] }, sentinel: { master: "m", nodes: ["b:2"] } }),
      ),
    /both 'cluster' and 'sentinel'/,
  );
  assert.throws(
    () => load({ cluster: { nodes: ["cache"] } }),
    /'cluster\.nodes' must be host:port/,
  );
  assert.throws(() => load({ sentinel: { master: "", nodes: ["a:1"] } }), /must name the master/);
  assert.throws(() => load({ tls: { cert_file: "c.pem" } }), /needs both cert_file and key_file/);
  assert.throws(() => load({ password_env: "not a name" }), /environment variable's name/);

  // The secret comes from the environment; errors name the variable, never a value.
  const config = load({ username: "app", password_env: "APP_PW" });
  assert.deepEqual(credentialsOf(config, (n) => n === "APP_PW" ? "pw" : undefined), {
    username: "app",
    password: "pw",
  });
  assert.throws(
    () => credentialsOf(config, () => undefined),
    (e: PluginConfigError) =>
      e.field === "password_env" && /names APP_PW, which is not set/.test(e.message),
  );
  assert.throws(
    () => credentialsOf(load({ tls: { ca_file: "/nonexistent/ca.pem" } })),
    (e: PluginConfigError) =>
      e.field === "tls.ca_file" &&
      /'tls\.ca_file' cannot be read \(\/nonexistent\/ca\.pem\)/.test(e.message),
  );
  // rediss:// alone turns TLS on, with the system's CAs and no client certificate.
  assert.deepEqual(credentialsOf(load({ url: "rediss://h:1" })).tls, {});

  // A cluster or Sentinel announces its nodes: any host; TLS files readable, nothing else.
  assert.deepEqual(
    redisPluginPermissions(
      {
        cluster: { nodes: ["10.0.0.1:7000"] },
        tls: { ca_file: "/ca.pem", cert_file: "/c.pem", key_file: "/k.pem" },
      },
      () => undefined,
    ),
    ["--allow-net", "--allow-env", "--allow-read=/ca.pem,/c.pem,/k.pem"],
  );
  assert.deepEqual(
    redisPluginPermissions({ sentinel: { master: "m", nodes: ["a:1"] } }, () => undefined),
    ["--allow-net", "--allow-env"],
  );
});
