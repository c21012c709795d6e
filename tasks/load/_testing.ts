/**
 * Test helpers for the load tester: run `prism load` in this process with
 * its output captured.
 *
 * @module
 */
import { runLoad } from "./main.ts";
import type { LoadReport } from "./report.ts";

/** What a captured run printed, and its exit code. */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `prism load <args>` in this process, capturing its output.
 *
 * @example
 * ```ts ignore
 * import { runLoadCaptured } from "./_testing.ts";
 * const { code, stderr } = await runLoadCaptured(["--op", "get"]);
 * console.log(code, stderr); // 2 "prism load: --target: required (HOST:PORT)\n"
 * ```
 */
export async function runLoadCaptured(args: string[], tty = false): Promise<CapturedRun> {
  let stdout = "";
  let stderr = "";
  const code = await runLoad(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    tty,
  });
  return { code, stdout, stderr };
}

/**
 * Runs `prism load <args> --format json` in this process and parses the report.
 *
 * @example
 * ```ts ignore
 * import { runLoadJson } from "./_testing.ts";
 * const { code, report } = await runLoadJson(["--target", "127.0.0.1:8980", "--op", "get", "--requests", "100"]);
 * console.log(code, report.requests); // 0 100
 * ```
 */
export async function runLoadJson(
  args: string[],
): Promise<CapturedRun & { report: LoadReport }> {
  const run = await runLoadCaptured([...args, "--format", "json", "--quiet"]);
  let report: LoadReport;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    throw new Error(`prism load printed no JSON report (exit ${run.code}):\n${run.stderr}`);
  }
  return { ...run, report };
}
