// The keyspace operations: one keyspace, a type per key (string or list),
// Redis semantics. The module has no clock: the host passes the time (`now`,
// ms since epoch) in, see "Time" below.
//
// Keys (and scan prefixes) are read from the key area of the I/O block that
// `storeInit` allocates; small results go to its result slots:
//
//   io+0  i32 result   (value length, new list length)
//   io+8  key area     (maxKeyBytes, 8-byte aligned)
//   then  scan area    (SCAN_ENTRIES x 16 bytes: keyPtr, keyLen, valuePtr, valueLen)
//
// Return convention of the exported operations (i32): >= 0 is success
// (a count, a boolean 0/1, or a pointer where 0 means "not found"),
// ERR_FULL (-1) is RESOURCE_EXHAUSTED, ERR_WRONG_TYPE (-2) is WRONG_TYPE.
//
// Time: `now` < 0 means "not read yet". Reading the host clock costs about
// as much as a whole call, and most keys have no expiry, so the host passes
// -1 first; an operation that meets a key with an expiry returns NEED_TIME
// (-3) before changing anything and the host repeats it with the time.
// `set` without TTL never needs the time (it replaces the key either way).
//
// A failed write changes nothing: everything it needs (record, list node,
// bucket array growth, TTL heap slot) is reserved before anything mutates.

import { alloc, allocCheck, free, tagBlock, usableSize, walkNext, walkStart } from "./allocator";
import { bytesEqual, hash32 } from "./bytes";
import {
  heapCheck,
  heapFix,
  heapInit,
  heapPeek,
  heapPush,
  heapRemove,
  heapReplace,
  heapReserve,
  heapSize,
} from "./ttl_heap";
import {
  listCheck,
  listFreeAll,
  listInit,
  listPop,
  listPush,
  N_LEN,
  N_VALUE,
  nodeAlloc,
} from "./list";
import {
  keySpan,
  LIST_BODY,
  R_EXPIRE,
  R_HEAPPOS,
  R_KEY,
  R_KEYLEN,
  R_SIZE,
  R_TYPE,
  recordBody,
  recordInit,
  TYPE_LIST,
  TYPE_STRING,
} from "./record";
import {
  tableCheck,
  tableCount,
  tableFind,
  tableInit,
  tableInsert,
  tableMigrate,
  tableRemove,
  tableReplace,
  tableReserve,
} from "./table";

export const ERR_FULL: i32 = -1;
export const ERR_WRONG_TYPE: i32 = -2;
export const NEED_TIME: i32 = -3;
/** `lookup` result asking for the time (never a record address). */
const LOOKUP_NEED_TIME: usize = 1;
const INITIAL_BUCKETS: u32 = 64;
const INITIAL_HEAP: u32 = 64;
const SCAN_ENTRIES: u32 = 4096;
const RESULT: usize = 0;
const KEY_AREA: usize = 8;

let io: usize = 0;
let keyArea: usize = 0;
let scanArea: usize = 0;
let scanPrefixLen: u32 = 0;
let lastHash: u32 = 0;

/** Allocates the I/O block and the initial table and heap; returns the I/O block address or 0. */
export function storeInit(maxKeyBytes: u32): usize {
  const keyBytes = (maxKeyBytes + 7) & ~7;
  io = alloc(<u32> KEY_AREA + keyBytes + (SCAN_ENTRIES << 4));
  if (io == 0) return 0;
  keyArea = io + KEY_AREA;
  scanArea = keyArea + keyBytes;
  if (!tableInit(INITIAL_BUCKETS) || !heapInit(INITIAL_HEAP)) return 0;
  return io;
}

/** Address of the key area. */
export function keyAreaPtr(): usize {
  return keyArea;
}

/** Address of the scan area. */
export function scanAreaPtr(): usize {
  return scanArea;
}

/** Entries the scan area holds. */
export function scanAreaEntries(): u32 {
  return SCAN_ENTRIES;
}

function setResult(v: u32): void {
  store<u32>(io, v, RESULT);
}

/** Keys removed because their expiry passed (on access or by the sweep), since start. */
let expiredTotal: f64 = 0;

function isExpired(rec: usize, now: f64): bool {
  const at = load<f64>(rec, R_EXPIRE);
  return at != 0 && at <= now;
}

