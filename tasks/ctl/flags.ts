/**
 * `prism ctl`'s command line (CONTRACT §8): global options, the command,
 * its arguments and its own flags. Parsing fails with a
 * {@linkcode UsageError} whose message names the flag or argument at fault
 * and the bad value; `prism ctl` prints it on one line and exits 2.
 *
 * Flags may come before or after the command (`prism ctl -n cache get k`
 * and `prism ctl get k -n cache` are the same), as `--flag value` or
 * `--flag=value`. An argument that starts with `-` is taken as a flag,
 * except `-` itself and negative numbers; after `--` every argument is a
 * positional one.
 *
 * @module
 */
import { parseAddress } from "../../proto/transport/h2_client.ts";

/**
 * Bad usage: the message names the flag or argument at fault.
 *
 * @example
 * ```ts
 * import { UsageError } from "./flags.ts";
 * console.log(new UsageError('--ttl: must be a whole number of seconds (0 or more): "x"').message);
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Flags a command may take (besides the global ones). */
type CommandFlag = "ttl" | "limit" | "left" | "right" | "from" | "max";

interface CommandSpec {
  /** Positional arguments; a name in brackets is optional. */
  args: readonly string[];
  flags: readonly CommandFlag[];
}

/**
 * The commands and what each takes.
 *
 * @example
 * ```ts
 * import { COMMANDS } from "./flags.ts";
 * console.log(COMMANDS.set.args, COMMANDS.set.flags); // ["KEY", "VALUE"] ["ttl"]
 * ```
 */
export const COMMANDS = {
  status: { args: [], flags: [] },
  get: { args: ["KEY"], flags: [] },
  set: { args: ["KEY", "VALUE"], flags: ["ttl"] },
  del: { args: ["KEY"], flags: [] },
  scan: { args: ["[PREFIX]"], flags: ["limit"] },
  ttl: { args: ["KEY"], flags: [] },
  push: { args: ["LIST", "VALUE"], flags: ["left", "right"] },
  pop: { args: ["LIST"], flags: ["left", "right"] },
  len: { args: ["LIST"], flags: [] },
  publish: { args: ["TOPIC", "PAYLOAD"], flags: [] },
  subscribe: { args: ["TOPIC"], flags: [] },
  append: { args: ["STREAM", "PAYLOAD"], flags: [] },
  read: { args: ["STREAM"], flags: ["from", "max"] },
} as const satisfies Record<string, CommandSpec>;

/**
 * A command's name.
 *
 * @example
 * ```ts
 * import type { CommandName } from "./flags.ts";
 * const command: CommandName = "scan";
 * console.log(command);
 * ```
 */
export type CommandName = keyof typeof COMMANDS;

/**
 * The default gRPC target.
 *
 * @example
 * ```ts
 * import { DEFAULT_TARGET } from "./flags.ts";
 * console.log(DEFAULT_TARGET); // "127.0.0.1:8980"
 * ```
 */
export const DEFAULT_TARGET = "127.0.0.1:8980";

/**
 * The default admin endpoint.
 *
 * @example
 * ```ts
 * import { DEFAULT_ADMIN } from "./flags.ts";
 * console.log(DEFAULT_ADMIN); // "127.0.0.1:9980"
 * ```
 */
export const DEFAULT_ADMIN = "127.0.0.1:9980";

/**
 * How many keys `scan` and records `read` show unless told otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMIT } from "./flags.ts";
 * console.log(DEFAULT_LIMIT); // 1000
 * ```
 */
export const DEFAULT_LIMIT = 1000;

/** The largest `int32` (the wire type of `limit` and `max_messages`). */
const INT32_MAX = 2 ** 31 - 1;

/**
 * The help text.
 *
 * @example
 * ```ts
 * import { USAGE } from "./flags.ts";
 * console.log(USAGE.includes("--token-env VAR")); // true
 * ```
 */
