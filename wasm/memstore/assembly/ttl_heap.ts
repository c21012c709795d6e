// Binary min-heap of records keyed by their expireAt (ms since epoch).
//
// The heap is an array of record pointers; each record stores its 1-based
// position (R_HEAPPOS), so removing or re-keying an arbitrary record is
// O(log n). Capacity is reserved (doubling) before a write mutates anything.

import { alloc, free } from "./allocator";
import { R_EXPIRE, R_HEAPPOS } from "./record";

let heap: usize = 0;
let size: u32 = 0;
let cap: u32 = 0;

/** Allocates the heap array with room for `initial` records. */
export function heapInit(initial: u32): bool {
  heap = alloc(initial << 2);
  if (heap == 0) return false;
  cap = initial;
  size = 0;
  return true;
}

/** Number of records with an expiry. */
export function heapSize(): u32 {
  return size;
}

/** Ensures room for one more record; false (nothing changed) if memory is exhausted. */
export function heapReserve(): bool {
  if (size < cap) return true;
  if (cap >= 0x10000000) return false;
  const grown = cap << 1;
  const p = alloc(grown << 2);
  if (p == 0) return false;
  memory.copy(p, heap, size << 2);
  free(heap);
  heap = p;
  cap = grown;
  return true;
}

function keyOf(rec: usize): f64 {
  return load<f64>(rec, R_EXPIRE);
}

function put(i: u32, rec: usize): void {
  store<u32>(heap + (i << 2), <u32> rec);
  store<u32>(rec, i + 1, R_HEAPPOS);
}

function at(i: u32): usize {
  return load<u32>(heap + (i << 2));
}

function siftUp(i: u32, rec: usize): void {
  const k = keyOf(rec);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = at(parent);
    if (keyOf(p) <= k) break;
    put(i, p);
    i = parent;
  }
  put(i, rec);
}

function siftDown(i: u32, rec: usize): void {
  const k = keyOf(rec);
  while (true) {
    let child = (i << 1) + 1;
    if (child >= size) break;
    let c = at(child);
    if (child + 1 < size) {
      const c2 = at(child + 1);
      if (keyOf(c2) < keyOf(c)) {
        child++;
        c = c2;
      }
    }
    if (k <= keyOf(c)) break;
    put(i, c);
    i = child;
  }
  put(i, rec);
}

/** Adds a record (after `heapReserve`). */
export function heapPush(rec: usize): void {
  const i = size;
  size++;
  siftUp(i, rec);
}

/** Restores the heap order after the expireAt of `rec` (in the heap) changed. */
export function heapFix(rec: usize): void {
  const i = load<u32>(rec, R_HEAPPOS) - 1;
  if (i > 0 && keyOf(at((i - 1) >> 1)) > keyOf(rec)) siftUp(i, rec);
  else siftDown(i, rec);
}

/** Removes `rec` from the heap. */
export function heapRemove(rec: usize): void {
  const i = load<u32>(rec, R_HEAPPOS) - 1;
  store<u32>(rec, 0, R_HEAPPOS);
  size--;
  if (i == size) return;
  const last = at(size);
  put(i, last);
  heapFix(last);
}

/** Puts `rec` at the heap position of `old` (which leaves the heap) and restores the order. */
export function heapReplace(old: usize, rec: usize): void {
  const i = load<u32>(old, R_HEAPPOS) - 1;
  store<u32>(old, 0, R_HEAPPOS);
  put(i, rec);
  heapFix(rec);
}

/** The record expiring first, or 0. */
export function heapPeek(): usize {
  return size > 0 ? at(0) : 0;
}

/** Verifies positions and heap order. */
export function heapCheck(): i32 {
  for (let i: u32 = 0; i < size; i++) {
    const r = at(i);
    if (load<u32>(r, R_HEAPPOS) != i + 1) return 301;
    if (keyOf(r) <= 0) return 302;
    if (i > 0 && keyOf(at((i - 1) >> 1)) > keyOf(r)) return 303;
  }
  return 0;
}