/** Removes a record from the keyspace and frees it (and its list nodes). */
function destroy(rec: usize): void {
  tableRemove(rec);
  if (load<u32>(rec, R_HEAPPOS) != 0) heapRemove(rec);
  if (load<u32>(rec, R_TYPE) == TYPE_LIST) listFreeAll(rec);
  free(rec);
}

/**
 * Finds the live record of the key in the key area, deleting it if it has
 * expired. Returns LOOKUP_NEED_TIME (changing nothing) if the record has an
 * expiry and `now` is unknown (< 0).
 */
function lookup(keyLen: u32, now: f64): usize {
  const h = hash32(keyArea, keyLen);
  lastHash = h;
  const rec = tableFind(keyArea, keyLen, h);
  if (rec != 0) {
    const at = load<f64>(rec, R_EXPIRE);
    if (at != 0) {
      if (now < 0) return LOOKUP_NEED_TIME;
      if (at <= now) {
        destroy(rec);
        expiredTotal += 1;
        return 0;
      }
    }
  }
  return rec;
}

/** Finds the record of the key, live or expired (for writes that replace it). */
function lookupAny(keyLen: u32, now: f64): usize {
  if (now >= 0) return lookup(keyLen, now);
  const h = hash32(keyArea, keyLen);
  lastHash = h;
  return tableFind(keyArea, keyLen, h);
}

/** Sets `rec`'s expiry to `at` (0 = none); the heap slot must have been reserved. */
function applyExpiry(rec: usize, at: f64): void {
  store<f64>(rec, at, R_EXPIRE);
  const inHeap = load<u32>(rec, R_HEAPPOS) != 0;
  if (at != 0) {
    if (inHeap) heapFix(rec);
    else heapPush(rec);
  } else if (inHeap) {
    heapRemove(rec);
  }
}

/**
 * Sets a string value of `valueLen` bytes with a TTL of `ttlMs` (0 = none;
 * `now` must be known when ttlMs > 0). Returns the address where the host
 * must write the value bytes, or ERR_FULL.
 */
export function set(keyLen: u32, valueLen: u32, ttlMs: f64, now: f64): i32 {
  if (ttlMs > 0 && now < 0) return NEED_TIME;
  const old = lookupAny(keyLen, now);
  const at: f64 = ttlMs > 0 ? now + ttlMs : 0;
  const oldInHeap = old != 0 && load<u32>(old, R_HEAPPOS) != 0;
  if (old != 0 && load<u32>(old, R_TYPE) == TYPE_STRING) {
    // Reuse the record in place when the value fits without wasting much.
    const room = usableSize(old) - <u32> R_KEY - keySpan(keyLen);
    if (valueLen <= room && room - valueLen <= 64 + (valueLen >> 1)) {
      if (at != 0 && !oldInHeap && !heapReserve()) return ERR_FULL;
      store<u32>(old, valueLen, R_SIZE);
      applyExpiry(old, at);
      return <i32> recordBody(old);
    }
  }
  if (valueLen > 0x7fe00000 - keySpan(keyLen)) return ERR_FULL;
  const rec = alloc(<u32> R_KEY + keySpan(keyLen) + valueLen);
  if (rec == 0) return ERR_FULL;
  if ((old == 0 && !tableReserve()) || (at != 0 && !oldInHeap && !heapReserve())) {
    free(rec);
    return ERR_FULL;
  }
  recordInit(rec, TYPE_STRING, lastHash, keyArea, keyLen, valueLen, at);
  tagBlock(rec);
  if (old != 0) {
    tableReplace(old, rec);
    if (oldInHeap) {
      if (at != 0) heapReplace(old, rec);
      else heapRemove(old);
    } else if (at != 0) {
      heapPush(rec);
    }
    if (load<u32>(old, R_TYPE) == TYPE_LIST) listFreeAll(old);
    free(old);
  } else {
    tableInsert(rec);
    if (at != 0) heapPush(rec);
  }
  return <i32> recordBody(rec);
}

/** Address of the string value (length in the result slot), 0 if missing, or ERR_WRONG_TYPE. */
export function get(keyLen: u32, now: f64): i32 {
  const rec = lookup(keyLen, now);
  if (rec <= LOOKUP_NEED_TIME) return rec == 0 ? 0 : NEED_TIME;
  if (load<u32>(rec, R_TYPE) != TYPE_STRING) return ERR_WRONG_TYPE;
  setResult(load<u32>(rec, R_SIZE));
  return <i32> recordBody(rec);
}

