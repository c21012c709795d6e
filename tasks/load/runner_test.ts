import assert from "node:assert/strict";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { EMPTY_HANDLERS } from "../bench/empty_server.ts";
import { parseFlags } from "./flags.ts";
import { Generator, type GeneratorConfig, type SampleBatch } from "./generator.ts";
import { runLoadTest, split } from "./runner.ts";

/** A KeyValueBasic server whose Get answers after `delayMs` (never, if Infinity). */
async function slowServer(delayMs: number) {
  const server = new Server();
  server.addService(serviceDefinition(SERVICE_NAMES.keyvalueBasic), {
    ...EMPTY_HANDLERS,
    Get: (_c: unknown, cb: (e: null, r: unknown) => void) => {
      if (Number.isFinite(delayMs)) setTimeout(() => cb(null, { found: false }), delayMs);
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

function config(address: string, extra: Partial<GeneratorConfig>): GeneratorConfig {
  return {
    target: address,
    namespace: "default",
    mix: [{ op: "get", weight: 1 }],
    valueSize: 10,
    keys: 10,
    connections: 1,
    concurrency: 2,
    index: 0,
    of: 1,
    profile: "constant",
    warmupS: 0,
    durationS: 0.5,
    ...extra,
  };
}

Deno.test("runner: split", () => {
  assert.deepEqual(split(10, 3), [4, 3, 3]);
  assert.deepEqual(split(2, 2), [1, 1]);
  assert.deepEqual(split(1, 1), [1]);
});

Deno.test(
  "generator: an open loop the target cannot keep up with drops its backlog at the end",
  async () => {
    const s = await slowServer(50);
    try {
      const batches: SampleBatch[] = [];
      const g = new Generator(
        config(s.address, { rps: 200, concurrency: 2 }),
        (b) => batches.push(b),
      );
      await g.connect();
      const t0 = performance.now();
      const summary = await g.run(Date.now());
      const took = performance.now() - t0;
      const done = batches.reduce((n, b) => n + b.count, 0);
      // 2 in flight × 50 ms: at most ~40 calls/s of the 200 asked (a busy machine
      // serves fewer; none can serve more).
      assert.ok(done >= 5 && done <= 30, `${done} calls`);
      assert.ok(summary.unsent >= 60, `unsent ${summary.unsent}`);
      assert.equal(done + summary.unsent + summary.unfinished, 100);
      assert.ok(took < 1500, `took ${took} ms`);
      // Latency counts from the intended send time: the queued calls waited.
      const worst = Math.max(...batches.flatMap((b) => [...b.latencyUs]));
      assert.ok(worst > 200_000, `worst ${worst} µs`);
      // ... and they left late: the send lag is that wait (a slot was not free).
      for (const b of batches) assert.equal(b.lagUs.length, b.count);
      const lagged = Math.max(...batches.flatMap((b) => [...b.lagUs]));
      assert.ok(lagged > 150_000 && lagged < worst, `lag ${lagged} µs`);
    } finally {
      s.stop();
    }
  },
);

Deno.test(
  "generator: calls that never end are counted as unfinished after the drain time",
  async () => {
    const s = await slowServer(Infinity);
    try {
      for (const extra of [{}, { rps: 100 }]) {
        const g = new Generator(
          config(s.address, { concurrency: 3, durationS: 0.2, drainMs: 100, ...extra }),
          () => {},
        );
        await g.connect();
        const t0 = performance.now();
        const summary = await g.run(Date.now());
        assert.equal(summary.unfinished, 3);
        assert.ok(performance.now() - t0 < 1500);
      }
    } finally {
      s.stop();
    }
  },
);

Deno.test("runner: aborting stops the run early with what it measured", async () => {
  const s = await slowServer(1);
  try {
    for (const workers of ["0", "1"]) {
      for (const mode of [[], ["--rps", "500"]]) {
        const options = parseFlags([
          "--target",
          s.address,
          "--op",
          "get",
          "--duration",
          "300s",
          "--warmup",
          "0s",
          "--concurrency",
          "2",
          "--workers",
          workers,
          "--no-seed",
          ...mode,
        ]);
        const abort = new AbortController();
        const t0 = performance.now();
        // Stop at the first progress report that saw calls complete.
        const r = await runLoadTest(options, {
          signal: abort.signal,
          onProgress: (p) => p.requests > 0 && abort.abort(),
        });
        const took = performance.now() - t0;
        // Far shorter than the 300 s asked for, with room for a loaded machine.
        assert.ok(took < 30_000, `workers ${workers} ${mode.join(" ")}: took ${took} ms`);
        assert.equal(r.stopped, true);
        assert.ok(r.stats.requests > 10, `${r.stats.requests}`);
      }
    }
  } finally {
    s.stop();
  }
});
