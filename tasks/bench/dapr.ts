/**
 * The peer comparison: Dapr's sidecar (daprd) against Prism on the same
 * Redis, driven by the same client (ghz) in the same run, rounds
 * alternating. It runs only where a daprd binary is given (`DAPRD`, or
 * `--dapr PATH`) together with Dapr's .proto tree (`DAPR_PROTO`, or
 * `--dapr-proto DIR`: the folder that holds `dapr/proto/runtime/v1/`):
 * the project neither ships nor builds Dapr. One way to get both, from the
 * Go module proxy: `go mod download -json github.com/dapr/dapr@v1.18.0`,
 * then `CGO_ENABLED=0 go build -tags allcomponents ./cmd/daprd` in a
 * writable copy of that module folder (which is also the proto folder).
 *
 * @module
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { type GhzRun, runGhz } from "./ghz.ts";
import type { ScenarioReport } from "./report.ts";
import { cpuMicros } from "./server.ts";

/** Where Dapr comes from, and what it is compared against. */
export interface DaprTargets {
  daprd: string;
  protoDir: string;
  redisPort: number;
  /** The proxy's address, its pid and its redis plugin's pid (for CPU per call). */
  proxy: string;
  proxyPid: number;
  pluginPid: number;
  ghz: string;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts daprd with a Redis state store on `redisPort`; resolves once its gRPC port answers. */
async function startDaprd(daprd: string, redisPort: number) {
  const dir = await Deno.makeTempDir({ prefix: "prism-dapr-" });
  await Deno.mkdir(`${dir}/components`);
  await Deno.writeTextFile(
    `${dir}/components/statestore.yaml`,
    `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: statestore }
spec:
  type: state.redis
  version: v1
  metadata:
  - { name: redisHost, value: "127.0.0.1:${redisPort}" }
  - { name: redisPassword, value: "" }
`,
  );
  // Name resolution by format instead of mDNS: nothing leaves loopback.
  await Deno.writeTextFile(
    `${dir}/config.yaml`,
    `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: bench }
spec:
  nameResolution:
    component: nameformat
    configuration: { format: "{appid}.localhost" }
`,
  );
  const grpcPort = freePort();
  const child = new Deno.Command(daprd, {
    args: [
      "--app-id",
      "bench",
      "--mode",
      "standalone",
      "--dapr-grpc-port",
      String(grpcPort),
      "--dapr-http-port",
      String(freePort()),
      "--dapr-internal-grpc-port",
      String(freePort()),
      "--dapr-listen-addresses",
      "127.0.0.1",
      "--resources-path",
      `${dir}/components`,
      "--config",
      `${dir}/config.yaml`,
      "--placement-host-address",
      "",
      "--enable-mtls=false",
      "--enable-metrics=false",
      "--log-level",
      "warn",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port: grpcPort })).close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error("bench: daprd did not open its gRPC port within 30 s");
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await new Promise((r) => setTimeout(r, 1000)); // components load after the port opens
  return {
    address: `127.0.0.1:${grpcPort}`,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Runs Get through Prism (proxy → redis plugin → Redis) and GetState
 * through daprd (→ the same Redis) with ghz: 64 in flight (throughput, CPU
 * per call) and a fixed 1,000 calls/s with 16 in flight (p50/p99/p99.9).
 */
export async function daprComparison(
  t: DaprTargets,
  opts: { durationS: number; rounds: number },
) {
  const dapr = await startDaprd(t.daprd, t.redisPort);
  const scenarios: ScenarioReport[] = [];
  const figures: Record<string, { prism: number; dapr: number }> = {};
  try {
    const daprCall = (data: string): GhzRun["proto"] => ({
      file: "dapr/proto/runtime/v1/dapr.proto",
      importPath: t.protoDir,
      call: "dapr.proto.runtime.v1.Dapr/" + data.split("|")[0],
      data: data.split("|")[1],
    });
    // The key both read.
    await runGhz(t.ghz, {
      address: dapr.address,
      service: SERVICE_NAMES.keyvalueBasic,
      method: "Set",
      request: {},
      concurrency: 1,
      durationS: 1,
      op: "set",
      namespace: "",
      system: "daprd",
      proto: daprCall(
        'SaveState|{"store_name":"statestore","states":[{"key":"bench:0123456789","value":"eHh4"}]}',
      ),
    });
    for (
      const [name, concurrency, rps] of [["get_c64", 64, undefined], [
        "get_1000rps",
        16,
        1000,
      ]] as const
    ) {
      const runs: Record<"prism" | "dapr", ScenarioReport[]> = { prism: [], dapr: [] };
      const cpu: Record<"prism" | "dapr", number[]> = { prism: [], dapr: [] };
      for (let round = 0; round < opts.rounds; round++) {
        const order = round % 2 === 0 ? ["prism", "dapr"] as const : ["dapr", "prism"] as const;
        for (const who of order) {
          const pids = who === "prism" ? [t.proxyPid, t.pluginPid] : [dapr.pid];
          const before = (await Promise.all(pids.map(cpuMicros))).reduce((a, b) => a + b, 0);
          const r = await runGhz(t.ghz, {
            address: who === "prism" ? t.proxy : dapr.address,
            service: SERVICE_NAMES.keyvalueBasic,
            method: "Get",
            request: { namespace: "cache", key: "bench:0123456789" },
            concurrency,
            durationS: opts.durationS,
            rps,
            op: "get",
            namespace: who === "prism" ? "cache" : "statestore",
            system: who === "prism"
              ? "Prism: proxy → redis plugin → Redis (ghz)"
              : "Dapr 1.18 daprd → Redis (ghz)",
            proto: who === "dapr"
              ? daprCall('GetState|{"store_name":"statestore","key":"bench:0123456789"}')
              : undefined,
          });
          const after = (await Promise.all(pids.map(cpuMicros))).reduce((a, b) => a + b, 0);
          runs[who].push(r);
          cpu[who].push((after - before) / Math.max(1, r.requests));
        }
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const mid = (rs: ScenarioReport[]) =>
        [...rs].sort((a, b) => a.throughput_rps - b.throughput_rps)[Math.floor(rs.length / 2)];
      const p = mid(runs.prism);
      const d = mid(runs.dapr);
      scenarios.push(p, d);
      figures[`${name}_throughput_rps`] = { prism: p.throughput_rps, dapr: d.throughput_rps };
      figures[`${name}_p50_ms`] = {
        prism: median(runs.prism.map((r) => r.latency_ms.p50)),
        dapr: median(runs.dapr.map((r) => r.latency_ms.p50)),
      };
      figures[`${name}_p99_ms`] = {
        prism: median(runs.prism.map((r) => r.latency_ms.p99)),
        dapr: median(runs.dapr.map((r) => r.latency_ms.p99)),
      };
      figures[`${name}_p999_ms`] = {
        prism: median(runs.prism.map((r) => r.latency_ms.p999)),
        dapr: median(runs.dapr.map((r) => r.latency_ms.p999)),
      };
      figures[`${name}_cpu_us_per_call`] = {
        prism: Math.round(median(cpu.prism) * 10) / 10,
        dapr: Math.round(median(cpu.dapr) * 10) / 10,
      };
      console.error(
        `  vs Dapr, ${name}: Prism ${p.throughput_rps}/s p99 ${
          figures[`${name}_p99_ms`].prism
        } ms ${figures[`${name}_cpu_us_per_call`].prism} µs/call | Dapr ${d.throughput_rps}/s p99 ${
          figures[`${name}_p99_ms`].dapr
        } ms ${figures[`${name}_cpu_us_per_call`].dapr} µs/call`,
      );
    }
  } finally {
    await dapr.stop();
  }
  return { scenarios, figures };
}
