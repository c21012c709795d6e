/**
 * `prism ctl`'s data commands (CONTRACT §8): each calls the proxy's gRPC
 * services with the project's own client
 * (`proto/transport/grpc_client.ts`) and prints the answer for people or,
 * with `--json`, as one JSON object per line.
 *
 * A failed call throws a {@linkcode CallFailed} naming the RPC;
 * `prism ctl` prints it as `prism ctl: <METHOD>: <STATUS>: <message>` and
 * exits 1. A read that finds nothing (`get` of a missing key, `ttl` of a
 * missing key, `pop` of an empty list) prints so and exits 1, as
 * `kubectl get` does, so that scripts can test for it.
 *
 * @module
 */
import { SERVICE_NAMES, serviceDefinition, type ServiceName } from "../../proto/definitions.ts";
import { type CallOptions, type GrpcClient, RpcError } from "../../proto/transport/grpc_client.ts";
import { status, statusName } from "../../proto/status.ts";
import type { CommandName, CtlInvocation } from "./flags.ts";
import { displayKey, displayValue, formatDuration, jsonValue, table, truncate } from "./format.ts";

/**
 * A call that failed: the RPC's name, its status and message.
 *
 * @example
 * ```ts
 * import { CallFailed } from "./commands.ts";
 * const err = new CallFailed("Get", 14, "cannot connect to 127.0.0.1:8980: Connection refused", true);
 * console.log(err.message); // "Get: UNAVAILABLE: cannot connect to 127.0.0.1:8980: Connection refused"
 * ```
 */
export class CallFailed extends Error {
  readonly method: string;
  readonly code: number;
  readonly detail: string;
  /** The status came from the transport (no connection, reset), not from the server. */
  readonly transport: boolean;
  constructor(method: string, code: number, detail: string, transport = false) {
    super(`${method}: ${statusName(code)}: ${detail}`);
    this.name = "CallFailed";
    this.method = method;
    this.code = code;
    this.detail = detail;
    this.transport = transport;
  }
}

/**
 * What a command needs: the client, the namespace, where to print, and
 * the signal that ends a subscription (Ctrl-C).
 *
 * @example
 * ```ts ignore
 * import { type CommandContext, runCommand } from "./commands.ts";
 * import { GrpcClient } from "../../proto/transport/grpc_client.ts";
 * const ctx: CommandContext = {
 *   client: new GrpcClient("127.0.0.1:8980"), namespace: "default", json: false,
 *   out: console.log, err: console.error, interrupt: new AbortController().signal,
 * };
 * ```
 */
export interface CommandContext {
  client: GrpcClient;
  namespace: string;
  json: boolean;
  /** Prints one line on stdout. */
  out(line: string): void;
  /** Prints one line on stderr. */
  err(line: string): void;
  /** Aborted on Ctrl-C: `subscribe` then ends cleanly. */
  interrupt: AbortSignal;
}

/**
 * The longest a unary call may take (Kafka may create a topic and wait
 * for every in-sync replica), in ms.
 *
 * @example
 * ```ts
 * import { UNARY_TIMEOUT_MS } from "./commands.ts";
 * console.log(UNARY_TIMEOUT_MS); // 15000
 * ```
 */
export const UNARY_TIMEOUT_MS = 15_000;

/**
 * The longest `scan` or `read` may take, in ms.
 *
 * @example
 * ```ts
 * import { STREAM_TIMEOUT_MS } from "./commands.ts";
 * console.log(STREAM_TIMEOUT_MS); // 60000
 * ```
 */
export const STREAM_TIMEOUT_MS = 60_000;

/** Characters of a value shown in a table cell (`--json` gives it whole). */
const CELL = 80;
const INT32_MAX = 2 ** 31 - 1;
const encoder = new TextEncoder();

async function unary<Res>(
  ctx: CommandContext,
  service: ServiceName,
  method: string,
  request: Record<string, unknown>,
): Promise<Res> {
  const def = serviceDefinition(service)[method];
  try {
    return await ctx.client.unary(def, { namespace: ctx.namespace, ...request }, {
      deadline: Date.now() + UNARY_TIMEOUT_MS,
    }) as Res;
  } catch (err) {
    if (err instanceof RpcError) throw new CallFailed(method, err.code, err.message, err.transport);
    throw err;
  }
}

