/**
 * The standard operation scenarios, driven by the load tester: Set, Get,
 * Scan, Push and Pop for every key-value/list backend, at 1 and 64 calls in
 * flight, plus a fixed 1,000 calls/s run for p99 (open loop, latency from
 * each call's intended send time).
 *
 * @module
 */
import { runLoad } from "./load.ts";
import type { ScenarioReport } from "./report.ts";

/** The ops of the matrix (load tester names, CONTRACT §6).
 *
 * @example
 * ```ts
 * import { MATRIX_OPS } from "./matrix.ts";
 * console.log(MATRIX_OPS.join(",")); // "set,get,scan,push,pop"
 * ```
 */
export const MATRIX_OPS = ["set", "get", "scan", "push", "pop"] as const;

/** A backend the matrix runs against: a namespace of a proxy. */
export interface MatrixTarget {
  /** The proxy's address. */
  address: string;
  namespace: string;
  /** What is measured, e.g. "proxy → memstore (WASM)". */
  system: string;
}

/**
 * Runs every op at concurrency 1 and 64 against each target, then a fixed
 * 1,000 calls/s Get against each.
 *
 * @example
 * ```ts ignore
 * import { operationMatrix } from "./matrix.ts";
 * const scenarios = await operationMatrix(
 *   [{ address: "127.0.0.1:8980", namespace: "default", system: "proxy → memstore" }],
 *   { durationS: 3, warmupS: 1 },
 * );
 * ```
 */
export async function operationMatrix(
  targets: MatrixTarget[],
  options: { durationS: number; warmupS: number },
): Promise<ScenarioReport[]> {
  const out: ScenarioReport[] = [];
  const timing = ["--duration", `${options.durationS}s`, "--warmup", `${options.warmupS}s`];
  for (const t of targets) {
    const base = ["--target", t.address, "--namespace", t.namespace, "--keys", "1000"];
    for (const op of MATRIX_OPS) {
      for (const concurrency of [1, 64]) {
        const r = await runLoad(
          [...base, "--op", op, "--concurrency", String(concurrency), ...timing],
          t.system,
        );
        console.error(
          `  ${t.system} ${op} c=${concurrency}: ${r.throughput_rps}/s p50 ${r.latency_ms.p50} ms p99 ${r.latency_ms.p99} ms`,
        );
        out.push(r);
      }
    }
    const fixed = await runLoad(
      [...base, "--op", "get", "--rps", "1000", "--concurrency", "16", ...timing],
      t.system,
    );
    console.error(
      `  ${t.system} get at 1,000/s: ${fixed.throughput_rps}/s p50 ${fixed.latency_ms.p50} ms p99 ${fixed.latency_ms.p99} ms`,
    );
    out.push({ ...fixed, rps_target: 1000 });
  }
  return out;
}
