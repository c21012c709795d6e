/**
 * Errors a plugin raises about its backend, and their mapping to the gRPC
 * statuses of CONTRACT §2:
 *
 * | error | status |
 * | --- | --- |
 * | `StatusError` | its own code (passes through) |
 * | a plugin's own mapper says so (e.g. Redis `WRONGTYPE`) | what the mapper returns |
 * | {@linkcode BackendUnavailableError}, {@linkcode AttemptTimeoutError}, an open circuit, socket errors (`ECONNREFUSED`, `ECONNRESET`, ...) | `UNAVAILABLE` |
 * | {@linkcode DeadlineError} | `DEADLINE_EXCEEDED` |
 * | anything else | `INTERNAL`, with a request id (the caller logs it) |
 *
 * @module
 */
import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";
import { status, StatusError } from "../../proto/status.ts";

/**
 * The backend cannot be reached or is not ready; the call fails with
 * `UNAVAILABLE`. `retryable` says whether an idempotent call may try again
 * (a connection dropped mid-call) or should fail at once (known to be down).
 *
 * @example
 * ```ts
 * import { BackendUnavailableError } from "./errors.ts";
 * const err = new BackendUnavailableError("redis is not connected (state: reconnecting)");
 * console.log(err.retryable); // false
 * ```
 */
export class BackendUnavailableError extends Error {
  /** Whether a retry may succeed. */
  readonly retryable: boolean;
  constructor(message: string, options: ErrorOptions & { retryable?: boolean } = {}) {
    super(message, options);
    this.name = "BackendUnavailableError";
    this.retryable = options.retryable ?? false;
  }
}

/**
 * One backend attempt took longer than its timeout (the call's deadline had
 * not passed yet); the call fails with `UNAVAILABLE`.
 *
 * @example
 * ```ts
 * import { AttemptTimeoutError } from "./errors.ts";
 * console.log(new AttemptTimeoutError(250).message); // "the backend did not answer within 250 ms"
 * ```
 */
export class AttemptTimeoutError extends Error {
  /** The timeout that passed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`the backend did not answer within ${timeoutMs} ms`);
    this.name = "AttemptTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The call's gRPC deadline passed; the call fails with `DEADLINE_EXCEEDED`.
 *
 * @example
 * ```ts
 * import { DeadlineError } from "./errors.ts";
 * console.log(new DeadlineError().message); // "the call's deadline passed"
 * ```
 */
export class DeadlineError extends Error {
  constructor(message = "the call's deadline passed") {
    super(message);
    this.name = "DeadlineError";
  }
}

/** Socket error codes that mean "the backend cannot be reached". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENOTCONN",
]);

/**
 * Whether `err` is a socket-level error (by its Node-style `code`).
 *
 * @example
 * ```ts
 * import { isNetworkError } from "./errors.ts";
 * console.log(isNetworkError(Object.assign(new Error("x"), { code: "ECONNRESET" }))); // true
 * console.log(isNetworkError(new Error("x"))); // false
 * ```
 */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && NETWORK_CODES.has(code);
}

/**
 * A plugin's own error mapping, consulted first: a `StatusError` for errors
 * it recognises, `undefined` for the others.
 *
 * @example
 * ```ts
 * import { status, StatusError } from "../../proto/status.ts";
 * import type { ErrorMapper } from "./errors.ts";
 * const mapper: ErrorMapper = (err) =>
 *   String(err).includes("WRONGTYPE") ? new StatusError(status.FAILED_PRECONDITION, "wrong type") : undefined;
 * console.log(mapper(new Error("ok")) === undefined); // true
 * ```
 */
export type ErrorMapper = (err: unknown) => StatusError | undefined;

/**
 * Maps any error thrown by a handler to the status a client sees. Unknown
 * errors become `INTERNAL` naming `requestId` (the caller logs them).
 *
 * @example
 * ```ts
 * import { status } from "../../proto/status.ts";
 * import { BackendUnavailableError, toStatusError } from "./errors.ts";
 * const e = toStatusError(new BackendUnavailableError("redis is down"), "req-1");
 * console.log(e.code === status.UNAVAILABLE, e.message); // true "redis is down"
 * ```
 */
export function toStatusError(
  err: unknown,
  requestId: string,
  mapper?: ErrorMapper,
): StatusError {
  if (err instanceof StatusError) return err;
  const mapped = mapper?.(err);
  if (mapped !== undefined) return mapped;
  if (err instanceof DeadlineError) {
    return new StatusError(status.DEADLINE_EXCEEDED, err.message, { cause: err });
  }
  if (err instanceof BackendUnavailableError || err instanceof AttemptTimeoutError) {
    return new StatusError(status.UNAVAILABLE, err.message, { cause: err });
  }
  if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
    return new StatusError(
      status.UNAVAILABLE,
      "the backend is failing: calls are paused for a moment (circuit breaker open)",
      { cause: err },
    );
  }
  if (err instanceof TaskCancelledError) {
    return new StatusError(status.UNAVAILABLE, "the backend call was cancelled", { cause: err });
  }
  if (isNetworkError(err)) {
    return new StatusError(
      status.UNAVAILABLE,
      `the backend cannot be reached: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StatusError(
    status.INTERNAL,
    `internal error in the plugin (request id ${requestId}): ${message}`,
    { cause: err },
  );
}
