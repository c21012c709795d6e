/**
 * One plugin process, and nothing else (go-plugin's seam): spawned with a
 * least-privilege environment, handed its channel token on stdin, its
 * handshake line read from stdout with a timeout, its stderr (JSON log
 * lines) forwarded into the proxy's log, and its exit observed. Whether it
 * is restarted is the supervisor's decision (`supervisor.ts`); the RPC
 * connection to it is `connection.ts`.
 *
 * Plugins die with their host: they exit when their stdin — a pipe only the
 * proxy holds — reaches end of file, which also happens when the proxy is
 * killed with SIGKILL.
 *
 * @module
 */
import type { Logger, LogLevel } from "../../proto/log/logger.ts";
import {
  type Handshake,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
  parseHandshake,
} from "./handshake.ts";

/** The program and arguments that start a plugin.
 *
 * @example
 * ```ts
 * import type { PluginCommand } from "./process.ts";
 * const cmd: PluginCommand = { cmd: Deno.execPath(), args: ["run", "prism.ts", "plugin", "redis"] };
 * console.log(cmd.args.at(-1)); // "redis"
 * ```
 */
export interface PluginCommand {
  cmd: string;
  args: string[];
}

/** What a plugin process inherits besides its own settings: where Deno keeps its cache, and coverage collection under `deno task test`. */
const INHERITED_ENV = [
  "HOME",
  "PATH",
  "DENO_DIR",
  "DENO_COVERAGE_DIR",
  "PRISM_LOG_LEVEL",
  "TMPDIR",
];

/**
 * A plugin's environment: least privilege — the magic cookie, the few
 * variables Deno itself needs, the plugin's own `PRISM_<KIND>_*`
 * overrides, OpenTelemetry's `OTEL_*` settings (its spans go where the
 * proxy's go), and the variables in `pass` (a secret its config names);
 * nothing else of the proxy's environment.
 *
 * @example
 * ```ts
 * import { pluginEnv } from "./process.ts";
 * console.log(pluginEnv("redis").PRISM_PLUGIN_MAGIC_COOKIE); // "prism-plugin-v1"
 * ```
 */
export function pluginEnv(kind: string, pass: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = { [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE };
  const own = `PRISM_${kind.toUpperCase()}_`;
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (
      INHERITED_ENV.includes(k) || k.startsWith(own) || k.startsWith("OTEL_") || pass.includes(k)
    ) env[k] = v;
  }
  return env;
}

const LEVELS: ReadonlySet<string> = new Set(["debug", "info", "warn", "error"]);

/**
 * A spawned plugin process.
 *
 * @example
 * ```ts
 * import { Logger } from "../../proto/log/logger.ts";
 * import { PluginProcess } from "./process.ts";
 * const p = PluginProcess.spawn({
 *   kind: "demo",
 *   command: { cmd: Deno.execPath(), args: ["eval", "console.log('1|1|tcp|127.0.0.1:1|grpc')"] },
 *   token: "t",
 *   log: new Logger({}, "error"),
 * });
 * const handshake = await p.handshake(5000);
 * console.log(handshake.address); // "127.0.0.1:1"
 * console.log((await p.exited).code); // 0
 * ```
 */
