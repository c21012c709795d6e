/**
 * The audit trail of refused calls: one structured log line per refusal
 * (subject, namespace, method, status, reason), rate-limited so that a
 * flood of bad calls cannot fill the disk — lines beyond the rate are
 * counted, and the count goes out with the next line that is written.
 *
 * @module
 */
import type { Logger } from "../../proto/log/logger.ts";

/**
 * One refused call.
 *
 * @example
 * ```ts
 * import type { Refusal } from "./audit.ts";
 * const r: Refusal = { subject: "", namespace: "cache", method: "Get", code: "UNAUTHENTICATED", reason: "missing bearer token", peer: "127.0.0.1:5000" };
 * console.log(r.code);
 * ```
 */
export interface Refusal {
  subject: string;
  namespace: string;
  method: string;
  code: string;
  reason: string;
  peer: string;
}

/**
 * Writes refusals to the log, at most `burst` at once and `perSecond` after.
 *
 * @example
 * ```ts
 * import { Logger } from "../../proto/log/logger.ts";
 * import { AuditLog } from "./audit.ts";
 * const lines: string[] = [];
 * const audit = new AuditLog(new Logger({}, "info", (l) => lines.push(l)), { burst: 1, perSecond: 0 });
 * const r = { subject: "", namespace: "cache", method: "Get", code: "UNAUTHENTICATED", reason: "x", peer: "p" };
 * audit.refused(r);
 * audit.refused(r);
 * console.log(lines.length, audit.suppressed); // 1 1
 * ```
 */
export class AuditLog {
  readonly #log: Logger;
  readonly #burst: number;
  readonly #perSecond: number;
  #tokens: number;
  #at = performance.now();
  /** Refusals not written since the last line. */
  suppressed = 0;

  constructor(log: Logger, options: { burst?: number; perSecond?: number } = {}) {
    this.#log = log.child({ component: "audit" });
    this.#burst = options.burst ?? 50;
    this.#perSecond = options.perSecond ?? 10;
    this.#tokens = this.#burst;
  }

  /** Records one refused call. */
  refused(r: Refusal): void {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perSecond / 1000);
    this.#at = now;
    if (this.#tokens < 1) {
      this.suppressed++;
      return;
    }
    this.#tokens--;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.#log.warn("call refused", {
      subject: r.subject,
      namespace: r.namespace,
      method: r.method,
      code: r.code,
      reason: r.reason,
      peer: r.peer,
      ...(suppressed > 0 ? { refusals_not_logged_before: suppressed } : {}),
    });
  }
}