/**
 * A server-streaming call: each message to `onMessage`, resolving at the
 * end of the stream (or when `interrupt` ends it, if given).
 */
function serverStream<Msg>(
  ctx: CommandContext,
  service: ServiceName,
  method: string,
  request: Record<string, unknown>,
  onMessage: (message: Msg) => void,
  options: { timeoutMs?: number; interrupt?: AbortSignal; onHeaders?(id: string): void } = {},
): Promise<void> {
  const def = serviceDefinition(service)[method];
  const call: CallOptions = {};
  if (options.timeoutMs !== undefined) call.deadline = Date.now() + options.timeoutMs;
  return new Promise((resolve, reject) => {
    let interrupted = false;
    const control = ctx.client.serverStream(
      def.path,
      def.requestSerialize({ namespace: ctx.namespace, ...request }),
      {
        onHeaders: (fields) => {
          const id = fields.find(([name]) => name === "prism-subscriber-id")?.[1] ?? "";
          options.onHeaders?.(id);
        },
        onMessage: (bytes) => {
          let message: Msg;
          try {
            message = def.responseDeserialize(bytes) as Msg;
          } catch (err) {
            control.cancel(status.INTERNAL, "undecodable message");
            reject(
              new CallFailed(method, status.INTERNAL, `a message does not decode: ${err}`),
            );
            return;
          }
          onMessage(message);
        },
        onEnd: (err) => {
          options.interrupt?.removeEventListener("abort", onInterrupt);
          if (err === undefined || interrupted) resolve();
          else reject(new CallFailed(method, err.code, err.message, err.transport));
        },
      },
      call,
    );
    const onInterrupt = () => {
      interrupted = true;
      control.cancel(status.CANCELLED, "interrupted");
    };
    if (options.interrupt?.aborted) onInterrupt();
    else options.interrupt?.addEventListener("abort", onInterrupt, { once: true });
  });
}

interface ScanEntry {
  key: string;
  value: Uint8Array;
}

interface StreamRecord {
  offset: number;
  payload: Uint8Array;
  metadata: Record<string, string>;
  timestamp_ms: number;
}

interface PubSubMessage extends StreamRecord {
  topic: string;
  message_id: string;
}

const iso = (ms: number) => ms > 0 ? new Date(ms).toISOString() : "-";

function metadataText(metadata: Record<string, string> | undefined): string {
  const entries = Object.entries(metadata ?? {}).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return entries.map(([k, v]) => `${k}=${v}`).join(",");
}

const KV = SERVICE_NAMES.keyvalueBasic;
const LIST = SERVICE_NAMES.list;

async function get(ctx: CommandContext, [key]: string[]): Promise<number> {
  const res = await unary<{ value: Uint8Array; found: boolean }>(ctx, KV, "Get", { key });
  if (!res.found) {
    ctx.out(ctx.json ? JSON.stringify({ key, found: false }) : "(not found)");
    return 1;
  }
  ctx.out(
    ctx.json
      ? JSON.stringify({ key, found: true, ...jsonValue(res.value) })
      : displayValue(res.value),
  );
  return 0;
}

async function set(ctx: CommandContext, [key, value]: string[], ttl?: number): Promise<number> {
  const request: Record<string, unknown> = { key, value: encoder.encode(value) };
  if (ttl !== undefined) request.ttl_seconds = ttl;
  const res = await unary<{ success: boolean }>(ctx, KV, "Set", request);
  if (!res.success) throw new CallFailed("Set", status.UNKNOWN, "the server did not store it");
  const expires = ttl ? ` (expires in ${formatDuration(ttl)})` : "";
  ctx.out(ctx.json ? JSON.stringify({ key, ok: true, ttl_seconds: ttl ?? 0 }) : `OK${expires}`);
  return 0;
}

async function del(ctx: CommandContext, [key]: string[]): Promise<number> {
  const res = await unary<{ found: boolean }>(ctx, KV, "Delete", { key });
  ctx.out(
    ctx.json ? JSON.stringify({ key, deleted: res.found }) : res.found ? "deleted" : "(not found)",
  );
  return 0;
}

