import assert from "node:assert/strict";
import { ensureMemstoreWasm } from "../../tasks/build_wasm.ts";
import { DEFAULT_WASM_URL, loadModule } from "./_module_cache.ts";

Deno.test("loadModule compiles each path once and shares the module", async () => {
  const path = await ensureMemstoreWasm({ log: () => {} });
  const a = loadModule(path);
  const b = loadModule(path);
  assert.equal(a, b);
  assert.ok((await a) instanceof WebAssembly.Module);
  assert.equal(await loadModule(DEFAULT_WASM_URL), await loadModule(DEFAULT_WASM_URL));
  assert.equal(decodeURIComponent(DEFAULT_WASM_URL.pathname), path);
});

Deno.test("loadModule does not cache failures", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/memstore.wasm`;
  try {
    await assert.rejects(loadModule(path), /does not exist: build it with `deno task build:wasm`/);
    await Deno.writeFile(path, new Uint8Array([1, 2, 3]));
    await assert.rejects(loadModule(path), WebAssembly.CompileError);
    await Deno.copyFile(await ensureMemstoreWasm({ log: () => {} }), path);
    assert.ok((await loadModule(path)) instanceof WebAssembly.Module);
    await assert.rejects(loadModule(dir), (err: Error) => !(err instanceof Deno.errors.NotFound));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
