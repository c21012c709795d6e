/**
 * Helpers shared by the memstore tests. Internal to `proxy/wasm_host`.
 *
 * @module
 */

import { ensureMemstoreWasm } from "../../tasks/build_wasm.ts";
import { MemStore, type MemStoreOptions } from "./memstore.ts";

/** A clock the test moves by hand. */
export interface ManualClock {
  now: number;
  (): number;
}

/** A clock starting at `start` ms whose time only changes when the test sets `clock.now`. */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  const clock = (() => clock.now) as ManualClock;
  clock.now = start;
  return clock;
}

let built: Promise<string> | undefined;

/** Builds the module if needed (once per test process) and creates a store with a manual clock and no sweep timer. */
export async function newStore(
  options: Partial<MemStoreOptions> = {},
): Promise<{ store: MemStore; clock: ManualClock }> {
  built ??= ensureMemstoreWasm({ log: () => {} });
  await built;
  const clock = manualClock();
  const store = await MemStore.create({
    maxMemoryMb: 16,
    maxKeyBytes: 4096,
    maxValueBytes: 1 << 20,
    clock,
    sweepIntervalMs: 0,
    ...options,
  });
  return { store, clock };
}

/** Deterministic PRNG (mulberry32) for reproducible randomized tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes of `n` pseudo-random values derived from `seed`. */
export function bytesOf(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
