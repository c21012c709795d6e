/**
 * `deno task bench -- --compare OLD.json`: the change of every figure
 * against an earlier report — scenario throughput and latency percentiles
 * (matched by system, op, namespace, concurrency and fixed rate) and the
 * targets' values (matched by name).
 *
 * @module
 */
import type { ScenarioReport } from "./report.ts";

/** The parts of a benchmark report that are compared. */
export interface ComparableReport {
  scenarios: ScenarioReport[];
  targets?: { name: string; value: number }[];
}

function key(s: ScenarioReport): string {
  return `${s.system} · ${s.op} · ${s.namespace} · c=${s.concurrency}${
    s.rps_target !== undefined ? ` · ${s.rps_target}/s` : ""
  }`;
}

function change(before: number, after: number): string {
  if (!Number.isFinite(before) || before === 0) return "n/a";
  const pct = ((after - before) / before) * 100;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
}

/**
 * A markdown section comparing `after` with `before`. Figures present in
 * only one report are listed as new or gone.
 *
 * @example
 * ```ts
 * import { compareReports } from "./compare.ts";
 * const s = (rps: number) => ({
 *   op: "get", namespace: "default", target: "x", concurrency: 1, duration_s: 1, requests: rps,
 *   errors: {}, throughput_rps: rps, system: "proxy", driver: "prism load",
 *   latency_ms: { min: 0, p50: 1, p90: 1, p95: 1, p99: 2, p999: 2, max: 2 },
 * });
 * console.log(compareReports({ scenarios: [s(100)] }, { scenarios: [s(110)] }).includes("+10.0%")); // true
 * ```
 */
export function compareReports(before: ComparableReport, after: ComparableReport): string {
  const old = new Map(before.scenarios.map((s) => [key(s), s]));
  const lines = [
    "## Change against the earlier report",
    "",
    "| scenario | req/s | Δ req/s | p50 ms | Δ p50 | p99 ms | Δ p99 |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const seen = new Set<string>();
  for (const s of after.scenarios) {
    const k = key(s);
    seen.add(k);
    const o = old.get(k);
    lines.push(
      o === undefined
        ? `| ${k} (new) | ${s.throughput_rps} | | ${s.latency_ms.p50} | | ${s.latency_ms.p99} | |`
        : `| ${k} | ${s.throughput_rps} | ${
          change(o.throughput_rps, s.throughput_rps)
        } | ${s.latency_ms.p50} | ${
          change(o.latency_ms.p50, s.latency_ms.p50)
        } | ${s.latency_ms.p99} | ${change(o.latency_ms.p99, s.latency_ms.p99)} |`,
    );
  }
  for (const k of old.keys()) if (!seen.has(k)) lines.push(`| ${k} (gone) | | | | | | |`);
  const oldTargets = new Map((before.targets ?? []).map((t) => [t.name, t.value]));
  if ((after.targets ?? []).length > 0) {
    lines.push("", "| target figure | before | now | change |", "| --- | ---: | ---: | ---: |");
    for (const t of after.targets ?? []) {
      const o = oldTargets.get(t.name);
      lines.push(
        `| ${t.name} | ${o ?? "(new)"} | ${t.value} | ${
          o === undefined ? "" : change(o, t.value)
        } |`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
