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
  /**
   * A memstore namespace on the same proxy: when given, the fixed-rate
   * rounds also run Get on it — the proxy alone, without the plugin process
   * and Redis — to show which part of Prism's path its latency comes from.
   */
  memstoreNamespace?: string;
}

/** One figure of the comparison: Prism's path, Dapr's, and (fixed rate, when measured) Prism's proxy alone. */
export interface DaprFigure {
  prism: number;
  dapr: number;
  /** Prism's proxy on memstore: the path without the plugin process and Redis. */
  proxy_alone?: number;
}

type System = "prism" | "dapr" | "proxy_alone";

const SYSTEM_NAMES: Record<System, string> = {
  prism: "Prism: proxy → redis plugin → Redis (ghz)",
  dapr: "Dapr 1.18 daprd → Redis (ghz)",
  proxy_alone: "Prism: proxy → memstore, the proxy alone (ghz)",
};

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
 * With `memstoreNamespace`, the fixed-rate rounds also measure the proxy
 * alone (Get on memstore), in the same alternation.
 */
export async function daprComparison(
  t: DaprTargets,
  opts: { durationS: number; rounds: number },
) {
  const dapr = await startDaprd(t.daprd, t.redisPort);
  const scenarios: ScenarioReport[] = [];
  const figures: Record<string, DaprFigure> = {};
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
      const systems: System[] = rps !== undefined && t.memstoreNamespace !== undefined
        ? ["prism", "dapr", "proxy_alone"]
        : ["prism", "dapr"];
      // What each system is: its address, the namespace (store) read, the processes it costs.
      const targets: Record<System, { address: string; namespace: string; pids: number[] }> = {
        prism: { address: t.proxy, namespace: "cache", pids: [t.proxyPid, t.pluginPid] },
        dapr: { address: dapr.address, namespace: "statestore", pids: [dapr.pid] },
        proxy_alone: {
          address: t.proxy,
          namespace: t.memstoreNamespace ?? "",
          pids: [t.proxyPid],
        },
      };
      const runs: Record<System, ScenarioReport[]> = { prism: [], dapr: [], proxy_alone: [] };
      const cpu: Record<System, number[]> = { prism: [], dapr: [], proxy_alone: [] };
      for (let round = 0; round < opts.rounds; round++) {
        const order = round % 2 === 0 ? systems : [...systems].reverse();
        for (const who of order) {
          const { address, namespace, pids } = targets[who];
          const before = (await Promise.all(pids.map(cpuMicros))).reduce((a, b) => a + b, 0);
          const r = await runGhz(t.ghz, {
            address,
            service: SERVICE_NAMES.keyvalueBasic,
            method: "Get",
            request: { namespace, key: "bench:0123456789" },
            concurrency,
            durationS: opts.durationS,
            rps,
            op: "get",
            namespace,
            system: SYSTEM_NAMES[who],
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
      for (const who of systems) scenarios.push(mid(runs[who]));
      // Each figure: the median over the rounds, per system measured.
      const figure = (of: (who: System) => number[], round = (x: number) => x): DaprFigure => {
        const f: DaprFigure = {
          prism: round(median(of("prism"))),
          dapr: round(median(of("dapr"))),
        };
        if (systems.includes("proxy_alone")) f.proxy_alone = round(median(of("proxy_alone")));
        return f;
      };
      const latency = (k: "p50" | "p99" | "p999") =>
        figure((who) => runs[who].map((r) => r.latency_ms[k]));
      figures[`${name}_throughput_rps`] = figure((who) => runs[who].map((r) => r.throughput_rps));
      figures[`${name}_p50_ms`] = latency("p50");
      figures[`${name}_p99_ms`] = latency("p99");
      figures[`${name}_p999_ms`] = latency("p999");
      figures[`${name}_cpu_us_per_call`] = figure(
        (who) => cpu[who],
        (x) => Math.round(x * 10) / 10,
      );
      const alone = figures[`${name}_p99_ms`].proxy_alone;
      console.error(
        `  vs Dapr, ${name}: Prism ${figures[`${name}_throughput_rps`].prism}/s p99 ${
          figures[`${name}_p99_ms`].prism
        } ms ${figures[`${name}_cpu_us_per_call`].prism} µs/call | Dapr ${
          figures[`${name}_throughput_rps`].dapr
        }/s p99 ${figures[`${name}_p99_ms`].dapr} ms ${
          figures[`${name}_cpu_us_per_call`].dapr
        } µs/call${alone === undefined ? "" : ` | Prism's proxy alone (memstore) p99 ${alone} ms`}`,
      );
    }
  } finally {
    await dapr.stop();
  }
  return { scenarios, figures };
}
