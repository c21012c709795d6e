import assert from "node:assert/strict";
import { DeadlineTimers } from "./deadline_timers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("deadline timers: each fires once, never before its time, in time order", async () => {
  const timers = new DeadlineTimers(5);
  const fired: { i: number; at: number; late: number }[] = [];
  const start = Date.now();
  const ats = [40, 7, 23, 23, 61, 1].map((d) => start + d);
  ats.forEach((at, i) =>
    timers.add(at, { expire: () => fired.push({ i, at, late: Date.now() - at }) })
  );
  assert.equal(timers.size, 6);
  while (fired.length < 6) await sleep(5);
  for (const f of fired) assert.ok(f.late >= 0, `deadline ${f.i} fired ${-f.late} ms early`);
  const order = fired.map((f) => f.at);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.equal(new Set(fired.map((f) => f.i)).size, 6, "each once");
  assert.equal(timers.size, 0);
});

Deno.test("deadline timers: a deleted deadline never fires; the others of its bucket do", async () => {
  const timers = new DeadlineTimers(10);
  const at = Date.now() + 15;
  const fired: string[] = [];
  const a = { expire: () => fired.push("a") };
  const b = { expire: () => fired.push("b") };
  timers.add(at, a);
  timers.add(at, b);
  timers.add(at, b); // added twice: still one deadline
  assert.equal(timers.size, 2);
  timers.delete(at, a);
  timers.delete(at, a); // deleting twice is harmless
  assert.equal(timers.size, 1);
  await sleep(60);
  assert.deepEqual(fired, ["b"]);
});

Deno.test("deadline timers: buckets emptied and filled again, and an error in one expiry", async () => {
  const timers = new DeadlineTimers(5);
  const at = Date.now() + 20;
  let n = 0;
  for (let i = 0; i < 100; i++) {
    const item = { expire: () => n++ };
    timers.add(at, item);
    timers.delete(at, item); // the bucket empties
  }
  const errors: unknown[] = [];
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    errors.push(e.error);
  };
  const far = { at: Date.now() + 150, expire: () => n++ };
  globalThis.addEventListener("error", onError);
  try {
    timers.add(at, {
      expire: () => {
        throw new Error("boom");
      },
    });
    timers.add(at, { expire: () => n++ });
    timers.add(far.at, far); // later: keeps waiting
    await sleep(60);
    assert.equal(n, 1, "the live deadline fired despite the error beside it");
    assert.equal(errors.length, 1);
    assert.equal(timers.size, 1);
  } finally {
    globalThis.removeEventListener("error", onError);
  }
  timers.delete(far.at, far);
  timers.delete(far.at, { expire: () => {} }); // unknown item: ignored
  await sleep(200); // its timer fires into an empty bucket and stops
  assert.equal(n, 1);
  assert.equal(timers.size, 0);
});

Deno.test("deadline timers: the resolution must be a positive integer, named in the error", () => {
  assert.throws(
    () => new DeadlineTimers(0),
    /'resolutionMs' must be a positive integer: current value is 0/,
  );
  assert.throws(() => new DeadlineTimers(2.5), /current value is 2.5/);
});

Deno.test("deadline timers: a deadline further away than a timer can wait does not spin", async () => {
  const timers = new DeadlineTimers(5);
  const original = globalThis.setTimeout;
  let armed = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    armed++;
    return original(fn, ms);
  }) as typeof setTimeout;
  const far = { expire: () => assert.fail("100 days have not passed") };
  const at = Date.now() + 100 * 86_400_000;
  try {
    timers.add(at, far);
    await sleep(60);
  } finally {
    globalThis.setTimeout = original;
    timers.delete(at, far);
  }
  // Armed once, plus the test's own sleep: not every millisecond.
  assert.ok(armed <= 2, `the shared timer was armed ${armed - 1} times in 60 ms`);
  assert.equal(timers.size, 0);
});

Deno.test("deadline timers: a new deadline for an item moves it; it fires once, at the new time", async () => {
  const timers = new DeadlineTimers(5);
  const start = Date.now();
  let fired: number[] = [];
  const item = { expire: () => fired.push(Date.now() - start) };
  timers.add(start + 10, item);
  timers.add(start + 60, item); // later: moves
  assert.equal(timers.size, 1);
  await sleep(40);
  assert.deepEqual(fired, [], "not at its first time");
  await sleep(60);
  assert.equal(fired.length, 1);
  assert.ok(fired[0] >= 60, `fired ${fired[0]} ms after the start, before its new time (60)`);
  // And earlier than it was: the timer is re-armed for it.
  fired = [];
  timers.add(Date.now() + 500, item);
  timers.add(Date.now() + 10, item);
  await sleep(80);
  assert.equal(fired.length, 1);
  assert.equal(timers.size, 0);
});

Deno.test("deadline timers: an item with a deadline in other timers is refused, naming both", () => {
  const a = new DeadlineTimers(5);
  const b = new DeadlineTimers(5);
  const item = { expire: () => {} };
  const at = Date.now() + 1000;
  a.add(at, item);
  assert.throws(() => b.add(at + 5, item), new RegExp(`at ${at + 5} .* other deadline timers`));
  b.delete(at, item); // not b's: ignored
  assert.equal(a.size, 1);
  a.delete(at, item);
  assert.equal(a.size, 0);
  b.add(at, item); // free again
  b.delete(at, item);
});

Deno.test("deadline timers: deadlines added and deleted at random fire as a plain model says", async () => {
  const timers = new DeadlineTimers(5);
  const start = Date.now();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const fired = new Map<number, number>(); // item → how late it fired
  const kept = new Set<number>();
  const items = Array.from({ length: 400 }, (_, i) => {
    const at = start + 5 + Math.floor(random() * 120);
    return { i, at, expire: () => fired.set(i, (fired.get(i) ?? 0) + 1 + Date.now() - at - 1) };
  });
  let counted = 0;
  for (const item of items) {
    timers.add(item.at, item);
    kept.add(item.i);
    // Every third, one added earlier goes away again.
    if (item.i % 3 === 2) {
      const victim = items[Math.floor(random() * (item.i + 1))];
      timers.delete(victim.at, victim);
      kept.delete(victim.i);
    }
    counted = kept.size;
    assert.equal(timers.size, counted);
  }
  await sleep(200);
  assert.equal(timers.size, 0);
  assert.deepEqual([...fired.keys()].sort((a, b) => a - b), [...kept].sort((a, b) => a - b));
  for (const [i, late] of fired) assert.ok(late >= 0, `deadline ${i} fired ${-late} ms early`);
});

Deno.test("deadline timers: an expiry that sets a deadline already due runs it on the timer's next turn", async () => {
  const timers = new DeadlineTimers(5);
  let runs = 0;
  const item = {
    expire: () => {
      // A retry that is already late, three times: it must not spin in one turn.
      if (++runs < 4) timers.add(Date.now() - 1, item);
    },
  };
  timers.add(Date.now(), item);
  await sleep(100);
  assert.equal(runs, 4);
  assert.equal(timers.size, 0);
});