export class PluginProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #log: Logger;
  /** Resolves with the exit status once the process has ended. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** `performance.now()` when it was spawned. */
  readonly startedAt: number = performance.now();
  #exitStatus: Deno.CommandStatus | undefined;

  private constructor(child: Deno.ChildProcess, log: Logger, token: string) {
    this.#child = child;
    this.#log = log;
    this.#stdin = child.stdin.getWriter();
    // The channel token: the first line on stdin, never in argv, env or a file.
    this.#stdin.write(new TextEncoder().encode(`${token}\n`)).catch(() => {});
    this.exited = child.status.then((s) => this.#exitStatus = s);
    this.#forwardLogs(child.stderr);
  }

  /** Spawns the plugin with its environment; its stderr goes to `log`. */
  static spawn(
    options: {
      kind: string;
      command: PluginCommand;
      token: string;
      log: Logger;
      /** Variables passed on besides the plugin's own (see {@linkcode pluginEnv}). */
      passEnv?: readonly string[];
    },
  ): PluginProcess {
    const child = new Deno.Command(options.command.cmd, {
      args: options.command.args,
      clearEnv: true,
      env: pluginEnv(options.kind, options.passEnv),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new PluginProcess(child, options.log, options.token);
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Whether the process has ended. */
  get hasExited(): boolean {
    return this.#exitStatus !== undefined;
  }

  /**
   * Reads the handshake line from stdout, within `timeoutMs`; rejects with
   * what went wrong (the process exited, no line, a bad line). Whatever
   * the plugin writes to stdout afterwards goes to the log as a warning.
   */
  async handshake(timeoutMs: number): Promise<Handshake> {
    const reader = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const exited = this.exited;
    let buf = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no handshake on stdout within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const died = exited.then((s) => {
      throw new Error(
        `the process exited (code ${s.code}, signal ${s.signal}) before its handshake`,
      );
    });
    try {
      while (!buf.includes("\n")) {
        const { value, done } = await Promise.race([reader.read(), timeout, died]);
        if (done) {
          // Usually the process is exiting: report how it ended.
          const s = await Promise.race([
            exited,
            new Promise<null>((r) => setTimeout(r, 1000, null)),
          ]);
          throw new Error(
            s
              ? `the process exited (code ${s.code}, signal ${s.signal}) before its handshake`
              : "stdout closed before the handshake",
          );
        }
        buf += value;
        if (buf.length > 4096) throw new Error("no handshake line in the first 4 KiB of stdout");
      }
    } finally {
      clearTimeout(timer);
      died.catch(() => {});
    }
    const nl = buf.indexOf("\n");
    const line = buf.slice(0, nl);
    // Anything else on stdout is not protocol: keep draining it into the log.
    (async () => {
      let rest = buf.slice(nl + 1);
      for (;;) {
        if (rest.trim() !== "") this.#log.warn("plugin wrote to stdout", { output: rest.trim() });
        const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
        if (done) break;
        rest = value;
      }
    })();
    return parseHandshake(line);
  }

  /** Sends `signal`; a process already gone is not an error. */
  kill(signal: Deno.Signal): void {
    if (this.hasExited) return;
    try {
      this.#child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** Closes the plugin's stdin: a plugin exits when it reaches end of file. */
  closeStdin(): void {
    this.#stdin.close().catch(() => {});
  }

  /**
   * Ends the process and waits for it: stdin closed, then SIGTERM, then
   * SIGKILL, each after `graceMs` without an exit. Resolves with its status.
   */
  async terminate(graceMs: number): Promise<Deno.CommandStatus> {
    const waitExit = (ms: number) =>
      Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => {
          const t = setTimeout(() => r(false), ms);
          this.exited.then(() => clearTimeout(t));
        }),
      ]);
    this.closeStdin();
    if (!await waitExit(graceMs)) {
      this.kill("SIGTERM");
      if (!await waitExit(graceMs)) {
        this.#log.warn("plugin ignored SIGTERM; killing it", { pid: this.pid });
        this.kill("SIGKILL");
      }
    }
    return await this.exited;
  }

  #forwardLogs(stream: ReadableStream<Uint8Array>): void {
    const log = this.#log.child({ component: "plugin", pid: this.pid });
    (async () => {
      const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
        if (done) break;
        buf += value;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === "") continue;
          try {
            const { level, msg, ts: _ts, ...fields } = JSON.parse(line);
            log.log(LEVELS.has(level) ? level as LogLevel : "info", String(msg ?? ""), fields);
          } catch {
            log.info(line);
          }
        }
      }
      if (buf.trim() !== "") log.info(buf.trim());
    })();
  }
}
