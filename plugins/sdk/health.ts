/**
 * The health framework: named checks (each an async function with a
 * timeout) composed into one status, worst wins:
 * `HEALTHY` < `DEGRADED` < `UNHEALTHY`. A check that throws or outlives its
 * timeout is `UNHEALTHY`. The report's details carry every check's status,
 * message and details as `<check>.<field>` strings, which is what the
 * lifecycle `HealthCheck` reply's `map<string,string> details` holds.
 *
 * @module
 */

/** A health status, as the lifecycle interface's `HealthStatus` enum names it.
 *
 * @example
 * ```ts
 * import type { HealthStatus } from "./health.ts";
 * const s: HealthStatus = "DEGRADED";
 * console.log(s);
 * ```
 */
export type HealthStatus = "HEALTHY" | "DEGRADED" | "UNHEALTHY";

const RANK: Record<HealthStatus, number> = { HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2 };

/**
 * The worse of two statuses.
 *
 * @example
 * ```ts
 * import { worst } from "./health.ts";
 * console.log(worst("HEALTHY", "DEGRADED")); // "DEGRADED"
 * ```
 */
export function worst(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/** What one check found.
 *
 * @example
 * ```ts
 * import type { CheckResult } from "./health.ts";
 * const r: CheckResult = { status: "HEALTHY", message: "PONG in 0.3 ms", details: { latency_ms: 0.3 } };
 * console.log(r.status);
 * ```
 */
export interface CheckResult {
  status: HealthStatus;
  message?: string;
  details?: Record<string, string | number | boolean>;
}

/** A named health check.
 *
 * @example
 * ```ts
 * import type { HealthCheck } from "./health.ts";
 * const check: HealthCheck = { name: "always", check: () => ({ status: "HEALTHY" }) };
 * console.log(check.name);
 * ```
 */
export interface HealthCheck {
  /** Short name, used as the prefix of its details (`redis.latency_ms`). */
  name: string;
  /** Longest the check may take (default: the runner's default, 1000 ms). */
  timeoutMs?: number;
  /** Runs the check; `signal` is aborted when the timeout passes. */
  check(signal: AbortSignal): CheckResult | Promise<CheckResult>;
}

/** The composed result of all checks.
 *
 * @example
 * ```ts
 * import type { HealthReport } from "./health.ts";
 * const r: HealthReport = { status: "HEALTHY", message: "all checks pass", details: {} };
 * console.log(r.message);
 * ```
 */
export interface HealthReport {
  status: HealthStatus;
  message: string;
  details: Record<string, string>;
}

async function runOne(check: HealthCheck, defaultTimeoutMs: number): Promise<CheckResult> {
  const timeoutMs = check.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ status: "UNHEALTHY", message: `check timed out after ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    const run = (async () => await check.check(controller.signal))();
    return await Promise.race([run, timeout]);
  } catch (err) {
    return {
      status: "UNHEALTHY",
      message: `check failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs all checks concurrently and composes them (worst wins). With no
 * checks the plugin is `HEALTHY`.
 *
 * @example
 * ```ts
 * import { runHealthChecks } from "./health.ts";
 * const report = await runHealthChecks([
 *   { name: "a", check: () => ({ status: "HEALTHY", message: "fine" }) },
 *   { name: "b", check: () => ({ status: "DEGRADED", message: "slow", details: { ms: 120 } }) },
 * ]);
 * console.log(report.status, report.message, report.details["b.ms"]); // "DEGRADED" "b: slow" "120"
 * ```
 */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  options: { defaultTimeoutMs?: number } = {},
): Promise<HealthReport> {
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 1000;
  const results = await Promise.all(checks.map((c) => runOne(c, defaultTimeoutMs)));
  let overall: HealthStatus = "HEALTHY";
  const problems: string[] = [];
  const details: Record<string, string> = {};
  results.forEach((r, i) => {
    const name = checks[i].name;
    overall = worst(overall, r.status);
    details[`${name}.status`] = r.status;
    if (r.message !== undefined) details[`${name}.message`] = r.message;
    for (const [k, v] of Object.entries(r.details ?? {})) details[`${name}.${k}`] = String(v);
    if (r.status !== "HEALTHY") problems.push(`${name}: ${r.message ?? r.status.toLowerCase()}`);
  });
  const message = problems.length > 0
    ? problems.join("; ")
    : checks.length === 0
    ? "no health checks"
    : "all checks pass";
  return { status: overall, message, details };
}
