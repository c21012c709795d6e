/**
 * The memstore module's ABI as seen from the host (see
 * `wasm/memstore/assembly/index.ts`). Internal to `proxy/wasm_host`.
 *
 * @module
 */

/** Returned by writes when the memory cap is reached. */
export const ERR_FULL = -1;
/** Returned by typed operations on a key of the other type. */
export const ERR_WRONG_TYPE = -2;
/**
 * Returned (nothing changed) when an operation called with `now` = -1 ("not
 * read") meets a key with an expiry: call again with the time. Saves the
 * clock read (~70 ns) for keys without expiry.
 */
export const NEED_TIME = -3;
/** `now` argument meaning "the host has not read its clock". */
export const NO_TIME = -1;

/** The functions the memstore module exports. Integers are i32, times f64 ms since epoch. */
export interface MemstoreExports {
  init(maxKeyBytes: number, hashSeed: number): number;
  keyAreaPtr(): number;
  scanAreaPtr(): number;
  scanAreaEntries(): number;
  set(keyLen: number, valueLen: number, ttlMs: number, now: number): number;
  get(keyLen: number, now: number): number;
  del(keyLen: number, now: number): number;
  exists(keyLen: number, now: number): number;
  expire(keyLen: number, ttlMs: number, now: number): number;
  ttl(keyLen: number, now: number): number;
  persist(keyLen: number, now: number): number;
  push(keyLen: number, valueLen: number, left: number, now: number): number;
  pop(keyLen: number, left: number, now: number): number;
  llen(keyLen: number, now: number): number;
  count(prefixLen: number, now: number): number;
  scanStart(prefixLen: number): void;
  scanFill(max: number, now: number): number;
  sweep(now: number, budget: number): number;
  usedBytes(): number;
  keyCount(): number;
  ttlCount(): number;
  expiredCount(): number;
  bucketCount(): number;
  debugCheck(): number;
  debugTrap(): void;
  debugHash(kind: number, len: number, rounds: number): number;
}

const EXPORT_NAMES: readonly (keyof MemstoreExports)[] = [
  "init",
  "keyAreaPtr",
  "scanAreaPtr",
  "scanAreaEntries",
  "set",
  "get",
  "del",
  "exists",
  "expire",
  "ttl",
  "persist",
  "push",
  "pop",
  "llen",
  "count",
  "scanStart",
  "scanFill",
  "sweep",
  "usedBytes",
  "keyCount",
  "ttlCount",
  "expiredCount",
  "bucketCount",
  "debugCheck",
  "debugTrap",
  "debugHash",
];

/**
 * Instantiates the module on `memory` (its only import) and checks that it
 * exports the whole ABI.
 */
export function instantiate(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): MemstoreExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as Record<string, unknown>;
  for (const name of EXPORT_NAMES) {
    if (typeof exports[name] !== "function") {
      throw new TypeError(
        `Cannot instantiate the memstore module as it does not export '${name}': rebuild it with \`deno task build:wasm\``,
      );
    }
  }
  return exports as unknown as MemstoreExports;
}
