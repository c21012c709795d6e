/**
 * The load tester's command-line flags (CONTRACT §6). Parsing fails with a
 * {@linkcode UsageError} whose message names the flag and the bad value;
 * `prism load` prints it on one line and exits 2.
 *
 * @module
 */
import { isOpName, OP_NAMES, type OpName } from "./ops.ts";
import { parseAddress } from "../../proto/transport/h2_client.ts";

/** Load shapes over the measured duration (see `profile.ts`). */
export const PROFILES = ["constant", "ramp", "spike"] as const;
/** A load shape. */
export type Profile = typeof PROFILES[number];
/** Report formats. */
export const FORMATS = ["text", "json", "html"] as const;
/** A report format. */
export type Format = typeof FORMATS[number];

/** One op of a mix and its share. */
export interface MixEntry {
  op: OpName;
  weight: number;
}

/**
 * Everything a load run needs, as parsed from flags.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * const o = parseFlags(["--target", "127.0.0.1:8980", "--op", "get"]);
 * console.log(o.concurrency, o.durationS, o.namespace); // 1 10 "default"
 * ```
 */
export interface LoadOptions {
  target: string;
  namespace: string;
  /** The op as given (`get`, `mixed:set=80,get=20`). */
  op: string;
  mix: MixEntry[];
  concurrency: number;
  /** Measured duration; undefined when `--requests` is given. */
  durationS?: number;
  requests?: number;
  /** Fixed total rate (open loop); undefined for a closed loop. */
  rps?: number;
  valueSize: number;
  keys: number;
  connections: number;
  /** Worker threads generating load; 0 generates on the main thread. */
  workers: number;
  warmupS: number;
  profile: Profile;
  format: Format;
  out?: string;
  maxErrorRate: number;
  /** Create the keys, lists or records the ops read before the run. */
  seed: boolean;
  /** Live progress line on stderr. */
  progress: boolean;
}

/**
 * Bad usage: the message names the flag at fault.
 *
 * @example
 * ```ts
 * import { UsageError } from "./flags.ts";
 * console.log(new UsageError("--rps: must be a positive number: \"x\"").message);
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The flags' help text.
 *
 * @example
 * ```ts
 * import { USAGE } from "./flags.ts";
 * console.log(USAGE.includes("--concurrency")); // true
 * ```
 */
export const USAGE = `Usage: prism load --target HOST:PORT --op OP [options]

Generates gRPC load against a Prism proxy and reports throughput, latency
percentiles (HDR histogram) and errors by gRPC status.

  --target HOST:PORT     proxy address (required)
  --namespace NS         namespace (default: default)
  --op OP                ${OP_NAMES.join(" ")},
                         or a weighted mix: mixed:set=80,get=20 (required)
  --concurrency N        calls in flight: N closed-loop workers, or with --rps
                         the most calls in flight at once (default 1)
  --duration D           measured duration: 10s, 500ms, 2m (default 10s)
  --requests N           measured calls instead of a duration
  --rps R                open loop at R calls/s total; latency counts from each
                         call's intended send time (no coordinated omission)
  --value-size B         bytes per value for set/push/publish/append (default 100)
  --keys K               distinct keys (default 1000)
  --connections C        HTTP/2 connections (default 1)
  --workers W            worker threads generating load (default 1; 0 = main thread)
  --warmup D             un-measured warm-up before the run (default 1s)
  --profile P            constant | ramp (0 to target over the duration) |
                         spike (25% base, 100% from 50% to 70% of the duration)
  --format F             text | json | html (default text)
  --out FILE             write the report there instead of stdout
  --max-error-rate X     exit 1 when errors/calls exceeds X (default 0.01)
  --no-seed              do not create the keys/lists/records read ops use
  --quiet                no progress line
  -h, --help             this help

Exit codes: 0 ok, 1 error rate over --max-error-rate or runtime failure, 2 bad usage.`;

/**
 * Parses a duration: `10s`, `500ms`, `2m`, `1m30s`, `1.5s`, or a plain
 * number of seconds. Returns seconds; throws naming `flag`.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./flags.ts";
 * console.log(parseDuration("1m30s", "--duration"), parseDuration("250ms", "--warmup")); // 90 0.25
 * ```
 */
export function parseDuration(text: string, flag: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  let m;
  while ((m = re.exec(trimmed)) !== null) {
    total += Number(m[1]) * units[m[2]];
    at = re.lastIndex;
  }
  if (at === 0 || at !== trimmed.length) {
    throw new UsageError(
      `${flag}: invalid duration "${text}" (expected e.g. 10s, 500ms, 2m, 1m30s)`,
    );
  }
  return total;
}

/**
 * Parses `--op`: one op, or `mixed:op=weight,...` with positive weights.
 *
 * @example
 * ```ts
 * import { parseOp } from "./flags.ts";
 * console.log(parseOp("mixed:set=80,get=20")); // [{ op: "set", weight: 80 }, { op: "get", weight: 20 }]
 * console.log(parseOp("get")); // [{ op: "get", weight: 1 }]
 * ```
 */
export function parseOp(text: string): MixEntry[] {
  const expected = `expected ${OP_NAMES.join(", ")} or mixed:OP=WEIGHT,...`;
  if (!text.startsWith("mixed:")) {
    if (!isOpName(text)) throw new UsageError(`--op: unknown op "${text}" (${expected})`);
    return [{ op: text, weight: 1 }];
  }
  const mix: MixEntry[] = [];
  for (const part of text.slice("mixed:".length).split(",")) {
    const m = /^([a-z]+)=(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!m) {
      throw new UsageError(`--op: invalid mix entry "${part}" in "${text}" (expected OP=WEIGHT)`);
    }
    if (!isOpName(m[1])) {
      throw new UsageError(`--op: unknown op "${m[1]}" in "${text}" (${expected})`);
    }
    if (mix.some((e) => e.op === m[1])) {
      throw new UsageError(`--op: op "${m[1]}" appears twice in "${text}"`);
    }
    const weight = Number(m[2]);
    if (weight > 0) mix.push({ op: m[1], weight });
  }
  if (mix.length === 0) {
    throw new UsageError(`--op: mix "${text}" has no op with a positive weight`);
  }
  return mix;
}

