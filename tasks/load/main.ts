/**
 * `prism load` (`deno task load`): the load tester of CONTRACT §6.
 *
 * Prints a progress line each second on stderr, then the report: the text
 * summary, or `--format json|html`, on stdout or to `--out FILE` (the text
 * summary then goes to stdout). Exit codes: 0 ok; 1 when the error rate is
 * over `--max-error-rate` or the run fails (e.g. the target cannot be
 * reached: that fails within 3 s); 2 for bad flags, with a one-line message
 * naming the flag. SIGINT stops the run early and reports what it measured.
 *
 * @module
 */
import { parseFlags, USAGE, UsageError } from "./flags.ts";
import { buildReport, type LoadReport } from "./report.ts";
import { htmlReport } from "./report_html.ts";
import { ProgressWriter, textSummary } from "./report_text.ts";
import { runLoadTest } from "./runner.ts";

/** Where {@linkcode runLoad} writes; the defaults are stdout and stderr. */
export interface LoadIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress redrawn in place). */
  tty: boolean;
}

const encoder = new TextEncoder();
const STD_IO: LoadIO = {
  stdout: (t) => Deno.stdout.writeSync(encoder.encode(t)),
  stderr: (t) => Deno.stderr.writeSync(encoder.encode(t)),
  tty: Deno.stderr.isTerminal(),
};

/** Renders `report` in `format`. */
export function renderReport(report: LoadReport, format: "text" | "json" | "html"): string {
  if (format === "json") return JSON.stringify(report, null, 2) + "\n";
  if (format === "html") return htmlReport(report);
  return textSummary(report) + "\n";
}

/**
 * Runs `prism load` with `args`; resolves with the exit code.
 *
 * @example
 * ```ts ignore
 * import { runLoad } from "./main.ts";
 * const code = await runLoad(["--target", "127.0.0.1:8980", "--op", "get", "--duration", "5s"]);
 * ```
 */
export async function runLoad(args: string[], io: LoadIO = STD_IO): Promise<number> {
  let options;
  try {
    options = parseFlags(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`prism load: ${err.message}\n`);
    return 2;
  }
  if (options.help) {
    io.stdout(USAGE + "\n");
    return 0;
  }
  const progress = new ProgressWriter(io.tty, io.stderr);
  const abort = new AbortController();
  // The first Ctrl-C stops the run and reports; a second one exits at once.
  const onSigint = () => abort.signal.aborted ? Deno.exit(130) : abort.abort();
  let listening = false;
  try {
    Deno.addSignalListener("SIGINT", onSigint);
    listening = true;
  } catch { /* signals unavailable */ }
  let report: LoadReport;
  try {
    const result = await runLoadTest(options, {
      onProgress: options.progress ? (p) => progress.update(p) : undefined,
      onWarning: (m) => {
        progress.done();
        io.stderr(`prism load: warning: ${m}\n`);
      },
      signal: abort.signal,
    });
    progress.done();
    report = buildReport(result);
  } catch (err) {
    progress.done();
    io.stderr(`prism load: ${(err as Error).message}\n`);
    return 1;
  } finally {
    if (listening) Deno.removeSignalListener("SIGINT", onSigint);
  }
  const rendered = renderReport(report, options.format);
  if (options.out !== undefined) {
    try {
      await Deno.writeTextFile(options.out, rendered);
    } catch (err) {
      io.stderr(`prism load: --out: cannot write "${options.out}": ${(err as Error).message}\n`);
      return 1;
    }
    if (options.format !== "text") io.stdout(textSummary(report) + "\n");
    io.stderr(`prism load: wrote the ${options.format} report to ${options.out}\n`);
  } else {
    io.stdout(rendered);
  }
  if (report.requests === 0) {
    io.stderr("prism load: no call completed\n");
    return 1;
  }
  if (report.error_rate > options.maxErrorRate) {
    io.stderr(
      `prism load: error rate ${(report.error_rate * 100).toFixed(2)}% is over --max-error-rate ${
        options.maxErrorRate * 100
      }%\n`,
    );
    return 1;
  }
  return 0;
}
