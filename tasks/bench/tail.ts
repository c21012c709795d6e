/**
 * Where the tail of memstore `Get` at a fixed 1,000 calls/s comes from.
 *
 * A proxy runs in a process of its own with V8's GC trace on and two
 * recorders (`_tail_proxy.ts`: memstore TTL sweeps, and an event-loop
 * monitor that notes every time a 2 ms interval fired more than 2 ms late);
 * ghz drives it at 1,000 calls/s with 16 in flight and reports each call's
 * start and latency. Every call slower than 1 ms is matched with what
 * overlapped it in the proxy (on one clock: a forced GC marks where V8's
 * clock stands on the process's), and the proxy's main thread's CPU and
 * context switches are read from `/proc` around the run.
 *
 * ```sh
 * deno run -A tasks/bench/tail.ts [--busy] [--seconds 15]
 * ```
 *
 * `--busy` first sets 200,000 keys with TTLs of 1 to 60 s, so that the
 * sweep removes keys throughout the run.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { findExecutable } from "../tools.ts";
import { v8FlagsArg } from "../../proto/v8_flags.ts";
import { findGhz, type GhzDetail, PROXY_WARMUP_S, runGhz } from "./ghz.ts";
import type { LatencyMs } from "./report.ts";

/** What {@linkcode tailAttribution} found. */
export interface TailAttribution {
  scenario: string;
  calls: number;
  latency_ms: LatencyMs;
  /** Calls over 1 ms. */
  slow: number;
  /** Calls over 1 ms by what overlapped them in the proxy ("nothing": no recorded event). */
  causes: Record<string, number>;
  /** What the recorders saw during the run, by kind. */
  events: Record<string, { count: number; mean_ms: number; max_ms: number }>;
  /** The proxy's main thread during the run. */
  main_thread: {
    cpu_us_per_call: number;
    involuntary_switches_per_s: number;
    voluntary_switches_per_s: number;
  };
}

/** A recorded span of work in the proxy, on its `performance.now()` clock. */
interface Span {
  kind: string;
  start: number;
  ms: number;
}

/**
 * Reads V8's `--trace-gc` lines: each collection's kind, pause and end on
 * V8's clock (ms since the isolate started, whole ms).
 *
 * @example
 * ```ts
 * import { parseGcLine } from "./tail.ts";
 * const line = "[7:0x5581]     2345 ms: Scavenge 4.5 (6.2) -> 3.9 (7.0) MB, pooled: 0.0 MB, 0.71 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure;";
 * console.log(parseGcLine(line)); // { kind: "Scavenge", at: 2345, ms: 0.71, forced: false }
 * ```
 */
