// Layout of a keyspace record (one allocation per key).
//
//   +0  u32 next      next record in the hash chain (0 = end)
//   +4  u32 hash      xxHash32 of the key
//   +8  u32 keyLen
//   +12 u32 size      string: value length; list: number of elements
//   +16 f64 expireAt  ms since epoch, 0 = no expiry
//   +24 u32 heapPos   1-based position in the TTL heap, 0 = not in the heap
//   +28 u32 type      TYPE_STRING or TYPE_LIST
//   +32 key bytes, padded to a multiple of 4 (keySpan)
//   +32+keySpan       string: value bytes; list: u32 head node, u32 tail node
//
// The body is 4-byte aligned so the host can copy values out word by word.

export const R_NEXT: usize = 0;
export const R_HASH: usize = 4;
export const R_KEYLEN: usize = 8;
export const R_SIZE: usize = 12;
export const R_EXPIRE: usize = 16;
export const R_HEAPPOS: usize = 24;
export const R_TYPE: usize = 28;
export const R_KEY: usize = 32;

export const TYPE_STRING: u32 = 1;
export const TYPE_LIST: u32 = 2;

/** Bytes of a list record's body (head and tail node pointers). */
export const LIST_BODY: u32 = 8;

/** Writes a fresh record header; the key bytes are copied from `keyPtr`. */
export function recordInit(
  rec: usize,
  type: u32,
  hash: u32,
  keyPtr: usize,
  keyLen: u32,
  size: u32,
  expireAt: f64,
): void {
  store<u32>(rec, 0, R_NEXT);
  store<u32>(rec, hash, R_HASH);
  store<u32>(rec, keyLen, R_KEYLEN);
  store<u32>(rec, size, R_SIZE);
  store<f64>(rec, expireAt, R_EXPIRE);
  store<u32>(rec, 0, R_HEAPPOS);
  store<u32>(rec, type, R_TYPE);
  memory.copy(rec + R_KEY, keyPtr, keyLen);
}

/** Bytes the key occupies in a record (padded to 4). */
export function keySpan(keyLen: u32): u32 {
  return (keyLen + 3) & ~3;
}

/** Address of the (4-byte aligned) body after the key: string value, or list head/tail. */
export function recordBody(rec: usize): usize {
  return rec + R_KEY + keySpan(load<u32>(rec, R_KEYLEN));
}
