/**
 * Test helper: runs a plugin as a real subprocess, the way the proxy does
 * (magic cookie in the environment, stdin a pipe nobody writes), and reads
 * its handshake. When `PRISM_COVERAGE_DIR` is set (by `deno task test`) the
 * subprocess adds its coverage there.
 *
 * @module
 */
import {
  CHANNEL_TOKEN_HEADER,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
  newChannelToken,
} from "../../proto/plugin/protocol.ts";

/** A plugin subprocess.
 *
 * @example
 * ```ts ignore
 * import { spawnPlugin } from "./_spawn.ts";
 * const p = spawnPlugin("plugins/redis/main.ts");
 * console.log(await p.handshake);
 * await p.closeStdin();
 * ```
 */
export interface PluginProcess {
  child: Deno.ChildProcess;
  /** The first stdout line (the handshake), without its newline. */
  handshake: Promise<string>;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Lines written to stderr so far. */
  stderr: string[];
  /** Closes the plugin's stdin (what the proxy's death looks like). */
  closeStdin(): Promise<void>;
  /** The channel token written on its stdin, as the request header every call must carry. */
  tokenHeader: [string, string];
  /** Exit status, once stdout and stderr are drained. */
  exited: Promise<Deno.CommandStatus>;
}

/** Options of {@linkcode spawnPlugin}.
 *
 * @example
 * ```ts
 * import type { SpawnOptions } from "./_spawn.ts";
 * const opts: SpawnOptions = { permissions: ["--allow-net=127.0.0.1", "--allow-env"], cookie: true };
 * console.log(opts.cookie);
 * ```
 */
export interface SpawnOptions {
  /** Deno permission flags (default `-A`). */
  permissions?: string[];
  /** Set the magic cookie (default true). */
  cookie?: boolean;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Write a channel token on stdin as the proxy does (default true). */
  token?: boolean;
}

/** What the subprocess inherits: enough for Deno to find its cache, nothing else. */
function passThrough(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Runs `deno run <permissions> <script> <args>` with a clean environment.
 *
 * @example
 * ```ts ignore
 * import { spawnPlugin } from "./_spawn.ts";
 * const p = spawnPlugin("plugins/sdk/_test_plugin.ts", [], { cookie: false });
 * console.log((await p.exited).code); // 1
 * ```
 */
export function spawnPlugin(
  script: string,
  args: string[] = [],
  options: SpawnOptions = {},
): PluginProcess {
  const cov = Deno.env.get("PRISM_COVERAGE_DIR");
  const env: Record<string, string> = { PRISM_LOG_LEVEL: "debug", ...options.env };
  if (options.cookie !== false) env[MAGIC_COOKIE_KEY] = MAGIC_COOKIE_VALUE;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...(options.permissions ?? ["-A"]),
      ...(cov ? [`--coverage=${cov}`] : []),
      script,
      ...args,
    ],
    clearEnv: true,
    env: { ...passThrough(), ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const stderr: string[] = [];
  let resolveHandshake!: (line: string) => void;
  let rejectHandshake!: (err: Error) => void;
  const handshake = new Promise<string>((resolve, reject) => {
    resolveHandshake = resolve;
    rejectHandshake = reject;
  });
  handshake.catch(() => {});
  const pumpOut = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      out += decoder.decode(chunk, { stream: true });
      const nl = out.indexOf("\n");
      if (nl >= 0) resolveHandshake(out.slice(0, nl));
    }
  })();
  const pumpErr = (async () => {
    let buf = "";
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      buf += text;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        stderr.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    }
    if (buf) stderr.push(buf);
  })();
  const exited = Promise.all([child.status, pumpOut, pumpErr]).then(([s]) => {
    rejectHandshake(
      new Error(`plugin exited (${s.code}) without a handshake:\n${stderr.join("\n")}`),
    );
    return s;
  });
  const writer = child.stdin.getWriter();
  const token = newChannelToken();
  if (options.token !== false) writer.write(new TextEncoder().encode(`${token}\n`)).catch(() => {});
  return {
    child,
    handshake,
    stdout: () => out,
    stderr,
    tokenHeader: [CHANNEL_TOKEN_HEADER, token],
    closeStdin: async () => {
      try {
        await writer.close();
      } catch { /* already closed */ }
    },
    exited,
  };
}
