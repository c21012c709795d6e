/**
 * Runs the load tester (`prism load`) as a child process for a benchmark
 * scenario and returns its JSON report (CONTRACT §6), labelled with the
 * system it measured. A separate process: the tester never shares an event
 * loop with what it measures.
 *
 * @module
 */
import type { ScenarioReport } from "./report.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * `prism load <args> --format json`; rejects with the tester's stderr when
 * it fails (including an error rate over `--max-error-rate`, 1% unless
 * `args` sets it).
 *
 * @example
 * ```ts ignore
 * import { runLoad } from "./load.ts";
 * const r = await runLoad(["--target", "127.0.0.1:8980", "--op", "get", "--duration", "3s"], "proxy → memstore");
 * console.log(r.throughput_rps, r.latency_ms.p99);
 * ```
 */
export async function runLoad(args: string[], system: string): Promise<ScenarioReport> {
  const out = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const res = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "prism.ts", "load", ...args, "--quiet", "--format", "json", "--out", out],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!res.success) {
      throw new Error(
        `prism load ${args.join(" ")} failed: ${new TextDecoder().decode(res.stderr)}`,
      );
    }
    const report = JSON.parse(await Deno.readTextFile(out));
    return { ...report, system, driver: "prism load" };
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}
