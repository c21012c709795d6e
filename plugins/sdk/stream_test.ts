import assert from "node:assert/strict";
import { streamSink } from "./stream.ts";

/** A fake server stream whose buffer holds `capacity` messages; `drained()` empties it. */
class FakeStream {
  written: unknown[] = [];
  cancelled = false;
  #waiters: (() => void)[] = [];
  constructor(private capacity: number) {}
  write(m: unknown): boolean {
    this.written.push(m);
    return this.written.length % this.capacity !== 0;
  }
  drain(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  /** The transport's buffer has room again (or the call is over). */
  drained(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
  get waiting(): number {
    return this.#waiters.length;
  }
}

Deno.test("stream: writes wait for drain when the buffer is full", async () => {
  const s = new FakeStream(2);
  const out = streamSink(s as never, new AbortController().signal);
  assert.equal(await out.write(1), true);
  let second = false;
  const p = out.write(2).then((v) => (second = v));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(second, false, "still waiting for drain");
  assert.equal(s.waiting, 1);
  s.drained();
  await p;
  assert.equal(second, true);
  assert.deepEqual(s.written, [1, 2]);
});

Deno.test("stream: a cancelled call, an abort or a past deadline end writing", async () => {
  const s = new FakeStream(1);
  const controller = new AbortController();
  const out = streamSink(s as never, controller.signal);
  const p = out.write("a");
  s.cancelled = true;
  s.drained(); // the transport settles drain waiters when the call ends
  assert.equal(await p, false);
  assert.equal(out.closed, true);
  assert.equal(await out.write("b"), false);
  assert.deepEqual(s.written, ["a"]);

  const s2 = new FakeStream(1);
  const c2 = new AbortController();
  const out2 = streamSink(s2 as never, c2.signal);
  const p2 = out2.write("a");
  c2.abort();
  assert.equal(await p2, false);

  const s3 = new FakeStream(1);
  const out3 = streamSink(s3 as never, new AbortController().signal, Date.now() + 30);
  const t0 = Date.now();
  assert.equal(await out3.write("a"), false, "the deadline passed while waiting for drain");
  assert.ok(Date.now() - t0 < 200);
  const out4 = streamSink(new FakeStream(5) as never, new AbortController().signal, Date.now() - 1);
  assert.equal(await out4.write("a"), false);
});
