/**
 * Unit tests of the kafka plugin's pure logic: names, ids, config, error
 * mapping, record conversion and batching. Everything that talks to Kafka
 * is tested against a real broker (kafka_test.ts, tests/kafka_test.ts and
 * the conformance suites).
 */
import assert from "node:assert/strict";
import { status, StatusError } from "../../proto/status.ts";
import { loadConfig, PluginConfigError } from "../sdk/config.ts";
import { DEFAULT_BROKERS, KAFKA_SCHEMA, parseBroker } from "./config.ts";
import { isKafkaUnavailable, mapKafkaError } from "./errors.ts";
import { kafkaPluginPermissions } from "./permissions.ts";
import { KAFKA_PLUGIN } from "./plugin.ts";
import { groupByTopic } from "./publisher.ts";
import { headersToMetadata, timestampOf, valueOf } from "./records.ts";
import {
  MAX_TOPIC_LENGTH,
  messageId,
  parseMessageId,
  topicNameProblem,
  TopicNames,
} from "./topics.ts";

const kafkaError = (name: string, type?: string, cause?: unknown) =>
  Object.assign(new Error(`${name} ${type ?? ""}`), { name, type, cause });

Deno.test("kafka topics: Kafka's naming rules", () => {
  assert.equal(topicNameProblem("a.b_c-D9"), undefined);
  assert.equal(topicNameProblem(""), "is empty");
  assert.equal(topicNameProblem("."), 'cannot be "."');
  assert.equal(topicNameProblem(".."), 'cannot be ".."');
  assert.match(topicNameProblem("x".repeat(MAX_TOPIC_LENGTH + 1))!, /250 characters long/);
  assert.equal(topicNameProblem("x".repeat(MAX_TOPIC_LENGTH)), undefined);
  assert.match(topicNameProblem("a/b")!, /contains '\/'/);
  assert.match(topicNameProblem("é")!, /contains 'é'/);
});

Deno.test("kafka topics: prefixing, and INVALID_ARGUMENT naming the client's name", () => {
  const names = new TopicNames("events.");
  assert.equal(names.kafkaTopic("orders", "topic"), "events.orders");
  assert.equal(names.clientName("events.orders"), "orders");
  assert.equal(names.clientName("other"), "other");
  for (const bad of ["a b", "x".repeat(MAX_TOPIC_LENGTH)]) {
    assert.throws(() => names.kafkaTopic(bad, "stream"), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.message, /^Cannot use stream "/);
      assert.match(err.message, /its Kafka topic "events\./);
      return true;
    });
  }
});

Deno.test("kafka message ids: format and parse back", () => {
  const id = messageId("events.orders-v1", 3, "12345");
  assert.equal(id, "events.orders-v1/3/12345");
  assert.deepEqual(parseMessageId(id), { topic: "events.orders-v1", partition: 3, offset: 12345n });
  assert.equal(parseMessageId("nope"), undefined);
  assert.equal(parseMessageId("a/b/c"), undefined);
});

Deno.test("kafka config: defaults, broker addresses and the topic prefix", () => {
  const c = loadConfig("kafka", KAFKA_SCHEMA, "{}", { namespace: "events", env: () => undefined });
  assert.deepEqual(c.brokers, [...DEFAULT_BROKERS]);
  assert.equal(c.client_id, "prism-events");
  assert.equal(c.topic_prefix, "events.");
  assert.equal(c.partitions, 1);
  assert.equal(c.publish_timeout_ms, 5000);
  assert.deepEqual(parseBroker("[::1]:9093"), { host: "::1", port: 9093 });
  assert.throws(() => parseBroker("nohost"), /must be "host:port"/);
  assert.throws(() => parseBroker("h:70000"), /port 70000/);
  const bad = (config: Record<string, unknown>, re: RegExp) =>
    assert.throws(
      () =>
        loadConfig("kafka", KAFKA_SCHEMA, JSON.stringify(config), {
          namespace: "events",
          env: () => undefined,
        }),
      (err: unknown) => err instanceof PluginConfigError && re.test(err.message),
    );
  bad({ brokers: [] }, /at least one broker/);
  bad({ brokers: ["127.0.0.1"] }, /entry "127\.0\.0\.1" must be "host:port"/);
  bad({ topic_prefix: "" }, /must not be empty/);
  bad({ topic_prefix: "a b." }, /invalid topic names: contains ' '/);
  bad({ partitions: 0 }, /partitions/);
  bad({ session_timeout_ms: 100 }, /session_timeout_ms/);
  // An environment override applies to every kafka namespace.
  const env = loadConfig("kafka", KAFKA_SCHEMA, "{}", {
    namespace: "events",
    env: (name) => name === "PRISM_KAFKA_BROKERS" ? "k1:9092,k2:9092" : undefined,
  });
  assert.deepEqual(env.brokers, ["k1:9092", "k2:9092"]);
});

