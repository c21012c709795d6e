/**
 * `prism proxy [--config FILE] [--listen HOST:PORT] [--admin HOST:PORT]`: runs the proxy until
 * SIGINT or SIGTERM, then drains and exits 0 (CONTRACT §1, §5).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError, defaultConfig, parseListen } from "./config/config.ts";
import { Logger } from "../proto/log/logger.ts";
import { Proxy } from "./server.ts";

/** Raised for bad command-line usage; the CLI exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Help text of `prism proxy`. */
export const PROXY_USAGE =
  `Usage: prism proxy [--config FILE] [--listen HOST:PORT] [--admin HOST:PORT]

Starts the Prism proxy. Without a config file (neither --config nor
PRISM_CONFIG) it serves namespace "default" on the in-process memstore.

Options:
  --config FILE       YAML configuration (also PRISM_CONFIG)
  --listen HOST:PORT  listen address (default from config, else 0.0.0.0:8980)
  --admin HOST:PORT   admin HTTP address for /metrics, /healthz, /readyz, /status
                      (default from config, else 127.0.0.1:9980; "" turns it off)
  -h, --help          show this help`;

/** Parsed flags of `prism proxy`. */
export interface ProxyFlags {
  config?: string;
  listen?: string;
  admin?: string;
  help: boolean;
}

/**
 * Parses `prism proxy` flags.
 *
 * @throws {UsageError} naming the flag at fault.
 *
 * @example
 * ```ts
 * import { parseProxyFlags } from "./main.ts";
 * console.log(parseProxyFlags(["--listen", "127.0.0.1:0"]).listen); // "127.0.0.1:0"
 * ```
 */
export function parseProxyFlags(args: string[]): ProxyFlags {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        config: { type: "string" },
        listen: { type: "string" },
        admin: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) {
      throw new UsageError(`prism proxy: unexpected argument "${positionals[0]}"`);
    }
    if (values.listen !== undefined) {
      try {
        parseListen(values.listen);
      } catch (err) {
        throw new UsageError(`prism proxy: --listen: ${(err as Error).message}`);
      }
    }
    if (values.admin !== undefined && values.admin !== "") {
      try {
        parseListen(values.admin);
      } catch (err) {
        throw new UsageError(`prism proxy: --admin: ${(err as Error).message}`);
      }
    }
    return {
      config: values.config,
      listen: values.listen,
      admin: values.admin,
      help: values.help ?? false,
    };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`prism proxy: ${(err as Error).message}`);
  }
}

/**
 * Runs `prism proxy` with `args`; resolves with the process exit code once
 * the proxy has stopped (0 after a signal-initiated drain).
 *
 * @example
 * ```ts ignore
 * import { runProxy } from "./main.ts";
 * Deno.exit(await runProxy(["--listen", "127.0.0.1:8980"]));
 * ```
 */
export async function runProxy(args: string[]): Promise<number> {
  let log: Logger;
  try {
    log = new Logger();
  } catch (err) {
    console.error(`prism proxy: ${(err as Error).message}`);
    return 2;
  }
  let flags: ProxyFlags;
  try {
    flags = parseProxyFlags(args);
  } catch (err) {
    console.error((err as Error).message);
    console.error("Run 'prism proxy --help' for usage.");
    return 2;
  }
  if (flags.help) {
    console.log(PROXY_USAGE);
    return 0;
  }
  const file = flags.config ?? Deno.env.get("PRISM_CONFIG");

  // Signals are handled from the start: one that arrives while the proxy is
  // still starting stops it as soon as it is up.
  const stopped = Promise.withResolvers<void>();
  let proxy: Proxy | undefined;
  let requested: Deno.Signal | undefined;
  let firstSignalAt = 0;
  const stop = (signal: Deno.Signal) =>
    proxy!.shutdown(`received ${signal}`).then(() => stopped.resolve());
  const onSignal = (signal: Deno.Signal) => () => {
    if (requested !== undefined) {
      // A terminal's Ctrl-C reaches both `deno task` and the proxy, and
      // `deno task` forwards it too: only a later, deliberate second signal
      // cuts the drain short.
      if (performance.now() - firstSignalAt < 1000) return;
      log.warn("second signal: exiting now", { signal });
      Deno.exit(1);
    }
    requested = signal;
    firstSignalAt = performance.now();
    if (proxy) stop(signal);
  };
  const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => [s, onSignal(s)] as const);
  for (const [s, fn] of listeners) Deno.addSignalListener(s, fn);
  const removeListeners = () => {
    for (const [s, fn] of listeners) Deno.removeSignalListener(s, fn);
  };

  try {
    // The YAML parser loads only when there is a file to parse (start-up time).
    const config = file
      ? await (await import("./config/load.ts")).loadConfigFile(file)
      : defaultConfig();
    proxy = await Proxy.start({ config, listen: flags.listen, admin: flags.admin, log });
  } catch (err) {
    removeListeners();
    if (err instanceof ConfigError) {
      console.error(`prism proxy: invalid config: ${err.message}`);
      return 2;
    }
    console.error(`prism proxy: ${(err as Error).message}`);
    return 1;
  }
  if (requested !== undefined) stop(requested);
  await stopped.promise;
  // The listeners stay until the process exits: a duplicate Ctrl-C (the
  // terminal's and the task runner's) can arrive after a quick drain, and
  // with no listener Deno ends the process with 130 instead of 0.
  return 0;
}
