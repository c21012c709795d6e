/**
 * The cluster scenarios of `deno task bench`: one proxy with a namespace on
 * a single node and one on a cluster, driven by `prism load` in the same
 * run, alternating —
 *
 * - Redis: one redis-server against a 3-master Redis Cluster (a replica
 *   each): Get and Set throughput at 64 in flight, Get latency at a fixed
 *   1,000 calls/s (16 in flight);
 * - Kafka: one broker against 3 brokers (topics with replication factor 3
 *   and min.insync.replicas 2): Publish throughput at 64 in flight, Publish
 *   latency at a fixed 1,000 calls/s.
 *
 * @module
 */
import { startKafka, startKafkaCluster } from "../kafka/broker.ts";
import { startRedis, startRedisCluster } from "../../tests/_redis.ts";
import { KAFKA_WARMUP_S } from "./kafka.ts";
import { runLoad } from "./load.ts";
import type { ScenarioReport } from "./report.ts";
import { spawnProxy } from "./server.ts";

/** What {@linkcode clusterBench} or {@linkcode kafkaClusterBench} measured. */
export interface ClusterBenchResult {
  scenarios: ScenarioReport[];
  /** Cluster throughput over single-node throughput, by op, at 64 in flight (mean of the rounds). */
  ratio: Record<string, number>;
  /** p99 at 1,000 calls/s, ms (the last round). */
  p99_at_1000: { single: number; cluster: number };
}

/** Timing of the cluster scenarios. */
export interface ClusterBenchOptions {
  durationS: number;
  warmupS: number;
  rounds: number;
}

/**
 * Runs `ops` at 64 in flight and `fixedOp` at 1,000 calls/s against the
 * proxy's `single` and `cluster` namespaces, `rounds` times alternating.
 */
async function singleVsCluster(
  config: string,
  systems: { single: string; cluster: string },
  load: {
    ops: string[];
    fixedOp: string;
    keys: boolean;
    /** Seconds of `fixedOp` at 1,000/s on each namespace before the rounds (a JVM's JIT warm-up). */
    warmS?: number;
  },
  options: ClusterBenchOptions,
): Promise<ClusterBenchResult> {
  const scenarios: ScenarioReport[] = [];
  const sums: Record<string, [number, number]> = {};
  const p99 = { single: 0, cluster: 0 };
  const proxy = await spawnProxy(config, { admin: "" });
  try {
    const target = `127.0.0.1:${proxy.port}`;
    const timing = ["--duration", `${options.durationS}s`, "--warmup", `${options.warmupS}s`];
    const base = (ns: "single" | "cluster") => [
      "--target",
      target,
      "--namespace",
      ns,
      ...(load.keys ? ["--keys", "1000"] : []),
    ];
    if (load.warmS) {
      for (const ns of ["single", "cluster"] as const) {
        await runLoad([
          ...base(ns),
          "--op",
          load.fixedOp,
          "--rps",
          "1000",
          "--concurrency",
          "64",
          "--duration",
          `${load.warmS}s`,
          "--max-error-rate",
          "1",
        ], "warm-up");
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, ns] of (["single", "cluster"] as const).entries()) {
        const system = systems[ns];
        for (const op of load.ops) {
          const r = await runLoad(
            [...base(ns), "--op", op, "--concurrency", "64", ...timing],
            system,
          );
          scenarios.push(r);
          (sums[op] ??= [0, 0])[i] += r.throughput_rps;
          console.error(
            `  ${system} ${op} c=64: ${Math.round(r.throughput_rps)}/s p99 ${r.latency_ms.p99} ms`,
          );
        }
        const fixed = await runLoad(
          [...base(ns), "--op", load.fixedOp, "--rps", "1000", "--concurrency", "16", ...timing],
          system,
        );
        scenarios.push({ ...fixed, rps_target: 1000 });
        p99[ns] = fixed.latency_ms.p99;
        console.error(
          `  ${system} ${load.fixedOp} at 1,000/s: p50 ${fixed.latency_ms.p50} p99 ${fixed.latency_ms.p99} ms`,
        );
      }
    }
  } finally {
    await proxy.stop();
  }
  const ratio: Record<string, number> = {};
  for (const [op, [single, cluster]] of Object.entries(sums)) {
    ratio[op] = Math.round((cluster / single) * 100) / 100;
  }
  return { scenarios, ratio, p99_at_1000: p99 };
}

/**
 * One Redis against a Redis Cluster, through the proxy.
 *
 * @example
 * ```ts ignore
 * import { clusterBench } from "./cluster.ts";
 * const r = await clusterBench({ durationS: 3, warmupS: 1, rounds: 2 });
 * console.log(r.ratio.get, r.p99_at_1000.cluster);
 * ```
 */
export async function clusterBench(options: ClusterBenchOptions): Promise<ClusterBenchResult> {
  const single = await startRedis();
  const cluster = await startRedisCluster(3, 1);
  try {
    return await singleVsCluster(
      `namespaces:
  - { name: single, backend: redis, config: { url: "${single.url}" } }
  - { name: cluster, backend: redis, config: { cluster: { nodes: ${
        JSON.stringify(cluster.nodes)
      } } } }
`,
      {
        single: "proxy → redis plugin → one Redis",
        cluster: "proxy → redis plugin → Redis Cluster (3 masters)",
      },
      { ops: ["get", "set"], fixedOp: "get", keys: true },
      options,
    );
  } finally {
    await Promise.all([single.stop(), cluster.stop()]);
  }
}

/**
 * One Kafka broker against a 3-broker cluster (replication factor 3,
 * min.insync.replicas 2), through the proxy: every publish is acknowledged
 * by two replicas or more on the cluster, by one on the single broker.
 *
 * @example
 * ```ts ignore
 * import { kafkaClusterBench } from "./cluster.ts";
 * const r = await kafkaClusterBench({ durationS: 3, warmupS: 1, rounds: 1 });
 * console.log(r.ratio.publish, r.p99_at_1000.cluster);
 * ```
 */
export async function kafkaClusterBench(
  options: ClusterBenchOptions,
): Promise<ClusterBenchResult> {
  const single = await startKafka();
  const cluster = await startKafkaCluster(3);
  try {
    return await singleVsCluster(
      `namespaces:
  - { name: single, backend: kafka, config: { brokers: ["${single.brokers}"] } }
  - name: cluster
    backend: kafka
    config: { brokers: ${
        JSON.stringify(cluster.brokers.split(","))
      }, replication_factor: 3, min_insync_replicas: 2 }
`,
      {
        single: "proxy → kafka plugin → one Kafka broker",
        cluster: "proxy → kafka plugin → Kafka cluster (3 brokers, RF 3, min ISR 2)",
      },
      // Fresh brokers: the measured runs come after their JIT warmed up (`KAFKA_WARMUP_S`).
      { ops: ["publish"], fixedOp: "publish", keys: false, warmS: KAFKA_WARMUP_S },
      options,
    );
  } finally {
    await Promise.all([single.stop(), cluster.stop()]);
  }
}
