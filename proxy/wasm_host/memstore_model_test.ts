// Randomized model-based tests: a fixed-seed sequence of operations runs on
// the MemStore and on a plain JS reference model, and every result must match.

import assert from "node:assert/strict";
import { MemStoreError } from "./memstore.ts";
import { bytesOf, newStore, prng } from "./_test_util.ts";

type Entry =
  | { type: "string"; value: Uint8Array; at: number }
  | { type: "list"; items: Uint8Array[]; at: number };

/** The reference semantics (CONTRACT §2, Redis-like), in plain JS. */
class Model {
  readonly map = new Map<string, Entry>();
  constructor(readonly clock: { now: number }) {}

  live(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e && e.at !== 0 && e.at <= this.clock.now) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }
  set(key: string, value: Uint8Array, ttl?: number): void {
    this.live(key);
    this.map.set(key, { type: "string", value, at: ttl ? this.clock.now + ttl * 1000 : 0 });
  }
  get(key: string): Uint8Array | undefined | "WRONG_TYPE" {
    const e = this.live(key);
    if (!e) return undefined;
    return e.type === "string" ? e.value : "WRONG_TYPE";
  }
  delete(key: string): boolean {
    return this.live(key) !== undefined && this.map.delete(key);
  }
  exists(key: string): boolean {
    return this.live(key) !== undefined;
  }
  expire(key: string, ttl: number): boolean {
    const e = this.live(key);
    if (!e) return false;
    if (ttl === 0) this.map.delete(key);
    else e.at = this.clock.now + ttl * 1000;
    return true;
  }
  getTTL(key: string): number {
    const e = this.live(key);
    if (!e) return -2;
    if (e.at === 0) return -1;
    return Math.floor((e.at - this.clock.now + 500) / 1000);
  }
  persist(key: string): boolean {
    const e = this.live(key);
    if (!e || e.at === 0) return false;
    e.at = 0;
    return true;
  }
  push(key: string, value: Uint8Array, left: boolean): number | "WRONG_TYPE" {
    let e = this.live(key);
    if (e && e.type !== "list") return "WRONG_TYPE";
    if (!e) {
      e = { type: "list", items: [], at: 0 };
      this.map.set(key, e);
    }
    if (left) e.items.unshift(value);
    else e.items.push(value);
    return e.items.length;
  }
  pop(key: string, left: boolean): Uint8Array | undefined | "WRONG_TYPE" {
    const e = this.live(key);
    if (!e) return undefined;
    if (e.type !== "list") return "WRONG_TYPE";
    const v = left ? e.items.shift() : e.items.pop();
    if (e.items.length === 0) this.map.delete(key);
    return v;
  }
  length(key: string): number | "WRONG_TYPE" {
    const e = this.live(key);
    if (!e) return 0;
    return e.type === "list" ? e.items.length : "WRONG_TYPE";
  }
  scan(prefix: string): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [k, e] of this.map) {
      if (e.type === "string" && k.startsWith(prefix) && (e.at === 0 || e.at > this.clock.now)) {
        out.set(k, e.value);
      }
    }
    return out;
  }
  expiredCount(): number {
    let n = 0;
    for (const e of this.map.values()) if (e.at !== 0 && e.at <= this.clock.now) n++;
    return n;
  }
  /** Removes the `n` earliest expired entries, as the sweep does. */
  sweep(budget: number): number {
    const expired = [...this.map].filter(([, e]) => e.at !== 0 && e.at <= this.clock.now)
      .sort((a, b) => a[1].at - b[1].at);
    const n = Math.min(budget, expired.length);
    for (let i = 0; i < n; i++) this.map.delete(expired[i][0]);
    return n;
  }
}

function outcome<T>(fn: () => T): T | "WRONG_TYPE" {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MemStoreError && err.code === "WRONG_TYPE") return "WRONG_TYPE";
    throw err;
  }
}

