/**
 * Server-side interceptors: middleware around every handler of a plugin
 * (data and lifecycle calls alike). Each gets the call's context and a
 * `next(ctx)` that runs the rest of the chain; the SDK's chain, outermost
 * first, is
 *
 * 1. {@linkcode loggingInterceptor} — a `debug` line per call, `warn` per
 *    failed call (rate-limited), `error` with the cause for `INTERNAL`;
 *    every line carries the request id (`x-request-id` metadata);
 * 2. {@linkcode errorMappingInterceptor} — any error becomes a
 *    `StatusError` (CONTRACT §2, see `errors.ts`);
 * 3. {@linkcode authInterceptor} — the plugin's {@linkcode Authorizer},
 *    when it has one (without, every call is allowed: {@linkcode allowAll});
 * 4. the plugin's own interceptors, then the handler.
 *
 * @module
 */
import type { Logger } from "../../proto/log/logger.ts";
import { status, StatusError, statusName } from "../../proto/status.ts";
import type { CallMetadata, ServerCall, ServerWriter } from "../../proto/transport/grpc_server.ts";
import { type ErrorMapper, toStatusError } from "./errors.ts";
import { parseTraceparent } from "../../proto/trace/traceparent.ts";
import type { Tracer } from "../../proto/trace/tracer.ts";

/** The metadata key that carries a call's request id.
 *
 * @example
 * ```ts
 * import { REQUEST_ID_KEY } from "./interceptors.ts";
 * console.log(REQUEST_ID_KEY); // "x-request-id"
 * ```
 */
export const REQUEST_ID_KEY = "x-request-id";

/**
 * The request id of a call: its `x-request-id` metadata, or a new one.
 *
 * @example
 * ```ts
 * import { CallMetadata } from "../../proto/transport/grpc_server.ts";
 * import { requestIdOf } from "./interceptors.ts";
 * const md = new CallMetadata([["x-request-id", "req-42"]]);
 * console.log(requestIdOf(md)); // "req-42"
 * ```
 */
export function requestIdOf(metadata: CallMetadata | undefined): string {
  const v = metadata?.get(REQUEST_ID_KEY);
  if (v !== undefined && v !== "") return v.slice(0, 128);
  return crypto.randomUUID();
}

/** The transport's call behind a context: a stream's has `write` and `drain`.
 *
 * @example
 * ```ts
 * import type { AnyServerCall } from "./interceptors.ts";
 * const peer = (call: AnyServerCall) => call.peer;
 * console.log(typeof peer);
 * ```
 */
export type AnyServerCall = ServerCall | ServerWriter<unknown>;

/**
 * What an interceptor or handler knows about the call it serves.
 *
 * @example
 * ```ts
 * import type { CallContext } from "./interceptors.ts";
 * const describe = (ctx: CallContext) => `${ctx.method} [${ctx.requestId}]`;
 * console.log(typeof describe);
 * ```
 */
export interface CallContext {
  /** The full method path, e.g. `/prism.interfaces.keyvalue.KeyValueBasicInterface/Get`. */
  readonly method: string;
  /** From `x-request-id`, or generated. */
  readonly requestId: string;
  /** The trace the call belongs to, from its `traceparent` (the proxy's span). */
  readonly traceId: string | undefined;
  /** The decoded request message. */
  readonly request: unknown;
  /** The call's metadata. */
  readonly metadata: CallMetadata;
  /** The call's deadline in ms since the epoch (Infinity: none). */
  readonly deadline: number;
  /** Aborted when the client cancels, or when a drain cuts the call off. */
  readonly signal: AbortSignal;
  /** The transport's call. */
  readonly call: AnyServerCall;
  /** The plugin's logger with `method` and `request_id` bound. */
  readonly log: Logger;
  /** Milliseconds left until the deadline (Infinity: none). */
  remainingMs(): number;
}

/**
 * Builds the context of a call.
 *
 * @example
 * ```ts ignore
 * import { createCallContext } from "./interceptors.ts";
 * const ctx = createCallContext(call, request, log, signal);
 * ```
 */
export function createCallContext(
  call: AnyServerCall,
  request: unknown,
  log: Logger,
  signal?: AbortSignal,
): CallContext {
  return new ServedCallContext(call, request, log, signal);
}

/** A class rather than a literal with an accessor: one shape, no closures per call. */
class ServedCallContext implements CallContext {
  readonly method: string;
  readonly requestId: string;
  readonly traceId: string | undefined;
  readonly request: unknown;
  readonly metadata: CallMetadata;
  readonly deadline: number;
  readonly call: AnyServerCall;
  streaming = false;
  #signal: AbortSignal | undefined;
  #parentLog: Logger;
  #log: Logger | undefined = undefined;

