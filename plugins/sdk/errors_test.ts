import assert from "node:assert/strict";
import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import { status, StatusError } from "../../proto/status.ts";
import {
  AttemptTimeoutError,
  BackendUnavailableError,
  DeadlineError,
  isNetworkError,
  toStatusError,
} from "./errors.ts";

Deno.test("errors: CONTRACT §2 statuses", () => {
  const cases: [unknown, status, RegExp][] = [
    [new StatusError(status.NOT_FOUND, "nope"), status.NOT_FOUND, /^nope$/],
    [new BackendUnavailableError("redis is down"), status.UNAVAILABLE, /redis is down/],
    [new AttemptTimeoutError(250), status.UNAVAILABLE, /within 250 ms/],
    [new DeadlineError(), status.DEADLINE_EXCEEDED, /deadline/],
    [new BrokenCircuitError(), status.UNAVAILABLE, /circuit breaker open/],
    [new IsolatedCircuitError(), status.UNAVAILABLE, /circuit breaker open/],
    [new TaskCancelledError(), status.UNAVAILABLE, /cancelled/],
    [
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      status.UNAVAILABLE,
      /cannot be reached/,
    ],
    [new Error("bug"), status.INTERNAL, /^internal error in the plugin \(request id r-1\): bug$/],
    ["a string", status.INTERNAL, /a string/],
  ];
  for (const [err, code, message] of cases) {
    const mapped = toStatusError(err, "r-1");
    assert.equal(mapped.code, code, String(err));
    assert.match(mapped.message, message);
  }
});

Deno.test("errors: the plugin's mapper goes first; StatusError passes through", () => {
  const mapper = (err: unknown) =>
    String(err).includes("WRONGTYPE")
      ? new StatusError(status.FAILED_PRECONDITION, "holds a list")
      : undefined;
  assert.equal(
    toStatusError(new Error("WRONGTYPE x"), "r", mapper).code,
    status.FAILED_PRECONDITION,
  );
  assert.equal(toStatusError(new Error("other"), "r", mapper).code, status.INTERNAL);
  const se = new StatusError(status.ABORTED, "x");
  assert.equal(toStatusError(se, "r", () => new StatusError(status.INTERNAL, "no")), se);
});

Deno.test("errors: network errors and retryability", () => {
  assert.equal(isNetworkError(Object.assign(new Error(), { code: "EPIPE" })), true);
  assert.equal(isNetworkError(Object.assign(new Error(), { code: "ENOENT" })), false);
  assert.equal(isNetworkError(undefined), false);
  assert.equal(new BackendUnavailableError("x").retryable, false);
  assert.equal(new BackendUnavailableError("x", { retryable: true }).retryable, true);
  assert.equal(new AttemptTimeoutError(5).timeoutMs, 5);
});
