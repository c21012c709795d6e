import assert from "node:assert/strict";
import { BytePool, MAX_POOLED_BYTES, SLAB_BYTES } from "./_byte_pool.ts";

Deno.test("BytePool copies are exact and independent of the source, aligned or not", () => {
  const pool = new BytePool();
  const src = new Uint8Array(10_000).map((_, i) => (i * 7) & 255);
  const words = new Int32Array(src.buffer);
  for (const start of [16, 17, 18, 19]) {
    for (
      const len of [0, 1, 3, 4, 5, 31, 100, 255, 256, 257, MAX_POOLED_BYTES, MAX_POOLED_BYTES + 1]
    ) {
      const copy = pool.copy(src, words, start, len);
      assert.equal(copy.length, len);
      assert.deepEqual(copy, src.slice(start, start + len), `start ${start} len ${len}`);
      src[start] ^= 0xff;
      if (len > 0) assert.notEqual(copy[0], src[start]);
      src[start] ^= 0xff;
    }
  }
});

Deno.test("BytePool results never overlap, across slabs", () => {
  const pool = new BytePool();
  const src = new Uint8Array(MAX_POOLED_BYTES).fill(1);
  const words = new Int32Array(src.buffer);
  const results: Uint8Array[] = [];
  for (let i = 0; i < (3 * SLAB_BYTES) / 1000; i++) {
    const r = pool.copy(src, words, i % 2 ? 0 : 1, 1000 + (i % 5));
    r.fill(i & 255);
    results.push(r);
  }
  results.forEach((r, i) => assert.ok(r.every((b) => b === (i & 255)), `result ${i}`));
  assert.ok(new Set(results.map((r) => r.buffer)).size >= 3);
  assert.ok(results.every((r) => r.byteOffset % 8 === 0));
  // Large copies get their own buffer.
  const big = pool.copy(new Uint8Array(MAX_POOLED_BYTES + 4), words, 0, MAX_POOLED_BYTES + 1);
  assert.equal(big.buffer.byteLength, MAX_POOLED_BYTES + 1);
});
