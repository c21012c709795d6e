import assert from "node:assert/strict";
import { parseDuration, parseFlags, parseOp, UsageError } from "./flags.ts";

const T = ["--target", "127.0.0.1:8980"];

Deno.test("flags: defaults", () => {
  const o = parseFlags([...T, "--op", "get"]);
  assert.deepEqual(o, {
    target: "127.0.0.1:8980",
    namespace: "default",
    op: "get",
    mix: [{ op: "get", weight: 1 }],
    concurrency: 1,
    durationS: 10,
    valueSize: 100,
    keys: 1000,
    connections: 1,
    workers: 1,
    warmupS: 1,
    profile: "constant",
    format: "text",
    maxErrorRate: 0.01,
    seed: true,
    progress: true,
  });
});

Deno.test("flags: every flag, both spellings", () => {
  const o = parseFlags([
    "--",
    "--target=[::1]:9000",
    "--namespace",
    "cache",
    "--op=mixed:set=80,get=20",
    "--concurrency",
    "64",
    "--duration",
    "1m30s",
    "--rps",
    "2500.5",
    "--value-size",
    "0",
    "--keys",
    "10",
    "--connections",
    "4",
    "--workers",
    "2",
    "--warmup",
    "500ms",
    "--profile",
    "spike",
    "--format",
    "html",
    "--out",
    "r.html",
    "--max-error-rate",
    "0.5",
    "--no-seed",
    "--quiet",
  ]);
  assert.equal(o.target, "[::1]:9000");
  assert.equal(o.namespace, "cache");
  assert.deepEqual(o.mix, [{ op: "set", weight: 80 }, { op: "get", weight: 20 }]);
  assert.equal(o.concurrency, 64);
  assert.equal(o.durationS, 90);
  assert.equal(o.rps, 2500.5);
  assert.equal(o.valueSize, 0);
  assert.equal(o.keys, 10);
  assert.equal(o.connections, 4);
  assert.equal(o.workers, 2);
  assert.equal(o.warmupS, 0.5);
  assert.equal(o.profile, "spike");
  assert.equal(o.format, "html");
  assert.equal(o.out, "r.html");
  assert.equal(o.maxErrorRate, 0.5);
  assert.equal(o.seed, false);
  assert.equal(o.progress, false);
  // --requests replaces the duration; workers never exceed connections or concurrency.
  const r = parseFlags([...T, "--op", "get", "--requests", "500", "--workers", "8"]);
  assert.equal(r.requests, 500);
  assert.equal(r.durationS, undefined);
  assert.equal(r.workers, 1);
  const w = parseFlags([
    ...T,
    "--op",
    "get",
    "--connections",
    "8",
    "--workers",
    "8",
    "--concurrency",
    "3",
  ]);
  assert.equal(w.workers, 3);
  assert.equal(parseFlags(["-h"]).help, true);
  assert.throws(() => parseFlags(["--help", "--bogus"]), /unknown flag "--bogus"/);
});

Deno.test("flags: durations", () => {
  assert.equal(parseDuration("10s", "--duration"), 10);
  assert.equal(parseDuration("10", "--duration"), 10);
  assert.equal(parseDuration("1.5s", "--duration"), 1.5);
  assert.equal(parseDuration("250ms", "--warmup"), 0.25);
  assert.equal(parseDuration("2m", "--duration"), 120);
  assert.equal(parseDuration("1h", "--duration"), 3600);
  assert.equal(parseDuration("0s", "--warmup"), 0);
  for (const bad of ["", "s", "10x", "10s5", "-1s", "ten"]) {
    assert.throws(
      () => parseDuration(bad, "--warmup"),
      (e: Error) =>
        e instanceof UsageError && e.message.startsWith(`--warmup: invalid duration "${bad}"`),
      bad,
    );
  }
});

Deno.test("flags: ops and mixes", () => {
  assert.deepEqual(parseOp("scan"), [{ op: "scan", weight: 1 }]);
  assert.deepEqual(parseOp("mixed:push=1, pop=1,length=0.5"), [
    { op: "push", weight: 1 },
    { op: "pop", weight: 1 },
    { op: "length", weight: 0.5 },
  ]);
  // Zero weights drop the op.
  assert.deepEqual(parseOp("mixed:set=0,get=1"), [{ op: "get", weight: 1 }]);
  assert.throws(() => parseOp("mixed:"), /invalid mix entry ""/);
  assert.throws(() => parseOp("GET"), /unknown op "GET" \(expected set, get, delete/);
});