Deno.test("kafka errors: what is UNAVAILABLE and what the client got wrong", () => {
  const refused = kafkaError("KafkaJSConnectionError");
  assert.equal(isKafkaUnavailable(refused), true);
  const exhausted = kafkaError("KafkaJSNumberOfRetriesExceeded", undefined, refused);
  assert.equal(isKafkaUnavailable(exhausted), true);
  assert.equal(mapKafkaError(exhausted)?.code, status.UNAVAILABLE);
  assert.equal(
    mapKafkaError(kafkaError("KafkaJSProtocolError", "NOT_ENOUGH_REPLICAS"))?.code,
    status.UNAVAILABLE,
  );
  assert.equal(
    mapKafkaError(kafkaError("KafkaJSProtocolError", "INVALID_TOPIC_EXCEPTION"))?.code,
    status.INVALID_ARGUMENT,
  );
  assert.equal(
    mapKafkaError(kafkaError("KafkaJSProtocolError", "MESSAGE_TOO_LARGE"))?.code,
    status.INVALID_ARGUMENT,
  );
  assert.equal(
    mapKafkaError(kafkaError("KafkaJSProtocolError", "INVALID_REPLICATION_FACTOR"))?.code,
    status.FAILED_PRECONDITION,
  );
  assert.equal(
    mapKafkaError(kafkaError("KafkaJSProtocolError", "TOPIC_AUTHORIZATION_FAILED"))?.code,
    status.PERMISSION_DENIED,
  );
  assert.equal(mapKafkaError(new Error("something else")), undefined);
  const own = new StatusError(status.ALREADY_EXISTS, "x");
  assert.equal(mapKafkaError(own), own);
});

Deno.test("kafka records: headers, values and timestamps", () => {
  const enc = new TextEncoder();
  assert.deepEqual(
    headersToMetadata({
      a: "1",
      b: enc.encode("2") as never,
      c: [enc.encode("x"), enc.encode("y")] as never,
    }),
    { a: "1", b: "2", c: "y" },
  );
  assert.deepEqual(headersToMetadata(undefined), {});
  assert.equal(valueOf({ value: null } as never).length, 0);
  assert.equal(timestampOf({ timestamp: "nope" } as never), 0);
  assert.equal(timestampOf({ timestamp: "1700000000123" } as never), 1700000000123);
});

Deno.test("kafka publisher: batches keep per-topic order", () => {
  const v = (s: string) => new TextEncoder().encode(s);
  const groups = groupByTopic([
    { topic: "a", partition: 0, value: v("1"), headers: {} },
    { topic: "b", partition: 1, value: v("2"), headers: { h: "x" } },
    { topic: "a", partition: 0, value: v("3"), headers: {} },
  ]);
  assert.deepEqual(groups.map((g) => g.topic), ["a", "b"]);
  assert.deepEqual(groups[0].messages.map((m) => m.value.toString()), ["1", "3"]);
  assert.deepEqual(groups[1].messages[0].headers, { h: "x" });
  assert.equal(groups[1].messages[0].partition, 1);
});

Deno.test("kafka plugin: definition and permissions", () => {
  assert.equal(KAFKA_PLUGIN.name, "kafka");
  assert.deepEqual(KAFKA_PLUGIN.interfaces, [
    "prism.interfaces.pubsub.PubSubBasicInterface",
    "prism.interfaces.stream.StreamBasicInterface",
  ]);
  assert.deepEqual(kafkaPluginPermissions({}), ["--allow-net", "--allow-env"]);
});

