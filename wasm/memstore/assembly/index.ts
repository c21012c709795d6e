// Entry point of the memstore module: the exported ABI.
//
// Sandbox: the module imports nothing but its linear memory (`env.memory`,
// created and capped by the host). It has no clock (the host passes `now`),
// no I/O and no host callbacks; assertion failures execute `unreachable`
// (see `trapAbort`, wired in with `--use abort=`) instead of calling the host.
//
// ABI (all integers i32/u32, times f64 ms since epoch; `now` < 0 = "not read",
// answered by NEED_TIME when the operation meets a key with an expiry):
//   init(maxKeyBytes, hashSeed) -> ioPtr | 0   once, before anything else
//   keyAreaPtr(), scanAreaPtr(), scanAreaEntries()
//   set(keyLen, valueLen, ttlMs, now) -> valuePtr | ERR_FULL
//   get(keyLen, now) -> valuePtr | 0 | ERR_WRONG_TYPE        (length in io+0)
//   del / exists (keyLen, now) -> 0 | 1
//   expire(keyLen, ttlMs, now) -> 0 | 1 | ERR_FULL
//   ttl(keyLen, now) -> f64 seconds | -1 | -2
//   persist(keyLen, now) -> 0 | 1
//   push(keyLen, valueLen, left, now) -> valuePtr | ERR_FULL | ERR_WRONG_TYPE (new length in io+0)
//   pop(keyLen, left, now) -> valuePtr | 0 | ERR_WRONG_TYPE  (length in io+0)
//   llen(keyLen, now) -> length | ERR_WRONG_TYPE
//   count(prefixLen, now) -> n;  scanStart(prefixLen); scanFill(max, now) -> n
//   sweep(now, budget) -> removed
//   usedBytes(), keyCount(), ttlCount(), bucketCount()
//   debugCheck() -> 0 | code;  debugTrap();  debugHash(kind, len, rounds)
// ERR_FULL = -1 (RESOURCE_EXHAUSTED), ERR_WRONG_TYPE = -2 (WRONG_TYPE),
// NEED_TIME = -3 (nothing changed: call again with the time).

import { allocatedBytes, allocInit } from "./allocator";
import { fnv1a, hash32, setHashSeed } from "./bytes";
import { check, keyAreaPtr, storeInit } from "./store";
import { tableBuckets } from "./table";

export {
  count,
  del,
  exists,
  expire,
  expiredCount,
  get,
  keyAreaPtr,
  keyCount,
  llen,
  persist,
  pop,
  push,
  scanAreaEntries,
  scanAreaPtr,
  scanFill,
  scanStart,
  set,
  sweep,
  ttl,
  ttlCount,
} from "./store";

let initialized = false;

/**
 * Initializes the allocator and the keyspace with the longest key the host
 * will write and a (random) hash seed; returns the I/O block address, or 0
 * if it does not fit in memory.
 */
export function init(maxKeyBytes: u32, hashSeed: u32): usize {
  if (initialized) unreachable();
  initialized = true;
  setHashSeed(hashSeed);
  if (!allocInit()) return 0;
  return storeInit(maxKeyBytes);
}

/** Bytes allocated (records, nodes, tables, I/O block; headers included). */
export function usedBytes(): usize {
  return allocatedBytes();
}

/** Bucket count of the hash table. */
export function bucketCount(): u32 {
  return tableBuckets();
}

/** Consistency check of every structure (for tests): 0, or the code of the broken invariant. */
export function debugCheck(): i32 {
  return check();
}

/** TEST HOOK: executes `unreachable` to simulate a bug, so the host's trap handling can be tested. */
export function debugTrap(): void {
  unreachable();
}

/** Benchmark hook: hashes the key area `rounds` times with xxHash32 (kind 0) or FNV-1a (kind 1). */
export function debugHash(kind: u32, len: u32, rounds: u32): u32 {
  const p = keyAreaPtr();
  let acc: u32 = 0;
  for (let i: u32 = 0; i < rounds; i++) {
    store<u8>(p, <u8> i);
    acc ^= kind == 0 ? hash32(p, len) : fnv1a(p, len);
  }
  return acc;
}

/** Replaces AssemblyScript's `abort` import: a failed assertion traps instead of calling the host. */
// deno-lint-ignore no-unused-vars -- referenced by `asc --use abort=...`, see tasks/build_wasm.ts
function trapAbort(
  _message: string | null,
  _fileName: string | null,
  _lineNumber: u32,
  _columnNumber: u32,
): void {
  unreachable();
}
