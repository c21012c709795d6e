import assert from "node:assert/strict";
import { status, StatusError } from "../status.ts";
import { InFlight, type InFlightCall } from "./inflight.ts";

const ERRORS = {
  longLived: () => new StatusError(status.UNAVAILABLE, "shutting down; subscribe again"),
  timedOut: (ms: number) => new StatusError(status.UNAVAILABLE, `cut off after ${ms} ms`),
};

Deno.test("in flight: calls admitted and released in any order are counted; a second release is harmless", () => {
  const calls = new InFlight();
  const other = new InFlight();
  const entries: InFlightCall[] = [];
  for (let i = 0; i < 100; i++) entries.push(calls.admit(() => {}));
  assert.equal(calls.size, 100);
  // Released from the middle, the ends, twice, and through another list (ignored).
  const order = entries.map((e, i) => [(i * 37) % 100, e] as const).sort((a, b) => a[0] - b[0]);
  for (const [n, e] of order) {
    other.release(e);
    calls.release(e);
    calls.release(e);
    assert.equal(calls.size, 99 - order.findIndex(([m]) => m === n));
  }
  assert.equal(calls.size, 0);
  assert.equal(other.size, 0);
});

Deno.test("in flight: a drain cuts subscriptions off at once, waits for the rest, then cuts off what is left", async () => {
  const calls = new InFlight();
  const aborted: string[] = [];
  const sub = calls.admit((err) => {
    aborted.push(`sub: ${err.message}`);
    calls.release(sub);
  }, true);
  const quick = calls.admit(() => aborted.push("quick"));
  const stuck = calls.admit((err) => aborted.push(`stuck: ${err.message}`));
  setTimeout(() => calls.release(quick), 20);
  const result = await calls.drain(200, ERRORS);
  assert.deepEqual(result, { drained: 1, aborted: 2 });
  assert.deepEqual(aborted, ["sub: shutting down; subscribe again", "stuck: cut off after 200 ms"]);
  assert.equal(calls.size, 0);
  calls.release(stuck); // after the drain forgot it: harmless
  assert.equal(calls.size, 0);
});

Deno.test("in flight: a drain with nothing in flight, or that sees every call end, returns at once", async () => {
  const calls = new InFlight();
  assert.deepEqual(await calls.drain(10_000, ERRORS), { drained: 0, aborted: 0 });
  const a = calls.admit(() => assert.fail("not cut off"));
  const b = calls.admit(() => assert.fail("not cut off"));
  setTimeout(() => (calls.release(b), calls.release(a)), 10);
  const t0 = performance.now();
  assert.deepEqual(await calls.drain(10_000, ERRORS), { drained: 2, aborted: 0 });
  assert.ok(performance.now() - t0 < 5_000, "the drain ended when the last call did");
});
