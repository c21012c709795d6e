/**
 * The import graph points one way (issue: the proxy and its plugins imported
 * each other): `proto/` is the neutral layer both sides share (the wire, the
 * transport, the plugin protocol, logging, tracing, process metrics) and
 * imports neither; plugins import nothing of the proxy; the proxy reaches
 * plugins only through their registry (`plugins/registry.ts`); and no
 * product code imports a test helper. Static imports, dynamic imports and
 * the imports of doc examples (they run under `deno test --doc`) all count.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));
const SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

/** Every .ts file under `dir` (relative to the root). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(ROOT, dir))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) {
      if (e.name !== "node_modules") out.push(...sources(path));
    } else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The repository files `file` imports by relative path. */
function importsOf(file: string): string[] {
  const text = Deno.readTextFileSync(join(ROOT, file));
  return [...text.matchAll(SPECIFIER)].map((m) =>
    relative(ROOT, normalize(join(ROOT, dirname(file), m[1])))
  );
}

const isTestHelper = (f: string) =>
  f.startsWith("tests/") || /(_test|_testing|_test_[a-z_]+)\.ts$|\/_test_/.test(f);

const GRAPH = new Map(
  ["proxy", "plugins", "proto", "wasm", "tasks", "tests"].flatMap(sources)
    .concat("prism.ts")
    .map((f) => [f, importsOf(f)]),
);

function violations(from: (f: string) => boolean, to: (target: string) => boolean): string[] {
  const found: string[] = [];
  for (const [file, targets] of GRAPH) {
    if (!from(file)) continue;
    for (const t of targets) if (to(t)) found.push(`${file} → ${t}`);
  }
  return found;
}

Deno.test("import graph: the scan sees imports (it can fail)", () => {
  assert.ok(GRAPH.get("proxy/backend/factory.ts")!.includes("plugins/registry.ts"));
  assert.ok(GRAPH.get("plugins/sdk/serve.ts")!.includes("proto/log/logger.ts"));
  assert.ok(GRAPH.size > 200, `${GRAPH.size} files`);
  // Every import found resolves to a file (the scan reads paths right).
  const missing = [...GRAPH].flatMap(([f, ts]) =>
    ts.filter((t) => /\.(ts|js|json|wasm)$/.test(t)).filter((t) => {
      try {
        Deno.statSync(join(ROOT, t));
        return false;
      } catch {
        return true;
      }
    }).map((t) => `${f} → ${t}`)
  );
  // Doc examples of moved-away code would name files that no longer exist.
  assert.deepEqual(missing, []);
});

Deno.test("import graph: plugins import nothing of the proxy", () => {
  assert.deepEqual(violations((f) => f.startsWith("plugins/"), (t) => t.startsWith("proxy/")), []);
});

Deno.test("import graph: the proxy reaches plugins only through the registry", () => {
  assert.deepEqual(
    violations(
      (f) => f.startsWith("proxy/") && !isTestHelper(f),
      (t) => t.startsWith("plugins/") && t !== "plugins/registry.ts",
    ),
    [],
  );
});

Deno.test("import graph: proto/ is neutral — it imports neither the proxy nor the plugins", () => {
  assert.deepEqual(
    violations(
      (f) => f.startsWith("proto/") && !isTestHelper(f),
      (t) => t.startsWith("proxy/") || t.startsWith("plugins/"),
    ),
    [],
  );
});

Deno.test("import graph: no product code imports a test helper", () => {
  const product = (f: string) =>
    !isTestHelper(f) && !f.startsWith("tasks/bench") && f !== "tasks/bench.ts" &&
    (f === "prism.ts" || /^(proxy|plugins|proto|wasm|tasks)\//.test(f));
  assert.deepEqual(violations(product, isTestHelper), []);
});
