/**
 * `prism`: the one entry point of Prism (CONTRACT §1), and the module that
 * `deno compile` turns into the `prism` binary.
 *
 * ```
 * prism proxy [--config FILE] [--listen HOST:PORT]
 * prism load ...            (load tester)
 * prism ctl ...             (operator commands)
 * prism plugin <name>       (run a backend plugin; spawned by the proxy)
 * ```
 *
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage or invalid config.
 *
 * @module
 */
import { runProxy } from "./proxy/main.ts";

/** Prism's version. */
export const VERSION = "0.1.0";

const USAGE = `Usage: prism <command> [options]

Commands:
  proxy     run the proxy (gRPC on :8980 by default)
  load      run the load tester
  ctl       operator commands
  plugin    run a backend plugin process (the proxy spawns these)

Run 'prism <command> --help' for a command's options; 'prism --version' for the version.`;

/** The commands this build provides, by name. */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  proxy: runProxy,
};

/** Commands of the CLI contract that later versions provide. */
const PLANNED = ["load", "ctl", "plugin"];

/**
 * Runs the CLI with `args`, resolving with the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./prism.ts";
 * console.log(await main(["--version"])); // 0
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "version") {
    console.log(`prism ${VERSION}`);
    return 0;
  }
  const run = COMMANDS[command];
  if (run !== undefined) return await run(rest);
  if (PLANNED.includes(command)) {
    console.error(`prism: '${command}' is not available in this build yet`);
    return 2;
  }
  console.error(`prism: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