export function parseGcLine(
  line: string,
): { kind: string; at: number; ms: number; forced: boolean } | undefined {
  const m =
    /\s(\d+) ms: ([A-Z][A-Za-z -]*?(?: \(reduce\))?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/
      .exec(line);
  if (!m) return undefined;
  return { kind: m[2], at: Number(m[1]), ms: Number(m[3]), forced: /testing/.test(line) };
}

/**
 * A ghz timestamp (RFC 3339 with up to nanoseconds) as ms since the epoch,
 * with its sub-millisecond part.
 *
 * @example
 * ```ts
 * import { epochMs } from "./tail.ts";
 * console.log(epochMs("1970-01-01T00:00:01.000250Z")); // 1000.25
 * ```
 */
export function epochMs(timestamp: string): number {
  const sub = /\.\d{3}(\d{1,6})/.exec(timestamp)?.[1] ?? "";
  return Date.parse(timestamp) + (sub ? Number(sub.padEnd(6, "0")) / 1e6 : 0);
}

/**
 * Matches each slow call with the spans that overlap it and counts the
 * calls by the set of kinds that did; GC kinds count as one, "GC", and
 * match within `gcSlackMs` (V8's clock has whole milliseconds), the
 * others exactly.
 *
 * @example
 * ```ts
 * import { attribute } from "./tail.ts";
 * const causes = attribute(
 *   [{ start: 10, ms: 2 }, { start: 50, ms: 3 }],
 *   [{ kind: "gc:Scavenge", start: 11, ms: 1 }],
 *   0,
 * );
 * console.log(causes); // { GC: 1, nothing: 1 }
 * ```
 */
export function attribute(
  slow: { start: number; ms: number }[],
  spans: Span[],
  gcSlackMs: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const call of slow) {
    const kinds = new Set<string>();
    for (const s of spans) {
      const slack = s.kind.startsWith("gc:") ? gcSlackMs : 0;
      if (s.start <= call.start + call.ms + slack && s.start + s.ms >= call.start - slack) {
        kinds.add(s.kind.startsWith("gc:") ? "GC" : s.kind);
      }
    }
    const key = kinds.size ? [...kinds].sort().join(" + ") : "nothing";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** Voluntary and involuntary context switches and CPU ms of thread `tid` of `pid`. */
async function threadStats(pid: number): Promise<{ vol: number; invol: number; cpuMs: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/task/${pid}/status`);
  const stat = (await Deno.readTextFile(`/proc/${pid}/task/${pid}/stat`)).split(") ")[1].split(" ");
  const ticks = 100; // USER_HZ on Linux
  return {
    vol: Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0),
    invol: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0),
    cpuMs: (Number(stat[11]) + Number(stat[12])) * 1000 / ticks,
  };
}

/** Lines of a byte stream, one at a time. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
    }
  }
  if (buffer) yield buffer;
}

/**
 * Runs one attribution: the proxy process, ghz at 1,000 calls/s for
 * `seconds`, and the matching.
 *
 * @example
 * ```ts ignore
 * import { tailAttribution } from "./tail.ts";
 * const r = await tailAttribution({ busy: false, seconds: 15, ghz: "ghz" });
 * console.log(r.causes);
 * ```
 */
export async function tailAttribution(
  options: { busy: boolean; seconds: number; ghz: string },
): Promise<TailAttribution> {
  const eventsFile = await Deno.makeTempFile({ prefix: "prism-tail-", suffix: ".json" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      v8FlagsArg("--trace-gc", "--expose-gc"),
      new URL("./_tail_proxy.ts", import.meta.url).pathname,
      `--events=${eventsFile}`,
      ...(options.busy ? ["--busy"] : []),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const gcs: ReturnType<typeof parseGcLine>[] = [];
  let marker = NaN;
  let recorded: Span[] = [];
  const ready = Promise.withResolvers<{ port: number; timeOrigin: number }>();
  const gcLines = (async () => {
    for await (const line of lines(child.stdout)) {
      const gc = parseGcLine(line);
      if (gc) gcs.push(gc);
    }
  })();
  const reading = (async () => {
    for await (const line of lines(child.stderr)) {
      if (line.startsWith("MARKER ")) marker = Number(line.slice(7));
      else if (line.startsWith("READY ")) {
        const [port, origin] = line.slice(6).split(" ").map(Number);
        ready.resolve({ port, timeOrigin: origin });
      } else if (line === "EVENTS") recorded = JSON.parse(await Deno.readTextFile(eventsFile));
      else console.error(line);
    }
    ready.reject(new Error("the proxy process ended before it was ready"));
  })();
  try {
    const { port, timeOrigin } = await ready.promise;
    let details: GhzDetail[] = [];
    const run = {
      address: `127.0.0.1:${port}`,
      service: SERVICE_NAMES.keyvalueBasic,
      method: "Get",
      request: { namespace: "default", key: "bench:0123456789" },
      concurrency: 16,
      durationS: options.seconds,
      rps: 1000,
      op: "get",
      namespace: "default",
      system: "proxy → memstore (WASM)",
    };
    // The same traffic first: a fresh proxy's first seconds are not its steady state.
    await runGhz(options.ghz, { ...run, durationS: PROXY_WARMUP_S });
    const before = await threadStats(child.pid);
    const t0 = performance.now();
    const report = await runGhz(options.ghz, { ...run, onDetails: (d) => details = d });
    const wallS = (performance.now() - t0) / 1000;
    const after = await threadStats(child.pid);
    await child.stdin.close();
    await Promise.all([reading, gcLines]);
    await child.status;

    // V8's clock → the proxy's performance.now(): the forced GC ended at the marker.
    const forced = gcs.filter((g) => g?.forced).at(-1);
    if (!forced || Number.isNaN(marker)) throw new Error("the GC clock marker is missing");
    const offset = marker - forced.at;
    const spans: Span[] = [
      ...gcs.filter((g) => g && !g.forced).map((g) => ({
        kind: `gc:${g!.kind}`,
        start: g!.at + offset - g!.ms,
        ms: g!.ms,
      })),
      ...recorded,
    ];
    const calls = details.filter((d) => d.status === "OK").map((d) => ({
      start: epochMs(d.timestamp) - timeOrigin,
      ms: d.latency / 1e6,
    }));
    const first = Math.min(...calls.map((c) => c.start));
    const last = Math.max(...calls.map((c) => c.start + c.ms));
    const during = spans.filter((s) => s.start + s.ms >= first && s.start <= last);
    const slow = calls.filter((c) => c.ms > 1);
    const events: TailAttribution["events"] = {};
    for (const s of during) {
      const e = events[s.kind] ??= { count: 0, mean_ms: 0, max_ms: 0 };
      e.mean_ms = (e.mean_ms * e.count + s.ms) / (e.count + 1);
      e.count++;
      e.max_ms = Math.max(e.max_ms, s.ms);
    }
    for (const e of Object.values(events)) {
      e.mean_ms = Math.round(e.mean_ms * 1000) / 1000;
      e.max_ms = Math.round(e.max_ms * 1000) / 1000;
    }
    return {
      scenario: options.busy
        ? "memstore Get at 1,000/s while 200,000 keys with TTLs expire"
        : "memstore Get at 1,000/s, quiet",
      calls: calls.length,
      latency_ms: report.latency_ms,
      slow: slow.length,
      causes: attribute(slow, during, 1),
      events,
      main_thread: {
        cpu_us_per_call: Math.round(
          (after.cpuMs - before.cpuMs) * 1000 / Math.max(1, calls.length),
        ),
        involuntary_switches_per_s: Math.round((after.invol - before.invol) / wallS),
        voluntary_switches_per_s: Math.round((after.vol - before.vol) / wallS),
      },
    };
  } finally {
    try {
      child.kill();
    } catch { /* gone */ }
    await child.status.catch(() => {});
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(eventsFile).catch(() => {});
  }
}

const GO_FLOOR_SRC = new URL("./go_floor/", import.meta.url).pathname;
const GO_FLOOR_BIN = new URL("../../.cache/go_floor/gofloor", import.meta.url).pathname;

/** What ghz measured against the empty Go server. */
export interface FloorResult {
  scenario: string;
  calls: number;
  latency_ms: LatencyMs;
  slow: number;
}

/**
 * The same ghz run against an empty Go gRPC server (`go_floor/`, built into
 * `.cache/go_floor/` the first time): what the machine and the client cost
 * with no JavaScript on the server side — twice, as every fixed-rate run of
 * the bench drives it (ghz's garbage collector off, `ghzEnv` in `ghz.ts`) and
 * with ghz's collector on, which shows what the client's own pauses add to a
 * tail. Empty when Go is missing.
 *
 * @example
 * ```ts ignore
 * import { goFloor } from "./tail.ts";
 * const [floor, clientGc] = await goFloor("ghz", 15);
 * console.log(floor?.latency_ms.p99, clientGc?.latency_ms.p99);
 * ```
 */
export async function goFloor(ghz: string, seconds: number): Promise<FloorResult[]> {
  const go = await findExecutable("go", ["/usr/local/go/bin", "/usr/lib/go/bin"]);
  if (!go) return [];
  const built = await Deno.stat(GO_FLOOR_BIN).then(() => true, () => false);
  if (!built) {
    const out = await new Deno.Command(go, {
      args: ["build", "-o", GO_FLOOR_BIN, "."],
      cwd: GO_FLOOR_SRC,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      console.error(`go build of the floor server failed: ${new TextDecoder().decode(out.stderr)}`);
      return [];
    }
  }
  const child = new Deno.Command(GO_FLOOR_BIN, { stdout: "piped", stderr: "inherit" }).spawn();
  try {
    const first = await lines(child.stdout).next();
    const port = Number(first.value);
    if (!Number.isInteger(port) || port <= 0) {
      throw new Error(`the floor server said ${first.value}`);
    }
    const floors: FloorResult[] = [];
    for (const clientGc of [false, true]) {
      let details: GhzDetail[] = [];
      const report = await runGhz(ghz, {
        address: `127.0.0.1:${port}`,
        service: SERVICE_NAMES.keyvalueBasic,
        method: "Get",
        request: { namespace: "default", key: "bench:0123456789" },
        concurrency: 16,
        durationS: seconds,
        rps: 1000,
        clientGc,
        op: "get",
        namespace: "default",
        system: "empty Go gRPC server",
        onDetails: (d) => details = d,
      });
      floors.push({
        scenario: clientGc
          ? "the same, ghz's own garbage collector on"
          : "empty Go gRPC server (the floor)",
        calls: report.requests,
        latency_ms: report.latency_ms,
        slow: details.filter((d) => d.status === "OK" && d.latency > 1e6).length,
      });
    }
    return floors;
  } finally {
    child.kill();
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
}

/** The attribution as markdown. */
export function tailMarkdown(results: TailAttribution[], floors: FloorResult[] = []): string[] {
  const out = [
    "| scenario | calls | p50 / p99 / p99.9 ms | calls > 1 ms | overlapped by | proxy main thread |",
    "| --- | ---: | --- | ---: | --- | --- |",
  ];
  for (const floor of floors) {
    out.push(
      `| ${floor.scenario} | ${floor.calls} | ${floor.latency_ms.p50} / ${floor.latency_ms.p99} / ${floor.latency_ms.p999} | ${floor.slow} | — | — |`,
    );
  }
  for (const r of results) {
    const causes = Object.entries(r.causes).sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k}: ${n}`).join("; ");
    out.push(
      `| ${r.scenario} | ${r.calls} | ${r.latency_ms.p50} / ${r.latency_ms.p99} / ${r.latency_ms.p999} | ${r.slow} | ${causes} | ${r.main_thread.cpu_us_per_call} µs CPU per call, ${r.main_thread.involuntary_switches_per_s} involuntary switches/s |`,
    );
  }
  out.push("", "| scenario | recorded in the proxy during the run | count | mean ms | max ms |");
  out.push("| --- | --- | ---: | ---: | ---: |");
  for (const r of results) {
    for (const [kind, e] of Object.entries(r.events)) {
      out.push(`| ${r.scenario} | ${kind} | ${e.count} | ${e.mean_ms} | ${e.max_ms} |`);
    }
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { busy: { type: "boolean" }, seconds: { type: "string", default: "15" } },
  });
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 1) {
    console.error(`--seconds must be a positive integer: current value is ${values.seconds}`);
    Deno.exit(2);
  }
  const ghz = await findGhz();
  if (!ghz) {
    console.error("tail attribution needs ghz (go install github.com/bojand/ghz/cmd/ghz@latest)");
    Deno.exit(1);
  }
  const floors = await goFloor(ghz, seconds);
  const result = await tailAttribution({ busy: !!values.busy, seconds, ghz });
  console.log(tailMarkdown([result], floors).join("\n"));
}
