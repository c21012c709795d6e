/**
 * `deno task bench`: the benchmark suite. Starts what it needs, runs every
 * scenario with its baseline in the same run, and writes the JSON report of
 * CONTRACT §6 plus a markdown summary. Numbers are read as ratios against
 * the baselines: this machine is shared and noisy.
 *
 * Scenarios:
 * - memstore operations inside WASM (ns/op) vs a plain JS `Map` store;
 * - Set and Get through the proxy at concurrency 1 and 64 vs an empty
 *   grpc-js handler on Deno (what the project's transport replaced) and on
 *   Node.js (the peer users would pick), load from h2load, in interleaved
 *   rounds (the ratio reported is the median of the rounds'), with each
 *   server's CPU per call;
 * - proxy start-up to first served call; WASM compile/instantiate; .wasm size;
 * - redis: Set/Get through proxy → plugin → Redis against proxy → memstore
 *   and against the plugin's own port (the hop), a fixed 1,000 calls/s run,
 *   plugin start to healthy, and redis-benchmark as the floor;
 * - kafka: publish at a fixed 1,000 msg/s and at most, through the load
 *   tester, against a kafkajs producer as the baseline; publish-to-delivery
 *   latency for 1 and for 100 subscribers (`bench/kafka.ts`);
 * - memstore Get at a fixed 1,000 calls/s, quiet and while 200,000 keys
 *   with TTLs expire and 100 subscribers sit idle (`bench/background.ts`),
 *   and where its tail comes from: each call over 1 ms matched with the
 *   GC pauses, TTL sweeps and event-loop stalls of the proxy, beside an
 *   empty Go gRPC server as the machine's floor (`bench/tail.ts`).
 *
 * - Set, Get, Scan, Push and Pop for memstore and redis at concurrency 1 and
 *   64, and Get at a fixed 1,000 calls/s, driven by the load tester
 *   (`bench/matrix.ts`), and the fixed-rate Gets again with ghz, an
 *   independent client (`bench/ghz.ts`);
 * - with `--dapr DAPRD --dapr-proto DIR` (or `DAPRD`, `DAPR_PROTO`): Dapr's
 *   sidecar on the same Redis, same client, same run (`bench/dapr.ts`).
 *
 * Flags: `--out FILE` (default dist/bench/report.json), `--md FILE`
 * (default: beside the JSON), `--duration S` per measured run (default 3),
 * `--quick`, `--compare OLD.json` (adds the change of every figure against
 * an earlier report), `--dapr DAPRD`, `--dapr-proto DIR`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ensureMemstoreWasm } from "./build_wasm.ts";
import { ensureDebianTool } from "./ensure_tools.ts";
import { connect, unary } from "../proto/client.ts";
import { SERVICE_NAMES } from "../proto/definitions.ts";
import { runH2load } from "./bench/h2load.ts";
import { pluginStartToHealthy, redisBench } from "./bench/redis.ts";
import { startRedis } from "../tests/_redis.ts";
import { memstoreOpsBench, wasmInstantiateBench } from "./bench/memstore_ops.ts";
import { machineInfo, type ScenarioReport } from "./bench/report.ts";
import { startupBench } from "./bench/startup.ts";

import { childPids, cpuMicros, spawnProxy } from "./bench/server.ts";
import { spawnDenoEmpty, spawnNodeEmpty } from "./bench/baselines.ts";
import { backgroundBench } from "./bench/background.ts";
import {
  type FloorResult,
  goFloor,
  type TailAttribution,
  tailAttribution,
  tailMarkdown,
} from "./bench/tail.ts";
import { findGhz, runGhz } from "./bench/ghz.ts";
import { daprComparison } from "./bench/dapr.ts";
import { forwardingBench, socketHopBench } from "./bench/transport.ts";
import { authBench } from "./bench/auth.ts";
import { observabilityBench } from "./bench/observability.ts";
import { clusterBench, kafkaClusterBench } from "./bench/cluster.ts";
import { idleBench, type IdleResult } from "./bench/idle.ts";
import { kafkaBench, type KafkaBenchResults } from "./bench/kafka.ts";
import { operationMatrix } from "./bench/matrix.ts";
import { compareReports } from "./bench/compare.ts";

/** A fixed-rate run's client send lag (`prism load`), as "p99 / p99.9"; "—" for ghz. */
function sendLag(r: ScenarioReport): string {
  return r.send_lag_ms ? `${r.send_lag_ms.p99} / ${r.send_lag_ms.p999}` : "—";
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args.filter((a) => a !== "--"),
    options: {
      out: { type: "string", default: "dist/bench/report.json" },
      md: { type: "string" },
      duration: { type: "string", default: "3" },
      quick: { type: "boolean", default: false },
      compare: { type: "string" },
      dapr: { type: "string", default: Deno.env.get("DAPRD") },
      "dapr-proto": { type: "string", default: Deno.env.get("DAPR_PROTO") },
    },
    strict: true,
  });
  const durationS = values.quick ? 2 : Number(values.duration);
  if (!(durationS > 0)) {
    console.error(
      `bench: --duration must be a positive number of seconds: current value is ${values.duration}`,
    );
    return 2;
  }
  const warmupS = values.quick ? 1 : 2;
  if (!(await ensureDebianTool("h2load"))) {
    console.error(
      "bench: h2load (Debian package nghttp2-client) is required for the load scenarios",
    );
    return 1;
  }
  const wasmPath = await ensureMemstoreWasm();

  console.error("bench: memstore operations inside WASM vs JS Map ...");
  const micro = await memstoreOpsBench(values.quick ? { iterations: 50_000 } : {});
  const wasm = await wasmInstantiateBench();
  const wasmBytes = (await Deno.stat(wasmPath)).size;

  console.error("bench: forwarding on the wire vs decode + re-encode; TCP vs Unix socket hop ...");
  const forwarding = forwardingBench(values.quick ? 100_000 : 300_000);
  const socketHop = await socketHopBench(values.quick ? 20_000 : 50_000);

  console.error("bench: start-up to first call ...");
  const startup = await startupBench(values.quick ? 3 : 7);

  console.error("bench: through-proxy load vs empty grpc-js handlers on Deno and Node.js ...");
  const empty = await spawnDenoEmpty();
  const node = await spawnNodeEmpty();
  if (!node) console.error("bench: Node.js or npm is missing: no Node.js baseline");
  // One proxy serves both: namespace "default" on memstore, "cache" on redis.
  const redis = await startRedis();
  const proxy = await spawnProxy(
    `namespaces:\n  - { name: default, backend: memstore }\n  - { name: cache, backend: redis, config: { url: "${redis.url}" } }\n`,
  );
  const pluginAddress = /"msg":"plugin serving".*?"address":"([^"]+)"/.exec(proxy.output)?.[1];
  if (!pluginAddress) {
    throw new Error(`bench: the redis plugin's address was not logged: ${proxy.output}`);
  }
  const scenarios: ScenarioReport[] = [];
  /** Proxy throughput over each baseline's, by op and concurrency (median of per-round ratios). */
  const ratios: Record<string, Record<string, number>> = {};
  /** Server CPU per call, µs (median of rounds), by op and concurrency, per system. */
  const cpu: Record<string, Record<string, number>> = {};
  const rounds = values.quick ? 2 : 4;
  let redisResults: Awaited<ReturnType<typeof redisBench>> | undefined;
  let pluginStart: Awaited<ReturnType<typeof pluginStartToHealthy>> | undefined;
  let idle: IdleResult | undefined;
  let matrix: ScenarioReport[] = [];
  const ghzRuns: ScenarioReport[] = [];
  let dapr: Awaited<ReturnType<typeof daprComparison>> | undefined;
  try {
    const value = new Uint8Array(100).fill(0x78);
    const key = "bench:0123456789"; // 16 bytes
    // The key Get reads exists on the proxy, and the calls succeed as gRPC
    // calls (h2load only sees HTTP statuses).
    const c = connect(`127.0.0.1:${proxy.port}`);
    await unary(c.keyvalue, "Set", { key, value }, { deadline: Date.now() + 5000 });
    const systems = [
      { id: "proxy", server: proxy, system: "proxy → memstore (WASM)" },
      { id: "deno_grpcjs", server: empty, system: "empty grpc-js handler on Deno" },
      ...(node
        ? [{ id: "node_grpcjs", server: node, system: "empty grpc-js handler on Node.js" }]
        : []),
    ];
    for (const concurrency of [1, 64]) {
      for (
        const [op, method, request] of [["set", "Set", { key, value }], ["get", "Get", {
          key,
        }]] as const
      ) {
        const name = `${op}_c${concurrency}`;
        const runs: Record<string, ScenarioReport[]> = {};
        const cpuPerCall: Record<string, number[]> = {};
        const run = async (sys: typeof systems[number], durationS: number) => {
          const before = await cpuMicros(sys.server.pid);
          const report = await runH2load({
            service: SERVICE_NAMES.keyvalueBasic,
            method,
            request,
            concurrency,
            op,
            namespace: "default",
            durationS,
            warmupS: 0,
            address: `127.0.0.1:${sys.server.port}`,
            system: sys.system,
          });
          const perCall = (await cpuMicros(sys.server.pid) - before) / Math.max(1, report.requests);
          return { ...report, server_cpu_us_per_call: round(perCall, 1) };
        };
        // Warm every server up, then rotate the order each round so that drifts
        // in the machine's speed hit all alike.
        for (const sys of systems) await run(sys, warmupS);
        for (let r = 0; r < rounds; r++) {
          const order = r % 2 === 0 ? systems : [...systems].reverse();
          for (const sys of order) {
            const report = await run(sys, durationS);
            (runs[sys.id] ??= []).push(report);
            (cpuPerCall[sys.id] ??= []).push(report.server_cpu_us_per_call);
          }
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        for (const sys of systems) {
          const rs = runs[sys.id];
          scenarios.push(
            [...rs].sort((a, b) => a.throughput_rps - b.throughput_rps)[Math.floor(rs.length / 2)],
          );
          (cpu[sys.id] ??= {})[name] = round(median(cpuPerCall[sys.id]), 1);
          if (sys.id === "proxy") continue;
          (ratios[sys.id] ??= {})[name] = round(
            median(runs.proxy.map((p, i) => p.throughput_rps / rs[i].throughput_rps)),
            3,
          );
        }
        console.error(
          `  ${op} c=${concurrency}: ` +
            systems.map((sys) =>
              `${sys.id} ${median(runs[sys.id].map((r) => r.throughput_rps))}/s ${
                cpu[sys.id][name]
              } µs/call`
            ).join(" | ") +
            ` → proxy/deno ${ratios.deno_grpcjs[name]}${
              node ? `, proxy/node ${ratios.node_grpcjs[name]}` : ""
            }`,
        );
      }
    }
    const check = await unary(c.keyvalue, "Get", { key }, { deadline: Date.now() + 5000 });
    if (!check.found) throw new Error("bench: the proxy lost the benchmark key");
    // The redis key Get reads, and a check that calls succeed as gRPC calls.
    await unary(c.keyvalue, "Set", { namespace: "cache", key, value }, {
      deadline: Date.now() + 5000,
    });
    c.close();
    console.error("bench: proxy → redis plugin → Redis ...");
    const [pluginPid] = await childPids(proxy.pid);
    redisResults = await redisBench(
      {
        proxy: `127.0.0.1:${proxy.port}`,
        plugin: pluginAddress,
        redisPort: redis.port,
        redisUrl: redis.url,
        proxyPid: proxy.pid,
        pluginPid,
      },
      { durationS, warmupS, rounds: values.quick ? 2 : 4 },
    );
    console.error("bench: redis plugin start to healthy ...");
    pluginStart = await pluginStartToHealthy(redis.url, values.quick ? 2 : 5);
    console.error("bench: an idle proxy with memstore, redis and kafka namespaces ...");
    idle = await idleBench(redis.url, {
      settleS: values.quick ? 5 : 10,
      seconds: values.quick ? 10 : 30,
    });
    console.error("bench: operations through the proxy, driven by prism load ...");
    matrix = await operationMatrix([
      {
        address: `127.0.0.1:${proxy.port}`,
        namespace: "default",
        system: "proxy → memstore (WASM)",
      },
      {
        address: `127.0.0.1:${proxy.port}`,
        namespace: "cache",
        system: "proxy → redis plugin → Redis",
      },
    ], { durationS, warmupS });
    const ghz = await findGhz();
    if (ghz) {
      console.error("bench: fixed 1,000 calls/s with ghz (an independent client) ...");
      for (
        const [namespace, system] of [["default", "proxy → memstore (WASM)"], [
          "cache",
          "proxy → redis plugin → Redis",
        ]]
      ) {
        const r = await runGhz(ghz, {
          address: `127.0.0.1:${proxy.port}`,
          service: SERVICE_NAMES.keyvalueBasic,
          method: "Get",
          request: { namespace, key },
          concurrency: 16,
          durationS: Math.max(5, durationS * 2),
          rps: 1000,
          op: "get",
          namespace,
          system,
        });
        ghzRuns.push(r);
        console.error(
          `  ${system} get at 1,000/s (ghz): p50 ${r.latency_ms.p50} p99 ${r.latency_ms.p99} p99.9 ${r.latency_ms.p999} ms`,
        );
      }
      if (values.dapr && values["dapr-proto"]) {
        console.error("bench: Prism against Dapr's sidecar on the same Redis (ghz) ...");
        dapr = await daprComparison({
          daprd: values.dapr,
          protoDir: values["dapr-proto"],
          redisPort: redis.port,
          proxy: `127.0.0.1:${proxy.port}`,
          proxyPid: proxy.pid,
          pluginPid,
          ghz,
          memstoreNamespace: "default",
        }, { durationS: Math.max(5, durationS * 2), rounds: values.quick ? 1 : 2 });
      } else if (values.dapr || values["dapr-proto"]) {
        console.error("bench: the Dapr comparison needs both --dapr and --dapr-proto");
      }
    } else {
      console.error("bench: ghz is not installed (and Go is missing): no ghz figures");
    }
  } finally {
    await Promise.all([empty.stop(), proxy.stop(), node?.stop()]);
    await redis.stop();
  }
  console.error("bench: the cost of auth.jwt (a cached, verified token) ...");
  const auth = await authBench({ durationS, warmupS, rounds: values.quick ? 2 : 4 });
  console.error("bench: the cost of metrics and of tracing ...");
  const observability = await observabilityBench({
    durationS,
    warmupS,
    rounds: values.quick ? 2 : 4,
  });
  console.error("bench: one Redis against a Redis Cluster, through the proxy ...");
  const redisCluster = await clusterBench({
    durationS: Math.max(2, durationS),
    warmupS,
    rounds: values.quick ? 1 : 2,
  });
  console.error(
    `  cluster/single throughput: get ${redisCluster.ratio.get}, set ${redisCluster.ratio.set}`,
  );
  console.error("bench: one Kafka broker against a 3-broker cluster, through the proxy ...");
  const kafkaCluster = await kafkaClusterBench({
    durationS: Math.max(2, durationS),
    warmupS,
    rounds: values.quick ? 1 : 2,
  });
  console.error(`  cluster/single publish throughput: ${kafkaCluster.ratio.publish}`);
  console.error(
    "bench: memstore tail at 1,000 calls/s, quiet and with 200,000 keys expiring and 100 idle subscribers ...",
  );
  const background = await backgroundBench({
    durationS: Math.max(5, durationS * 2),
    warmupS,
    ghz: await findGhz(),
  });
  const ghzForTail = await findGhz();
  let tail: { floors: FloorResult[]; runs: TailAttribution[] } | undefined;
  if (ghzForTail) {
    console.error(
      "bench: where the memstore tail comes from (GC, sweeps, stalls; the Go floor) ...",
    );
    const seconds = values.quick ? 5 : 15;
    tail = {
      floors: await goFloor(ghzForTail, seconds),
      runs: [
        await tailAttribution({ busy: false, seconds, ghz: ghzForTail }),
        await tailAttribution({ busy: true, seconds, ghz: ghzForTail }),
      ],
    };
    for (const line of tailMarkdown(tail.runs, tail.floors).slice(2, 6)) console.error(`  ${line}`);
  }
  console.error("bench: proxy → kafka plugin → Kafka ...");
  const kafka: KafkaBenchResults = await kafkaBench({
    durationS: Math.max(3, durationS),
    warmupS,
    quick: values.quick,
  });

  const p99c1 = Math.max(
    ...scenarios.filter((s) => s.concurrency === 1 && s.system.startsWith("proxy")).map((s) =>
      s.latency_ms.p99
    ),
  );
  const op = (name: string) => micro.find((m) => m.op === name)!;
  // Fixed-rate Gets: the load tester's and ghz's.
  const fixedGets = [
    ...matrix.filter((s) => s.rps_target === 1000 && s.op === "get"),
    ...ghzRuns,
  ];
  const targets = [
    {
      name: "WASM set ns/op (16 B key, 100 B value)",
      value: op("set").ns_per_op,
      target: "< 1000",
      pass: op("set").ns_per_op < 1000,
    },
    {
      name: "WASM get ns/op",
      value: op("get").ns_per_op,
      target: "< 1000",
      pass: op("get").ns_per_op < 1000,
    },
    {
      name: "WASM set vs JS Map (ratio)",
      value: op("set").ratio,
      target: "≤ 2",
      pass: op("set").ratio <= 2,
    },
    {
      name: "WASM get vs JS Map (ratio)",
      value: op("get").ratio,
      target: "≤ 2",
      pass: op("get").ratio <= 2,
    },
    ...(["set_c64", "get_c64"].flatMap((k) =>
      ratios.node_grpcjs
        ? [{
          name: `proxy on memstore / empty grpc-js handler on Node.js, calls/s, ${k}`,
          value: ratios.node_grpcjs[k],
          target: "≥ 1.5",
          pass: ratios.node_grpcjs[k] >= 1.5,
        }]
        : []
    )),
    ...["set_c64", "get_c64"].map((k) => ({
      name: `proxy server CPU per memstore call at saturation, ${k} (µs)`,
      value: cpu.proxy[k],
      target: "≤ 60",
      pass: cpu.proxy[k] <= 60,
    })),
    {
      name: "redis: CPU per call across proxy and plugin, get at 64 in flight (µs)",
      value: redisResults!.cpu.get_c64,
      target: "≤ 150",
      pass: redisResults!.cpu.get_c64 <= 150,
    },
    { name: "proxy p99 at concurrency 1 (ms)", value: p99c1, target: "< 1", pass: p99c1 < 1 },
    {
      name: "start-up to first call (ms, median)",
      value: startup.median_ms,
      target: "< 300",
      pass: startup.median_ms < 300,
    },
    {
      name: "WASM instantiate (ms)",
      value: wasm.instantiate_ms,
      target: "< 10",
      pass: wasm.instantiate_ms < 10,
    },
    { name: ".wasm size (bytes)", value: wasmBytes, target: "< 65536", pass: wasmBytes < 65536 },
    ...fixedGets.map((r) => ({
      name: `${r.system}: get p99 at a fixed 1,000 calls/s, 16 in flight, ${r.driver} (ms)`,
      value: r.latency_ms.p99,
      target: r.namespace === "cache" ? "< 2" : "< 1",
      pass: r.latency_ms.p99 < (r.namespace === "cache" ? 2 : 1),
    })),
    ...background.busy.map((r) => ({
      name: `${r.system}: p99 (ms)`,
      value: r.latency_ms.p99,
      target: "< 2",
      pass: r.latency_ms.p99 < 2,
    })),
    {
      name:
        "auth.jwt: proxy CPU added per call by token verification (cached key), get at 64 in flight (µs)",
      value: auth.get_c64.added_us,
      target: "≤ 30",
      pass: auth.get_c64.added_us <= 30,
    },
    {
      name: "metrics on (admin listener): proxy CPU added per call, get at 64 in flight (µs)",
      value: observability.metrics.get_c64.added_us,
      target: "≤ 3",
      pass: observability.metrics.get_c64.added_us <= 3,
    },
    {
      name: `idle: CPU of the proxy and its redis and kafka plugins over ${
        idle!.seconds
      } s (% of one core)`,
      value: idle!.total_pct,
      target: "≤ 2",
      pass: idle!.total_pct <= 2,
    },
    {
      name: "redis: plugin start to healthy (ms, median)",
      value: pluginStart!.median_ms,
      target: "< 500",
      pass: pluginStart!.median_ms < 500,
    },
    {
      name: "kafka: publish p99 at a fixed 1,000 msg/s through the proxy (ms)",
      value: kafka.fixed.latency_ms.p99,
      target: "< 10",
      pass: kafka.fixed.latency_ms.p99 < 10,
    },
  ];
  const kafkaRatios = {
    fixed_p99_vs_kafkajs: round(kafka.fixed.latency_ms.p99 / kafka.fixedBaseline.latency_ms.p99, 2),
    max_throughput_vs_kafkajs: round(
      kafka.max.throughput_rps / kafka.maxBaseline.throughput_rps,
      2,
    ),
  };

  const report = {
    machine: machineInfo(),
    scenarios: [
      ...scenarios,
      ...redisResults!.scenarios,
      ...matrix,
      ...ghzRuns,
      ...(dapr?.scenarios ?? []),
      ...kafka.scenarios,
      ...redisCluster.scenarios,
      ...kafkaCluster.scenarios,
      ...background.quiet,
      ...background.busy,
    ],
    micro,
    wasm: { ...wasm, wasm_bytes: wasmBytes },
    startup,
    redis: {
      ratios_vs_memstore: redisResults!.ratios,
      proxy_hop_ms: redisResults!.hop,
      redis_benchmark_floor: redisResults!.floor,
      fixed_rate: redisResults!.fixed,
      cpu_us_per_call_proxy_and_plugin: redisResults!.cpu,
      plugin_start_to_healthy: pluginStart,
      cluster_vs_single: {
        throughput_ratio: redisCluster.ratio,
        p99_at_1000: redisCluster.p99_at_1000,
      },
    },
    kafka: {
      ratios_vs_kafkajs: kafkaRatios,
      fixed_rate: kafka.fixed,
      cpu_at_fixed_rate: kafka.fixedCpu,
      fixed_rate_baseline: kafka.fixedBaseline,
      max_throughput: kafka.max,
      max_throughput_baseline: kafka.maxBaseline,
      publish_to_delivery: kafka.delivery,
      cluster_vs_single: {
        throughput_ratio: kafkaCluster.ratio,
        p99_at_1000: kafkaCluster.p99_at_1000,
      },
    },
    forwarding,
    socket_hop: socketHop,
    auth,
    observability,
    idle,
    background: {
      keys_with_ttl: background.keys,
      expired_during_busy_runs: background.expiredDuring,
      idle_subscribers: background.subscribers,
      quiet: background.quiet,
      busy: background.busy,
    },
    ...(tail ? { tail_attribution: tail } : {}),
    ratios_vs_baselines: ratios,
    server_cpu_us_per_call: cpu,
    fixed_rate_gets: fixedGets,
    ...(dapr ? { dapr: dapr.figures } : {}),
    targets,
  };
  const md = [
    `# Prism benchmark — ${report.machine.date}`,
    "",
    `Deno ${Deno.version.deno}, ${report.machine.cpus} CPUs; load from h2load (one HTTP/2 connection, N streams); ${warmupS}s warm-up per server, then ${rounds} rounds of ${durationS}s per server in A-B-B-A order; the median round is shown and the ratio is the median of the per-round ratios.`,
    "",
    "## Targets",
    "",
    "| figure | value | target | |",
    "| --- | ---: | --- | --- |",
    ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.pass ? "✅" : "❌"} |`),
    "",
    "## In-WASM operations (ns/op, median of rounds)",
    "",
    "| op | memstore (WASM) | JS Map baseline | ratio |",
    "| --- | ---: | ---: | ---: |",
    ...micro.map((m) => `| ${m.op} | ${m.ns_per_op} | ${m.baseline_ns_per_op} | ${m.ratio} |`),
    "",
    "## The proxy against empty grpc-js handlers (h2load, one connection)",
    "",
    "| op | in flight | proxy → memstore calls/s | ÷ empty grpc-js on Deno | ÷ empty grpc-js on Node.js | proxy CPU µs/call | Deno grpc-js µs/call | Node grpc-js µs/call |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...["set_c1", "get_c1", "set_c64", "get_c64"].map((k) => {
      const [o, c] = k.split("_c");
      const t = scenarios.find((s) =>
        s.system.startsWith("proxy") && s.op === o && String(s.concurrency) === c
      );
      return `| ${o} | ${c} | ${t?.throughput_rps} | ${ratios.deno_grpcjs?.[k]} | ${
        ratios.node_grpcjs?.[k] ?? "—"
      } | ${cpu.proxy[k]} | ${cpu.deno_grpcjs?.[k]} | ${cpu.node_grpcjs?.[k] ?? "—"} |`;
    }),
    "",
    "## Fixed 1,000 calls/s Get, 16 in flight",
    "",
    "`prism load` counts a call's latency from its due time, so a call that left late (its send lag: the client's own delay, on CPUs it shares with the servers) counts that wait; ghz counts from when it sent the call, and runs with its garbage collector off (`tasks/bench/ghz.ts`).",
    "",
    "| system | client | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | client's send lag p99 / p99.9 ms |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...fixedGets.map((r) =>
      `| ${r.system} | ${r.driver} | ${r.throughput_rps} | ${r.latency_ms.p50} | ${r.latency_ms.p99} | ${r.latency_ms.p999} | ${r.latency_ms.max} | ${
        sendLag(r)
      } |`
    ),
    "",
    `### The same on a proxy with a kafka namespace: quiet, then while ${
      background.keys.toLocaleString("en")
    } keys with TTLs expire (${
      background.expiredDuring.toLocaleString("en")
    } during the runs) and ${background.subscribers} subscribers sit idle`,
    "",
    "| scenario | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | client's send lag p99 / p99.9 ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...[...background.quiet, ...background.busy].map((r) =>
      `| ${r.system} | ${r.throughput_rps} | ${r.latency_ms.p50} | ${r.latency_ms.p99} | ${r.latency_ms.p999} | ${r.latency_ms.max} | ${
        sendLag(r)
      } |`
    ),
    "",
    ...(tail
      ? [
        "### Where the tail comes from (`tasks/bench/tail.ts`: calls over 1 ms matched with what ran in the proxy)",
        "",
        ...tailMarkdown(tail.runs, tail.floors),
        "",
      ]
      : []),
    ...(dapr
      ? [
        "## Against Dapr 1.18 (daprd → the same Redis; ghz drives both, rounds alternating)",
        "",
        "| figure | Prism | Dapr | Prism's proxy alone (memstore) |",
        "| --- | ---: | ---: | ---: |",
        ...Object.entries(dapr.figures).map(([k, v]) =>
          `| ${k} | ${v.prism} | ${v.dapr} | ${v.proxy_alone ?? ""} |`
        ),
        "",
      ]
      : []),
    "## Transport choices",
    "",
    "| request | validate on the wire and forward (ns) | decode and re-encode (ns) | ratio |",
    "| --- | ---: | ---: | ---: |",
    ...forwarding.map((f) => `| ${f.op} | ${f.wire_ns} | ${f.decode_encode_ns} | ${f.ratio} |`),
    "",
    "| proxy → plugin hop (gRPC echo, 64 in flight, one process) | calls/s | CPU µs/call |",
    "| --- | ---: | ---: |",
    ...socketHop.map((h) => `| ${h.transport} | ${h.calls_per_s} | ${h.cpu_us_per_call} |`),
    "",
    "## Through the network",
    "",
    "| system | op | concurrency | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | server CPU µs/call | errors |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...scenarios.map((s) =>
      `| ${s.system} | ${s.op} | ${s.concurrency} | ${s.throughput_rps} | ${s.latency_ms.p50} | ${s.latency_ms.p90} | ${s.latency_ms.p99} | ${s.latency_ms.p999} | ${
        (s as { server_cpu_us_per_call?: number }).server_cpu_us_per_call ?? ""
      } | ${JSON.stringify(s.errors)} |`
    ),
    "",
    `Start-up to first served call: median ${startup.median_ms} ms (min ${startup.min_ms}, max ${startup.max_ms}, ${startup.runs} runs).`,
    `WASM: compile ${wasm.compile_ms} ms, instantiate ${wasm.instantiate_ms} ms, ${wasmBytes} bytes.`,
    "",
    "## Redis",
    "",
    "| figure | set c=1 | get c=1 | set c=64 | get c=64 |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| throughput, proxy→redis / proxy→memstore | ${
      ["set_c1", "get_c1", "set_c64", "get_c64"].map((k) => redisResults!.ratios[k]).join(" | ")
    } |`,
    `| proxy→plugin hop, added p50 (ms) | ${
      ["set_c1", "get_c1", "set_c64", "get_c64"].map((k) => redisResults!.hop[k].p50_ms).join(" | ")
    } |`,
    `| proxy→plugin hop, added p99 (ms) | ${
      ["set_c1", "get_c1", "set_c64", "get_c64"].map((k) => redisResults!.hop[k].p99_ms).join(" | ")
    } |`,
    `| CPU per call, proxy + plugin (µs) | ${
      ["set_c1", "get_c1", "set_c64", "get_c64"].map((k) => redisResults!.cpu[k]).join(" | ")
    } |`,
    `| redis-benchmark (Redis alone), calls/s | ${
      ["set_c1", "get_c1", "set_c64", "get_c64"].map((k) =>
        (redisResults!.floor[k] as { rps: number }).rps
      ).join(" | ")
    } |`,
    "",
    `Fixed 1,000 calls/s through the proxy to Redis: achieved ${
      redisResults!.fixed.throughput_rps
    }/s, p50 ${redisResults!.fixed.latency_ms.p50} ms, p99 ${
      redisResults!.fixed.latency_ms.p99
    } ms.`,
    `Redis plugin start to healthy: median ${pluginStart!.median_ms} ms (min ${
      pluginStart!.min_ms
    }, max ${pluginStart!.max_ms}).`,
    "",
    "## A single node against a cluster (`prism load`, same run, alternating)",
    "",
    "| system | op | in flight | fixed rate | req/s | p50 ms | p99 ms | p99.9 ms |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...[...redisCluster.scenarios, ...kafkaCluster.scenarios].map((s) =>
      `| ${s.system} | ${s.op} | ${s.concurrency} | ${
        s.rps_target ?? ""
      } | ${s.throughput_rps} | ${s.latency_ms.p50} | ${s.latency_ms.p99} | ${s.latency_ms.p999} |`
    ),
    "",
    `Throughput, cluster ÷ single: redis get ${redisCluster.ratio.get}, set ${redisCluster.ratio.set}; kafka publish ${kafkaCluster.ratio.publish}.`,
    "",
    "## Operations (load from `prism load`)",
    "",
    "| system | op | concurrency | fixed rate | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...matrix.map((s) =>
      `| ${s.system} | ${s.op} | ${s.concurrency} | ${
        s.rps_target ?? ""
      } | ${s.throughput_rps} | ${s.latency_ms.p50} | ${s.latency_ms.p90} | ${s.latency_ms.p99} | ${s.latency_ms.p999} | ${
        JSON.stringify(s.errors)
      } |`
    ),
    "",
    "## Kafka",
    "",
    "Baseline: a kafkajs producer in the bench process (idempotent, acks=all), same broker, same run.",
    "",
    "| figure | through Prism | kafkajs directly | ratio |",
    "| --- | ---: | ---: | ---: |",
    `| publish at fixed 1,000 msg/s: achieved | ${kafka.fixed.throughput_rps} | ${kafka.fixedBaseline.throughput_rps} | |`,
    `| publish at fixed 1,000 msg/s: p50 ms | ${kafka.fixed.latency_ms.p50} | ${kafka.fixedBaseline.latency_ms.p50} | ${
      round(kafka.fixed.latency_ms.p50 / kafka.fixedBaseline.latency_ms.p50, 2)
    } |`,
    `| publish at fixed 1,000 msg/s: p99 ms | ${kafka.fixed.latency_ms.p99} | ${kafka.fixedBaseline.latency_ms.p99} | ${kafkaRatios.fixed_p99_vs_kafkajs} |`,
    `| max publish throughput, 64 in flight (msg/s) | ${kafka.max.throughput_rps} | ${kafka.maxBaseline.throughput_rps} | ${kafkaRatios.max_throughput_vs_kafkajs} |`,
    "",
    `CPU per message at the fixed 1,000 msg/s: proxy ${kafka.fixedCpu.proxy_us_per_msg} µs, kafka plugin ${kafka.fixedCpu.plugin_us_per_msg} µs, broker (JVM) ${kafka.fixedCpu.broker_us_per_msg} µs; all CPUs ${
      Math.round(kafka.fixedCpu.machine_busy * 100)
    }% busy (load tester and system included). The tail latency follows the machine's spare CPU.`,
    "",
    "| publish-to-delivery | rate msg/s | delivered | p50 ms | p90 ms | p99 ms | max ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...kafka.delivery.map((d) =>
      `| ${d.subscribers} subscriber(s) | ${d.rate} | ${d.delivered} | ${d.latency_ms.p50} | ${d.latency_ms.p90} | ${d.latency_ms.p99} | ${d.latency_ms.max} |`
    ),
    "",
  ].join("\n");
  let comparison = "";
  if (values.compare !== undefined) {
    const before = JSON.parse(await Deno.readTextFile(values.compare));
    comparison = `\n${compareReports(before, report)}\nCompared with ${values.compare}.\n`;
  }
  const out = values.out!;
  const mdPath = values.md ?? out.replace(/\.json$/, "") + ".md";
  await Deno.mkdir(out.substring(0, out.lastIndexOf("/")) || ".", { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(mdPath, md + comparison);
  console.log(md + comparison);
  console.error(`bench: wrote ${out} and ${mdPath}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
