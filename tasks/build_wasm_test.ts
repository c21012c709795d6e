import assert from "node:assert/strict";
import { ensureMemstoreWasm, MEMSTORE_WASM_PATH } from "./build_wasm.ts";

Deno.test("ensureMemstoreWasm builds once, then skips while the module is up to date", async () => {
  const lines: string[] = [];
  const path = await ensureMemstoreWasm({ log: (line) => lines.push(line) });
  assert.equal(path, MEMSTORE_WASM_PATH);
  assert.ok((await Deno.stat(path)).size > 0);
  // A second call in the same process shares the first result.
  assert.equal(await ensureMemstoreWasm({ log: (line) => lines.push(line) }), path);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /memstore\.wasm (is up to date, skipped|\(\d+ bytes\) in \d+ ms)/);
  const before = (await Deno.stat(path)).mtime;
  // A fresh check (no shared promise) just stats mtimes.
  const { ensureMemstoreWasm: fresh } = await import(`./build_wasm.ts?fresh=${Date.now()}`);
  const started = performance.now();
  await fresh({ log: (line: string) => lines.push(line) });
  assert.ok(performance.now() - started < 1000);
  assert.match(lines[1], /is up to date, skipped/);
  assert.deepEqual((await Deno.stat(path)).mtime, before);
});
