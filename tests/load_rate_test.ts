/**
 * The open loop (`--rps`): it holds the asked rate, and it measures latency
 * from each call's *intended* send time, so that a server stall shows in
 * the percentiles of every call it delayed (no coordinated omission) — a
 * closed loop against the same stall hides it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../proto/definitions.ts";
import { EMPTY_HANDLERS } from "../tasks/bench/empty_server.ts";
import { runLoadJson } from "../tasks/load/_testing.ts";
import { startTestProxy } from "./_harness.ts";

Deno.test("prism load: --rps 1000 achieves 1,000 calls/s within 2%", async () => {
  const t = await startTestProxy("namespaces: [{ name: default, backend: memstore }]\n");
  try {
    const { code, report, stderr } = await runLoadJson([
      "--target",
      t.address,
      "--op",
      "get",
      "--rps",
      "1000",
      "--duration",
      "3s",
      "--warmup",
      "500ms",
      "--concurrency",
      "50",
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(report.unsent, 0);
    assert.ok(
      Math.abs(report.throughput_rps - 1000) <= 20,
      `throughput ${report.throughput_rps} req/s (${report.requests} in ${report.duration_s}s)`,
    );
    assert.ok(Math.abs(report.requests - 3000) <= 2, `${report.requests} requests`);
    // Every full second of the series saw the rate too.
    for (const s of report.series.slice(0, 3)) {
      assert.ok(Math.abs(s.requests - 1000) <= 20, `second ${s.t}: ${s.requests}`);
    }
  } finally {
    await t.stop();
  }
});

/**
 * A KeyValueBasic server whose event loop stalls for `stallMs` once, on the
 * `atCall`-th Get (as a long GC pause or a blocked handler would).
 */
async function startStallingServer(atCall: number, stallMs: number) {
  let calls = 0;
  const server = new Server();
  server.addService(serviceDefinition(SERVICE_NAMES.keyvalueBasic), {
    ...EMPTY_HANDLERS,
    Get: (_call: unknown, cb: (e: null, r: unknown) => void) => {
      if (++calls === atCall) {
        const until = performance.now() + stallMs;
        while (performance.now() < until) { /* the stall */ }
      }
      cb(null, { value: new Uint8Array(0), found: true });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

Deno.test(
  "prism load: a 200 ms stall shows in p99 with --rps (no coordinated omission)",
  async () => {
    // 500 warm-up calls, then the stall 300 ms into a 1 s measured run at
    // 1,000 calls/s: the ~200 calls due during the stall wait up to 200 ms,
    // so more than 1% of the 1,000 measured calls are delayed by > 180 ms.
    const open = await startStallingServer(800, 200);
    try {
      const { report } = await runLoadJson([
        "--target",
        open.address,
        "--op",
        "get",
        "--rps",
        "1000",
        "--duration",
        "1s",
        "--warmup",
        "500ms",
        "--concurrency",
        "50",
        "--no-seed",
      ]);
      assert.ok(report.latency_ms.max >= 195, `max ${report.latency_ms.max} ms`);
      assert.ok(report.latency_ms.p99 >= 180, `p99 ${report.latency_ms.p99} ms`);
      // Most calls were not due during the stall: the median stays below it
      // (generously: on a loaded machine every call is slower).
      assert.ok(report.latency_ms.p50 < 150, `p50 ${report.latency_ms.p50} ms`);
    } finally {
      open.stop();
    }
    // The same stall in a closed loop delays only the one call in flight.
    const closed = await startStallingServer(800, 200);
    try {
      const { report } = await runLoadJson([
        "--target",
        closed.address,
        "--op",
        "get",
        "--requests",
        "2000",
        "--warmup",
        "0s",
        "--concurrency",
        "1",
        "--no-seed",
      ]);
      assert.ok(report.latency_ms.max >= 195, `max ${report.latency_ms.max} ms`);
      // Only the call in flight waited: the stall is hidden from p99.
      assert.ok(report.latency_ms.p99 < 150, `closed-loop p99 ${report.latency_ms.p99} ms`);
    } finally {
      closed.stop();
    }
  },
);
