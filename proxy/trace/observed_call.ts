/**
 * What the proxy knows about one data call while tracing or the access log
 * is on: its request id (the client's `x-request-id`, or a new one), its
 * span, and what it passes on to a plugin (`x-request-id`, `traceparent`).
 *
 * @module
 */
import type { CallStats } from "../metrics/metrics.ts";
import type { ActiveSpan } from "../../proto/trace/tracer.ts";
import { formatTraceparent } from "../../proto/trace/traceparent.ts";

/** The longest client-chosen request id kept as it is (longer ones are replaced). */
const MAX_REQUEST_ID = 128;

/**
 * The request id of a call: the client's `x-request-id` when it is a
 * reasonable token, else a new UUID.
 *
 * @example
 * ```ts
 * import { requestIdOf } from "./observed_call.ts";
 * console.log(requestIdOf("abc-123")); // "abc-123"
 * console.log(requestIdOf("bad\nid").length); // 36
 * ```
 */
export function requestIdOf(header: string | undefined): string {
  if (
    header !== undefined && header.length > 0 && header.length <= MAX_REQUEST_ID &&
    /^[\x21-\x7e]+$/.test(header)
  ) {
    return header;
  }
  return crypto.randomUUID();
}

/**
 * One observed call.
 *
 * @example
 * ```ts
 * import { ObservedCall } from "./observed_call.ts";
 * const call = new ObservedCall("default", "Get", undefined, "req-1", undefined, undefined);
 * console.log(call.requestId, call.traceId); // "req-1" undefined
 * ```
 */
export class ObservedCall {
  constructor(
    /** The namespace ("" when the call named none that is configured). */
    readonly namespace: string,
    /** The RPC's name, e.g. `Get`. */
    readonly method: string,
    /** The metrics counters it is counted under, when metrics are on. */
    readonly stats: CallStats | undefined,
    /** Its request id. */
    readonly requestId: string,
    /** The proxy's span for it, when tracing is on. */
    readonly span: ActiveSpan | undefined,
    /** The client's `traceparent`, passed on as it is when the proxy has no span. */
    readonly clientTraceparent: string | undefined,
  ) {}

  /** The trace id, when the call is traced. */
  get traceId(): string | undefined {
    return this.span?.ref.traceId;
  }

  /** The `traceparent` a plugin gets: the proxy's span, or the client's header unchanged. */
  get traceparent(): string | undefined {
    return this.span ? formatTraceparent(this.span.ref) : this.clientTraceparent;
  }
}
