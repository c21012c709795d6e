/**
 * Test helpers for `prism ctl`: run it in this process with its output
 * captured.
 *
 * @module
 */
import { runCtl } from "./main.ts";

/** What a captured run printed, and its exit code. */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `prism ctl <args>` in this process, capturing its output; `env`
 * stands in for the environment (`--token-env`), `interrupt` for Ctrl-C.
 *
 * @example
 * ```ts ignore
 * import { runCtlCaptured } from "./_testing.ts";
 * const { code, stderr } = await runCtlCaptured(["get"]);
 * console.log(code, stderr); // 2 "prism ctl: get: missing KEY (usage: prism ctl get KEY)\n"
 * ```
 */
export async function runCtlCaptured(
  args: string[],
  options: {
    env?: Record<string, string>;
    interrupt?: AbortSignal;
    onStdout?(text: string): void;
    onStderr?(text: string): void;
  } = {},
): Promise<CapturedRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCtl(args, {
    stdout: (t) => {
      stdout += t;
      options.onStdout?.(t);
    },
    stderr: (t) => {
      stderr += t;
      options.onStderr?.(t);
    },
    interrupt: options.interrupt,
    getEnv: (name) => options.env?.[name],
  });
  return { code, stdout, stderr };
}
