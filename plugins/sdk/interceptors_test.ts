import assert from "node:assert/strict";
import { status, StatusError } from "../../proto/status.ts";
import { CallMetadata } from "../../proto/transport/grpc_server.ts";
import { Logger } from "../../proto/log/logger.ts";
import {
  allowAll,
  authInterceptor,
  type CallContext,
  compose,
  createCallContext,
  errorMappingInterceptor,
  type Interceptor,
  loggingInterceptor,
  requestIdOf,
} from "./interceptors.ts";

function capture(level: "debug" | "info" = "debug") {
  const lines: string[] = [];
  const log = new Logger({ component: "plugin" }, level, (l) => lines.push(l));
  return { log, records: () => lines.map((l) => JSON.parse(l)) };
}

const ctx = (requestId = "r1") => ({ method: "/svc/M", requestId }) as CallContext;

Deno.test("interceptors: request ids come from x-request-id or are generated", () => {
  assert.equal(requestIdOf(new CallMetadata([["x-request-id", "abc"]])), "abc");
  assert.equal(requestIdOf(new CallMetadata([["x-request-id", "x".repeat(500)]])).length, 128);
  assert.match(requestIdOf(new CallMetadata([])), /^[0-9a-f-]{36}$/);
  assert.match(requestIdOf(undefined), /^[0-9a-f-]{36}$/);
});

Deno.test("interceptors: the call context", () => {
  const { log, records } = capture();
  const md = new CallMetadata([["x-request-id", "req-9"]]);
  const when = Date.now() + 5000;
  const controller = new AbortController();
  const fake = { metadata: md, method: "/svc/Get", deadline: when };
  const c = createCallContext(fake as never, { key: "a" }, log, controller.signal);
  assert.equal(c.requestId, "req-9");
  assert.equal(c.deadline, when);
  assert.deepEqual(c.request, { key: "a" });
  assert.ok(c.remainingMs() > 4000 && c.remainingMs() <= 5000);
  assert.equal(c.log, c.log, "the bound logger is made once");
  c.log.info("hello");
  assert.equal(records()[0].request_id, "req-9");
  assert.equal(records()[0].method, "/svc/Get");
  const none = createCallContext(
    { metadata: new CallMetadata([]), method: "/svc/Get", deadline: Infinity } as never,
    {},
    log,
    controller.signal,
  );
  assert.equal(none.deadline, Infinity);
});

Deno.test("interceptors: compose runs outermost first", async () => {
  const order: string[] = [];
  const tag = (name: string): Interceptor => async (c, next) => {
    order.push(`${name}>`);
    const r = await next(c);
    order.push(`<${name}`);
    return r;
  };
  const run = compose([tag("a"), tag("b")], () => (order.push("handler"), Promise.resolve(7)));
  assert.equal(await run(ctx()), 7);
  assert.deepEqual(order, ["a>", "b>", "handler", "<b", "<a"]);
  assert.equal(await compose([], () => Promise.resolve(1))(ctx()), 1);
});

Deno.test("interceptors: auth hook", async () => {
  assert.equal(allowAll(ctx()), undefined);
  const deny = authInterceptor(() => {
    throw new StatusError(status.PERMISSION_DENIED, "no");
  });
  let reached = false;
  await assert.rejects(
    deny(ctx(), () => Promise.resolve(reached = true)),
    (e: StatusError) => e.code === status.PERMISSION_DENIED,
  );
  assert.equal(reached, false);
  const asyncAllow = authInterceptor(async () => {});
  assert.equal(await asyncAllow(ctx(), () => Promise.resolve("ok")), "ok");
});

Deno.test("interceptors: error mapping", async () => {
  const mapper = () => (err: unknown) =>
    err === "special" ? new StatusError(status.ABORTED, "special") : undefined;
  const mapping = errorMappingInterceptor(mapper);
  await assert.rejects(
    mapping(ctx(), () => Promise.reject("special")),
    (e: StatusError) => e.code === status.ABORTED,
  );
  await assert.rejects(
    mapping(ctx("r7"), () => Promise.reject(new Error("bug"))),
    (e: StatusError) => e.code === status.INTERNAL && e.message.includes("request id r7"),
  );
  assert.equal(await mapping(ctx(), () => Promise.resolve(3)), 3);
});

Deno.test("interceptors: logging levels and fields", async () => {
  const { log, records } = capture();
  const logging = loggingInterceptor(() => log);
  await logging(ctx("ok-1"), () => Promise.resolve({}));
  await assert.rejects(
    logging(ctx("w-1"), () => Promise.reject(new StatusError(status.UNAVAILABLE, "down"))),
  );
  const cause = new Error("deep bug");
  await assert.rejects(
    logging(
      ctx("e-1"),
      () => Promise.reject(new StatusError(status.INTERNAL, "internal", { cause })),
    ),
  );
  await assert.rejects(
    logging(ctx("raw-1"), () => Promise.reject(new Error("unmapped"))),
    (e: StatusError) => e.code === status.INTERNAL,
  );
  const [ok, warn, error, raw] = records();
  assert.deepEqual([ok.level, ok.msg, ok.code, ok.request_id], [
    "debug",
    "call served",
    "OK",
    "ok-1",
  ]);
  assert.ok(typeof ok.duration_ms === "number");
  assert.deepEqual([warn.level, warn.code, warn.error, warn.request_id], [
    "warn",
    "UNAVAILABLE",
    "down",
    "w-1",
  ]);
  assert.deepEqual([error.level, error.code, error.request_id], ["error", "INTERNAL", "e-1"]);
  assert.match(error.cause, /deep bug/);
  assert.equal(raw.level, "error");
  await assert.rejects(
    logging(ctx("c-1"), () => Promise.reject(new StatusError(status.CANCELLED, "gone"))),
  );
  assert.deepEqual([records()[4].level, records()[4].msg], ["debug", "call cancelled"]);
  const quiet = capture("info");
  await loggingInterceptor(quiet.log)(ctx(), () => Promise.resolve({}));
  assert.equal(quiet.records().length, 0, "no debug lines at info");
});

Deno.test("interceptors: failed-call warnings are rate-limited", async () => {
  const { log, records } = capture();
  let now = 10_000;
  const logging = loggingInterceptor(log, { maxWarningsPerSecond: 3, clock: () => now });
  const fail = () =>
    logging(ctx(), () => Promise.reject(new StatusError(status.UNAVAILABLE, "x"))).catch(() => {});
  for (let i = 0; i < 10; i++) await fail();
  assert.equal(records().length, 3);
  now += 1000;
  await fail();
  assert.equal(records().length, 4);
  assert.equal(records()[3].suppressed_before, 7);
  // INTERNAL is never rate-limited.
  for (let i = 0; i < 5; i++) {
    await logging(ctx(), () => Promise.reject(new StatusError(status.INTERNAL, "y"))).catch(
      () => {},
    );
  }
  assert.equal(records().filter((r) => r.level === "error").length, 5);
});