Deno.test("kafkajs patch: an idle request queue schedules no 1 ms checks; a waiting one does", async () => {
  const { patchKafkajs } = await import("./_kafkajs_patch.ts");
  const { default: RequestQueue } = await import("kafkajs/src/network/requestQueue/index.js");
  assert.equal(patchKafkajs(), true);
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const q = new (RequestQueue as unknown as new (o: unknown) => {
    pending: unknown[];
    throttleCheckTimeoutId: unknown;
    throttledUntil: number;
    checkPendingRequests(): void;
    destroy(): void;
  })({ maxInFlightRequests: 1, requestTimeout: 1000, clientId: "t", broker: "b", logger });
  // Unpatched, this armed a timer of about minus the epoch (clamped to 1 ms) that re-armed itself.
  q.checkPendingRequests();
  assert.equal(q.throttleCheckTimeoutId, null, "nothing pending: nothing scheduled");
  q.throttledUntil = Date.now() + 60_000;
  q.pending.push({ sendRequest() {} });
  q.checkPendingRequests();
  assert.notEqual(q.throttleCheckTimeoutId, null, "a throttled, pending request is checked later");
  q.destroy();
});

Deno.test("kafkajs patch: requests are checked for timeouts only while some are in flight", async () => {
  const { patchKafkajs } = await import("./_kafkajs_patch.ts");
  const { default: RequestQueue } = await import("kafkajs/src/network/requestQueue/index.js");
  assert.equal(patchKafkajs(), true);
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  let connected = true;
  const q = new (RequestQueue as unknown as new (o: unknown) => {
    inflight: Map<number, unknown>;
    requestTimeoutIntervalId: unknown;
    scheduleRequestTimeoutCheck(): void;
    push(r: unknown): void;
    fulfillRequest(r: { correlationId: number; payload: unknown; size: number }): void;
    destroy(): void;
  })({
    maxInFlightRequests: 10,
    requestTimeout: 40,
    enforceRequestTimeout: true,
    clientId: "t",
    broker: "b",
    logger,
    isConnected: () => connected,
  });
  const request = (correlationId: number) => {
    let settled: (v: string) => void;
    const outcome = new Promise<string>((r) => settled = r);
    q.push({
      entry: {
        correlationId,
        apiKey: 3,
        apiName: "Metadata",
        apiVersion: 6,
        resolve: () => settled("answered"),
        reject: (e: Error) => settled(e.name),
      },
      expectResponse: true,
      sendRequest() {},
    });
    return outcome;
  };
  // Connected and idle: no periodic check (unpatched: one every 40 ms, for ever).
  q.scheduleRequestTimeoutCheck();
  assert.equal(q.requestTimeoutIntervalId, undefined);
  // A request that is answered: the check starts, and stops once nothing is in flight.
  const answered = request(1);
  assert.notEqual(q.requestTimeoutIntervalId, undefined, "a request in flight is checked");
  q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
  assert.equal(await answered, "answered");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(q.requestTimeoutIntervalId, undefined, "nothing in flight: the check stopped");
  // A request never answered still times out, as unpatched.
  assert.equal(await request(2), "KafkaJSRequestTimeoutError");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(q.requestTimeoutIntervalId, undefined);
  // A lost connection ends the check (as unpatched: the connection's close,
  // not the check, rejects what was in flight); a reconnect and a new
  // request start it again.
  request(3);
  connected = false;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(q.requestTimeoutIntervalId, undefined, "disconnected: the check stopped");
  connected = true;
  q.scheduleRequestTimeoutCheck();
  const again = request(4);
  q.fulfillRequest({ correlationId: 4, payload: null, size: 0 });
  assert.equal(await again, "answered");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(q.requestTimeoutIntervalId, undefined);
  q.destroy();
});

