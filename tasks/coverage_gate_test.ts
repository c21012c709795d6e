import assert from "node:assert/strict";
import { applyGates, checkCoverage, parseLcov } from "./coverage_gate.ts";

const LCOV = `SF:/repo/proxy/a.ts
DA:1,1
DA:2,0
DA:3,5
end_of_record
SF:file:///repo/proxy/wasm_host/b.ts
DA:1,0
end_of_record
`;

Deno.test("parseLcov counts found and hit lines per file", () => {
  assert.deepEqual(parseLcov(LCOV, "/repo/"), [
    { path: "proxy/a.ts", found: 3, hit: 2 },
    { path: "proxy/wasm_host/b.ts", found: 1, hit: 0 },
  ]);
});

Deno.test("applyGates: pass, fail, and a gate with no lines fails", () => {
  const files = parseLcov(LCOV, "/repo/");
  const [all, host, none] = applyGates(files, [
    { name: "proxy", prefixes: ["proxy/"], minPercent: 50 },
    { name: "host", prefixes: ["proxy/wasm_host/"], minPercent: 85 },
    { name: "sdk", prefixes: ["plugins/sdk/"], minPercent: 85 },
  ]);
  assert.equal(all.pass, true);
  assert.equal(all.percent, 50);
  assert.equal(host.pass, false);
  assert.equal(none.pass, false);
  assert.equal(none.found, 0);
});

Deno.test("checkCoverage fails on a missing or empty lcov file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(checkCoverage(`${dir}/none.info`, [], "/"), /cannot be read/);
    await Deno.writeTextFile(`${dir}/empty.info`, "");
    await assert.rejects(checkCoverage(`${dir}/empty.info`, [], "/"), /no coverage records/);
    await Deno.writeTextFile(`${dir}/ok.info`, LCOV);
    const [r] = await checkCoverage(`${dir}/ok.info`, [
      { name: "p", prefixes: ["proxy/"], minPercent: 10 },
    ], "/repo/");
    assert.equal(r.pass, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
