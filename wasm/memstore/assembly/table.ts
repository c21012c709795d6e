// Hash table of records: separate chaining through the records' `next`
// field, power-of-two bucket arrays, and incremental (Redis-style) resizing.
//
// When the load factor reaches 1 a bucket array twice the size is allocated
// and the old buckets are migrated a few at a time by later writes (and by the
// sweep tick), so no single call pays for a full rehash. While migrating,
// lookups look in the old bucket first, then the new one; inserts go to the
// new array. Growth is reserved before a write mutates anything: if the new
// bucket array cannot be allocated the table keeps working on longer chains
// up to a load factor of MAX_LOAD, beyond which the write fails cleanly.

import { alloc, free } from "./allocator";
import { bytesEqual } from "./bytes";
import { R_HASH, R_KEY, R_KEYLEN, R_NEXT } from "./record";

const MIGRATE_STEP: u32 = 16;
const MAX_LOAD: u32 = 4;

let buckets: usize = 0;
let mask: u32 = 0;
let oldBuckets: usize = 0; // != 0 while migrating
let oldMask: u32 = 0;
let migrateIdx: u32 = 0;
let count: u32 = 0;

/** Allocates the initial bucket array (`size` must be a power of two). */
export function tableInit(size: u32): bool {
  buckets = alloc(size << 2);
  if (buckets == 0) return false;
  memory.fill(buckets, 0, size << 2);
  mask = size - 1;
  count = 0;
  return true;
}

/** Number of records in the table. */
export function tableCount(): u32 {
  return count;
}

/** Number of buckets of the current array. */
export function tableBuckets(): u32 {
  return mask + 1;
}

function findIn(head: usize, keyPtr: usize, keyLen: u32, hash: u32): usize {
  let r = head;
  while (r != 0) {
    if (
      load<u32>(r, R_HASH) == hash && load<u32>(r, R_KEYLEN) == keyLen &&
      bytesEqual(r + R_KEY, keyPtr, keyLen)
    ) return r;
    r = load<u32>(r, R_NEXT);
  }
  return 0;
}

/** Finds the record of a key, or 0. */
export function tableFind(keyPtr: usize, keyLen: u32, hash: u32): usize {
  if (oldBuckets != 0) {
    const r = findIn(load<u32>(oldBuckets + ((hash & oldMask) << 2)), keyPtr, keyLen, hash);
    if (r != 0) return r;
  }
  return findIn(load<u32>(buckets + ((hash & mask) << 2)), keyPtr, keyLen, hash);
}

/** Address of the link (bucket slot or `next` field) that points to `rec`; 0 if absent. */
function linkOf(rec: usize): usize {
  const hash = load<u32>(rec, R_HASH);
  if (oldBuckets != 0) {
    let link = oldBuckets + ((hash & oldMask) << 2);
    while (load<u32>(link) != 0) {
      if (load<u32>(link) == <u32> rec) return link;
      link = <usize> load<u32>(link) + R_NEXT;
    }
  }
  let link = buckets + ((hash & mask) << 2);
  while (load<u32>(link) != 0) {
    if (load<u32>(link) == <u32> rec) return link;
    link = <usize> load<u32>(link) + R_NEXT;
  }
  return 0;
}

/** Moves up to `steps` old buckets to the new array; frees the old array when done. */
export function tableMigrate(steps: u32): void {
  if (oldBuckets == 0) return;
  while (steps > 0 && migrateIdx <= oldMask) {
    const slot = oldBuckets + (migrateIdx << 2);
    let r = load<u32>(slot);
    while (r != 0) {
      const next = load<u32>(r, R_NEXT);
      const dst = buckets + ((load<u32>(r, R_HASH) & mask) << 2);
      store<u32>(r, load<u32>(dst), R_NEXT);
      store<u32>(dst, r);
      r = next;
    }
    store<u32>(slot, 0);
    migrateIdx++;
    steps--;
  }
  if (migrateIdx > oldMask) {
    free(oldBuckets);
    oldBuckets = 0;
  }
}

/** Makes room for one more record. False (nothing changed) if the table cannot take it. */
export function tableReserve(): bool {
  tableMigrate(MIGRATE_STEP);
  const size = mask + 1;
  if (count < size) return true;
  if (oldBuckets != 0) tableMigrate(0xffffffff);
  const grown = size << 1;
  const p = grown <= 0x10000000 ? alloc(grown << 2) : 0;
  if (p == 0) return count < size * MAX_LOAD;
  memory.fill(p, 0, grown << 2);
  oldBuckets = buckets;
  oldMask = mask;
  migrateIdx = 0;
  buckets = p;
  mask = grown - 1;
  return true;
}

/** Inserts a record whose key is not in the table (after `tableReserve`). */
export function tableInsert(rec: usize): void {
  const slot = buckets + ((load<u32>(rec, R_HASH) & mask) << 2);
  store<u32>(rec, load<u32>(slot), R_NEXT);
  store<u32>(slot, <u32> rec);
  count++;
}

/** Puts `rec` in place of `old` (same key) in its chain. */
export function tableReplace(old: usize, rec: usize): void {
  const link = linkOf(old);
  store<u32>(rec, load<u32>(old, R_NEXT), R_NEXT);
  store<u32>(link, <u32> rec);
}

/** Removes a record from the table. */
export function tableRemove(rec: usize): void {
  const link = linkOf(rec);
  store<u32>(link, load<u32>(rec, R_NEXT));
  count--;
}

/** Verifies chain membership (each record in the bucket of its hash) and the count. */
export function tableCheck(): i32 {
  let n: u32 = 0;
  if (oldBuckets != 0) {
    for (let i: u32 = 0; i <= oldMask; i++) {
      let r = load<u32>(oldBuckets + (i << 2));
      if (i < migrateIdx && r != 0) return 201;
      while (r != 0) {
        if ((load<u32>(r, R_HASH) & oldMask) != i) return 202;
        if (++n > count) return 205; // also stops on a cycle
        r = load<u32>(r, R_NEXT);
      }
    }
  }
  for (let i: u32 = 0; i <= mask; i++) {
    let r = load<u32>(buckets + (i << 2));
    while (r != 0) {
      if ((load<u32>(r, R_HASH) & mask) != i) return 203;
      if (++n > count) return 206; // also stops on a cycle
      r = load<u32>(r, R_NEXT);
    }
  }
  if (n != count) return 204;
  return 0;
}
