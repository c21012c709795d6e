import assert from "node:assert/strict";
import { runHealthChecks, worst } from "./health.ts";

Deno.test("health: worst wins", () => {
  assert.equal(worst("HEALTHY", "HEALTHY"), "HEALTHY");
  assert.equal(worst("DEGRADED", "HEALTHY"), "DEGRADED");
  assert.equal(worst("DEGRADED", "UNHEALTHY"), "UNHEALTHY");
  assert.equal(worst("UNHEALTHY", "DEGRADED"), "UNHEALTHY");
});

Deno.test("health: no checks is HEALTHY", async () => {
  assert.deepEqual(await runHealthChecks([]), {
    status: "HEALTHY",
    message: "no health checks",
    details: {},
  });
});

Deno.test("health: composition with per-check details", async () => {
  const report = await runHealthChecks([
    {
      name: "ping",
      check: () => ({ status: "HEALTHY", message: "PONG", details: { latency_ms: 0.4 } }),
    },
    { name: "breaker", check: () => Promise.resolve({ status: "DEGRADED", message: "half-open" }) },
  ]);
  assert.equal(report.status, "DEGRADED");
  assert.equal(report.message, "breaker: half-open");
  assert.deepEqual(report.details, {
    "ping.status": "HEALTHY",
    "ping.message": "PONG",
    "ping.latency_ms": "0.4",
    "breaker.status": "DEGRADED",
    "breaker.message": "half-open",
  });
  const ok = await runHealthChecks([{ name: "a", check: () => ({ status: "HEALTHY" }) }]);
  assert.equal(ok.message, "all checks pass");
});

Deno.test("health: a check that throws or times out is UNHEALTHY", async () => {
  let aborted = false;
  const t0 = Date.now();
  const report = await runHealthChecks([
    {
      name: "slow",
      timeoutMs: 50,
      check: (signal) =>
        new Promise((resolve) => {
          signal.addEventListener("abort", () => (aborted = true));
          setTimeout(() => resolve({ status: "HEALTHY" }), 500);
        }),
    },
    { name: "bad", check: () => Promise.reject(new Error("no route")) },
    {
      name: "worse",
      check: () => {
        throw "plain";
      },
    },
    { name: "quiet", check: () => ({ status: "UNHEALTHY" }) },
  ], { defaultTimeoutMs: 200 });
  assert.ok(Date.now() - t0 < 400);
  assert.ok(aborted, "the check's signal was aborted");
  assert.equal(report.status, "UNHEALTHY");
  assert.equal(report.details["slow.message"], "check timed out after 50 ms");
  assert.equal(report.details["bad.message"], "check failed: no route");
  assert.equal(report.details["worse.message"], "check failed: plain");
  assert.equal(
    report.message,
    "slow: check timed out after 50 ms; bad: check failed: no route; worse: check failed: plain; quiet: unhealthy",
  );
});
