/**
 * gRPC's `grpc-timeout` header (gRPC over HTTP/2: `TimeoutValue`, at most 8
 * digits, then a unit of `H`ours, `M`inutes, `S`econds, `m`illiseconds,
 * `u` microseconds or `n`anoseconds), both ways: the server parses what a
 * client sent into its deadline, the client writes its deadline.
 *
 * @example
 * ```ts
 * import { formatGrpcTimeout, parseGrpcTimeout } from "./grpc_timeout.ts";
 * console.log(parseGrpcTimeout(formatGrpcTimeout(90_000))); // 90000
 * ```
 *
 * @module
 */

/** Milliseconds per unit. */
const UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/** The largest number the header takes (8 digits). */
const MAX_DIGITS = 99_999_999;

/** The units a client writes, finest first. */
const WRITTEN_UNITS = ["m", "S", "M", "H"] as const;

/**
 * Parses a `grpc-timeout` value into milliseconds; undefined when malformed.
 *
 * @example
 * ```ts
 * import { parseGrpcTimeout } from "./grpc_timeout.ts";
 * console.log(parseGrpcTimeout("250m"), parseGrpcTimeout("2S"), parseGrpcTimeout("x")); // 250 2000 undefined
 * ```
 */
export function parseGrpcTimeout(value: string): number | undefined {
  const n = value.length;
  if (n < 2 || n > 9) return undefined;
  const unit = UNIT_MS[value[n - 1]];
  if (unit === undefined) return undefined;
  let digits = 0;
  for (let i = 0; i < n - 1; i++) {
    const c = value.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    digits = digits * 10 + c;
  }
  return digits * unit;
}

/**
 * A timeout in milliseconds as a `grpc-timeout` value: in the finest unit
 * that fits in 8 digits, rounded up (a deadline is never sent earlier than
 * it is). Past 99,999,999 hours it is capped there.
 *
 * @example
 * ```ts
 * import { formatGrpcTimeout } from "./grpc_timeout.ts";
 * console.log(formatGrpcTimeout(250), formatGrpcTimeout(3e8), formatGrpcTimeout(1e12)); // "250m" "300000S" "16666667M"
 * ```
 */
export function formatGrpcTimeout(ms: number): string {
  if (!(ms >= 0)) {
    throw new RangeError(
      `Cannot send a grpc-timeout as 'ms' must be a non-negative number: current value is ${ms}`,
    );
  }
  if (ms <= MAX_DIGITS) return `${Math.ceil(ms)}m`; // every call's case
  for (const unit of WRITTEN_UNITS) {
    const n = Math.ceil(ms / UNIT_MS[unit]);
    if (n <= MAX_DIGITS) return `${n}${unit}`;
  }
  return `${MAX_DIGITS}H`;
}
