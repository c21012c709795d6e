/**
 * Structured logging: one JSON object per line on stderr.
 *
 * Each line has `ts` (ISO time), `level`, `msg` and the logger's bound fields
 * (e.g. `component`, `namespace`, `request_id`). The level threshold comes
 * from `PRISM_LOG_LEVEL` (`debug`, `info`, `warn`, `error`; default `info`).
 *
 * @module
 */

/** Severity of a log line, lowest first.
 *
 * @example
 * ```ts
 * import type { LogLevel } from "./logger.ts";
 * const level: LogLevel = "warn";
 * console.log(level);
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go; tests replace it to capture them. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();
const stderrSink: LogSink = (line) => {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
};

function levelFromEnv(): LogLevel {
  let raw: string | undefined;
  try {
    raw = Deno.env.get("PRISM_LOG_LEVEL");
  } catch {
    raw = undefined; // no --allow-env: keep the default
  }
  if (raw === undefined || raw === "") return "info";
  if (raw in RANK) return raw as LogLevel;
  throw new Error(
    `Cannot configure logging as 'PRISM_LOG_LEVEL' must be one of debug, info, warn, error: current value is "${raw}"`,
  );
}

/**
 * A structured logger with bound fields.
 *
 * @example
 * ```ts
 * import { Logger } from "./logger.ts";
 * const lines: string[] = [];
 * const log = new Logger({ component: "proxy" }, "debug", (l) => lines.push(l));
 * log.child({ namespace: "default" }).info("served", { op: "Get" });
 * console.log(JSON.parse(lines[0]).namespace); // "default"
 * ```
 */
export class Logger {
  readonly #fields: Record<string, unknown>;
  readonly #rank: number;
  readonly #sink: LogSink;
  /** The threshold below which lines are dropped. */
  readonly level: LogLevel;

  constructor(fields: Record<string, unknown> = {}, level?: LogLevel, sink: LogSink = stderrSink) {
    this.#fields = fields;
    this.level = level ?? levelFromEnv();
    this.#rank = RANK[this.level];
    this.#sink = sink;
  }

  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger {
    return new Logger({ ...this.#fields, ...fields }, this.level, this.#sink);
  }

  /** Whether lines at `level` are written (check before building costly fields). */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.#rank;
  }

  /** Writes one line at `level`. */
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (RANK[level] < this.#rank) return;
    const line: Record<string, unknown> = { ts: new Date().toISOString(), level, msg };
    Object.assign(line, this.#fields, fields);
    for (const [k, v] of Object.entries(line)) {
      if (v instanceof Error) line[k] = v.stack ?? v.message;
    }
    this.#sink(JSON.stringify(line));
  }

  /** Writes a `debug` line. */
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log("debug", msg, fields);
  }
  /** Writes an `info` line. */
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log("info", msg, fields);
  }
  /** Writes a `warn` line. */
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log("warn", msg, fields);
  }
  /** Writes an `error` line. */
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log("error", msg, fields);
  }
}
