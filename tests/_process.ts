/**
 * Runs `prism` as a real subprocess (the way users and the supervisor do),
 * collecting its JSON log lines. When `PRISM_COVERAGE_DIR` is set (by
 * `deno task test`), the subprocess adds its coverage there.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** A running `prism` subprocess. */
export interface PrismProcess {
  child: Deno.ChildProcess;
  /** Lines written to stderr so far. */
  stderr: string[];
  /** Lines written to stdout so far. */
  stdout: string[];
  /** Resolves with the first stderr JSON line whose msg is `msg`. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit status once stdout and stderr are drained. */
  exited: Promise<Deno.CommandStatus>;
}

/** Deno flags to run `prism.ts` with (coverage when requested). */
export function denoRunArgs(): string[] {
  const cov = Deno.env.get("PRISM_COVERAGE_DIR");
  return ["run", "-A", ...(cov ? [`--coverage=${cov}`] : []), `${ROOT}prism.ts`];
}

/**
 * Spawns `prism <args>`. A proxy gets an ephemeral admin port unless the
 * arguments name one (its address is in the "listening" log line).
 */
export function spawnPrism(args: string[], env: Record<string, string> = {}): PrismProcess {
  const extra = args[0] === "proxy" && !args.includes("--admin") ? ["--admin", "127.0.0.1:0"] : [];
  const child = new Deno.Command(Deno.execPath(), {
    args: [...denoRunArgs(), ...args, ...extra],
    cwd: ROOT,
    // As if started from the repository (prism resolves relative paths from INIT_CWD).
    env: { PRISM_LOG_LEVEL: "info", INIT_CWD: ROOT, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  const stdout: string[] = [];
  const waiters: { msg: string; resolve: (v: Record<string, unknown>) => void }[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, into: string[], parse: boolean) => {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        into.push(line);
        if (!parse) continue;
        try {
          const obj = JSON.parse(line);
          for (const w of waiters.filter((w) => w.msg === obj.msg)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(obj);
          }
        } catch { /* not JSON */ }
      }
    }
    if (buf) into.push(buf);
  };
  const pumps = Promise.all([pump(child.stdout, stdout, false), pump(child.stderr, stderr, true)]);
  const exited = Promise.all([child.status, pumps]).then(([s]) => s);
  return {
    child,
    stderr,
    stdout,
    exited,
    waitForLog(msg, timeoutMs = 15000) {
      for (const line of stderr) {
        try {
          const obj = JSON.parse(line);
          if (obj.msg === msg) return Promise.resolve(obj);
        } catch { /* not JSON */ }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no "${msg}" log line within ${timeoutMs} ms:\n${stderr.join("\n")}`)),
          timeoutMs,
        );
        waiters.push({ msg, resolve: (v) => (clearTimeout(timer), resolve(v)) });
        exited.then(() =>
          setTimeout(() => {
            clearTimeout(timer);
            reject(new Error(`prism exited before logging "${msg}":\n${stderr.join("\n")}`));
          }, 50)
        );
      });
    },
  };
}

/** Runs `prism <args>` to completion. */
export async function runPrism(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = spawnPrism(args, env);
  const status = await p.exited;
  return { code: status.code, stdout: p.stdout.join("\n"), stderr: p.stderr.join("\n") };
}

/**
 * Live (not zombie) child processes of this process whose argv (`/proc/<pid>/cmdline`,
 * split on NULs) `matches`.
 */
export function childPids(matches: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" || Number(fields[1]) !== Deno.pid) continue;
      if (matches(Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0"))) {
        pids.push(Number(e.name));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
