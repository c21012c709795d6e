/**
 * What a feature costs in proxy CPU: the same Get load (h2load) against
 * two proxies — one without the feature, one with it — at 1 and 64 calls
 * in flight, rounds alternating so that a noisy machine weighs on both
 * alike; the difference of the medians of CPU per call is the cost.
 *
 * @module
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { runH2load } from "./h2load.ts";
import { cpuMicros, type Server } from "./server.ts";

/** One side of the comparison. */
export interface CostSide {
  server: Server;
  /** Extra request headers (`name: value`). */
  headers?: string[];
  /** How the report names it. */
  system: string;
}

/** CPU per call without and with, and the difference, by concurrency (`get_c1`, `get_c64`). */
export type CostResult = Record<string, { without_us: number; with_us: number; added_us: number }>;

/**
 * Measures `withIt` against `without`.
 *
 * @example
 * ```ts ignore
 * import { measureCost } from "./cost.ts";
 * const r = await measureCost("metrics", { server: off, system: "no admin" },
 *   { server: on, system: "admin on" }, { durationS: 5, warmupS: 1, rounds: 4 });
 * console.log(r.get_c64.added_us);
 * ```
 */
export async function measureCost(
  label: string,
  without: CostSide,
  withIt: CostSide,
  opts: { durationS: number; warmupS: number; rounds: number },
): Promise<CostResult> {
  const result: CostResult = {};
  for (const concurrency of [1, 64]) {
    const cpu: Record<"without" | "with", number[]> = { without: [], with: [] };
    const run = async (which: "without" | "with", durationS: number) => {
      const side = which === "with" ? withIt : without;
      const before = await cpuMicros(side.server.pid);
      const r = await runH2load({
        address: `127.0.0.1:${side.server.port}`,
        service: SERVICE_NAMES.keyvalueBasic,
        method: "Get",
        request: { key: "k" },
        concurrency,
        durationS,
        warmupS: 0,
        op: "get",
        namespace: "default",
        system: side.system,
        headers: side.headers ?? [],
      });
      return (await cpuMicros(side.server.pid) - before) / Math.max(1, r.requests);
    };
    await run("without", opts.warmupS);
    await run("with", opts.warmupS);
    for (let i = 0; i < opts.rounds; i++) {
      for (
        const which of i % 2 === 0 ? ["without", "with"] as const : ["with", "without"] as const
      ) {
        cpu[which].push(await run(which, opts.durationS));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const a = median(cpu.without);
    const b = median(cpu.with);
    result[`get_c${concurrency}`] = { without_us: r1(a), with_us: r1(b), added_us: r1(b - a) };
    console.error(
      `  ${label}, get c=${concurrency}: ${r1(a)} → ${r1(b)} µs of proxy CPU per call (+${
        r1(b - a)
      })`,
    );
  }
  return result;
}
