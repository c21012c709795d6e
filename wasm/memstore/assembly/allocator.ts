// Two-level segregated-fit allocator (TLSF style) over raw linear memory.
//
// Why not AssemblyScript's own TLSF: it traps when `memory.grow` fails, and a
// trap on the write path would break the "memory cap never traps" guarantee.
// This allocator returns 0 instead, so callers can fail a write cleanly.
//
// Block layout (every block starts 8-byte aligned):
//
//   +0  u32 prevSize    size of the previous block, valid only if PREV_FREE
//   +4  u32 sizeFlags   block size (header included, multiple of 8) | flags
//   +8  payload         (free blocks: u32 nextFree, u32 prevFree)
//
// Free blocks are coalesced immediately with both neighbours (boundary tags:
// the `prevSize` of the following block), so no two free blocks are adjacent.
// Size classes: 4 per power of two (SL_BITS = 2), exact classes below 64
// bytes; `alloc` rounds the request up to the next class so that the head of
// any non-empty class it picks fits (O(1) good fit via two bitmaps).
//
// The heap ends with a zero-sized "used" sentinel block. Growing memory turns
// the sentinel into a new free block (merged with a free predecessor) and
// writes a new sentinel at the new end.
//
// Blocks can be tagged (a spare header bit, cleared by `free`) so that a
// linear walk over the heap in address order (`walkStart`/`walkNext`) finds
// them: the store tags its key records, and scans walk memory sequentially
// instead of chasing hash chains (several times faster once the store
// outgrows the CPU caches).
//
// Invariant relied on by list pops: `free(p)` writes only block headers and
// the first 8 payload bytes of the resulting (possibly merged) free block, so
// the bytes of a freed payload beyond its first 8 stay intact until the next
// `alloc`. A pop can therefore free its node and still hand out the value.

const HEADER: u32 = 8;
const MIN_BLOCK: u32 = 16;
const FLAG_FREE: u32 = 1;
const FLAG_PREV_FREE: u32 = 2;
const FLAG_TAG: u32 = 4;
const FLAG_MASK: u32 = 7;
const SL_BITS: u32 = 2;
const SL_COUNT: u32 = 4;
const FL_COUNT: u32 = 28;
/** Largest payload `alloc` accepts (keeps size arithmetic within u32). */
export const MAX_ALLOC: u32 = 0x7ff00000;
/** Minimum number of pages to grow by, so growth (which detaches the host's views) stays rare. */
const GROW_MIN_PAGES: i32 = 16;

let flMap: u32 = 0;
let slMaps: usize = 0; // FL_COUNT x u32 bitmaps
let heads: usize = 0; // FL_COUNT * SL_COUNT x u32 free-list heads
let heapStart: usize = 0;
let tail: usize = 0; // the sentinel block
let used: usize = 0; // bytes in used blocks, headers included
let mapFl: u32 = 0;
let mapSl: u32 = 0;

/** Bytes currently allocated (block sizes, headers included). */
export function allocatedBytes(): usize {
  return used;
}

/** Usable payload bytes of the block holding `p` (at least what was requested). */
export function usableSize(p: usize): u32 {
  return (load<u32>(p - HEADER, 4) & ~FLAG_MASK) - HEADER;
}

let walkCursor: usize = 0;

/** Tags the block of payload `p` for `walkNext`. */
export function tagBlock(p: usize): void {
  store<u32>(p - HEADER, load<u32>(p - HEADER, 4) | FLAG_TAG, 4);
}

/** Starts a walk over the tagged blocks in address order. */
export function walkStart(): void {
  walkCursor = heapStart;
}

/** Payload of the next tagged block of the walk, or 0 at the end. Valid while nothing is allocated or freed. */
export function walkNext(): usize {
  let b = walkCursor;
  const end = tail;
  while (b < end) {
    const info = load<u32>(b, 4);
    const size = info & ~FLAG_MASK;
    if (size < MIN_BLOCK) unreachable(); // corrupted header: trap rather than loop forever
    const next = b + size;
    if ((info & FLAG_TAG) != 0) {
      walkCursor = next;
      return b + HEADER;
    }
    b = next;
  }
  walkCursor = end;
  return 0;
}

