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
import { VERSION } from "./proxy/version.ts";

export { VERSION };

const USAGE = `Usage: prism <command> [options]

Commands:
  proxy     run the proxy (gRPC on :8980 by default)
  load      run the load tester
  ctl       operator commands
  plugin    run a backend plugin process (the proxy spawns these)

Run 'prism <command> --help' for a command's options; 'prism --version' for the version.`;

/**
 * `prism plugin <name>`: the proxy spawns this (as \`deno run prism.ts plugin
 * <name>\` from source, or \`prism plugin <name>\` from the compiled binary).
 * Each plugin loads only when asked for, so the proxy never loads a plugin's
 * client libraries.
 */
async function runPlugin(args: string[]): Promise<number> {
  const { PLUGINS, pluginNamed } = await import("./plugins/registry.ts");
  const [name, ...rest] = args;
  const plugin = name === undefined ? undefined : pluginNamed(name);
  if (plugin !== undefined) return await plugin.run(rest);
  const names = Object.keys(PLUGINS).join(", ");
  if (name === undefined || name === "-h" || name === "--help") {
    console.log(`Usage: prism plugin <name>

Runs a backend plugin process (${names}). The proxy starts plugins itself; they
refuse to run without it.

${Object.values(PLUGINS).map((p) => `  ${p.name.padEnd(8)}${p.description}`).join("\n")}`);
    return name === undefined ? 2 : 0;
  }
  console.error(`prism plugin: unknown plugin "${name}" (available: ${names})`);
  return 2;
}

/** The commands this build provides, by name. */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  // Each command loads only its own modules (`prism ctl` does not load the proxy).
  proxy: async (args) => await (await import("./proxy/main.ts")).runProxy(args),
  plugin: runPlugin,
  // Loaded only when used, like the plugins.
  load: async (args) => await (await import("./tasks/load/main.ts")).runLoad(args),
  ctl: async (args) => await (await import("./tasks/ctl/main.ts")).runCtl(args),
};

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
  console.error(`prism: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  // `deno task` runs a task in the repository's directory; relative paths
  // on the command line (--config, --out, --tls-ca) mean the caller's.
  const caller = Deno.env.get("INIT_CWD");
  if (caller !== undefined) {
    try {
      if (caller !== Deno.cwd()) Deno.chdir(caller);
    } catch {
      // Without read permission (a plugin process) there are no paths to resolve.
    }
  }
  Deno.exit(await main(Deno.args));
}
