import assert from "node:assert/strict";
import { LatencyHistogram } from "./histogram.ts";

Deno.test("histogram: percentiles in ms, 3 significant digits", () => {
  const h = new LatencyHistogram();
  assert.deepEqual(h.percentiles(), { min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  assert.equal(h.meanMs, 0);
  assert.equal(h.valueAt(50), 0);
  assert.deepEqual(h.bins(), []);
  for (let i = 1; i <= 10_000; i++) h.record(i * 100); // 0.1 ms .. 1000 ms
  const p = h.percentiles();
  assert.equal(h.count, 10_000);
  assert.equal(p.min, 0.1);
  const near = (x: number, want: number) => Math.abs(x - want) / want <= 0.001;
  assert.ok(near(p.p50, 500), `${p.p50}`);
  assert.ok(near(p.p90, 900), `${p.p90}`);
  assert.ok(near(p.p95, 950), `${p.p95}`);
  assert.ok(near(p.p99, 990), `${p.p99}`);
  assert.ok(near(p.p999, 999), `${p.p999}`);
  assert.ok(near(p.max, 1000), `${p.max}`);
  assert.ok(near(h.meanMs, 500.05), `${h.meanMs}`);
  // Sub-µs values count as 1 µs; stalls beyond 60 s still record.
  h.record(0.2);
  h.record(90_000_000);
  assert.equal(h.percentiles().min, 0.001);
  assert.ok(near(h.percentiles().max, 90_000));
});

Deno.test("histogram: no percentile reads above the recorded max", () => {
  // 100,000 µs sits in a 64 µs-wide HDR bucket whose top is 100,031 µs.
  const one = new LatencyHistogram();
  one.record(100_000);
  assert.deepEqual(one.percentiles(), {
    min: 100,
    p50: 100,
    p90: 100,
    p95: 100,
    p99: 100,
    p999: 100,
    max: 100,
  });
  const h = new LatencyHistogram();
  for (let i = 0; i < 1000; i++) h.record(40_000 + i * 7);
  h.record(100_001);
  const p = h.percentiles();
  assert.ok(
    p.min <= p.p50 && p.p50 <= p.p90 && p.p90 <= p.p95 && p.p95 <= p.p99,
    JSON.stringify(p),
  );
  assert.ok(p.p99 <= p.p999 && p.p999 <= p.max, JSON.stringify(p));
  assert.equal(h.valueAt(100), p.max);
});

Deno.test("histogram: add, and log-scale bins", () => {
  const a = new LatencyHistogram();
  const b = new LatencyHistogram(2);
  a.record(1000);
  b.record(1000);
  b.record(10_000);
  a.add(b);
  assert.equal(a.count, 3);
  const bins = a.bins();
  // 20 bins per decade from 1 ms to 10 ms: the first and the last hold the values.
  assert.equal(bins.length, 21);
  assert.equal(bins[0].fromMs, 1);
  assert.equal(bins[0].count, 2);
  assert.equal(bins.at(-1)!.count, 1);
  assert.equal(bins.reduce((n, x) => n + x.count, 0), 3);
  assert.ok(bins.every((x, i) => i === 0 || x.fromMs === bins[i - 1].toMs));
});