async function scan(ctx: CommandContext, [prefix = ""]: string[], limit: number): Promise<number> {
  const entries: ScanEntry[] = [];
  let shown = 0;
  let more = false;
  // One more than asked for tells whether more keys match.
  const ask = limit > 0 ? Math.min(limit + 1, INT32_MAX) : 0;
  await serverStream<ScanEntry>(
    ctx,
    SERVICE_NAMES.keyvalueScan,
    "Scan",
    { prefix, limit: ask },
    (e) => {
      if (limit > 0 && shown >= limit) {
        more = true;
        return;
      }
      shown++;
      if (ctx.json) ctx.out(JSON.stringify({ key: e.key, ...jsonValue(e.value) }));
      else entries.push(e);
    },
    { timeoutMs: STREAM_TIMEOUT_MS },
  );
  if (!ctx.json) {
    entries.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    if (entries.length === 0) {
      ctx.err(`No keys with prefix ${JSON.stringify(prefix)} in namespace "${ctx.namespace}".`);
    } else {
      const rows = entries.map((e) => [
        displayKey(e.key),
        truncate(displayValue(e.value, true), CELL),
      ]);
      ctx.out(table(["KEY", "VALUE"], rows).trimEnd());
    }
  }
  if (more) {
    ctx.err(
      `prism ctl: scan: showing the first ${limit} key${limit === 1 ? "" : "s"}; ` +
        `more match (--limit 0 shows all)`,
    );
  }
  return 0;
}

async function ttlOf(ctx: CommandContext, [key]: string[]): Promise<number> {
  const { ttl_seconds: ttl } = await unary<{ ttl_seconds: number }>(
    ctx,
    SERVICE_NAMES.keyvalueTtl,
    "GetTTL",
    { key },
  );
  const found = ttl !== -2;
  if (ctx.json) ctx.out(JSON.stringify({ key, found, ttl_seconds: ttl }));
  else if (!found) ctx.out("(not found)");
  else if (ttl === -1) ctx.out("no expiry");
  else ctx.out(ttl >= 60 ? `${ttl}s (${formatDuration(ttl)})` : `${ttl}s`);
  return found ? 0 : 1;
}

async function push(
  ctx: CommandContext,
  [list, value]: string[],
  side: "left" | "right",
): Promise<number> {
  const method = side === "left" ? "PushLeft" : "PushRight";
  const res = await unary<{ new_length: number }>(ctx, LIST, method, {
    list_key: list,
    value: encoder.encode(value),
  });
  ctx.out(
    ctx.json ? JSON.stringify({ list, length: res.new_length }) : `length ${res.new_length}`,
  );
  return 0;
}

async function pop(ctx: CommandContext, [list]: string[], side: "left" | "right"): Promise<number> {
  const method = side === "left" ? "PopLeft" : "PopRight";
  const res = await unary<{ value: Uint8Array; found: boolean }>(ctx, LIST, method, {
    list_key: list,
  });
  if (!res.found) {
    ctx.out(ctx.json ? JSON.stringify({ list, found: false }) : "(empty)");
    return 1;
  }
  ctx.out(
    ctx.json
      ? JSON.stringify({ list, found: true, ...jsonValue(res.value) })
      : displayValue(res.value),
  );
  return 0;
}

async function len(ctx: CommandContext, [list]: string[]): Promise<number> {
  const res = await unary<{ length: number }>(ctx, LIST, "Length", { list_key: list });
  ctx.out(ctx.json ? JSON.stringify({ list, length: res.length }) : String(res.length));
  return 0;
}

async function publish(ctx: CommandContext, [topic, payload]: string[]): Promise<number> {
  const res = await unary<{ message_id: string }>(ctx, SERVICE_NAMES.pubsub, "Publish", {
    topic,
    payload: encoder.encode(payload),
    metadata: {},
  });
  ctx.out(
    ctx.json
      ? JSON.stringify({ topic, message_id: res.message_id })
      : `published ${displayKey(res.message_id)}`,
  );
  return 0;
}