/** Sets up the allocator; the heap starts after the static data and its own control block. */
export function allocInit(): bool {
  const root: usize = (__heap_base + 7) & ~7;
  slMaps = root;
  heads = root + (FL_COUNT << 2);
  const start: usize = (heads + (FL_COUNT * SL_COUNT << 2) + 7) & ~7;
  let end: usize = (<usize> memory.size()) << 16;
  if (end < start + 4096) {
    if (memory.grow(1) < 0) return false;
    end = (<usize> memory.size()) << 16;
  }
  memory.fill(root, 0, start - root);
  flMap = 0;
  used = 0;
  heapStart = start;
  tail = start;
  store<u32>(start, 0);
  store<u32>(start, 0, 4);
  extendTo(end);
  return true;
}

function mapInsert(size: u32): void {
  if (size < 32) {
    mapFl = 0;
    mapSl = size >> 3;
  } else {
    const l: u32 = 31 - clz<u32>(size);
    mapFl = l - 4;
    mapSl = (size >> (l - SL_BITS)) & (SL_COUNT - 1);
  }
}

/** Rounds `size` up to the next class boundary, so any block of the class found fits. */
function roundUp(size: u32): u32 {
  if (size < 64) return size;
  const l: u32 = 31 - clz<u32>(size);
  return size + (1 << (l - SL_BITS)) - 1;
}

function insertFree(b: usize): void {
  const info = load<u32>(b, 4);
  const size = info & ~FLAG_MASK;
  store<u32>(b, info | FLAG_FREE, 4);
  const next = b + size;
  store<u32>(next, size);
  store<u32>(next, load<u32>(next, 4) | FLAG_PREV_FREE, 4);
  mapInsert(size);
  const slot = heads + (((mapFl << SL_BITS) + mapSl) << 2);
  const head = load<u32>(slot);
  store<u32>(b, head, 8);
  store<u32>(b, 0, 12);
  if (head != 0) store<u32>(head, <u32> b, 12);
  store<u32>(slot, <u32> b);
  flMap |= 1 << mapFl;
  const sm = slMaps + (mapFl << 2);
  store<u32>(sm, load<u32>(sm) | (1 << mapSl));
}

function removeFree(b: usize): void {
  const info = load<u32>(b, 4);
  const size = info & ~FLAG_MASK;
  const next = load<u32>(b, 8);
  const prev = load<u32>(b, 12);
  if (next != 0) store<u32>(next, prev, 12);
  if (prev != 0) {
    store<u32>(prev, next, 8);
  } else {
    mapInsert(size);
    store<u32>(heads + (((mapFl << SL_BITS) + mapSl) << 2), next);
    if (next == 0) {
      const sm = slMaps + (mapFl << 2);
      const bits = load<u32>(sm) & ~(1 << mapSl);
      store<u32>(sm, bits);
      if (bits == 0) flMap &= ~(1 << mapFl);
    }
  }
  store<u32>(b, info & ~FLAG_FREE, 4);
  const nb = b + size;
  store<u32>(nb, load<u32>(nb, 4) & ~FLAG_PREV_FREE, 4);
}

function findFree(size: u32): usize {
  mapInsert(roundUp(size));
  let fl = mapFl;
  if (fl >= FL_COUNT) return 0;
  let sm = load<u32>(slMaps + (fl << 2)) & (<u32> 0xffffffff << mapSl);
  if (sm == 0) {
    const fm = flMap & (<u32> 0xffffffff << (fl + 1));
    if (fm == 0) return 0;
    fl = ctz<u32>(fm);
    sm = load<u32>(slMaps + (fl << 2));
  }
  return load<u32>(heads + (((fl << SL_BITS) + ctz<u32>(sm)) << 2));
}

/** Turns the memory between the sentinel and `end` into a free block and moves the sentinel. */
function extendTo(end: usize): void {
  const t = tail;
  const newTail = end - HEADER;
  if (newTail < t + MIN_BLOCK) return;
  const size = <u32> (newTail - t);
  store<u32>(t, size | (load<u32>(t, 4) & FLAG_PREV_FREE), 4);
  store<u32>(newTail, 0);
  store<u32>(newTail, 0, 4);
  tail = newTail;
  used += size;
  free(t + HEADER);
}

