/**
 * `deno task bench`: the benchmark suite. Starts what it needs, runs every
 * scenario with its baseline in the same run, and writes the JSON report of
 * CONTRACT §6 plus a markdown summary. Numbers are read as ratios against
 * the baselines: this machine is shared and noisy.
 *
 * Scenarios:
 * - memstore operations inside WASM (ns/op) vs a plain JS `Map` store;
 * - Set and Get through the proxy at concurrency 1 and 64 vs an empty
 *   grpc-js handler on the same runtime (the ceiling), load from h2load,
 *   in interleaved rounds (the ratio reported is the median of the rounds');
 * - proxy start-up to first served call; WASM compile/instantiate; .wasm size.
 *
 * Flags: `--out FILE` (default dist/bench/report.json), `--md FILE`
 * (default: beside the JSON), `--duration S` (default 5), `--quick`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ensureMemstoreWasm } from "./build_wasm.ts";
import { BINARY_PERMISSIONS } from "./compile.ts";
import { ensureDebianTool } from "./ensure_tools.ts";
import { connect, unary } from "../proto/client.ts";
import { SERVICE_NAMES } from "../proto/definitions.ts";
import { runH2load } from "./bench/h2load.ts";
import { memstoreOpsBench, wasmInstantiateBench } from "./bench/memstore_ops.ts";
import { machineInfo, type ScenarioReport } from "./bench/report.ts";
import { startupBench } from "./bench/startup.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** A child process that printed its port. */
interface Server {
  port: number;
  stop(): Promise<void>;
}

async function spawnServer(
  args: string[],
  portPattern: RegExp,
  stream: "stdout" | "stderr",
): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { PRISM_LOG_LEVEL: "info" },
    stdin: "null",
    stdout: stream === "stdout" ? "piped" : "null",
    stderr: stream === "stderr" ? "piped" : "inherit",
  }).spawn();
  const reader = child[stream].pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before printing its port: ${buf}`);
    buf += value;
    const m = portPattern.exec(buf);
    if (m) {
      // Keep draining output so the child never blocks on a full pipe.
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })();
      return {
        port: Number(m[1]),
        stop: async () => {
          child.kill("SIGTERM");
          await child.status;
        },
      };
    }
  }
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
      duration: { type: "string", default: "5" },
      quick: { type: "boolean", default: false },
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

  console.error("bench: start-up to first call ...");
  const startup = await startupBench(values.quick ? 3 : 7);

  console.error("bench: through-proxy load vs empty grpc-js handler ...");
  const empty = await spawnServer(
    ["run", "-A", "tasks/bench/empty_server.ts"],
    /listening (\d+)/,
    "stdout",
  );
  const proxy = await spawnServer(
    ["run", ...BINARY_PERMISSIONS, "prism.ts", "proxy", "--listen", "127.0.0.1:0"],
    /"address":"127\.0\.0\.1:(\d+)"/,
    "stderr",
  );
  const scenarios: ScenarioReport[] = [];
  const ratios: Record<string, number> = {};
  const rounds = values.quick ? 1 : 3;
  try {
    const value = new Uint8Array(100).fill(0x78);
    const key = "bench:0123456789"; // 16 bytes
    // The key Get reads exists on the proxy, and the calls succeed as gRPC
    // calls (h2load only sees HTTP statuses).
    const c = connect(`127.0.0.1:${proxy.port}`);
    await unary(c.keyvalue, "Set", { key, value }, { deadline: Date.now() + 5000 });
    for (const concurrency of [1, 64]) {
      for (
        const [op, method, request] of [["set", "Set", { key, value }], ["get", "Get", {
          key,
        }]] as const
      ) {
        const perRound: number[] = [];
        const base: ScenarioReport[] = [];
        const through: ScenarioReport[] = [];
        for (let round = 0; round < rounds; round++) {
          const common = {
            service: SERVICE_NAMES.keyvalueBasic,
            method,
            request,
            concurrency,
            durationS,
            warmupS,
            op,
            namespace: "default",
          };
          base.push(
            await runH2load({
              ...common,
              address: `127.0.0.1:${empty.port}`,
              system: "empty grpc-js handler (ceiling)",
            }),
          );
          through.push(
            await runH2load({
              ...common,
              address: `127.0.0.1:${proxy.port}`,
              system: "proxy → memstore (WASM)",
            }),
          );
          perRound.push(through.at(-1)!.throughput_rps / base.at(-1)!.throughput_rps);
        }
        // Report the median round of each system, and the median of the per-round ratios.
        const median = <T>(xs: T[], by: (x: T) => number) =>
          [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)];
        const b = median(base, (r) => r.throughput_rps);
        const t = median(through, (r) => r.throughput_rps);
        scenarios.push(b, t);
        const name = `${op}_c${concurrency}`;
        ratios[name] = round(median(perRound, (x) => x), 3);
        console.error(
          `  ${op} c=${concurrency}: proxy ${t.throughput_rps}/s p50 ${t.latency_ms.p50} ms p99 ${t.latency_ms.p99} ms | ceiling ${b.throughput_rps}/s | ratio per round ${
            perRound.map((x) => round(x, 2)).join(", ")
          } → ${ratios[name]}`,
        );
      }
    }
    const check = await unary(c.keyvalue, "Get", { key }, { deadline: Date.now() + 5000 });
    c.close();
    if (!check.found) throw new Error("bench: the proxy lost the benchmark key");
  } finally {
    await Promise.all([empty.stop(), proxy.stop()]);
  }

  const p99c1 = Math.max(
    ...scenarios.filter((s) => s.concurrency === 1 && s.system.startsWith("proxy")).map((s) =>
      s.latency_ms.p99
    ),
  );
  const op = (name: string) => micro.find((m) => m.op === name)!;
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
    ...Object.entries(ratios).map(([k, v]) => ({
      name: `proxy throughput / ceiling, ${k}`,
      value: v,
      target: "≥ 0.9",
      pass: v >= 0.9,
    })),
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
  ];

  const report = {
    machine: machineInfo(),
    scenarios,
    micro,
    wasm: { ...wasm, wasm_bytes: wasmBytes },
    startup,
    ratios,
    targets,
  };
  const md = [
    `# Prism benchmark — ${report.machine.date}`,
    "",
    `Deno ${Deno.version.deno}, ${report.machine.cpus} CPUs; load from h2load (one HTTP/2 connection, N streams); ${durationS}s per run after ${warmupS}s warm-up, ${rounds} interleaved round(s), median shown.`,
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
    "## Through the network",
    "",
    "| system | op | concurrency | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...scenarios.map((s) =>
      `| ${s.system} | ${s.op} | ${s.concurrency} | ${s.throughput_rps} | ${s.latency_ms.p50} | ${s.latency_ms.p90} | ${s.latency_ms.p99} | ${s.latency_ms.p999} | ${
        JSON.stringify(s.errors)
      } |`
    ),
    "",
    `Start-up to first served call: median ${startup.median_ms} ms (min ${startup.min_ms}, max ${startup.max_ms}, ${startup.runs} runs).`,
    `WASM: compile ${wasm.compile_ms} ms, instantiate ${wasm.instantiate_ms} ms, ${wasmBytes} bytes.`,
    "",
  ].join("\n");
  const out = values.out!;
  const mdPath = values.md ?? out.replace(/\.json$/, "") + ".md";
  await Deno.mkdir(out.substring(0, out.lastIndexOf("/")) || ".", { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(mdPath, md);
  console.log(md);
  console.error(`bench: wrote ${out} and ${mdPath}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
