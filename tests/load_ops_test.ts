/**
 * `prism load` drives every op of CONTRACT §6 against a real proxy on
 * memstore (keyvalue and list ops), and a small grpc-js server for the
 * pub/sub and stream ops (memstore does not serve those: through the proxy
 * they fail with UNIMPLEMENTED, which the tester counts as errors); mixes
 * report a per-op breakdown; the JSON report has CONTRACT §6's fields.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Server, ServerCredentials, type ServerWritableStream } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../proto/definitions.ts";
import { unary } from "../proto/client.ts";
import { OP_NAMES } from "../tasks/load/ops.ts";
import { runLoadJson } from "../tasks/load/_testing.ts";
import { startTestProxy } from "./_harness.ts";

const MEMSTORE = "namespaces: [{ name: default, backend: memstore }]\n";
const PUBSUB_STREAM_OPS = ["publish", "append", "read"];

/** A grpc-js server with the pub/sub and stream RPCs the tester calls. */
async function startStreamServer(): Promise<
  { address: string; calls: Map<string, number>; stop(): void }
> {
  const server = new Server();
  const calls = new Map<string, number>();
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  let offset = 0;
  server.addService(serviceDefinition(SERVICE_NAMES.pubsub), {
    Publish: (_call: unknown, cb: (e: null, r: unknown) => void) => {
      count("Publish");
      cb(null, { message_id: "m" });
    },
  });
  server.addService(serviceDefinition(SERVICE_NAMES.stream), {
    Append: (_call: unknown, cb: (e: null, r: unknown) => void) => {
      count("Append");
      cb(null, { offset: offset++ });
    },
    Read: (call: ServerWritableStream<{ max_messages: number }, unknown>) => {
      count("Read");
      for (let i = 0; i < Math.min(3, call.request.max_messages); i++) {
        call.write({ offset: i, payload: new Uint8Array(8), metadata: {}, timestamp_ms: 0 });
      }
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  return { address: `127.0.0.1:${port}`, calls, stop: () => server.forceShutdown() };
}

Deno.test(
  "prism load: every keyvalue and list op against the proxy (memstore)",
  async () => {
    const t = await startTestProxy(MEMSTORE);
    try {
      for (const op of OP_NAMES.filter((o) => !PUBSUB_STREAM_OPS.includes(o))) {
        const { code, report, stderr } = await runLoadJson([
          "--target",
          t.address,
          "--op",
          op,
          "--requests",
          "150",
          "--concurrency",
          "4",
          "--keys",
          "50",
          "--warmup",
          "0s",
        ]);
        assert.equal(code, 0, `${op}: ${stderr}`);
        assert.equal(report.requests, 150, op);
        assert.deepEqual(report.errors, {}, op);
        assert.equal(report.op, op);
        assert.ok(report.latency_ms.p50 > 0, op);
      }
      // The seeded keys and what set/push wrote are really there.
      const got = await unary(t.clients.keyvalue, "Get", { key: "load:7" });
      assert.equal(got.found, true);
    } finally {
      await t.stop();
    }
  },
);

Deno.test("prism load: pub/sub and stream ops", async () => {
  const s = await startStreamServer();
  const t = await startTestProxy(MEMSTORE);
  try {
    for (const op of PUBSUB_STREAM_OPS) {
      const { code, report, stderr } = await runLoadJson([
        "--target",
        s.address,
        "--op",
        op,
        "--requests",
        "100",
        "--concurrency",
        "2",
        "--warmup",
        "0s",
      ]);
      assert.equal(code, 0, `${op}: ${stderr}`);
      assert.equal(report.requests, 100);
      assert.deepEqual(report.errors, {});
    }
    assert.equal(s.calls.get("Publish"), 100);
    assert.equal(s.calls.get("Read"), 100);
    // Seeding for read appended records first.
    assert.ok(s.calls.get("Append")! >= 200);

    // Memstore has no pub/sub: every call is an UNIMPLEMENTED error, exit 1.
    const { code, report, stderr } = await runLoadJson([
      "--target",
      t.address,
      "--op",
      "publish",
      "--requests",
      "20",
      "--warmup",
      "0s",
    ]);
    assert.equal(code, 1);
    assert.deepEqual(report.errors, { UNIMPLEMENTED: 20 });
    assert.match(report.error_messages.UNIMPLEMENTED, /memstore/);
    assert.match(stderr, /error rate 100\.00% is over --max-error-rate 1%/);
  } finally {
    s.stop();
    await t.stop();
  }
});

Deno.test(
  "prism load: a mix reports each op, in proportion, and the §6 JSON fields",
  async () => {
    const t = await startTestProxy(MEMSTORE);
    try {
      const { code, report } = await runLoadJson([
        "--target",
        t.address,
        "--op",
        "mixed:set=80,get=20",
        "--duration",
        "1s",
        "--warmup",
        "200ms",
        "--concurrency",
        "8",
        "--connections",
        "2",
        "--workers",
        "2",
      ]);
      assert.equal(code, 0);
      // CONTRACT §6 fields and types.
      assert.equal(report.op, "mixed:set=80,get=20");
      assert.equal(report.namespace, "default");
      assert.equal(report.target, t.address);
      assert.equal(report.concurrency, 8);
      assert.equal(typeof report.duration_s, "number");
      assert.ok(report.duration_s >= 1 && report.duration_s < 1.5, `${report.duration_s}`);
      assert.equal(typeof report.requests, "number");
      assert.deepEqual(report.errors, {});
      assert.ok(report.throughput_rps > 0);
      for (const k of ["min", "p50", "p90", "p95", "p99", "p999", "max"] as const) {
        assert.equal(typeof report.latency_ms[k], "number", k);
      }
      const l = report.latency_ms;
      assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p95 && l.p95 <= l.p99);
      assert.ok(l.p99 <= l.p999 && l.p999 <= l.max);
      // The breakdown.
      assert.deepEqual(Object.keys(report.ops).sort(), ["get", "set"]);
      const { set, get } = report.ops;
      assert.equal(set.requests + get.requests, report.requests);
      const share = set.requests / report.requests;
      assert.ok(share > 0.7 && share < 0.9, `set share ${share}`);
      assert.equal(report.workers, 2);
      assert.equal(report.connections, 2);
      // The time series covers the measured second.
      assert.ok(report.series.length >= 1);
      assert.equal(report.series.reduce((n, s) => n + s.requests, 0), report.requests);
      assert.ok(report.histogram.reduce((n, b) => n + b.count, 0) === report.requests);
    } finally {
      await t.stop();
    }
  },
);

Deno.test("prism load: profiles, main-thread generation and text output", async () => {
  const t = await startTestProxy(MEMSTORE);
  try {
    for (const profile of ["ramp", "spike"]) {
      const { code, report } = await runLoadJson([
        "--target",
        t.address,
        "--op",
        "get",
        "--duration",
        "1s",
        "--warmup",
        "0s",
        "--concurrency",
        "4",
        "--profile",
        profile,
        "--workers",
        "0",
      ]);
      assert.equal(code, 0);
      assert.equal(report.profile, profile);
      assert.equal(report.workers, 0);
      assert.ok(report.requests > 0);
    }
    // Open loop with a ramp: half the calls of a constant rate.
    const ramp = await runLoadJson([
      "--target",
      t.address,
      "--op",
      "get",
      "--duration",
      "1s",
      "--warmup",
      "0s",
      "--concurrency",
      "4",
      "--rps",
      "400",
      "--profile",
      "ramp",
    ]);
    assert.equal(ramp.code, 0);
    assert.ok(Math.abs(ramp.report.requests - 200) <= 2, `${ramp.report.requests}`);
    assert.equal(ramp.report.mode, "open");
    assert.equal(ramp.report.rps_target, 400);
  } finally {
    await t.stop();
  }
});
