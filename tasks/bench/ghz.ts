/**
 * ghz (an independent Go gRPC load tool) as a benchmark driver, for figures
 * that should not rest on the project's own load tester alone: p50, p99 and
 * p99.9 (from ghz's per-call details) at a fixed rate, and throughput.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { serviceDefinition, type ServiceName } from "../../proto/definitions.ts";
import { DESCRIPTOR_SET_BASE64 } from "../../proto/gen/descriptor_set.ts";
import { ensureGoTool } from "../ensure_tools.ts";
import { findExecutable, goBinDirs } from "../tools.ts";
import { percentiles, type ScenarioReport } from "./report.ts";

/**
 * Seconds of traffic at the measured rate a freshly started proxy gets
 * before a fixed-rate run is measured. Until TurboFan has optimized its hot
 * paths (about 5 s at 1,000 calls/s without Maglev, `proto/v8_flags.ts`), a
 * process's young-generation collections keep and promote what closures
 * stored per call capture (ioredis's, for one) and pause longer; a tail
 * measured from the first call measures that warm-up, not the steady state
 * a running proxy serves in (README, benchmarks).
 *
 * @example
 * ```ts
 * import { PROXY_WARMUP_S } from "./ghz.ts";
 * console.log(PROXY_WARMUP_S); // 8
 * ```
 */
export const PROXY_WARMUP_S = 8;

/** ghz's binary, installed when Go is there; undefined otherwise. */
export async function findGhz(): Promise<string | undefined> {
  if (!(await ensureGoTool("ghz").catch(() => false))) return undefined;
  return await findExecutable("ghz", goBinDirs());
}

/**
 * A request for ghz's `--binary-file`, which takes either one serialized
 * message or count-prefixed ones (each after its varint length) and guesses
 * which: a message whose first byte happens to read as a plausible length is
 * misread (seen here: namespace "cache" was sent as a 10-byte fragment). The
 * count-prefixed form is never ambiguous.
 *
 * @example
 * ```ts
 * import { ghzBinary } from "./ghz.ts";
 * console.log(ghzBinary(new Uint8Array([0x0a, 1, 0x61]))); // Uint8Array(4) [3, 10, 1, 97]
 * ```
 */
export function ghzBinary(message: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = message.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  const out = new Uint8Array(len.length + message.length);
  out.set(len, 0);
  out.set(message, len.length);
  return out;
}

/** One call as ghz reports it: its start (RFC 3339, ns digits), latency in ns, status. */
export interface GhzDetail {
  timestamp: string;
  latency: number;
  status: string;
}

/** What one ghz run drives. */
export interface GhzRun {
  address: string;
  service: ServiceName;
  method: string;
  request: Record<string, unknown>;
  concurrency: number;
  durationS: number;
  /** A fixed rate; closed loop when absent. */
  rps?: number;
  /**
   * Whether ghz's own Go garbage collector runs. By default it does not in a
   * fixed-rate run (see `ghzEnv`) and does in a closed loop; `true` keeps it
   * on, to measure what it costs the tail.
   */
  clientGc?: boolean;
  op: string;
  namespace: string;
  system: string;
  /** Receives ghz's per-call details (start time, latency in ns, status). */
  onDetails?: (details: GhzDetail[]) => void;
  /** For servers without Prism's descriptors (Dapr): a .proto and its import path. */
  proto?: { file: string; importPath: string; call: string; data: string };
}

/** ghz allocates about 55 KB per call (measured: 554 MB of RSS for 10,000 calls with its collector off). */
const GHZ_BYTES_PER_CALL = 64 * 1024;

/**
 * The environment ghz runs with. In a fixed-rate run its Go garbage collector
 * is off (`GOGC=off`), with a soft memory limit (`GOMEMLIMIT`) of what the
 * run needs at about 64 KiB per call plus 256 MiB, at most a quarter of the
 * machine's memory: past it, Go collects again. With the collector on, ghz's
 * own collections showed up as calls of 2–6 ms every 1.25 s (at 1.0, 2.25,
 * 3.5… s into every run) against any server, an empty Go one included — the
 * client's pauses, counted as the server's latency (README, benchmarks). A
 * closed-loop run (no `rps`) keeps the collector: it makes 10× the calls, and
 * its figure is throughput.
 *
 * @example
 * ```ts
 * import { ghzEnv } from "./ghz.ts";
 * const env = ghzEnv({ rps: 1000, durationS: 10 }, 24 * 2 ** 30);
 * console.log(env.GOGC, Number(env.GOMEMLIMIT) / 2 ** 20); // off 881
 * console.log(ghzEnv({ durationS: 10 }, 24 * 2 ** 30)); // {}
 * ```
 */
export function ghzEnv(
  run: Pick<GhzRun, "rps" | "durationS" | "clientGc">,
  totalMemory: number = Deno.systemMemoryInfo().total,
): Record<string, string> {
  if (!run.rps || run.clientGc === true) return {};
  const need = run.rps * run.durationS * GHZ_BYTES_PER_CALL + 256 * 2 ** 20;
  return { GOGC: "off", GOMEMLIMIT: String(Math.floor(Math.min(need, totalMemory / 4))) };
}

/** Runs ghz once; the report in CONTRACT §6's shape (latencies from ghz's details). */
export async function runGhz(ghz: string, run: GhzRun): Promise<ScenarioReport> {
  const dir = await Deno.makeTempDir({ prefix: "prism-ghz-" });
  try {
    let target: string[];
    if (run.proto) {
      target = [
        "--proto",
        run.proto.file,
        "--import-paths",
        run.proto.importPath,
        "--call",
        run.proto.call,
        "-d",
        run.proto.data,
      ];
    } else {
      const def = serviceDefinition(run.service)[run.method];
      await Deno.writeFile(`${dir}/set.protoset`, Buffer.from(DESCRIPTOR_SET_BASE64, "base64"));
      await Deno.writeFile(`${dir}/req.bin`, ghzBinary(def.requestSerialize(run.request)));
      target = [
        "--protoset",
        `${dir}/set.protoset`,
        "--call",
        `${run.service}.${run.method}`,
        "--binary-file",
        `${dir}/req.bin`,
      ];
    }
    const out = await new Deno.Command(ghz, {
      args: [
        "--insecure",
        ...target,
        "--concurrency",
        String(run.concurrency),
        "--connections",
        "1",
        "--duration",
        `${run.durationS}s`,
        "--duration-stop",
        "wait",
        ...(run.rps ? ["--rps", String(run.rps)] : []),
        "--format",
        "json",
        run.address,
      ],
      env: ghzEnv(run),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`ghz failed: ${new TextDecoder().decode(out.stderr).slice(0, 2000)}`);
    }
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    const details = (r.details ?? []) as GhzDetail[];
    run.onDetails?.(details);
    const ok = details
      .filter((d) => d.status === "OK")
      .map((d) => d.latency / 1e6);
    const errors: Record<string, number> = {};
    for (const [code, n] of Object.entries(r.statusCodeDistribution ?? {})) {
      if (code !== "OK") errors[code.toUpperCase()] = n as number;
    }
    return {
      op: run.op,
      namespace: run.namespace,
      target: run.address,
      concurrency: run.concurrency,
      duration_s: run.durationS,
      requests: ok.length,
      errors,
      throughput_rps: Math.round(r.rps),
      latency_ms: percentiles(ok),
      system: run.system,
      driver: "ghz",
      ...(run.rps ? { rps_target: run.rps } : {}),
    } as ScenarioReport;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
