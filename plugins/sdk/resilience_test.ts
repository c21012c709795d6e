import assert from "node:assert/strict";
import { BrokenCircuitError } from "cockatiel";
import { AttemptTimeoutError, BackendUnavailableError, DeadlineError } from "./errors.ts";
import {
  type BreakerState,
  DEFAULT_RESILIENCE,
  isTransientError,
  RESILIENCE_SETTINGS,
  resilienceOptionsFrom,
  ResiliencePolicy,
  withTimeout,
} from "./resilience.ts";
import { loadConfig } from "./config.ts";

const reset = () => Object.assign(new Error("socket reset"), { code: "ECONNRESET" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function policy(overrides: Partial<typeof DEFAULT_RESILIENCE> = {}) {
  return new ResiliencePolicy({
    ...DEFAULT_RESILIENCE,
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 5,
    ...overrides,
  });
}

/** A function failing `failures` times with `error`, then answering "ok". */
function flaky(failures: number, error: () => unknown = reset) {
  const f = () => {
    f.calls++;
    return f.calls <= failures ? Promise.reject(error()) : Promise.resolve("ok");
  };
  f.calls = 0;
  return f;
}

Deno.test("resilience: idempotent calls are retried on transient errors", async () => {
  const fn = flaky(2);
  assert.equal(await policy().execute(fn, { idempotent: true, deadline: Date.now() + 1000 }), "ok");
  assert.equal(fn.calls, 3);
  const tooMany = flaky(5);
  await assert.rejects(
    policy({ retryAttempts: 2 }).execute(tooMany, { idempotent: true }),
    /socket reset/,
  );
  assert.equal(tooMany.calls, 3, "1 attempt + 2 retries");
});

Deno.test("resilience: non-idempotent calls and permanent errors are not retried", async () => {
  const push = flaky(1);
  await assert.rejects(policy().execute(push, { idempotent: false }), /socket reset/);
  assert.equal(push.calls, 1);
  const wrongType = flaky(1, () => new Error("WRONGTYPE"));
  await assert.rejects(policy().execute(wrongType, { idempotent: true }), /WRONGTYPE/);
  assert.equal(wrongType.calls, 1);
  const down = flaky(1, () => new BackendUnavailableError("not connected"));
  await assert.rejects(policy().execute(down, { idempotent: true }), BackendUnavailableError);
  assert.equal(down.calls, 1, "a backend known to be down fails at once");
  const blip = flaky(1, () => new BackendUnavailableError("dropped", { retryable: true }));
  assert.equal(await policy().execute(blip, { idempotent: true }), "ok");
  const none = flaky(1);
  await assert.rejects(policy({ retryAttempts: 0 }).execute(none, { idempotent: true }));
  assert.equal(none.calls, 1);
});

Deno.test("resilience: never retries past the deadline", async () => {
  const fn = flaky(10);
  const p = policy({ retryAttempts: 5, retryInitialDelayMs: 200, retryMaxDelayMs: 400 });
  const t0 = Date.now();
  await assert.rejects(
    p.execute(fn, { idempotent: true, deadline: Date.now() + 100 }),
    /socket reset/,
  );
  assert.ok(Date.now() - t0 < 100, `gave up after ${Date.now() - t0} ms`);
  assert.equal(fn.calls, 1, "no backoff fits before the deadline");
  // With room for retries, they happen and stay within the deadline.
  const fn2 = flaky(10);
  const t1 = Date.now();
  await assert.rejects(
    policy({ retryAttempts: 10, retryInitialDelayMs: 20, retryMaxDelayMs: 40 })
      .execute(fn2, { idempotent: true, deadline: Date.now() + 150 }),
    /socket reset/,
  );
  assert.ok(Date.now() - t1 <= 160, `took ${Date.now() - t1} ms`);
  assert.ok(fn2.calls > 1 && fn2.calls < 11, `${fn2.calls} calls`);
});

Deno.test("resilience: attempt timeouts and deadlines", async () => {
  const hang = () => new Promise<string>(() => {});
  const p = policy({ attemptTimeoutMs: 30, retryAttempts: 0 });
  await assert.rejects(p.execute(hang, { idempotent: false }), AttemptTimeoutError);
  await assert.rejects(
    p.execute(hang, { idempotent: false, deadline: Date.now() + 10 }),
    DeadlineError,
  );
  let called = false;
  await assert.rejects(
    p.execute(() => Promise.resolve(called = true), { idempotent: true, deadline: Date.now() - 1 }),
    DeadlineError,
  );
  assert.equal(called, false, "no attempt starts after the deadline");
  // Timeouts are not retried (they may mean an overloaded backend) ...
  let calls = 0;
  await assert.rejects(
    policy({ attemptTimeoutMs: 20 }).execute(() => (calls++, hang()), { idempotent: true }),
    AttemptTimeoutError,
  );
  assert.equal(calls, 1);
});

Deno.test("resilience: withTimeout", async () => {
  assert.equal(await withTimeout(Promise.resolve(1), 10), 1);
  await assert.rejects(withTimeout(Promise.reject(new Error("x")), 10), /x/);
  await assert.rejects(withTimeout(Promise.resolve(1), 10, Date.now() - 5), DeadlineError);
  await assert.rejects(withTimeout(sleep(100), 10), AttemptTimeoutError);
});

Deno.test("resilience: the circuit breaker opens, fails fast, then recovers", async () => {
  const p = policy({ breakerThreshold: 3, breakerCooldownMs: 100, retryAttempts: 0 });
  const states: BreakerState[] = [];
  const stopListening = p.onBreakerStateChange((s) => states.push(s));
  assert.equal(p.breakerState, "closed");
  const failing = flaky(100);
  for (let i = 0; i < 3; i++) await assert.rejects(p.execute(failing, { idempotent: true }));
  assert.equal(p.breakerState, "open");
  const before = failing.calls;
  await assert.rejects(p.execute(failing, { idempotent: true }), BrokenCircuitError);
  assert.equal(failing.calls, before, "an open circuit does not call the backend");
  // Permanent errors do not count.
  await sleep(120);
  assert.equal(await p.execute(() => Promise.resolve("back"), { idempotent: true }), "back");
  assert.equal(p.breakerState, "closed");
  assert.deepEqual(states, ["open", "half-open", "closed"]);
  stopListening();
  const wrong = flaky(100, () => new Error("WRONGTYPE"));
  for (let i = 0; i < 5; i++) await assert.rejects(p.execute(wrong, { idempotent: true }));
  assert.equal(p.breakerState, "closed", "application errors do not open the circuit");
  // Timeouts count.
  const slow = policy({ breakerThreshold: 2, attemptTimeoutMs: 5, retryAttempts: 0 });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(slow.execute(() => sleep(50), { idempotent: false }), AttemptTimeoutError);
  }
  assert.equal(slow.breakerState, "open");
});

Deno.test("resilience: the breaker counts consecutive failures: a success in between resets the count", async () => {
  const p = policy({ breakerThreshold: 3, breakerCooldownMs: 10_000, retryAttempts: 0 });
  const fail = () => Promise.reject(reset());
  const ok = () => Promise.resolve("ok");
  for (let round = 0; round < 3; round++) {
    await assert.rejects(p.execute(fail, { idempotent: false }), /socket reset/);
    await assert.rejects(p.execute(fail, { idempotent: false }), /socket reset/);
    assert.equal(await p.execute(ok, { idempotent: false }), "ok");
    assert.equal(p.breakerState, "closed", `round ${round}: two failures, then a success`);
  }
  // Failures of calls in flight together count one each, the error is the
  // backend's own, and the third opens the circuit.
  const released = Promise.withResolvers<void>();
  const together = [0, 1, 2].map(() =>
    p.execute(() => released.promise.then(() => Promise.reject(reset())), { idempotent: false })
  );
  released.resolve();
  for (const call of together) await assert.rejects(call, /socket reset/);
  assert.equal(p.breakerState, "open");
  await assert.rejects(p.execute(ok, { idempotent: false }), BrokenCircuitError);
});

Deno.test("resilience: a breaker threshold of 0 disables it", async () => {
  const p = policy({ breakerThreshold: 0, retryAttempts: 0 });
  assert.equal(p.breakerState, "disabled");
  p.onBreakerStateChange(() => assert.fail("no breaker, no events"))();
  const failing = flaky(100);
  for (let i = 0; i < 20; i++) await assert.rejects(p.execute(failing, { idempotent: true }));
  assert.equal(failing.calls, 20);
});

Deno.test("resilience: options from config, transient errors", () => {
  const config = loadConfig("x", RESILIENCE_SETTINGS, '{"retry_attempts":0}', {
    namespace: "n",
    env: () => undefined,
  });
  const opts = resilienceOptionsFrom(config);
  assert.equal(opts.retryAttempts, 0);
  assert.equal(opts.attemptTimeoutMs, DEFAULT_RESILIENCE.attemptTimeoutMs);
  assert.equal(opts.breakerThreshold, DEFAULT_RESILIENCE.breakerThreshold);
  assert.equal(isTransientError(reset()), true);
  assert.equal(isTransientError(new Error("x")), false);
  assert.equal(isTransientError(new BackendUnavailableError("x", { retryable: true })), true);
  assert.equal(isTransientError(null), false);
});
