/**
 * Redis scenarios of the benchmark suite: Set/Get through proxy → redis
 * plugin → Redis against proxy → memstore and against the plugin's own port
 * (the proxy→plugin hop on its own), a fixed 1,000 calls/s run for p99,
 * plugin start to healthy, and Redis itself (redis-benchmark) as the floor.
 *
 * @module
 */
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { Logger } from "../../proto/log/logger.ts";
import { pluginCommand } from "../../proxy/backend/factory.ts";
import { PluginSupervisor } from "../../proxy/supervisor/supervisor.ts";
import { VERSION } from "../../proxy/version.ts";
import { runH2load } from "./h2load.ts";
import { cpuMicros } from "./server.ts";
import type { ScenarioReport } from "./report.ts";

/** Where the systems under test listen. */
export interface RedisBenchTargets {
  /** The proxy (namespaces `default` on memstore and `cache` on redis). */
  proxy: string;
  /** The redis plugin's own gRPC address (namespace `cache`). */
  plugin: string;
  /** redis-server port. */
  redisPort: number;
  redisUrl: string;
  /** The proxy's and the plugin's pids: CPU per call is counted across both. */
  proxyPid: number;
  pluginPid: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const r2 = (x: number) => Math.round(x * 1000) / 1000;

/** redis-benchmark as the floor: what Redis itself does at this concurrency. */
async function redisBenchmark(
  port: number,
  op: "set" | "get",
  concurrency: number,
  requests: number,
) {
  const out = await new Deno.Command("redis-benchmark", {
    args: [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      op,
      "-n",
      String(requests),
      "-c",
      String(concurrency),
      "-d",
      "100",
      "--csv",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const row = text.split("\n").find((l) => l.toUpperCase().startsWith(`"${op.toUpperCase()}"`));
  if (!out.success || !row) {
    throw new Error(`redis-benchmark failed: ${text}${new TextDecoder().decode(out.stderr)}`);
  }
  const [, rps, , min, p50, p95, p99, max] = row.split(",").map((c) =>
    Number(c.replaceAll('"', ""))
  );
  return { rps: Math.round(rps), latency_ms: { min, p50, p95, p99, max } };
}

/** Plugin start (spawn → handshake → Initialize → Start) to its first HEALTHY report. */
export async function pluginStartToHealthy(
  redisUrl: string,
  runs = 5,
): Promise<{ median_ms: number; min_ms: number; max_ms: number }> {
  const times: number[] = [];
  const config = { url: redisUrl, key_prefix: "bench-start:" };
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const p = await PluginSupervisor.start({
      kind: "redis",
      namespace: "bench-start",
      config,
      version: VERSION,
      log: new Logger({}, "error"),
      command: await pluginCommand("redis", config),
    });
    for (;;) {
      const h = await p.client!.unary(
        serviceDefinition(SERVICE_NAMES.lifecycle).HealthCheck,
        {},
        { deadline: Date.now() + 2000 },
      ) as { status: string };
      if (h.status === "HEALTHY") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    if (i > 0) times.push(performance.now() - t0); // the first run fills caches
    await p.stop();
  }
  const s = [...times].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { median_ms: r(median(times)), min_ms: r(s[0]), max_ms: r(s.at(-1)!) };
}

/** Runs the redis scenarios; `rounds` interleaved runs per figure, medians kept. */
export async function redisBench(
  t: RedisBenchTargets,
  opts: { durationS: number; warmupS: number; rounds: number },
) {
  const value = new Uint8Array(100).fill(0x78);
  const key = "bench:0123456789";
  const scenarios: ScenarioReport[] = [];
  const ratios: Record<string, number> = {};
  const hop: Record<string, { p50_ms: number; p99_ms: number }> = {};
  const floor: Record<string, unknown> = {};
  /** CPU per call across proxy and plugin (µs, median of rounds), through the proxy. */
  const cpu: Record<string, number> = {};
  const cpuOfBoth = async () => (await cpuMicros(t.proxyPid)) + (await cpuMicros(t.pluginPid));
  for (const concurrency of [1, 64]) {
    for (
      const [op, method, request] of [["set", "Set", { key, value }], ["get", "Get", {
        key,
      }]] as const
    ) {
      const systems = [
        { system: "proxy → redis plugin → Redis", address: t.proxy, namespace: "cache" },
        { system: "proxy → memstore (WASM)", address: t.proxy, namespace: "default" },
        {
          system: "redis plugin directly → Redis (no proxy hop)",
          address: t.plugin,
          namespace: "cache",
        },
      ];
      const runs: ScenarioReport[][] = systems.map(() => []);
      const cpuRuns: number[] = [];
      const run = (s: typeof systems[number], durationS: number) =>
        runH2load({
          service: SERVICE_NAMES.keyvalueBasic,
          method,
          request: { ...request, namespace: s.namespace },
          concurrency,
          durationS,
          warmupS: 0,
          op,
          namespace: s.namespace,
          system: s.system,
          address: s.address,
        });
      for (const s of systems) await run(s, opts.warmupS);
      for (let round = 0; round < opts.rounds; round++) {
        // Alternate the order so that drifts in machine speed hit all alike.
        const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
        for (const i of order) {
          const before = i === 0 ? await cpuOfBoth() : 0;
          const report = await run(systems[i], opts.durationS);
          if (i === 0) cpuRuns.push((await cpuOfBoth() - before) / Math.max(1, report.requests));
          runs[i].push(report);
        }
      }
      const mid = runs.map((rs) =>
        [...rs].sort((a, b) => a.throughput_rps - b.throughput_rps)[Math.floor(rs.length / 2)]
      );
      scenarios.push(...mid);
      const name = `${op}_c${concurrency}`;
      cpu[name] = Math.round(median(cpuRuns) * 10) / 10;
      ratios[name] = r2(
        median(runs[0].map((r, i) => r.throughput_rps / runs[1][i].throughput_rps)),
      );
      hop[name] = {
        p50_ms: r2(median(runs[0].map((r, i) => r.latency_ms.p50 - runs[2][i].latency_ms.p50))),
        p99_ms: r2(median(runs[0].map((r, i) => r.latency_ms.p99 - runs[2][i].latency_ms.p99))),
      };
      floor[name] = await redisBenchmark(
        t.redisPort,
        op,
        concurrency,
        concurrency === 1 ? 20000 : 100000,
      );
      console.error(
        `  redis ${op} c=${concurrency}: ${mid[0].throughput_rps}/s p50 ${
          mid[0].latency_ms.p50
        } p99 ${mid[0].latency_ms.p99} ms | memstore ${mid[1].throughput_rps}/s → ratio ${
          ratios[name]
        } | hop p50 +${hop[name].p50_ms} ms | proxy+plugin CPU ${cpu[name]} µs/call`,
      );
    }
  }
  // Open loop at a fixed 1,000 calls/s (latency from each call's intended start).
  const fixed = await runH2load({
    service: SERVICE_NAMES.keyvalueBasic,
    method: "Set",
    request: { key, value, namespace: "cache" },
    // h2load paces per connection and fires each connection's streams on the
    // same tick: two connections of one stream each keep bursts to two calls.
    concurrency: 2,
    clients: 2,
    durationS: Math.max(5, opts.durationS * 2),
    warmupS: 1,
    rps: 1000,
    op: "set",
    namespace: "cache",
    system: "proxy → redis plugin → Redis, fixed 1,000 calls/s",
    address: t.proxy,
  });
  scenarios.push(fixed);
  console.error(
    `  redis set at 1,000/s: achieved ${fixed.throughput_rps}/s, p99 ${fixed.latency_ms.p99} ms`,
  );
  return { scenarios, ratios, hop, floor, fixed, cpu };
}