/** Deletes a key of any type; 1 if it existed. */
export function del(keyLen: u32, now: f64): i32 {
  const rec = lookup(keyLen, now);
  if (rec <= LOOKUP_NEED_TIME) return rec == 0 ? 0 : NEED_TIME;
  destroy(rec);
  return 1;
}

/** 1 if a live key of any type exists. */
export function exists(keyLen: u32, now: f64): i32 {
  const rec = lookup(keyLen, now);
  if (rec <= LOOKUP_NEED_TIME) return rec == 0 ? 0 : NEED_TIME;
  return 1;
}

/** Sets a TTL (ttlMs <= 0 deletes the key); 1 if the key existed, or ERR_FULL. */
export function expire(keyLen: u32, ttlMs: f64, now: f64): i32 {
  if (now < 0) return NEED_TIME;
  const rec = lookup(keyLen, now);
  if (rec == 0) return 0;
  if (ttlMs <= 0) {
    destroy(rec);
    return 1;
  }
  if (load<u32>(rec, R_HEAPPOS) == 0 && !heapReserve()) return ERR_FULL;
  applyExpiry(rec, now + ttlMs);
  return 1;
}

/** Remaining TTL in seconds rounded to nearest, -1 without expiry, -2 if missing. */
export function ttl(keyLen: u32, now: f64): f64 {
  const rec = lookup(keyLen, now);
  if (rec <= LOOKUP_NEED_TIME) return rec == 0 ? -2 : <f64> NEED_TIME;
  const at = load<f64>(rec, R_EXPIRE);
  if (at == 0) return -1;
  return Math.floor((at - now + 500) / 1000);
}

/** Removes the expiry; 1 if there was one. */
export function persist(keyLen: u32, now: f64): i32 {
  const rec = lookup(keyLen, now);
  if (rec <= LOOKUP_NEED_TIME) return rec == 0 ? 0 : NEED_TIME;
  if (load<u32>(rec, R_HEAPPOS) == 0) return 0;
  applyExpiry(rec, 0);
  return 1;
}

/**
 * Pushes a value of `valueLen` bytes at the left or right end of a list
 * (created if missing). Returns the address where the host must write the
 * value (new length in the result slot), ERR_FULL or ERR_WRONG_TYPE.
 */
export function push(keyLen: u32, valueLen: u32, left: bool, now: f64): i32 {
  let rec = lookup(keyLen, now);
  if (rec == LOOKUP_NEED_TIME) return NEED_TIME;
  if (rec != 0 && load<u32>(rec, R_TYPE) != TYPE_LIST) return ERR_WRONG_TYPE;
  if (valueLen > 0x7fe00000) return ERR_FULL;
  const node = nodeAlloc(valueLen);
  if (node == 0) return ERR_FULL;
  if (rec == 0) {
    rec = alloc(<u32> R_KEY + keySpan(keyLen) + LIST_BODY);
    if (rec == 0) {
      free(node);
      return ERR_FULL;
    }
    if (!tableReserve()) {
      free(rec);
      free(node);
      return ERR_FULL;
    }
    recordInit(rec, TYPE_LIST, lastHash, keyArea, keyLen, 0, 0);
    tagBlock(rec);
    listInit(rec);
    tableInsert(rec);
  }
  setResult(listPush(rec, node, left));
  return <i32> (node + N_VALUE);
}

/**
 * Pops the left or right element. Returns the address of its value (length in
 * the result slot; the node is already freed, see allocator.ts for why the
 * bytes stay readable until the next call), 0 if missing, or ERR_WRONG_TYPE.
 */
export function pop(keyLen: u32, left: bool, now: f64): i32 {
  const rec = lookup(keyLen, now);
  if (rec <= LOOKUP_NEED_TIME) return rec == 0 ? 0 : NEED_TIME;
  if (load<u32>(rec, R_TYPE) != TYPE_LIST) return ERR_WRONG_TYPE;
  const node = listPop(rec, left);
  setResult(load<u32>(node, N_LEN));
  free(node);
  if (load<u32>(rec, R_SIZE) == 0) destroy(rec);
  return <i32> (node + N_VALUE);
}

