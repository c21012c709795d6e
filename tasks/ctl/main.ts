/**
 * `prism ctl`: the operator CLI of CONTRACT §8. Data commands call the
 * proxy's gRPC port (`--target`) with the project's own client; `status`
 * reads the proxy's admin endpoint (`--admin`). See `flags.ts` for the
 * command line and {@linkcode USAGE} for what each command prints.
 *
 * Exit codes (CONTRACT §1): 0 success; 1 a runtime failure (a failed call,
 * printed as `prism ctl: <METHOD>: <STATUS>: <message>`; an unreachable
 * proxy or admin endpoint; a namespace that is not SERVING for `status`),
 * and for `get`, `ttl` and `pop` when there is nothing there; 2 bad usage,
 * with a one-line message naming the flag or argument.
 *
 * @module
 */
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { status as grpcStatus } from "../../proto/status.ts";
import { VERSION } from "../../proxy/version.ts";
import { CallFailed, type CommandContext, runCommand } from "./commands.ts";
import { type CtlInvocation, parseCtlArgs, USAGE, UsageError } from "./flags.ts";
import { fetchStatus, notServing, renderStatus, StatusUnavailableError } from "./status.ts";

export { USAGE };

/**
 * Where {@linkcode runCtl} reads and writes; the defaults are the process's
 * stdout, stderr, environment and signals.
 *
 * @example
 * ```ts
 * import type { CtlIO } from "./main.ts";
 * let out = "";
 * const io: CtlIO = { stdout: (t) => (out += t), stderr: () => {} };
 * console.log(typeof io.stdout);
 * ```
 */
export interface CtlIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Ends `subscribe` when aborted; without it, SIGINT and SIGTERM do. */
  interrupt?: AbortSignal;
  /** Reads the variable `--token-env` names (default: the process environment). */
  getEnv?(name: string): string | undefined;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
}

const STD_IO: CtlIO = {
  stdout: (t) => writeAll(Deno.stdout, t),
  stderr: (t) => writeAll(Deno.stderr, t),
};

/** Runs `status`: 0 when every namespace is SERVING. */
async function status(inv: CtlInvocation, io: CtlIO, out: (line: string) => void) {
  let s;
  try {
    s = await fetchStatus(inv.options.admin);
  } catch (err) {
    if (!(err instanceof StatusUnavailableError)) throw err;
    io.stderr(`prism ctl: status: ${err.message}\n`);
    return 1;
  }
  out(inv.options.json ? JSON.stringify(s) : renderStatus(s).trimEnd());
  const bad = notServing(s);
  if (bad.length === 0) return 0;
  io.stderr(
    `prism ctl: status: ${bad.length} namespace${bad.length === 1 ? " is" : "s are"} ` +
      `not SERVING: ${bad.join(", ")}\n`,
  );
  return 1;
}

/** The CA certificates of `--tls-ca`, or the usage error that names the file. */
async function readCa(path: string): Promise<string> {
  let pem;
  try {
    pem = await Deno.readTextFile(path);
  } catch (err) {
    throw new UsageError(`--tls-ca: cannot read "${path}": ${(err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(`--tls-ca: no PEM certificate in "${path}"`);
  }
  return pem;
}

/**
 * Runs `prism ctl` with `args`; resolves with the exit code.
 *
 * @example
 * ```ts
 * import { runCtl } from "./main.ts";
 * let err = "";
 * const code = await runCtl(["get"], { stdout: () => {}, stderr: (t) => (err += t) });
 * console.log(code, err); // 2 "prism ctl: get: missing KEY (usage: prism ctl get KEY)\n"
 * ```
 */
export async function runCtl(args: string[], io: CtlIO = STD_IO): Promise<number> {
  let inv: CtlInvocation;
  try {
    inv = parseCtlArgs(args, io.getEnv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`prism ctl: ${err.message}\n`);
    return 2;
  }
  if (inv.help) {
    io.stdout(USAGE + "\n");
    return 0;
  }
  // Output to a closed pipe (`prism ctl subscribe t | head -3`) ends the command quietly.
  const stop = new AbortController();
  const out = (line: string) => {
    if (stop.signal.aborted && stop.signal.reason === "broken pipe") return;
    try {
      io.stdout(line + "\n");
    } catch (err) {
      if (!(err instanceof Deno.errors.BrokenPipe)) throw err;
      stop.abort("broken pipe");
    }
  };
  if (inv.command === "status") return await status(inv, io, out);

  const { target, token, tlsCa } = inv.options;
  let caCerts: string[] | undefined;
  if (tlsCa !== undefined) {
    try {
      caCerts = [await readCa(tlsCa)];
    } catch (err) {
      io.stderr(`prism ctl: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const client = new GrpcClient(target, {
    authority: target,
    userAgent: `prism-ctl/${VERSION}`,
    headers: token === undefined ? [] : [["authorization", `Bearer ${token}`]],
    ...(caCerts ? { tls: { caCerts } } : {}),
  });
  if (caCerts !== undefined) {
    // A certificate the CA did not sign, or no TLS at all, is said before any call.
    try {
      await client.channel.ready();
    } catch (err) {
      client.close();
      const why = (err as Error).message.replace(/^cannot connect to \S+: /, "");
      io.stderr(`prism ctl: cannot connect to ${target} over TLS: ${why}\n`);
      return 1;
    }
  }

  const onSignal = () => stop.abort("signal");
  const signals: Deno.Signal[] = [];
  if (io.interrupt) {
    if (io.interrupt.aborted) stop.abort("signal");
    else io.interrupt.addEventListener("abort", onSignal, { once: true });
  } else if (inv.command === "subscribe") {
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      try {
        Deno.addSignalListener(sig, onSignal);
        signals.push(sig);
      } catch { /* not on this platform */ }
    }
  }
  const ctx: CommandContext = {
    client,
    namespace: inv.options.namespace,
    json: inv.options.json,
    out,
    err: (line) => io.stderr(line + "\n"),
    interrupt: stop.signal,
  };
  try {
    return await runCommand(inv, ctx);
  } catch (err) {
    if (!(err instanceof CallFailed)) throw err;
    let message = err.message;
    if (err.transport && err.code === grpcStatus.UNAVAILABLE) {
      message += ` (is the proxy running at ${target}? --target HOST:PORT sets the address)`;
    }
    io.stderr(`prism ctl: ${message}\n`);
    return 1;
  } finally {
    io.interrupt?.removeEventListener("abort", onSignal);
    for (const sig of signals) Deno.removeSignalListener(sig, onSignal);
    client.close();
  }
}
