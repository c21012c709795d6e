import assert from "node:assert/strict";
import { StreamTable } from "./_stream_table.ts";

/** A small deterministic generator (the runs are reproducible). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

Deno.test("stream table: behaves as a Map under a proxy's traffic (rising odd ids, out-of-order ends)", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rnd = random(seed);
    const table = new StreamTable<{ id: number }>(4);
    const model = new Map<number, { id: number }>();
    let next = 1;
    for (let step = 0; step < 20_000; step++) {
      const open = [...model.keys()];
      // Open a stream while fewer than a varying bound are in flight, else end one at random.
      if (open.length === 0 || (open.length < 1 + (step % 300) / 3 && rnd() < 0.55)) {
        const v = { id: next };
        table.set(next, v);
        model.set(next, v);
        next += 2;
      } else {
        const id = open[Math.floor(rnd() * open.length)];
        assert.equal(table.delete(id), true);
        model.delete(id);
      }
      if (step % 97 === 0) {
        assert.equal(table.size, model.size);
        for (const [id, v] of model) {
          assert.equal(table.get(id), v, `seed ${seed}, step ${step}: ${id}`);
        }
        assert.deepEqual(
          table.values().map((v) => v.id).sort((a, b) => a - b),
          [...model.keys()].sort((a, b) => a - b),
        );
      }
    }
    // Ids that were never there, or are gone.
    assert.equal(table.get(next), undefined);
    assert.equal(table.has(next), false);
    assert.equal(table.delete(next), false);
  }
});

Deno.test("stream table: colliding ids (a run that wraps around the end) survive deletions in any order", () => {
  // With 16 slots, 15 and 47 start at slot 7 (47 moves on to 8, 17's, which moves on to 9);
  // 31 and 63 start at slot 15, the last: 63 wraps to 0, 1's, which moves on to 1.
  const ids = [15, 31, 47, 63, 1, 17];
  for (let order = 0; order < 50; order++) {
    const t = new StreamTable<number>(16); // six entries: no growth
    const rnd = random(order + 10);
    for (const id of ids) t.set(id, id * 10);
    const left = new Set(ids);
    for (const id of [...ids].sort(() => rnd() - 0.5)) {
      assert.equal(t.delete(id), true);
      left.delete(id);
      for (const other of left) assert.equal(t.get(other), other * 10, `after deleting ${id}`);
      assert.equal(t.has(id), false);
    }
    assert.equal(t.size, 0);
  }
});

Deno.test("stream table: set replaces, values() is a copy, clear() empties", () => {
  const t = new StreamTable<string>();
  t.set(5, "a");
  t.set(5, "b");
  assert.equal(t.size, 1);
  assert.equal(t.get(5), "b");
  for (let id = 7; id < 200; id += 2) t.set(id, `s${id}`);
  for (const v of t.values()) t.delete(Number(v.slice(1)) || 5); // deleting while iterating the copy
  assert.equal(t.size, 0);
  t.set(201, "c");
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.get(201), undefined);
  assert.deepEqual(t.values(), []);
});

Deno.test("stream table: bad capacities and ids are refused with the value named", () => {
  assert.throws(
    () => new StreamTable(12),
    /'capacity' must be a power of two of at least 4: current value is 12/,
  );
  assert.throws(() => new StreamTable(2), /current value is 2/);
  const t = new StreamTable();
  assert.throws(() => t.set(0, 1), /'id' must be an integer from 1 to 2\^31-1: current value is 0/);
  assert.throws(() => t.set(2 ** 31, 1), /current value is 2147483648/);
  assert.throws(() => t.set(1.5, 1), /current value is 1.5/);
});