/** Length of a list (0 if missing) or ERR_WRONG_TYPE. */
export function llen(keyLen: u32, now: f64): i32 {
  const rec = lookup(keyLen, now);
  if (rec <= LOOKUP_NEED_TIME) return rec == 0 ? 0 : NEED_TIME;
  if (load<u32>(rec, R_TYPE) != TYPE_LIST) return ERR_WRONG_TYPE;
  return <i32> load<u32>(rec, R_SIZE);
}

function matches(rec: usize, prefixLen: u32, now: f64): bool {
  return load<u32>(rec, R_TYPE) == TYPE_STRING && load<u32>(rec, R_KEYLEN) >= prefixLen &&
    !isExpired(rec, now) && bytesEqual(rec + R_KEY, keyArea, prefixLen);
}

// Scans walk the records in address order (see allocator.ts), not the hash
// chains: sequential memory access, each record exactly once.

/** Number of live string keys starting with the prefix in the key area. */
export function count(prefixLen: u32, now: f64): i32 {
  walkStart();
  let n: i32 = 0;
  let rec = walkNext();
  while (rec != 0) {
    if (matches(rec, prefixLen, now)) n++;
    rec = walkNext();
  }
  return n;
}

/** Starts a scan for live string keys starting with the prefix in the key area. */
export function scanStart(prefixLen: u32): void {
  scanPrefixLen = prefixLen;
  walkStart();
}

/**
 * Writes up to `max` (capped to the scan area) matches as (keyPtr, keyLen,
 * valuePtr, valueLen) u32 quadruples into the scan area; returns how many.
 * Fewer than asked means the scan is complete. The host must not mutate the
 * store between scanStart and the last scanFill.
 */
export function scanFill(max: u32, now: f64): i32 {
  if (max > SCAN_ENTRIES) max = SCAN_ENTRIES;
  let n: u32 = 0;
  let out = scanArea;
  while (n < max) {
    const rec = walkNext();
    if (rec == 0) break;
    if (!matches(rec, scanPrefixLen, now)) continue;
    const keyLen = load<u32>(rec, R_KEYLEN);
    store<u32>(out, <u32> (rec + R_KEY));
    store<u32>(out, keyLen, 4);
    store<u32>(out, <u32> recordBody(rec), 8);
    store<u32>(out, load<u32>(rec, R_SIZE), 12);
    out += 16;
    n++;
  }
  return <i32> n;
}

/** Removes up to `budget` expired keys (earliest first); returns how many. */
export function sweep(now: f64, budget: u32): i32 {
  tableMigrate(16);
  let n: u32 = 0;
  while (n < budget) {
    const rec = heapPeek();
    if (rec == 0 || load<f64>(rec, R_EXPIRE) > now) break;
    destroy(rec);
    n++;
  }
  expiredTotal += <f64> n;
  return <i32> n;
}

/** Keys removed because their expiry passed, since start. */
export function expiredCount(): f64 {
  return expiredTotal;
}

/** Number of keys (string and list, including expired ones not yet removed). */
export function keyCount(): u32 {
  return tableCount();
}

/** Number of keys with an expiry. */
export function ttlCount(): u32 {
  return heapSize();
}

/** Full consistency check of allocator, table, heap and lists: 0 or an error code. */
export function check(): i32 {
  let e = allocCheck();
  if (e != 0) return e;
  e = tableCheck();
  if (e != 0) return e;
  e = heapCheck();
  if (e != 0) return e;
  walkStart();
  let rec = walkNext();
  let withTtl: u32 = 0;
  let records: u32 = 0;
  while (rec != 0) {
    records++;
    const type = load<u32>(rec, R_TYPE);
    if (type == TYPE_LIST) {
      e = listCheck(rec);
      if (e != 0) return e;
    } else if (type != TYPE_STRING) {
      return 501;
    }
    const at = load<f64>(rec, R_EXPIRE);
    if ((at != 0) != (load<u32>(rec, R_HEAPPOS) != 0)) return 502;
    if (at != 0) withTtl++;
    const keyLen = load<u32>(rec, R_KEYLEN);
    const hash = hash32(rec + R_KEY, keyLen);
    if (hash != load<u32>(rec, 4)) return 503;
    if (tableFind(rec + R_KEY, keyLen, hash) != rec) return 505;
    rec = walkNext();
  }
  if (records != tableCount()) return 506;
  if (withTtl != heapSize()) return 504;
  return 0;
}
