/**
 * gRPC status errors as the proxy and the plugins raise and report them
 * (CONTRACT §2).
 *
 * @module
 */
import { Metadata, status } from "@grpc/grpc-js";
import type { ServiceError } from "@grpc/grpc-js";

/**
 * An error that carries the gRPC status a client should see.
 *
 * @example
 * ```ts
 * import { status } from "@grpc/grpc-js";
 * import { StatusError } from "./status.ts";
 * const err = new StatusError(status.NOT_FOUND, "namespace \"x\" is not configured");
 * console.log(err.code === status.NOT_FOUND); // true
 * ```
 */
export class StatusError extends Error {
  /** The gRPC status code. */
  readonly code: status;
  constructor(code: status, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StatusError";
    this.code = code;
  }
}

/**
 * The shape grpc-js sends as a call's error status.
 *
 * @example
 * ```ts
 * import { status } from "@grpc/grpc-js";
 * import { StatusError, toServiceError } from "./status.ts";
 * const e = toServiceError(new StatusError(status.UNAVAILABLE, "draining"));
 * console.log(e.code === status.UNAVAILABLE, e.details); // true "draining"
 * ```
 */
export function toServiceError(err: StatusError): Partial<ServiceError> {
  return { code: err.code, details: err.message, metadata: new Metadata() };
}

/**
 * The status code's canonical name, e.g. `RESOURCE_EXHAUSTED`.
 *
 * @example
 * ```ts
 * import { status } from "@grpc/grpc-js";
 * import { statusName } from "./status.ts";
 * console.log(statusName(status.INVALID_ARGUMENT)); // "INVALID_ARGUMENT"
 * ```
 */
export function statusName(code: number): string {
  return status[code] ?? `CODE_${code}`;
}
