import assert from "node:assert/strict";
import { levelAt, Schedule, SPIKE_BASE } from "./profile.ts";

Deno.test("profile: levels", () => {
  assert.equal(levelAt("constant", 3, 10), 1);
  assert.equal(levelAt("ramp", -0.5, 10), 1); // warm-up
  assert.equal(levelAt("ramp", 0, 10), 0);
  assert.equal(levelAt("ramp", 2.5, 10), 0.25);
  assert.equal(levelAt("ramp", 20, 10), 1);
  assert.equal(levelAt("spike", 4.9, 10), SPIKE_BASE);
  assert.equal(levelAt("spike", 5, 10), 1);
  assert.equal(levelAt("spike", 6.9, 10), 1);
  assert.equal(levelAt("spike", 7, 10), SPIKE_BASE);
});

/** Calls due in [from, to) seconds. */
function countIn(s: Schedule, from: number, to: number): number {
  let n = 0;
  for (let k = 0;; k++) {
    const t = s.timeOf(k);
    if (t === undefined || t >= to) return n;
    if (t >= from) n++;
  }
}

Deno.test("profile: constant schedule with warm-up", () => {
  const s = new Schedule(1000, "constant", 0.5, 2);
  assert.equal(s.warmupCalls, 500);
  assert.equal(s.total, 2500);
  assert.equal(s.timeOf(0), -0.5);
  assert.equal(s.timeOf(500), 0);
  assert.equal(s.timeOf(1500), 1);
  assert.equal(s.timeOf(2500), undefined);
  assert.equal(countIn(s, 0, 2), 2000);
  // Fractional warm-up counts: calls due before 0 are the warm-up's.
  const f = new Schedule(3, "constant", 0.5, 1);
  assert.equal(f.warmupCalls, 2);
  assert.ok(f.timeOf(1)! < 0 && f.timeOf(2)! >= 0);
});

Deno.test("profile: ramp and spike schedules follow the rate", () => {
  const ramp = new Schedule(1000, "ramp", 0, 10);
  assert.equal(ramp.total, 5000);
  // Rate t/10 × 1000: 50 calls in the first second, 950 in the last.
  assert.ok(Math.abs(countIn(ramp, 0, 1) - 50) <= 1);
  assert.ok(Math.abs(countIn(ramp, 9, 10) - 950) <= 1);
  let prev = -Infinity;
  for (let k = 0; k < ramp.total; k += 97) {
    const t = ramp.timeOf(k)!;
    assert.ok(t > prev);
    prev = t;
  }
  const spike = new Schedule(1000, "spike", 0, 10);
  assert.equal(spike.total, 250 * 5 + 1000 * 2 + 250 * 3);
  assert.ok(Math.abs(countIn(spike, 0, 1) - 250) <= 1);
  assert.ok(Math.abs(countIn(spike, 5, 6) - 1000) <= 1);
  assert.ok(Math.abs(countIn(spike, 8, 9) - 250) <= 1);
});

Deno.test("profile: open-ended schedules (--requests)", () => {
  const s = new Schedule(100, "constant", 1, undefined, 50);
  assert.equal(s.total, 150);
  assert.equal(s.timeOf(149), 0.49);
  assert.equal(s.timeOf(150), undefined);
  const forever = new Schedule(100, "constant", 0);
  assert.equal(forever.total, Infinity);
  assert.equal(forever.timeOf(1e6), 1e4);
});
