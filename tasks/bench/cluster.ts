/**
 * Redis at scale in `deno task bench`: one proxy with two redis namespaces,
 * one on a single redis-server and one on a 3-master Redis Cluster (a
 * replica each), driven by `prism load` in the same run, alternating: Get
 * and Set throughput at 64 in flight, and Get latency at a fixed 1,000
 * calls/s (16 in flight).
 *
 * @module
 */
import { startRedis, startRedisCluster } from "../../tests/_redis.ts";
import { runLoad } from "./load.ts";
import type { ScenarioReport } from "./report.ts";
import { spawnProxy } from "./server.ts";

/** What {@linkcode clusterBench} measured. */
export interface ClusterBenchResult {
  scenarios: ScenarioReport[];
  /** Cluster throughput over single-node throughput, by op, at 64 in flight (mean of the rounds). */
  ratio: { get: number; set: number };
  /** p99 of Get at 1,000 calls/s, ms (the last round). */
  p99_at_1000: { single: number; cluster: number };
}

/**
 * Runs the single-node and cluster scenarios, `rounds` times alternating.
 *
 * @example
 * ```ts ignore
 * import { clusterBench } from "./cluster.ts";
 * const r = await clusterBench({ durationS: 3, warmupS: 1, rounds: 2 });
 * console.log(r.ratio.get, r.p99_at_1000.cluster);
 * ```
 */
export async function clusterBench(
  options: { durationS: number; warmupS: number; rounds: number },
): Promise<ClusterBenchResult> {
  const single = await startRedis();
  const cluster = await startRedisCluster(3, 1);
  const scenarios: ScenarioReport[] = [];
  const sums = { get: [0, 0], set: [0, 0] };
  const p99 = { single: 0, cluster: 0 };
  try {
    const proxy = await spawnProxy(
      `namespaces:
  - { name: single, backend: redis, config: { url: "${single.url}" } }
  - { name: cluster, backend: redis, config: { cluster: { nodes: ${
        JSON.stringify(cluster.nodes)
      } } } }
`,
      { admin: "" },
    );
    try {
      const target = `127.0.0.1:${proxy.port}`;
      const timing = ["--duration", `${options.durationS}s`, "--warmup", `${options.warmupS}s`];
      for (let round = 0; round < options.rounds; round++) {
        for (const [i, ns] of (["single", "cluster"] as const).entries()) {
          const system = ns === "single"
            ? "proxy → redis plugin → one Redis"
            : "proxy → redis plugin → Redis Cluster (3 masters)";
          const base = ["--target", target, "--namespace", ns, "--keys", "1000"];
          for (const op of ["get", "set"] as const) {
            const r = await runLoad(
              [...base, "--op", op, "--concurrency", "64", ...timing],
              system,
            );
            scenarios.push(r);
            sums[op][i] += r.throughput_rps;
            console.error(
              `  ${system} ${op} c=64: ${
                Math.round(r.throughput_rps)
              }/s p99 ${r.latency_ms.p99} ms`,
            );
          }
          const fixed = await runLoad(
            [...base, "--op", "get", "--rps", "1000", "--concurrency", "16", ...timing],
            system,
          );
          scenarios.push(fixed);
          p99[ns] = fixed.latency_ms.p99;
          console.error(
            `  ${system} get at 1,000/s: p50 ${fixed.latency_ms.p50} p99 ${fixed.latency_ms.p99} ms`,
          );
        }
      }
    } finally {
      await proxy.stop();
    }
  } finally {
    await Promise.all([single.stop(), cluster.stop()]);
  }
  const ratio = (op: "get" | "set") => Math.round((sums[op][1] / sums[op][0]) * 100) / 100;
  return { scenarios, ratio: { get: ratio("get"), set: ratio("set") }, p99_at_1000: p99 };
}
