/**
 * `deno task compile`: builds the single `prism` binary (`dist/prism`) with
 * `deno compile`, embedding the memstore WebAssembly module.
 *
 * `deno compile` needs the `denort` runtime of the same Deno version. Deno
 * downloads it from its release site unless `DENORT_BIN` names a local copy;
 * where neither works (e.g. a machine that reaches only package registries)
 * this task fails with exit code 1 and says so plainly.
 *
 * Options: `--output PATH` (default `dist/prism`), `--target TRIPLE`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ensureMemstoreWasm } from "./build_wasm.ts";
import { v8FlagsArg } from "../proto/v8_flags.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Permissions the binary runs with: those of `deno task proxy`. */
export const BINARY_PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

/** Whether `deno compile` output shows it could not obtain the denort runtime. */
export function isRuntimeDownloadFailure(output: string): boolean {
  return /denort|Setting up base binary|dns error|failed to lookup address|Download/i.test(
    output,
  ) &&
    /error/i.test(output);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { output: { type: "string", default: "dist/prism" }, target: { type: "string" } },
    strict: true,
  });
  const wasm = await ensureMemstoreWasm();
  const args = [
    "compile",
    v8FlagsArg(),
    ...BINARY_PERMISSIONS,
    "--include",
    wasm,
    // The load tester's worker threads are loaded by URL, not imported.
    "--include",
    "tasks/load/worker.ts",
    "--include",
    "tasks/load/clock_worker.ts",
    "--output",
    values.output!,
    ...(values.target ? ["--target", values.target] : []),
    "prism.ts",
  ];
  console.log(`deno ${args.join(" ")}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (out.success) {
    console.log(text.trim());
    console.log(`built ${values.output}`);
    return 0;
  }
  if (isRuntimeDownloadFailure(text) && !Deno.env.get("DENORT_BIN")) {
    console.error(
      `compile: cannot build the binary here: 'deno compile' must download the denort runtime ` +
        `for Deno ${Deno.version.deno}, and the Deno release download is not reachable from this machine.\n` +
        `compile: set DENORT_BIN to a denort ${Deno.version.deno} binary for this platform ` +
        `(from the Deno release archive 'denort-<target>.zip') and run 'deno task compile' again, ` +
        `or run it on a machine with internet access (the Dockerfile does).\n` +
        `compile: deno said: ${text.trim().split("\n").slice(-3).join(" | ")}`,
    );
    return 1;
  }
  console.error(`compile: deno compile failed:\n${text}`);
  return 1;
}

if (import.meta.main) Deno.exit(await main());
