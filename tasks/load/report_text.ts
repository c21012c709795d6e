/**
 * The load tester's human-readable output: the live progress line and the
 * final summary.
 *
 * @module
 */
import type { LatencyMs } from "../bench/report.ts";
import { latencyColumns, type LoadReport } from "./report.ts";
import type { Progress } from "./runner.ts";

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** A latency summary as the table's right-aligned columns. */
function columns(l: LatencyMs): string {
  return latencyColumns(l).map((v) => ms(v).padStart(9)).join("");
}

function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/**
 * One progress line: `[  3s] 5,123 req/s   errors 0   p99 1.23 ms   total 15,002`.
 *
 * @example
 * ```ts
 * import { progressLine } from "./report_text.ts";
 * console.log(progressLine({ t: 3.02, requests: 15002, errors: 0, rate: 5123, p99: 1.234 }));
 * // "[   3s] 5,123 req/s  errors 0  p99 1.23 ms  total 15,002"
 * ```
 */
export function progressLine(p: Progress): string {
  if (p.t <= 0) return "[warm-up] warming up (not measured)";
  return `[${(p.t.toFixed(0) + "s").padStart(5)}] ${int(p.rate)} req/s  errors ${int(p.errors)}  ` +
    `p99 ${ms(p.p99)} ms  total ${int(p.requests)}`;
}

/**
 * Writes progress lines to stderr: redrawn in place (`\r`) on a terminal,
 * one line each otherwise.
 *
 * @example
 * ```ts
 * import { ProgressWriter } from "./report_text.ts";
 * const lines: string[] = [];
 * const w = new ProgressWriter(false, (s) => lines.push(s));
 * w.update({ t: 1, requests: 10, errors: 0, rate: 10, p99: 1 });
 * w.done();
 * console.log(lines.length); // 1
 * ```
 */
export class ProgressWriter {
  #tty: boolean;
  #write: (s: string) => void;
  #drawn = false;

  constructor(
    tty = Deno.stderr.isTerminal(),
    write: (s: string) => void = (s) => Deno.stderr.writeSync(new TextEncoder().encode(s)),
  ) {
    this.#tty = tty;
    this.#write = write;
  }

  /** Shows `p`. */
  update(p: Progress): void {
    const line = progressLine(p);
    if (this.#tty) {
      this.#write(`\r\x1b[2K${line}`);
      this.#drawn = true;
    } else {
      this.#write(`${line}\n`);
    }
  }

  /** Ends the progress display (moves past the redrawn line). */
  done(): void {
    if (this.#drawn) this.#write("\n");
    this.#drawn = false;
  }
}

/**
 * The final summary.
 *
 * @example
 * ```ts ignore
 * import { textSummary } from "./report_text.ts";
 * console.log(textSummary(report));
 * ```
 */
export function textSummary(r: LoadReport): string {
  const l = r.latency_ms;
  const mode = r.mode === "open"
    ? `open loop at ${int(r.rps_target ?? 0)} req/s (at most ${r.concurrency} in flight)`
    : `closed loop, ${r.concurrency} in flight`;
  const lines = [
    `prism load: ${r.op} on ${r.target} namespace ${r.namespace}`,
    `  ${mode}, ${r.connections} connection(s), ${
      r.workers === 0 ? "main thread" : `${r.workers} worker thread(s)`
    }, profile ${r.profile}, warm-up ${r.warmup_s}s${r.stopped_early ? ", STOPPED EARLY" : ""}`,
    "",
    `  requests    ${int(r.requests)} in ${r.duration_s.toFixed(2)}s`,
    `  throughput  ${r.throughput_rps.toLocaleString("en-US", { maximumFractionDigits: 1 })} req/s`,
    `  errors      ${int(Object.values(r.errors).reduce((a, b) => a + b, 0))} (${
      (r.error_rate * 100).toFixed(2)
    }%)`,
  ];
  for (const [name, n] of Object.entries(r.errors).sort((a, b) => b[1] - a[1])) {
    const msg = r.error_messages[name];
    lines.push(`    ${name.padEnd(20)} ${int(n).padStart(10)}${msg ? `  e.g. "${msg}"` : ""}`);
  }
  lines.push(
    "",
    "  latency (ms)   min      p50      p90      p95      p99    p99.9      max     mean",
    `  ${"all".padEnd(10)}${columns(l)}${ms(r.latency_mean_ms).padStart(9)}`,
  );
  if (r.send_lag_ms) {
    lines.push(
      `  ${"send lag".padEnd(10)}${
        columns(r.send_lag_ms)
      }    how late calls left (the tester's own delay)`,
    );
  }
  const ops = Object.entries(r.ops);
  if (ops.length > 1) {
    for (const [op, o] of ops) {
      lines.push(
        `  ${op.padEnd(10)}${columns(o.latency_ms)}    ${int(o.requests)} req, ${
          int(Object.values(o.errors).reduce((a, b) => a + b, 0))
        } err, ${o.throughput_rps.toFixed(1)} req/s`,
      );
    }
  }
  if (r.unsent > 0) {
    lines.push(
      ``,
      `  ${int(r.unsent)} calls due in the run were never sent (the target fell behind)`,
    );
  }
  if (r.unfinished > 0) {
    lines.push(``, `  ${int(r.unfinished)} calls were still in flight at the end (not counted)`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join("\n");
}
