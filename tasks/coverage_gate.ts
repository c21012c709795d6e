/**
 * Coverage gates: reads an lcov file and checks line coverage per component
 * against its threshold. Fails when the file is missing or empty, or when a
 * gated component has no instrumented lines at all (a gate that measures
 * nothing cannot pass).
 *
 * @module
 */

/** A gated component: files whose path starts with one of `prefixes`. */
export interface Gate {
  name: string;
  prefixes: string[];
  minPercent: number;
}

/** Line counts of one source file. */
export interface FileCoverage {
  path: string;
  found: number;
  hit: number;
}

/** Outcome of one gate. */
export interface GateResult extends Gate {
  found: number;
  hit: number;
  percent: number;
  pass: boolean;
  files: FileCoverage[];
}

/**
 * Parses lcov text into per-file line counts (`DA:` records), with paths
 * relative to `root`.
 *
 * @example
 * ```ts
 * import { parseLcov } from "./coverage_gate.ts";
 * const files = parseLcov("SF:/r/a.ts\nDA:1,1\nDA:2,0\nend_of_record\n", "/r/");
 * console.log(files); // [{ path: "a.ts", found: 2, hit: 1 }]
 * ```
 */
export function parseLcov(text: string, root: string): FileCoverage[] {
  const out: FileCoverage[] = [];
  let current: FileCoverage | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("SF:")) {
      let path = line.slice(3);
      if (path.startsWith("file://")) path = new URL(path).pathname;
      if (path.startsWith(root)) path = path.slice(root.length);
      current = { path, found: 0, hit: 0 };
    } else if (line.startsWith("DA:") && current) {
      current.found++;
      const count = Number(line.slice(3).split(",")[1]);
      if (count > 0) current.hit++;
    } else if (line === "end_of_record" && current) {
      out.push(current);
      current = undefined;
    }
  }
  return out;
}

/**
 * Applies gates to parsed coverage.
 *
 * @example
 * ```ts
 * import { applyGates } from "./coverage_gate.ts";
 * const [r] = applyGates([{ path: "proxy/a.ts", found: 10, hit: 9 }], [
 *   { name: "proxy", prefixes: ["proxy/"], minPercent: 85 },
 * ]);
 * console.log(r.pass, r.percent); // true 90
 * ```
 */
export function applyGates(files: FileCoverage[], gates: Gate[]): GateResult[] {
  return gates.map((gate) => {
    const mine = files.filter((f) => gate.prefixes.some((p) => f.path.startsWith(p)));
    const found = mine.reduce((n, f) => n + f.found, 0);
    const hit = mine.reduce((n, f) => n + f.hit, 0);
    const percent = found === 0 ? 0 : Math.round((hit / found) * 1000) / 10;
    return {
      ...gate,
      found,
      hit,
      percent,
      pass: found > 0 && percent >= gate.minPercent,
      files: mine,
    };
  });
}

/**
 * Reads `lcovPath` and checks `gates`; returns the results, or throws when
 * the file is missing or has no records.
 *
 * @example
 * ```ts ignore
 * import { checkCoverage } from "./coverage_gate.ts";
 * const results = await checkCoverage("coverage/lcov.info", gates, Deno.cwd() + "/");
 * ```
 */
export async function checkCoverage(
  lcovPath: string,
  gates: Gate[],
  root: string,
): Promise<GateResult[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(lcovPath);
  } catch (err) {
    throw new Error(
      `Cannot check coverage as '${lcovPath}' cannot be read: ${(err as Error).message}`,
    );
  }
  const files = parseLcov(text, root);
  if (files.length === 0) {
    throw new Error(`Cannot check coverage as '${lcovPath}' has no coverage records`);
  }
  return applyGates(files, gates);
}
