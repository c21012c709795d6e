import assert from "node:assert/strict";
import { type ClockSpec, prepareClock, runClockLoop, ThreadClock, TimerClock } from "./clock.ts";

function spec(extra: Partial<ClockSpec> = {}): ClockSpec {
  return {
    rps: 1000,
    profile: "constant",
    warmupS: 0,
    durationS: 0.1,
    index: 0,
    of: 1,
    zeroEpoch: performance.timeOrigin + performance.now() + 20,
    ...extra,
  };
}

/** Runs a clock to its end; returns the releases and how late the last one came. */
function collect(
  start: (s: ClockSpec, e: { due(u: number): void; end(): void }) => unknown,
  s: ClockSpec,
) {
  return new Promise<{ ups: number[]; endLateMs: number }>((resolve) => {
    const ups: number[] = [];
    start(s, {
      due: (u) => ups.push(u),
      end: () =>
        resolve({
          ups,
          endLateMs: performance.timeOrigin + performance.now() - (s.zeroEpoch + 100),
        }),
    });
  });
}

Deno.test("clock: the thread clock releases every call on time, then ends", async () => {
  const clock = await ThreadClock.spawn();
  const { ups, endLateMs } = await collect((s, e) => clock.start(s, e), spec());
  assert.equal(ups.at(-1), 100);
  assert.ok(ups.every((u, i) => i === 0 || u > ups[i - 1]));
  assert.ok(endLateMs < 50, `${endLateMs}`);
  clock.stop();
});

Deno.test("clock: the timer clock does the same with every other call", async () => {
  const { ups } = await collect((s, e) => new TimerClock(s, e), spec({ index: 1, of: 2 }));
  // Calls 1, 3, ..., 99: the last release covers up to 101.
  assert.equal(ups.at(-1), 101);
  assert.ok(ups.every((u) => u % 2 === 1));
  // Stopped before anything is due: nothing is released.
  const quiet: number[] = [];
  const t = new TimerClock(spec({ zeroEpoch: performance.timeOrigin + performance.now() + 1000 }), {
    due: (u) => quiet.push(u),
    end: () => quiet.push(-1),
  });
  t.stop();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(quiet, []);
});

Deno.test(
  "clock: the loop stops on its flag; prepareClock gives a thread clock",
  async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(flag, 0, 1);
    const posted: unknown[] = [];
    runClockLoop(spec(), flag, (m) => posted.push(m));
    assert.deepEqual(posted, []);
    // A schedule already over: released at once, then the end.
    const past = spec({ zeroEpoch: performance.timeOrigin + performance.now() - 1000 });
    const released: unknown[] = [];
    runClockLoop(past, new Int32Array(new SharedArrayBuffer(4)), (m) => released.push(m));
    assert.deepEqual(released, [{ upTo: 100 }, { end: true }]);
    const prepared = await prepareClock();
    const { ups } = await collect(
      (s, e) => prepared.start(s, e),
      spec({ requests: 10, durationS: undefined }),
    );
    prepared.dispose();
    (await prepareClock()).dispose();
    assert.equal(ups.at(-1), 10);
  },
);