/** Grows memory so that a block of `size` bytes can be found; false when the cap is reached. */
function grow(size: u32): bool {
  const need: u32 = roundUp(size) + HEADER * 2;
  const pages: i32 = <i32> ((need + 0xffff) >>> 16);
  let want: i32 = memory.size() >> 3;
  if (want < GROW_MIN_PAGES) want = GROW_MIN_PAGES;
  if (want < pages) want = pages;
  if (memory.grow(want) < 0) {
    if (want == pages || memory.grow(pages) < 0) return false;
  }
  extendTo((<usize> memory.size()) << 16);
  return true;
}

/** Allocates `n` payload bytes (8-byte aligned); returns 0 when memory is exhausted. Never traps. */
export function alloc(n: u32): usize {
  if (n > MAX_ALLOC) return 0;
  let size: u32 = (n + HEADER + 7) & ~7;
  if (size < MIN_BLOCK) size = MIN_BLOCK;
  let b = findFree(size);
  if (b == 0) {
    if (!grow(size)) return 0;
    b = findFree(size);
    if (b == 0) return 0;
  }
  removeFree(b);
  const info = load<u32>(b, 4);
  const rest = (info & ~FLAG_MASK) - size;
  if (rest >= MIN_BLOCK) {
    store<u32>(b, size | (info & FLAG_PREV_FREE), 4);
    const r = b + size;
    store<u32>(r, rest, 4);
    insertFree(r);
    used += size;
  } else {
    used += info & ~FLAG_MASK;
  }
  return b + HEADER;
}

/** Frees the payload `p` returned by `alloc`, coalescing with free neighbours. */
export function free(p: usize): void {
  let b = p - HEADER;
  let info = load<u32>(b, 4);
  let size = info & ~FLAG_MASK;
  used -= size;
  const next = b + size;
  const nextInfo = load<u32>(next, 4);
  if ((nextInfo & FLAG_FREE) != 0) {
    removeFree(next);
    size += nextInfo & ~FLAG_MASK;
  }
  if ((info & FLAG_PREV_FREE) != 0) {
    const prevSize = load<u32>(b);
    b -= prevSize;
    removeFree(b);
    size += prevSize;
    info = load<u32>(b, 4);
  }
  store<u32>(b, size | (info & FLAG_PREV_FREE), 4);
  insertFree(b);
}

/**
 * Walks every block and free list and verifies the allocator's invariants.
 * Returns 0 when consistent, else a positive code naming the broken invariant.
 */
export function allocCheck(): i32 {
  let b = heapStart;
  let prevFree = false;
  let prevSize: u32 = 0;
  let usedSum: usize = 0;
  let freeBlocks: u32 = 0;
  while (b < tail) {
    const info = load<u32>(b, 4);
    const size = info & ~FLAG_MASK;
    const isFree = (info & FLAG_FREE) != 0;
    if (size < MIN_BLOCK || (size & 7) != 0) return 101;
    if (((info & FLAG_PREV_FREE) != 0) != prevFree) return 102;
    if (prevFree && load<u32>(b) != prevSize) return 103;
    if (prevFree && isFree) return 104;
    if (isFree && (info & FLAG_TAG) != 0) return 115;
    if (isFree) freeBlocks++;
    else usedSum += size;
    prevFree = isFree;
    prevSize = size;
    b += size;
  }
  if (b != tail) return 105;
  if (((load<u32>(tail, 4) & FLAG_PREV_FREE) != 0) != prevFree) return 106;
  if (usedSum != used) return 107;
  let listed: u32 = 0;
  for (let fl: u32 = 0; fl < FL_COUNT; fl++) {
    const bits = load<u32>(slMaps + (fl << 2));
    if (((flMap >> fl) & 1) != (bits != 0 ? 1 : 0)) return 108;
    for (let sl: u32 = 0; sl < SL_COUNT; sl++) {
      let f = load<u32>(heads + (((fl << SL_BITS) + sl) << 2));
      if (((bits >> sl) & 1) != (f != 0 ? 1 : 0)) return 109;
      let prev: u32 = 0;
      while (f != 0) {
        const info = load<u32>(f, 4);
        if ((info & FLAG_FREE) == 0) return 110;
        mapInsert(info & ~FLAG_MASK);
        if (mapFl != fl || mapSl != sl) return 111;
        if (load<u32>(f, 12) != prev) return 112;
        listed++;
        if (listed > freeBlocks) return 113;
        prev = f;
        f = load<u32>(f, 8);
      }
    }
  }
  if (listed != freeBlocks) return 114;
  return 0;
}
