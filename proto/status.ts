/**
 * gRPC status codes and the error that carries one, as the proxy, the
 * plugins and the transport raise and report them (CONTRACT §2).
 *
 * @module
 */

/**
 * The gRPC status codes by name (the same numbers every gRPC library uses).
 *
 * @example
 * ```ts
 * import { status } from "./status.ts";
 * console.log(status.UNAVAILABLE); // 14
 * ```
 */
export const status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/**
 * A gRPC status code.
 *
 * @example
 * ```ts
 * import { status } from "./status.ts";
 * const code: status = status.NOT_FOUND;
 * console.log(code); // 5
 * ```
 */
export type status = typeof status[keyof typeof status];

const NAMES: string[] = [];
for (const [name, code] of Object.entries(status)) NAMES[code] = name;

/**
 * An error that carries the gRPC status a client should see.
 *
 * @example
 * ```ts
 * import { status, StatusError } from "./status.ts";
 * const err = new StatusError(status.NOT_FOUND, "namespace \"x\" is not configured");
 * console.log(err.code === status.NOT_FOUND); // true
 * ```
 */
export class StatusError extends Error {
  /** The gRPC status code. */
  readonly code: number;
  constructor(code: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StatusError";
    this.code = code;
  }
}

/**
 * The status code's canonical name, e.g. `RESOURCE_EXHAUSTED`.
 *
 * @example
 * ```ts
 * import { status, statusName } from "./status.ts";
 * console.log(statusName(status.INVALID_ARGUMENT)); // "INVALID_ARGUMENT"
 * console.log(statusName(42)); // "CODE_42"
 * ```
 */
export function statusName(code: number): string {
  return NAMES[code] ?? `CODE_${code}`;
}
