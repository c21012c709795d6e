// List elements: a doubly linked list of nodes with the value bytes inline,
// so push and pop are O(1) at both ends. The list record's body holds the
// head and tail node pointers (see record.ts).
//
//   +0  u32 prev
//   +4  u32 next
//   +8  u32 length of the value
//   +12 value bytes

import { alloc, free } from "./allocator";
import { R_SIZE, recordBody } from "./record";

export const N_PREV: usize = 0;
export const N_NEXT: usize = 4;
export const N_LEN: usize = 8;
export const N_VALUE: usize = 12;

/** Allocates a node for a value of `len` bytes (value left for the caller to fill); 0 if full. */
export function nodeAlloc(len: u32): usize {
  const node = alloc(<u32> N_VALUE + len);
  if (node != 0) store<u32>(node, len, N_LEN);
  return node;
}

/** Sets an empty list body. */
export function listInit(rec: usize): void {
  const body = recordBody(rec);
  store<u32>(body, 0);
  store<u32>(body, 0, 4);
}

/** Links `node` at the head (left) or tail (right) of the list; returns the new length. */
export function listPush(rec: usize, node: usize, left: bool): u32 {
  const body = recordBody(rec);
  const head = load<u32>(body);
  const tail = load<u32>(body, 4);
  if (head == 0) {
    store<u32>(node, 0, N_PREV);
    store<u32>(node, 0, N_NEXT);
    store<u32>(body, <u32> node);
    store<u32>(body, <u32> node, 4);
  } else if (left) {
    store<u32>(node, 0, N_PREV);
    store<u32>(node, head, N_NEXT);
    store<u32>(head, <u32> node, N_PREV);
    store<u32>(body, <u32> node);
  } else {
    store<u32>(node, tail, N_PREV);
    store<u32>(node, 0, N_NEXT);
    store<u32>(tail, <u32> node, N_NEXT);
    store<u32>(body, <u32> node, 4);
  }
  const n = load<u32>(rec, R_SIZE) + 1;
  store<u32>(rec, n, R_SIZE);
  return n;
}

/** Unlinks the head (left) or tail (right) node of a non-empty list and returns it (not freed). */
export function listPop(rec: usize, left: bool): usize {
  const body = recordBody(rec);
  let node: usize;
  if (left) {
    node = load<u32>(body);
    const next = load<u32>(node, N_NEXT);
    store<u32>(body, next);
    if (next != 0) store<u32>(next, 0, N_PREV);
    else store<u32>(body, 0, 4);
  } else {
    node = load<u32>(body, 4);
    const prev = load<u32>(node, N_PREV);
    store<u32>(body, prev, 4);
    if (prev != 0) store<u32>(prev, 0, N_NEXT);
    else store<u32>(body, 0);
  }
  store<u32>(rec, load<u32>(rec, R_SIZE) - 1, R_SIZE);
  return node;
}

/** Frees every node of the list. */
export function listFreeAll(rec: usize): void {
  let node: usize = load<u32>(recordBody(rec));
  while (node != 0) {
    const next = load<u32>(node, N_NEXT);
    free(node);
    node = next;
  }
}

/** Verifies links and the element count of a list record. */
export function listCheck(rec: usize): i32 {
  const body = recordBody(rec);
  let node: usize = load<u32>(body);
  let prev: usize = 0;
  let n: u32 = 0;
  const size = load<u32>(rec, R_SIZE);
  while (node != 0) {
    if (load<u32>(node, N_PREV) != <u32> prev) return 401;
    if (++n > size) return 404; // also stops on a cycle
    prev = node;
    node = load<u32>(node, N_NEXT);
  }
  if (load<u32>(body, 4) != <u32> prev) return 402;
  if (n != size || n == 0) return 403;
  return 0;
}