  constructor(call: AnyServerCall, request: unknown, log: Logger, signal?: AbortSignal) {
    this.method = call.method;
    this.requestId = requestIdOf(call.metadata);
    this.traceId = parseTraceparent(call.metadata.get("traceparent"))?.traceId;
    this.request = request;
    this.metadata = call.metadata;
    this.deadline = call.deadline;
    this.#signal = signal;
    this.call = call;
    this.#parentLog = log;
  }

  /** Aborted when the call is cancelled, passes its deadline or is cut off (the call's own, made on first use). */
  get signal(): AbortSignal {
    return this.#signal ??= this.call.signal;
  }

  /** Ends the call now with `reason`'s status; the handler is told through `signal`. */
  abort(reason: StatusError): void {
    this.call.abort(reason);
  }

  get log(): Logger {
    return (this.#log ??= this.#parentLog.child({
      method: this.method,
      request_id: this.requestId,
      ...(this.traceId ? { trace_id: this.traceId } : {}),
    }));
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }
}

/**
 * Middleware around a handler: do something, call `next(ctx)`, look at its
 * result or error. `next` is the rest of the chain, the same function for
 * every call (as gRPC-Go's handler), so that a call costs no closure per
 * interceptor.
 *
 * @example
 * ```ts
 * import type { Interceptor } from "./interceptors.ts";
 * const timing: Interceptor = async (ctx, next) => {
 *   const t0 = performance.now();
 *   try {
 *     return await next(ctx);
 *   } finally {
 *     ctx.log.debug("timed", { ms: performance.now() - t0 });
 *   }
 * };
 * console.log(typeof timing);
 * ```
 */
export type Interceptor = (
  ctx: CallContext,
  next: (ctx: CallContext) => Promise<unknown>,
) => Promise<unknown>;

/**
 * Composes interceptors (outermost first) around a terminal handler.
 *
 * @example
 * ```ts
 * import { compose, type Interceptor } from "./interceptors.ts";
 * const seen: string[] = [];
 * const tag = (name: string): Interceptor => async (ctx, next) => (seen.push(name), await next(ctx));
 * const run = compose([tag("a"), tag("b")], () => Promise.resolve("done"));
 * console.log(await run({} as never), seen); // "done" ["a", "b"]
 * ```
 */
export function compose(
  interceptors: readonly Interceptor[],
  terminal: (ctx: CallContext) => Promise<unknown>,
): (ctx: CallContext) => Promise<unknown> {
  return interceptors.reduceRight<(ctx: CallContext) => Promise<unknown>>(
    (next, interceptor) => (ctx) => interceptor(ctx, next),
    terminal,
  );
}

/**
 * Decides whether a call may proceed: returns, or throws a `StatusError`
 * (`UNAUTHENTICATED`, `PERMISSION_DENIED`).
 *
 * @example
 * ```ts
 * import { status, StatusError } from "../../proto/status.ts";
 * import type { Authorizer } from "./interceptors.ts";
 * const tokenRequired: Authorizer = (ctx) => {
 *   if (ctx.metadata.get("authorization") === undefined) {
 *     throw new StatusError(status.UNAUTHENTICATED, "missing authorization");
 *   }
 * };
 * console.log(typeof tokenRequired);
 * ```
 */
export type Authorizer = (ctx: CallContext) => void | Promise<void>;

/**
 * The default authorizer: every call may proceed (the plugin listens on
 * loopback only, for its proxy).
 *
 * @example
 * ```ts
 * import { allowAll } from "./interceptors.ts";
 * console.log(allowAll({} as never)); // undefined
 * ```
 */
export const allowAll: Authorizer = () => {};

/**
 * Runs `authorize` before the rest of the chain.
 *
 * @example
 * ```ts
 * import { allowAll, authInterceptor } from "./interceptors.ts";
 * const auth = authInterceptor(allowAll);
 * console.log(await auth({} as never, () => Promise.resolve("ok"))); // "ok"
 * ```
 */
export function authInterceptor(authorize: Authorizer): Interceptor {
  return async (ctx, next) => {
    await authorize(ctx);
    return await next(ctx);
  };
}

/**
 * Maps every error of the rest of the chain to a `StatusError`: the
 * plugin's mapper first (read at each call, since the plugin's backend
 * arrives with `Initialize`), then the SDK's rules (`errors.ts`).
 *
 * @example
 * ```ts
 * import type { StatusError } from "../../proto/status.ts";
 * import { errorMappingInterceptor } from "./interceptors.ts";
 * const mapping = errorMappingInterceptor(() => undefined);
 * const err: StatusError = await mapping(
 *   { requestId: "r1" } as never,
 *   () => Promise.reject(new Error("boom")),
 * ).catch((e: StatusError) => e) as StatusError;
 * console.log(err.code, err.message); // 13 "internal error in the plugin (request id r1): boom"
 * ```
 */