function positiveInt(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(
      `${flag}: must be ${min === 0 ? "a non-negative" : "a positive"} integer: "${value}"`,
    );
  }
  return n;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag}: must be one of ${allowed.join(", ")}: "${value}"`);
  }
  return value as T;
}

const VALUE_FLAGS = [
  "target",
  "namespace",
  "op",
  "concurrency",
  "duration",
  "requests",
  "rps",
  "value-size",
  "keys",
  "connections",
  "workers",
  "warmup",
  "profile",
  "format",
  "out",
  "max-error-rate",
] as const;
const BOOLEAN_FLAGS = ["no-seed", "quiet", "help"] as const;

/**
 * Parses `prism load` arguments; `help: true` when `-h`/`--help` was given
 * (the other flags are then not checked).
 *
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * const o = parseFlags(["--target=127.0.0.1:8980", "--op", "mixed:set=1,get=3", "--rps", "500", "--requests", "1000"]);
 * console.log(o.rps, o.requests, o.durationS, o.mix.length); // 500 1000 undefined 2
 * ```
 */
export function parseFlags(args: string[]): LoadOptions & { help?: boolean } {
  const values: Record<string, string> = {};
  const bools = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") continue;
    if (arg === "-h") {
      bools.add("help");
      continue;
    }
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name}: takes no value: "${arg}"`);
      bools.add(name);
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown flag "--${name}" (see prism load --help)`);
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= args.length) throw new UsageError(`--${name}: missing value`);
      value = args[++i];
    }
    if (name in values) throw new UsageError(`--${name}: given twice`);
    values[name] = value;
  }
  if (bools.has("help")) return { ...defaults(), help: true };

  if (values.target === undefined) throw new UsageError("--target: required (HOST:PORT)");
  try {
    parseAddress(values.target);
  } catch (err) {
    throw new UsageError(`--target: ${(err as Error).message}`);
  }
  if (values.op === undefined) throw new UsageError(`--op: required (${OP_NAMES.join(", ")})`);
  const o: LoadOptions = { ...defaults(), target: values.target, op: values.op };
  o.mix = parseOp(values.op);
  if (values.namespace !== undefined) {
    if (values.namespace === "") throw new UsageError('--namespace: must not be empty: ""');
    o.namespace = values.namespace;
  }
  if (values.concurrency !== undefined) {
    o.concurrency = positiveInt(values.concurrency, "--concurrency");
  }
  if (values.duration !== undefined && values.requests !== undefined) {
    throw new UsageError("--duration: cannot be combined with --requests (give one)");
  }
  if (values.duration !== undefined) {
    const d = parseDuration(values.duration, "--duration");
    if (!(d > 0)) throw new UsageError(`--duration: must be longer than 0: "${values.duration}"`);
    o.durationS = d;
  }
  if (values.requests !== undefined) {
    o.requests = positiveInt(values.requests, "--requests");
    o.durationS = undefined;
  }
  if (values.rps !== undefined) {
    const r = Number(values.rps);
    if (!/^\d+(\.\d+)?$/.test(values.rps.trim()) || !(r > 0)) {
      throw new UsageError(`--rps: must be a positive number: "${values.rps}"`);
    }
    o.rps = r;
  }
  if (values["value-size"] !== undefined) {
    o.valueSize = positiveInt(values["value-size"], "--value-size", 0);
    if (o.valueSize > 64 * 1024 * 1024) {
      throw new UsageError(`--value-size: at most 67108864 bytes: "${values["value-size"]}"`);
    }
  }
  if (values.keys !== undefined) o.keys = positiveInt(values.keys, "--keys");
  if (values.connections !== undefined) {
    o.connections = positiveInt(values.connections, "--connections");
  }
  if (values.workers !== undefined) o.workers = positiveInt(values.workers, "--workers", 0);
  if (values.warmup !== undefined) o.warmupS = parseDuration(values.warmup, "--warmup");
  if (values.profile !== undefined) o.profile = oneOf(values.profile, PROFILES, "--profile");
  if (values.format !== undefined) o.format = oneOf(values.format, FORMATS, "--format");
  if (values.out !== undefined) {
    if (values.out === "") throw new UsageError('--out: must name a file: ""');
    o.out = values.out;
  }
  if (values["max-error-rate"] !== undefined) {
    const v = values["max-error-rate"];
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x) || x < 0 || x > 1) {
      throw new UsageError(`--max-error-rate: must be a number from 0 to 1: "${v}"`);
    }
    o.maxErrorRate = x;
  }
  if (o.requests !== undefined && o.profile !== "constant") {
    throw new UsageError(`--profile: ${o.profile} needs --duration (not --requests)`);
  }
  if (o.workers > o.connections) o.workers = o.connections;
  if (o.workers > o.concurrency) o.workers = o.concurrency;
  o.seed = !bools.has("no-seed");
  o.progress = !bools.has("quiet");
  return o;
}

function defaults(): LoadOptions {
  return {
    target: "",
    namespace: "default",
    op: "",
    mix: [],
    concurrency: 1,
    durationS: 10,
    valueSize: 100,
    keys: 1000,
    connections: 1,
    workers: 1,
    warmupS: 1,
    profile: "constant",
    format: "text",
    maxErrorRate: 0.01,
    seed: true,
    progress: true,
  };
}