export const USAGE = `Usage: prism ctl [options] COMMAND [ARGS...]

Operator commands for a Prism proxy. Data commands call its gRPC port (--target);
'status' reads its admin endpoint (--admin).

Commands:
  status                      every namespace: backend, health, plugin pid, uptime,
                              restarts, calls in flight; exit 1 when one is not SERVING
  get KEY                     print the value; "(not found)" and exit 1 when missing
  set KEY VALUE [--ttl S]     store VALUE (as UTF-8); --ttl: expire after S seconds
  del KEY                     delete the key ("(not found)" if it was not there; exit 0)
  scan [PREFIX] [--limit N]   keys with the prefix and their values, sorted by key
                              (at most N, default ${DEFAULT_LIMIT}; --limit 0: all of them)
  ttl KEY                     time to live left: seconds, or "no expiry";
                              "(not found)" and exit 1 when missing
  push LIST VALUE [--left]    append VALUE to the list (--left: prepend); prints the length
  pop LIST [--right]          remove and print the first element (--right: the last);
                              "(empty)" and exit 1 when the list is empty or missing
  len LIST                    the list's length (0 when it does not exist)
  publish TOPIC PAYLOAD       publish a message; prints its id
  subscribe TOPIC             print messages published from now on, until Ctrl-C (exit 0)
  append STREAM PAYLOAD       append a record; prints its offset
  read STREAM [--from N] [--max M]
                              records from offset N (default 0), at most M
                              (default ${DEFAULT_LIMIT}; --max 0: up to the end)

Options (before or after the command):
  --target HOST:PORT    the proxy's gRPC address (default ${DEFAULT_TARGET})
  --admin HOST:PORT     the proxy's admin endpoint, for status (default ${DEFAULT_ADMIN})
  -n, --namespace NS    namespace (default "default")
  --token T             send "authorization: Bearer T" (visible in ps: prefer --token-env)
  --token-env VAR       the same, with the token read from environment variable VAR
  --tls-ca FILE         call the proxy over TLS, trusting the CA certificate(s) in FILE (PEM)
  --json                one JSON object per line on stdout
  -h, --help            this help

Output: human-readable by default (tables for status, scan and read). A value is
shown as text when it is UTF-8 without control characters (tab and newline aside),
otherwise as "base64:" and its base64. With --json each result is one JSON object
per line; values are in "value" ("payload" for messages and records) when UTF-8,
else base64 in "value_base64" ("payload_base64"). A missing key is
{"key":...,"found":false}. Errors go to stderr as one line, for a failed call:
  prism ctl: <METHOD>: <STATUS>: <message>
Values that start with "-" go after "--":  prism ctl set k -- --not-a-flag

Exit codes: 0 success; 1 runtime failure (a failed call, an unreachable proxy or
admin endpoint, a namespace not SERVING for status) or nothing there for get, ttl
and pop; 2 bad usage (unknown flag or command, missing or bad argument).`;

/**
 * Global options.
 *
 * @example
 * ```ts
 * import { parseCtlArgs } from "./flags.ts";
 * const { options } = parseCtlArgs(["-n", "cache", "get", "k"]);
 * console.log(options.namespace, options.target, options.json); // "cache" "127.0.0.1:8980" false
 * ```
 */
export interface CtlOptions {
  target: string;
  admin: string;
  namespace: string;
  /** The bearer token (from --token or the --token-env variable). */
  token?: string;
  /** A PEM file of CA certificates: the data connection is TLS. */
  tlsCa?: string;
  json: boolean;
}

/**
 * A parsed command line.
 *
 * @example
 * ```ts
 * import { parseCtlArgs } from "./flags.ts";
 * const inv = parseCtlArgs(["set", "k", "v", "--ttl", "60"]);
 * console.log(inv.command, inv.args, inv.ttl); // "set" ["k", "v"] 60
 * ```
 */
export interface CtlInvocation {
  options: CtlOptions;
  /** Undefined when help was asked for. */
  command?: CommandName;
  /** The command's positional arguments (an optional one that is absent is left out). */
  args: string[];
  help: boolean;
  /** `set --ttl`. */
  ttl?: number;
  /** `scan --limit` (0: no limit). */
  limit: number;
  /** `push`/`pop`: the end of the list (push appends, pop takes the first by default). */
  side: "left" | "right";
  /** `read --from`. */
  from: number;
  /** `read --max` (0: up to the end). */
  max: number;
}