Deno.test("kafka logs: one line per episode of a repeated warning or error, with the count", async () => {
  const { bridgeLogs } = await import("./client.ts");
  const { Logger } = await import("../../proto/log/logger.ts");
  const { logLevel } = await import("kafkajs");
  const lines: Record<string, unknown>[] = [];
  let now = 1_000_000;
  const write = bridgeLogs(new Logger({}, "info", (l) => lines.push(JSON.parse(l))), () => now)();
  const refused = {
    namespace: "Connection",
    level: logLevel.ERROR,
    label: "ERROR",
    log: {
      message: "Connection error: connect ECONNREFUSED",
      timestamp: "t",
      broker: "b:1",
      stack: "at x",
    },
  };
  for (let i = 0; i < 100; i++) {
    write(refused as never);
    now += 200; // 100 retries over 20 s: one episode
  }
  write({ ...refused, log: { ...refused.log, message: "another problem" } } as never);
  now += 60_000;
  write(refused as never); // a minute later: a new line, with the count of the last episode
  write(
    {
      namespace: "x",
      level: logLevel.INFO,
      label: "INFO",
      log: { message: "chatty", timestamp: "t" },
    } as never,
  );
  const connection = lines.filter((l) => l.msg === "kafka: Connection error: connect ECONNREFUSED");
  assert.equal(connection.length, 2);
  assert.equal(connection[0].stack, undefined, "no stack traces at info");
  assert.equal(connection[1].repeated, 99);
  assert.equal(lines.length, 3, "INFO goes to debug");
  // A response kafkajs retries (a coordinator still loading) is a debug line, other errors are not.
  const response = (error: string) => ({
    namespace: "Connection",
    level: logLevel.ERROR,
    label: "ERROR",
    log: {
      message: "Response GroupCoordinator(key: 10, version: 2)",
      timestamp: "t",
      error,
    },
  });
  write(response("The group coordinator is not available") as never);
  write(
    response(
      "The coordinator is loading and hence can't process requests for this group",
    ) as never,
  );
  assert.equal(lines.length, 3, "retriable responses go to debug");
  // A CreateTopics answer is the plugin's to report (a topic that already exists is no error).
  write({
    ...response("Topic creation errors"),
    log: { message: "Response CreateTopics(key: 19, version: 3)", timestamp: "t" },
  } as never);
  assert.equal(lines.length, 3, "CreateTopics answers go to debug");
  write(response("Not authorized to access group: Group authorization failed.") as never);
  assert.equal(lines.length, 4, "a response that is not retried is an error");
});

Deno.test("kafka security: the SASL password from exactly one of a variable and a file; errors name the setting", async () => {
  const { securityOf } = await import("./client.ts");
  const sasl = {
    mechanism: "scram-sha-512",
    username: "app",
    password_env: undefined,
    password_file: undefined,
  } as const;
  const env = (name: string) => name === "PW" ? "from-env" : undefined;
  assert.equal(
    (securityOf({ tls: undefined, sasl: { ...sasl, password_env: "PW" } }, env).sasl as {
      password: string;
    }).password,
    "from-env",
  );
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, "from-file\n");
    assert.equal(
      (securityOf({ tls: undefined, sasl: { ...sasl, password_file: file } }, env).sasl as {
        password: string;
      }).password,
      "from-file",
      "one trailing newline is dropped",
    );
    assert.throws(
      () =>
        securityOf(
          { tls: undefined, sasl: { ...sasl, password_env: "PW", password_file: file } },
          env,
        ),
      /'sasl' must name exactly one of password_env and password_file: current value names both/,
    );
  } finally {
    await Deno.remove(file);
  }
  assert.throws(
    () => securityOf({ tls: undefined, sasl: { ...sasl } }, env),
    /current value names neither/,
  );
  assert.throws(
    () => securityOf({ tls: undefined, sasl: { ...sasl, password_file: "/nonexistent/pw" } }, env),
    /'sasl.password_file' cannot be read \(\/nonexistent\/pw\)/,
  );
  assert.throws(
    () => securityOf({ tls: undefined, sasl: { ...sasl, password_env: "MISSING" } }, env),
    /'sasl.password_env' names MISSING, which is not set/,
  );
});