export function errorMappingInterceptor(mapper: () => ErrorMapper | undefined): Interceptor {
  return async (ctx, next) => {
    try {
      return await next(ctx);
    } catch (err) {
      throw toStatusError(err, ctx.requestId, mapper());
    }
  };
}

/** Options of {@linkcode loggingInterceptor}.
 *
 * @example
 * ```ts
 * import type { LoggingOptions } from "./interceptors.ts";
 * const opts: LoggingOptions = { maxWarningsPerSecond: 5 };
 * console.log(opts.maxWarningsPerSecond);
 * ```
 */
export interface LoggingOptions {
  /** Warnings about failed calls per second before the rest are counted, not written (default 20). */
  maxWarningsPerSecond?: number;
  /** Milliseconds since the epoch (tests drive time through it). */
  clock?: () => number;
}

/**
 * Logs every call with `logger` (or the logger a function returns at each
 * call): `debug` when it succeeds or the client cancels it, `warn` when it
 * fails (at most
 * `maxWarningsPerSecond`; the number left out is logged with the next
 * written warning), `error` with the cause and stack for `INTERNAL`
 * (never rate-limited). Expects errors already mapped to `StatusError`.
 *
 * @example
 * ```ts
 * import { Logger } from "../../proto/log/logger.ts";
 * import { loggingInterceptor } from "./interceptors.ts";
 * const lines: string[] = [];
 * const log = new Logger({}, "debug", (l) => lines.push(l));
 * const logging = loggingInterceptor(log);
 * await logging({ method: "/s/M", requestId: "r1" } as never, () => Promise.resolve({}));
 * console.log(JSON.parse(lines[0]).request_id); // "r1"
 * ```
 */
export function loggingInterceptor(
  logger: Logger | (() => Logger),
  options: LoggingOptions = {},
): Interceptor {
  const current = typeof logger === "function" ? logger : () => logger;
  const max = options.maxWarningsPerSecond ?? 20;
  const clock = options.clock ?? Date.now;
  let windowStart = 0;
  let written = 0;
  let suppressed = 0;
  return async (ctx, next) => {
    const t0 = performance.now();
    const log = current();
    try {
      const result = await next(ctx);
      if (log.enabled("debug")) {
        log.debug("call served", {
          method: ctx.method,
          request_id: ctx.requestId,
          ...(ctx.traceId ? { trace_id: ctx.traceId } : {}),
          code: "OK",
          duration_ms: Math.round((performance.now() - t0) * 1000) / 1000,
        });
      }
      return result;
    } catch (err) {
      const e = err instanceof StatusError ? err : toStatusError(err, ctx.requestId);
      const fields: Record<string, unknown> = {
        method: ctx.method,
        request_id: ctx.requestId,
        ...(ctx.traceId ? { trace_id: ctx.traceId } : {}),
        code: statusName(e.code),
        error: e.message,
        duration_ms: Math.round((performance.now() - t0) * 1000) / 1000,
      };
      if (e.code === status.INTERNAL) {
        log.error("call failed", { ...fields, cause: e.cause ?? e });
      } else if (e.code === status.CANCELLED) {
        log.debug("call cancelled", fields); // the client's choice, not a failure
      } else {
        const now = clock();
        if (now - windowStart >= 1000) {
          windowStart = now;
          written = 0;
        }
        if (written < max) {
          written++;
          if (suppressed > 0) fields.suppressed_before = suppressed;
          suppressed = 0;
          log.warn("call failed", fields);
        } else {
          suppressed++;
        }
      }
      throw e;
    }
  };
}

/**
 * A span per data call, the child of the call's `traceparent` (the
 * proxy's span), ended with the call's status; lifecycle calls are not
 * traced.
 *
 * @example
 * ```ts ignore
 * import { tracingInterceptor } from "./interceptors.ts";
 * const interceptor = tracingInterceptor(tracer, () => "cache");
 * ```
 */
export function tracingInterceptor(tracer: Tracer, namespace: () => string): Interceptor {
  return async (ctx, next) => {
    if (ctx.method.startsWith(LIFECYCLE_PREFIX)) return await next(ctx);
    const slash = ctx.method.lastIndexOf("/");
    const span = tracer.startServer(
      ctx.method.slice(1),
      parseTraceparent(ctx.metadata.get("traceparent")),
      {
        "rpc.system": "grpc",
        "rpc.service": ctx.method.slice(1, slash),
        "rpc.method": ctx.method.slice(slash + 1),
        "prism.namespace": namespace(),
        "prism.request_id": ctx.requestId,
      },
    );
    try {
      const result = await next(ctx);
      span.end(0);
      return result;
    } catch (err) {
      const e = err instanceof StatusError ? err : toStatusError(err, ctx.requestId);
      span.end(e.code, e.message);
      throw err;
    }
  };
}

const LIFECYCLE_PREFIX = "/prism.interfaces.lifecycle.";