const GLOBAL_VALUE = ["target", "admin", "namespace", "token", "token-env", "tls-ca"] as const;
const GLOBAL_BOOL = ["json", "help"] as const;
const COMMAND_VALUE = ["ttl", "limit", "from", "max"] as const;
const COMMAND_BOOL = ["left", "right"] as const;
const VALUE_FLAGS: readonly string[] = [...GLOBAL_VALUE, ...COMMAND_VALUE];
const BOOL_FLAGS: readonly string[] = [...GLOBAL_BOOL, ...COMMAND_BOOL];

/** A command's synopsis, e.g. `set KEY VALUE [--ttl S]`. */
function synopsis(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const metavar: Record<CommandFlag, string> = {
    ttl: " S",
    limit: " N",
    from: " N",
    max: " M",
    left: "",
    right: "",
  };
  return [name, ...spec.args, ...spec.flags.map((f) => `[--${f}${metavar[f]}]`)].join(" ");
}

/** `text` as a whole number from `min` to `max`; throws naming `flag`. */
function wholeNumber(text: string, flag: string, what: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > max) {
    throw new UsageError(`${flag}: must be ${what}: "${text}"`);
  }
  return n;
}

function address(text: string, flag: string): string {
  try {
    parseAddress(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  return text;
}

/** Whether `arg` is a positional argument although it starts with `-`. */
function looksPositional(arg: string): boolean {
  return arg === "-" || /^-\d/.test(arg);
}

/**
 * Parses `prism ctl` arguments. `getEnv` reads the variable that
 * `--token-env` names (default: the process environment). With `-h` or
 * `--help` anywhere the rest is not checked and `help` is true.
 *
 * @throws {UsageError} naming the flag or argument at fault.
 *
 * @example
 * ```ts
 * import { parseCtlArgs } from "./flags.ts";
 * const inv = parseCtlArgs(["--json", "read", "orders", "--from=10", "--max", "5", "-n", "events"]);
 * console.log(inv.command, inv.from, inv.max, inv.options.namespace); // "read" 10 5 "events"
 * const auth = parseCtlArgs(["--token-env", "T", "len", "q"], (name) => name === "T" ? "abc" : undefined);
 * console.log(auth.options.token, auth.side); // "abc" "right"
 * ```
 */
export function parseCtlArgs(
  args: string[],
  getEnv: (name: string) => string | undefined = (name) => Deno.env.get(name),
): CtlInvocation {
  const values: Record<string, string> = {};
  const bools = new Set<string>();
  const positional: string[] = [];
  const dashes = args.indexOf("--");
  if (args.slice(0, dashes < 0 ? undefined : dashes).some((a) => a === "-h" || a === "--help")) {
    bools.add("help");
  }
  let onlyPositional = false;
  for (let i = 0; i < args.length && !bools.has("help"); i++) {
    const arg = args[i];
    if (onlyPositional || !arg.startsWith("-") || looksPositional(arg)) {
      positional.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositional = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = arg.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
    } else if (arg === "-h") {
      name = "help";
    } else if (arg.startsWith("-n")) {
      name = "namespace";
      if (arg.length > 2) inline = arg.slice(arg[2] === "=" ? 3 : 2);
    } else {
      throw new UsageError(`unknown flag "${arg}" (see prism ctl --help)`);
    }
    const shown = arg.startsWith("--") ? `--${name}` : arg.slice(0, 2);
    if (BOOL_FLAGS.includes(name)) {
      if (inline !== undefined) throw new UsageError(`${shown}: takes no value: "${arg}"`);
      bools.add(name);
      continue;
    }
    if (!VALUE_FLAGS.includes(name)) {
      throw new UsageError(`unknown flag "${shown}" (see prism ctl --help)`);
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new UsageError(`${shown}: missing value`);
      }
      value = next;
      i++;
    }
    if (name in values) throw new UsageError(`--${name}: given twice`);
    values[name] = value;
  }

  const options: CtlOptions = {
    target: DEFAULT_TARGET,
    admin: DEFAULT_ADMIN,
    namespace: "default",
    json: bools.has("json"),
  };
  const inv: CtlInvocation = {
    options,
    args: [],
    help: bools.has("help"),
    limit: DEFAULT_LIMIT,
    side: "right",
    from: 0,
    max: DEFAULT_LIMIT,
  };
  if (inv.help) return inv;

  if (values.target !== undefined) options.target = address(values.target, "--target");
  if (values.admin !== undefined) options.admin = address(values.admin, "--admin");
  if (values.namespace !== undefined) {
    if (values.namespace === "") throw new UsageError('--namespace: must not be empty: ""');
    options.namespace = values.namespace;
  }
  if (values.token !== undefined && values["token-env"] !== undefined) {
    throw new UsageError("--token: cannot be combined with --token-env (give one)");
  }
  if (values.token !== undefined) {
    options.token = checkToken(values.token, "--token", "the token");
  }
  if (values["token-env"] !== undefined) {
    const variable = values["token-env"];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new UsageError(`--token-env: not an environment variable name: "${variable}"`);
    }
    const token = getEnv(variable);
    if (token === undefined || token === "") {
      throw new UsageError(`--token-env: environment variable "${variable}" is not set or empty`);
    }
    options.token = checkToken(token, "--token-env", `the value of "${variable}"`);
  }
  if (values["tls-ca"] !== undefined) {
    if (values["tls-ca"] === "") throw new UsageError('--tls-ca: must name a file: ""');
    options.tlsCa = values["tls-ca"];
  }

  const [name, ...rest] = positional;
  if (name === undefined) {
    throw new UsageError("missing COMMAND (see prism ctl --help)");
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    throw new UsageError(
      `unknown command "${name}" (expected ${Object.keys(COMMANDS).join(", ")})`,
    );
  }
  const command = name as CommandName;
  inv.command = command;
  const spec: CommandSpec = COMMANDS[command];
  for (const flag of [...COMMAND_VALUE, ...COMMAND_BOOL]) {
    if ((flag in values || bools.has(flag)) && !spec.flags.includes(flag)) {
      const owners = Object.entries(COMMANDS)
        .filter(([, s]) => (s.flags as readonly string[]).includes(flag))
        .map(([n]) => n);
      throw new UsageError(
        `--${flag}: not a flag of "${command}" (only of ${owners.join(", ")})`,
      );
    }
  }
  const required = spec.args.filter((a) => !a.startsWith("["));
  if (rest.length < required.length) {
    throw new UsageError(
      `${command}: missing ${required[rest.length]} (usage: prism ctl ${synopsis(command)})`,
    );
  }
  if (rest.length > spec.args.length) {
    throw new UsageError(
      `${command}: unexpected argument "${rest[spec.args.length]}" (usage: prism ctl ${
        synopsis(command)
      })`,
    );
  }
  spec.args.forEach((arg, i) => {
    // Names and keys must not be empty (the server would say INVALID_ARGUMENT); values may.
    if (["KEY", "LIST", "TOPIC", "STREAM"].includes(arg) && rest[i] === "") {
      throw new UsageError(`${command}: ${arg} must not be empty`);
    }
  });
  inv.args = rest;

  if (values.ttl !== undefined) {
    inv.ttl = wholeNumber(
      values.ttl,
      "--ttl",
      "a whole number of seconds (0 or more; 0: no expiry)",
      Number.MAX_SAFE_INTEGER,
    );
  }
  if (values.limit !== undefined) {
    inv.limit = wholeNumber(
      values.limit,
      "--limit",
      `a whole number from 0 (no limit) to ${INT32_MAX}`,
      INT32_MAX,
    );
  }
  if (values.from !== undefined) {
    inv.from = wholeNumber(
      values.from,
      "--from",
      "an offset (a whole number, 0 or more)",
      Number.MAX_SAFE_INTEGER,
    );
  }
  if (values.max !== undefined) {
    inv.max = wholeNumber(
      values.max,
      "--max",
      `a whole number from 0 (up to the end) to ${INT32_MAX}`,
      INT32_MAX,
    );
  }
  if (bools.has("left") && bools.has("right")) {
    throw new UsageError("--left: cannot be combined with --right (give one)");
  }
  if (command === "pop") inv.side = bools.has("right") ? "right" : "left";
  else inv.side = bools.has("left") ? "left" : "right";
  return inv;
}

/** A token that fits in a header (visible ASCII), or a usage error that does not echo it. */
function checkToken(token: string, flag: string, what: string): string {
  const trimmed = token.trim();
  if (!/^[\x21-\x7e]+$/.test(trimmed)) {
    throw new UsageError(`${flag}: ${what} is not a token (visible ASCII characters only)`);
  }
  return trimmed;
}
