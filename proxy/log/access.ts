/**
 * The access log (config `log.access`): one `access` line per data call —
 * request id, trace id, namespace, method, status, duration, bytes — with
 * successful calls sampled (`log.access_sample`) and failed ones always
 * kept.
 *
 * @module
 */
import { statusName } from "../../proto/status.ts";
import type { Logger } from "../../proto/log/logger.ts";

/** One call as the access log writes it.
 *
 * @example
 * ```ts
 * import type { AccessEntry } from "./access.ts";
 * const e: AccessEntry = { requestId: "r1", namespace: "default", method: "Get", code: 0,
 *   durationMs: 0.21, bytesIn: 12, bytesOut: 9, peer: "127.0.0.1:50000" };
 * console.log(e.method);
 * ```
 */
export interface AccessEntry {
  requestId: string;
  traceId?: string;
  namespace: string;
  method: string;
  /** The gRPC status code. */
  code: number;
  durationMs: number;
  /** Request message bytes. */
  bytesIn: number;
  /** Response message bytes. */
  bytesOut: number;
  peer: string;
}

/**
 * Writes access lines.
 *
 * @example
 * ```ts
 * import { AccessLog } from "./access.ts";
 * import { Logger } from "../../proto/log/logger.ts";
 * const lines: string[] = [];
 * const access = new AccessLog(new Logger({}, "info", (l) => lines.push(l)), 1);
 * access.write({ requestId: "r1", namespace: "default", method: "Get", code: 5,
 *   durationMs: 0.2, bytesIn: 10, bytesOut: 0, peer: "127.0.0.1:1" });
 * console.log(JSON.parse(lines[0]).code); // "NOT_FOUND"
 * ```
 */
export class AccessLog {
  readonly #log: Logger;
  readonly #sample: number;
  readonly #random: () => number;

  /** `sample`: the fraction of successful calls written, in (0, 1]. */
  constructor(log: Logger, sample: number, random: () => number = Math.random) {
    if (!(sample > 0 && sample <= 1)) {
      throw new RangeError(
        `Cannot create AccessLog as 'sample' must be in (0, 1]: current value is ${sample}`,
      );
    }
    this.#log = log.child({ component: "access" });
    this.#sample = sample;
    this.#random = random;
  }

  /** Writes `entry` (a successful call only if sampled). */
  write(entry: AccessEntry): void {
    if (entry.code === 0 && this.#sample < 1 && this.#random() >= this.#sample) return;
    this.#log.info("access", {
      request_id: entry.requestId,
      ...(entry.traceId ? { trace_id: entry.traceId } : {}),
      namespace: entry.namespace,
      method: entry.method,
      code: statusName(entry.code),
      duration_ms: Math.round(entry.durationMs * 1000) / 1000,
      bytes_in: entry.bytesIn,
      bytes_out: entry.bytesOut,
      peer: entry.peer,
    });
  }
}
