/**
 * W3C Trace Context's `traceparent` header
 * (https://www.w3.org/TR/trace-context/#traceparent-header): what a call
 * carries so that the proxy's span and each plugin's continue the client's
 * trace.
 *
 * @module
 */

/** A span's place in a trace, as `traceparent` carries it.
 *
 * @example
 * ```ts
 * import type { SpanRef } from "./traceparent.ts";
 * const ref: SpanRef = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", flags: 1 };
 * console.log(ref.flags & 1); // 1 (sampled)
 * ```
 */
export interface SpanRef {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  /** Trace flags; bit 0 is "sampled". */
  flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a `traceparent` value; undefined when it is absent or invalid
 * (then the call starts a new trace, as the specification asks).
 *
 * @example
 * ```ts
 * import { parseTraceparent } from "./traceparent.ts";
 * const ref = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
 * console.log(ref?.spanId); // "00f067aa0ba902b7"
 * console.log(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")); // undefined
 * ```
 */
export function parseTraceparent(value: string | undefined): SpanRef | undefined {
  if (value === undefined || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is invalid; version 00 has exactly four fields.
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

/**
 * Formats a span's `traceparent` (version 00).
 *
 * @example
 * ```ts
 * import { formatTraceparent } from "./traceparent.ts";
 * console.log(formatTraceparent({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", flags: 1 }));
 * // "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
 * ```
 */
export function formatTraceparent(ref: SpanRef): string {
  return `00-${ref.traceId}-${ref.spanId}-${(ref.flags & 0xff).toString(16).padStart(2, "0")}`;
}
