/**
 * Benchmark helpers: servers the benchmarks start as child processes (so
 * that the load generator never shares their event loop), and the CPU time
 * they use.
 *
 * @module
 */

import { BINARY_PERMISSIONS } from "../compile.ts";
import { v8FlagsArg } from "../../proto/v8_flags.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A child process that printed its port. */
export interface Server {
  port: number;
  pid: number;
  /** What the server printed up to its port. */
  output: string;
  stop(): Promise<void>;
}

/** CPU time (user + system) a process has used, in microseconds (Linux /proc). */
export async function cpuMicros(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command name (which may contain spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks * (1e6 / CLOCK_TICKS);
}

/** The pids of a process's children (Linux /proc). */
export async function childPids(pid: number): Promise<number[]> {
  const text = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`);
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The machine's CPU time so far: busy and total jiffies over all CPUs (Linux /proc/stat). */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await Deno.readTextFile("/proc/stat")).split("\n")[0];
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.reduce((a, b) => a + b, 0);
  return { busy: total - t[3] - (t[4] ?? 0), total }; // minus idle and iowait
}

/** Kernel clock ticks per second (USER_HZ), 100 on Linux. */
const CLOCK_TICKS = 100;

/**
 * Starts `deno <args>` (or `options.cmd <args>`) and resolves once it
 * printed its port (matched by `portPattern`).
 */
export async function spawnServer(
  args: string[],
  portPattern: RegExp,
  stream: "stdout" | "stderr",
  options: { cmd?: string; env?: Record<string, string> } = {},
): Promise<Server> {
  const child = new Deno.Command(options.cmd ?? Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { PRISM_LOG_LEVEL: "info", ...options.env },
    stdin: "null",
    stdout: stream === "stdout" ? "piped" : "null",
    stderr: stream === "stderr" ? "piped" : "inherit",
  }).spawn();
  const reader = child[stream].pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before printing its port: ${buf}`);
    buf += value;
    const m = portPattern.exec(buf);
    if (m) {
      // Keep draining output so the child never blocks on a full pipe.
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })();
      return {
        port: Number(m[1]),
        pid: child.pid,
        output: buf,
        stop: async () => {
          child.kill("SIGTERM");
          await child.status;
        },
      };
    }
  }
}

/**
 * Starts `prism proxy` from source (with the compiled binary's permissions)
 * on a free loopback port with `config` (YAML, without `listen`), its admin listener on another
 * (`options.admin: ""` turns it off); `stop()` also removes the config file.
 *
 * @example
 * ```ts ignore
 * import { spawnProxy } from "./server.ts";
 * const proxy = await spawnProxy("namespaces:\n  - { name: default, backend: memstore }\n");
 * console.log(proxy.port);
 * await proxy.stop();
 * ```
 */
export async function spawnProxy(
  config: string,
  options: { admin?: string; env?: Record<string, string> } = {},
): Promise<Server> {
  const file = await Deno.makeTempFile({ prefix: "prism-bench-", suffix: ".yaml" });
  await Deno.writeTextFile(file, config);
  try {
    const proxy = await spawnServer(
      [
        "run",
        v8FlagsArg(),
        ...BINARY_PERMISSIONS,
        "prism.ts",
        "proxy",
        "--config",
        file,
        "--listen",
        "127.0.0.1:0",
        // Metrics on, as by default, on a port of its own.
        "--admin",
        options.admin ?? "127.0.0.1:0",
      ],
      /"msg":"listening".*?"address":"127\.0\.0\.1:(\d+)"/,
      "stderr",
      { env: options.env },
    );
    return {
      ...proxy,
      stop: async () => {
        await proxy.stop();
        await Deno.remove(file).catch(() => {});
      },
    };
  } catch (err) {
    await Deno.remove(file).catch(() => {});
    throw err;
  }
}