for (const seed of [1, 2, 3]) {
  Deno.test(`MemStore matches the reference model (seed ${seed})`, async () => {
    const { store, clock } = await newStore({ maxMemoryMb: 32 });
    const model = new Model(clock);
    const rand = prng(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const keys = Array.from(
      { length: 300 },
      (_, i) => [`k${i}`, `k${i}:x`, `ü${i}`, `🙂${i % 7}`, `*${i % 13}?`][i % 5],
    );
    const prefixes = ["", "k", "k1", "k1:", "ü", "🙂", "*", "*1", "zz"];
    const pick = () => keys[int(keys.length)];
    const steps = 30_000;
    for (let step = 0; step < steps; step++) {
      const key = pick();
      const r = rand();
      const ctx = `seed ${seed} step ${step} key ${key}`;
      if (r < 0.2) {
        const value = bytesOf(step, int(5) === 0 ? int(3000) : int(64));
        const ttl = int(3) === 0 ? 1 + int(20) : int(4) === 0 ? 0 : undefined;
        store.set(key, value, ttl);
        model.set(key, value, ttl);
      } else if (r < 0.35) {
        assert.deepEqual(outcome(() => store.get(key)), model.get(key), ctx);
      } else if (r < 0.4) {
        assert.equal(store.delete(key), model.delete(key), ctx);
      } else if (r < 0.45) {
        assert.equal(store.exists(key), model.exists(key), ctx);
      } else if (r < 0.5) {
        const ttl = int(6) === 0 ? 0 : 1 + int(30);
        assert.equal(store.expire(key, ttl), model.expire(key, ttl), ctx);
      } else if (r < 0.53) {
        assert.equal(store.persist(key), model.persist(key), ctx);
      } else if (r < 0.56) {
        assert.equal(store.getTTL(key), model.getTTL(key), ctx);
      } else if (r < 0.68) {
        const left = int(2) === 0;
        const value = bytesOf(step, int(100));
        const got = outcome(() => left ? store.pushLeft(key, value) : store.pushRight(key, value));
        assert.equal(got, model.push(key, value, left), ctx);
      } else if (r < 0.8) {
        const left = int(2) === 0;
        const got = outcome(() => left ? store.popLeft(key) : store.popRight(key));
        assert.deepEqual(got, model.pop(key, left), ctx);
      } else if (r < 0.83) {
        assert.equal(outcome(() => store.length(key)), model.length(key), ctx);
      } else if (r < 0.86) {
        const prefix = prefixes[int(prefixes.length)];
        const expected = model.scan(prefix);
        const got = store.scan(prefix, 0, true);
        assert.equal(got.length, expected.size, `${ctx} scan ${prefix}`);
        for (const e of got) assert.deepEqual(e.value, expected.get(e.key), `${ctx} ${e.key}`);
        const limit = 1 + int(5);
        const limited = store.scan(prefix, limit, false);
        assert.equal(limited.length, Math.min(limit, expected.size));
        assert.ok(limited.every((e) => expected.has(e.key)));
      } else if (r < 0.88) {
        const prefix = prefixes[int(prefixes.length)];
        assert.equal(store.count(prefix), model.scan(prefix).size, `${ctx} count ${prefix}`);
      } else if (r < 0.9) {
        const budget = 1 + int(20);
        const expected = Math.min(budget, model.expiredCount());
        assert.equal(store.sweep(budget), expected, ctx);
        model.sweep(budget);
        assert.equal(store.stats().keys, model.map.size, ctx);
      } else {
        clock.now += int(1500);
      }
      if (step % 5000 === 0) assert.equal(store.debugCheck(), 0, ctx);
    }
    assert.equal(store.debugCheck(), 0);
    assert.equal(store.stats().keys, model.map.size);
    store.close();
  });
}

Deno.test("MemStore sweep follows expiry order under random TTL updates", async () => {
  const { store, clock } = await newStore();
  const rand = prng(42);
  const t0 = clock.now;
  const n = 2000;
  // Distinct expiry times (ms-precise TTLs), set, re-expired and persisted at random.
  const expiry = new Map<string, number>();
  const ttls = Array.from({ length: n * 3 }, (_, i) => (i + 1) / 1000 + 1);
  for (let i = ttls.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ttls[i], ttls[j]] = [ttls[j], ttls[i]];
  }
  let next = 0;
  for (let i = 0; i < n; i++) {
    const key = `k${i}`;
    const ttl = ttls[next++];
    if (rand() < 0.5) store.set(key, new Uint8Array([i & 255]), ttl);
    else {
      store.pushRight(key, new Uint8Array([i & 255]));
      store.expire(key, ttl);
    }
    expiry.set(key, t0 + ttl * 1000);
  }
  for (let i = 0; i < n; i++) {
    const key = `k${Math.floor(rand() * n)}`;
    if (!expiry.has(key)) continue;
    if (rand() < 0.2) {
      store.persist(key);
      expiry.delete(key);
    } else {
      const ttl = ttls[next++];
      store.expire(key, ttl);
      expiry.set(key, t0 + ttl * 1000);
    }
  }
  assert.equal(store.debugCheck(), 0);
  const order = [...expiry].sort((a, b) => a[1] - b[1]).map(([k]) => k);
  // Sweep one at a time far in the future, then look back in time: exactly the
  // earliest keys must be gone (looking at time t0 expires nothing lazily).
  for (let i = 0; i < order.length; i += 1) {
    clock.now = t0 + 1e9;
    assert.equal(store.sweep(1), 1);
    clock.now = t0;
    if (i % 50 === 0 || i === order.length - 1) {
      for (let j = Math.max(0, i - 3); j < Math.min(order.length, i + 4); j++) {
        assert.equal(store.exists(order[j]), j > i, `after ${i + 1} sweeps, ${order[j]}`);
      }
    }
  }
  clock.now = t0 + 1e9;
  assert.equal(store.sweep(), 0);
  assert.equal(store.stats().keys, n - order.length);
  assert.equal(store.debugCheck(), 0);
  store.close();
});
