/**
 * Redis errors as gRPC statuses (CONTRACT §2), and which of them a retry
 * may cure.
 *
 * | Redis / ioredis | status |
 * | --- | --- |
 * | `WRONGTYPE` (a list operation on a plain value, or the reverse) | `FAILED_PRECONDITION` |
 * | `ERR invalid expire time` | `INVALID_ARGUMENT` |
 * | `OOM` (maxmemory reached) | `RESOURCE_EXHAUSTED` |
 * | `LOADING`, `BUSY`, `MISCONF`, `READONLY`, `MASTERDOWN`, `TRYAGAIN`, `NOAUTH`, `WRONGPASS`, `NOPERM` | `UNAVAILABLE` |
 * | connection lost with the command in flight, not connected | `UNAVAILABLE` |
 *
 * @module
 */
import { status, StatusError } from "../../proto/status.ts";
import { isTransientError } from "../sdk/resilience.ts";

const UNAVAILABLE_REPLIES = [
  "LOADING",
  "BUSY",
  "MISCONF",
  "READONLY",
  "MASTERDOWN",
  "TRYAGAIN",
  "CLUSTERDOWN",
  "NOAUTH",
  "WRONGPASS",
  "NOPERM",
];

/** Messages ioredis uses when the connection went away under a command. */
const CONNECTION_LOST = ["Connection is closed.", "Command aborted due to connection close"];

function name(err: unknown): string {
  return (err as { name?: unknown } | null)?.name === undefined
    ? ""
    : String((err as { name: unknown }).name);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether `err` is an error reply from Redis whose code is `code`
 * (`WRONGTYPE`, `OOM`, ...).
 *
 * @example
 * ```ts
 * import { isReply } from "./errors.ts";
 * const err = Object.assign(new Error("WRONGTYPE Operation against a key"), { name: "ReplyError" });
 * console.log(isReply(err, "WRONGTYPE")); // true
 * ```
 */
export function isReply(err: unknown, code: string): boolean {
  return name(err) === "ReplyError" && message(err).startsWith(code);
}

/**
 * Whether an idempotent command may be retried after `err`: the connection
 * dropped under it (not: Redis is known to be down, or answered an error).
 *
 * @example
 * ```ts
 * import { isRetryableRedisError } from "./errors.ts";
 * console.log(isRetryableRedisError(new Error("Connection is closed."))); // true
 * console.log(isRetryableRedisError(new Error("WRONGTYPE"))); // false
 * ```
 */
export function isRetryableRedisError(err: unknown): boolean {
  return isTransientError(err) || connectionLost(err);
}

/** ioredis's errors for a command whose connection went away under it. */
function connectionLost(err: unknown): boolean {
  const n = name(err);
  if (n === "MaxRetriesPerRequestError" || n === "AbortError") return true;
  return CONNECTION_LOST.includes(message(err));
}

/**
 * Maps a Redis or ioredis error to the status a client sees; `undefined`
 * for errors it does not know (the SDK maps those).
 *
 * @example
 * ```ts
 * import { mapRedisError } from "./errors.ts";
 * const oom = Object.assign(new Error("OOM command not allowed"), { name: "ReplyError" });
 * console.log(mapRedisError(oom)?.code); // 8 (RESOURCE_EXHAUSTED)
 * ```
 */
export function mapRedisError(err: unknown): StatusError | undefined {
  const msg = message(err);
  if (name(err) === "ReplyError") {
    if (isReply(err, "WRONGTYPE")) {
      return new StatusError(
        status.FAILED_PRECONDITION,
        `the key holds another type: a list operation on a plain value, or the reverse (Redis: ${msg})`,
        { cause: err },
      );
    }
    if (/invalid expire time/i.test(msg)) {
      return new StatusError(status.INVALID_ARGUMENT, `ttl_seconds is too large (Redis: ${msg})`, {
        cause: err,
      });
    }
    if (isReply(err, "OOM")) {
      return new StatusError(
        status.RESOURCE_EXHAUSTED,
        `Redis is out of memory (maxmemory); stored data is intact (Redis: ${msg})`,
        { cause: err },
      );
    }
    if (UNAVAILABLE_REPLIES.some((code) => isReply(err, code))) {
      return new StatusError(
        status.UNAVAILABLE,
        `Redis cannot serve the call now (Redis: ${msg})`,
        {
          cause: err,
        },
      );
    }
    return undefined;
  }
  if (connectionLost(err)) {
    return new StatusError(
      status.UNAVAILABLE,
      `the connection to Redis was lost during the call: ${msg}`,
      { cause: err },
    );
  }
  if (msg.startsWith("Stream isn't writeable")) {
    return new StatusError(status.UNAVAILABLE, "Redis is not connected", { cause: err });
  }
  return undefined;
}
