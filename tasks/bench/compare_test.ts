import assert from "node:assert/strict";
import { compareReports } from "./compare.ts";
import type { ScenarioReport } from "./report.ts";

const scenario = (op: string, rps: number, p50: number, rps_target?: number): ScenarioReport => ({
  op,
  namespace: "default",
  target: "127.0.0.1:1",
  concurrency: 64,
  duration_s: 3,
  requests: rps * 3,
  errors: {},
  throughput_rps: rps,
  latency_ms: { min: 0.1, p50, p90: p50, p95: p50, p99: p50 * 2, p999: p50 * 3, max: p50 * 4 },
  system: "proxy → memstore (WASM)",
  driver: "prism load",
  ...(rps_target !== undefined ? { rps_target } : {}),
});

Deno.test("bench --compare: changes per scenario and target; new and gone figures", () => {
  const before = {
    scenarios: [scenario("get", 1000, 2), scenario("set", 500, 1), scenario("get", 1000, 1, 1000)],
    targets: [{ name: "p99 (ms)", value: 4 }],
  };
  const after = {
    scenarios: [scenario("get", 1200, 1), scenario("scan", 10, 5), scenario("get", 999, 1.5, 1000)],
    targets: [{ name: "p99 (ms)", value: 3 }, { name: "fresh", value: 1 }],
  };
  const md = compareReports(before, after);
  const row = (start: string) => md.split("\n").find((l) => l.startsWith(start))!;
  assert.match(
    row("| proxy → memstore (WASM) · get · default · c=64 |"),
    /\| 1200 \| \+20\.0% \| 1 \| -50\.0% \|/,
  );
  assert.match(
    row("| proxy → memstore (WASM) · get · default · c=64 · 1000/s |"),
    /\| 999 \| -0\.1% \| 1\.5 \| \+50\.0% \|/,
  );
  assert.match(md, /scan · default · c=64 \(new\)/);
  assert.match(md, /set · default · c=64 \(gone\)/);
  assert.match(row("| p99 (ms) |"), /\| 4 \| 3 \| -25\.0% \|/);
  assert.match(row("| fresh |"), /\(new\)/);
});