async function subscribe(ctx: CommandContext, [topic]: string[]): Promise<number> {
  let count = 0;
  await serverStream<PubSubMessage>(
    ctx,
    SERVICE_NAMES.pubsub,
    "Subscribe",
    { topic, subscriber_id: "" },
    (m) => {
      count++;
      if (ctx.json) {
        ctx.out(JSON.stringify({
          topic: m.topic,
          message_id: m.message_id,
          timestamp_ms: m.timestamp_ms,
          ...jsonValue(m.payload, "payload"),
          metadata: m.metadata ?? {},
        }));
        return;
      }
      const meta = metadataText(m.metadata);
      ctx.out(
        `${iso(m.timestamp_ms)}  ${displayKey(m.message_id)}  ${displayValue(m.payload)}` +
          (meta ? `  (${displayKey(meta)})` : ""),
      );
    },
    {
      interrupt: ctx.interrupt,
      onHeaders: (id) =>
        ctx.err(
          `subscribed to ${JSON.stringify(topic)} in namespace "${ctx.namespace}"` +
            (id ? ` as ${displayKey(id)}` : "") + "; Ctrl-C ends",
        ),
    },
  );
  if (ctx.interrupt.aborted) {
    ctx.err(`unsubscribed after ${count} message${count === 1 ? "" : "s"}`);
  }
  return 0;
}

async function append(ctx: CommandContext, [stream, payload]: string[]): Promise<number> {
  const res = await unary<{ offset: number }>(ctx, SERVICE_NAMES.stream, "Append", {
    stream,
    payload: encoder.encode(payload),
    metadata: {},
  });
  ctx.out(ctx.json ? JSON.stringify({ stream, offset: res.offset }) : `offset ${res.offset}`);
  return 0;
}

async function read(
  ctx: CommandContext,
  [stream]: string[],
  from: number,
  max: number,
): Promise<number> {
  const records: StreamRecord[] = [];
  let shown = 0;
  let last = -1;
  let more = false;
  const ask = max > 0 ? Math.min(max + 1, INT32_MAX) : 0;
  await serverStream<StreamRecord>(
    ctx,
    SERVICE_NAMES.stream,
    "Read",
    { stream, from_offset: from, max_messages: ask },
    (r) => {
      if (max > 0 && shown >= max) {
        more = true;
        return;
      }
      shown++;
      last = r.offset;
      if (ctx.json) {
        ctx.out(JSON.stringify({
          stream,
          offset: r.offset,
          timestamp_ms: r.timestamp_ms,
          ...jsonValue(r.payload, "payload"),
          metadata: r.metadata ?? {},
        }));
      } else records.push(r);
    },
    { timeoutMs: STREAM_TIMEOUT_MS },
  );
  if (!ctx.json) {
    if (records.length === 0) {
      ctx.err(`No records in stream ${JSON.stringify(stream)} from offset ${from}.`);
    } else {
      const withMeta = records.some((r) => metadataText(r.metadata) !== "");
      const header = ["OFFSET", "TIME", "PAYLOAD", ...(withMeta ? ["METADATA"] : [])];
      const rows = records.map((r) => [
        String(r.offset),
        iso(r.timestamp_ms),
        truncate(displayValue(r.payload, true), CELL),
        ...(withMeta ? [displayKey(metadataText(r.metadata))] : []),
      ]);
      ctx.out(table(header, rows).trimEnd());
    }
  }
  if (more) {
    ctx.err(
      `prism ctl: read: showing ${max} record${max === 1 ? "" : "s"}; ` +
        `more follow (--from ${last + 1})`,
    );
  }
  return 0;
}

/**
 * Runs a data command (every command but `status`); resolves with the
 * exit code.
 *
 * @throws {CallFailed} when a call fails.
 *
 * @example
 * ```ts ignore
 * import { runCommand } from "./commands.ts";
 * import { parseCtlArgs } from "./flags.ts";
 * const code = await runCommand(parseCtlArgs(["get", "greeting"]), ctx); // prints the value
 * ```
 */
export function runCommand(inv: CtlInvocation, ctx: CommandContext): Promise<number> {
  const a = inv.args;
  const commands: Record<Exclude<CommandName, "status">, () => Promise<number>> = {
    get: () => get(ctx, a),
    set: () => set(ctx, a, inv.ttl),
    del: () => del(ctx, a),
    scan: () => scan(ctx, a, inv.limit),
    ttl: () => ttlOf(ctx, a),
    push: () => push(ctx, a, inv.side),
    pop: () => pop(ctx, a, inv.side),
    len: () => len(ctx, a),
    publish: () => publish(ctx, a),
    subscribe: () => subscribe(ctx, a),
    append: () => append(ctx, a),
    read: () => read(ctx, a, inv.from, inv.max),
  };
  const run = commands[inv.command as Exclude<CommandName, "status">];
  if (run === undefined) throw new Error(`not a data command: ${inv.command}`);
  return run();
}
