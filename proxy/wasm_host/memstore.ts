/**
 * MemStore: the in-process key-value and list store of the `memstore`
 * backend. The data lives in a sandboxed WebAssembly module (AssemblyScript,
 * `wasm/memstore/assembly/`) whose only import is its linear memory, capped
 * by `maxMemoryMb`; this class is the host side and the only public API.
 *
 * All calls are synchronous. Reaching the memory cap fails writes with
 * `RESOURCE_EXHAUSTED` and keeps earlier data intact; a trap in the module
 * (a bug) fails that call with `INTERNAL` and the store keeps serving.
 *
 * Values handed in are copied into the module; values handed out are
 * copies owned by the caller. Copies up to 4 KiB are views into shared 64
 * KiB slabs (like Node's `Buffer` pool, because allocating an ArrayBuffer
 * costs ~1 µs): they share `.buffer` with other results, so use `.slice()`
 * before keeping a small value for long or handing its `.buffer` on.
 *
 * @example Basic use
 * ```ts
 * import { MemStore } from "./memstore.ts";
 *
 * const store = await MemStore.create({ maxMemoryMb: 64, maxKeyBytes: 4096, maxValueBytes: 1 << 20 });
 * store.set("greeting", new TextEncoder().encode("hello"), 60);
 * store.get("greeting"); // Uint8Array "hello"
 * store.close();
 * ```
 *
 * @module
 */

import {
  ERR_FULL,
  ERR_WRONG_TYPE,
  instantiate,
  type MemstoreExports,
  NEED_TIME,
  NO_TIME,
} from "./_abi.ts";
import { BytePool } from "./_byte_pool.ts";
import { DEFAULT_WASM_URL, loadModule } from "./_module_cache.ts";
import { decodeKey, encodeKey } from "./_utf8.ts";

/**
 * Error codes of {@linkcode MemStoreError}; each maps to the gRPC status of
 * the same name.
 *
 * @example Mapping to a gRPC status
 * ```ts
 * import type { MemStoreErrorCode } from "./memstore.ts";
 *
 * const code: MemStoreErrorCode = "RESOURCE_EXHAUSTED";
 * ```
 */
export type MemStoreErrorCode = "RESOURCE_EXHAUSTED" | "WRONG_TYPE" | "INTERNAL";

/**
 * An operation failed: the memory cap is reached (`RESOURCE_EXHAUSTED`), the
 * key holds the other type (`WRONG_TYPE`), or the module trapped (`INTERNAL`,
 * with the trap as `cause`).
 *
 * @example Handling a full store
 * ```ts
 * import { MemStore, MemStoreError } from "./memstore.ts";
 *
 * const store = await MemStore.create({ maxMemoryMb: 2, maxKeyBytes: 64, maxValueBytes: 1024 });
 * try {
 *   store.set("k", new Uint8Array(10));
 * } catch (err) {
 *   if (err instanceof MemStoreError && err.code === "RESOURCE_EXHAUSTED") {
 *     // reply RESOURCE_EXHAUSTED
 *   }
 * }
 * store.close();
 * ```
 */
export class MemStoreError extends Error {
  /** What went wrong. */
  readonly code: MemStoreErrorCode;

  /**
   * Makes an error with a code and a message a person can act on.
   *
   * @example
   * ```ts
   * import { MemStoreError } from "./memstore.ts";
   *
   * const err = new MemStoreError("WRONG_TYPE", 'Cannot get "k" as it holds a list');
   * console.log(err.code); // "WRONG_TYPE"
   * ```
   */
  constructor(code: MemStoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MemStoreError";
    this.code = code;
  }
}

/**
 * Options of {@linkcode MemStore.create}.
 *
 * @example
 * ```ts
 * import type { MemStoreOptions } from "./memstore.ts";
 *
 * const options: MemStoreOptions = { maxMemoryMb: 64, maxKeyBytes: 4096, maxValueBytes: 1048576 };
 * ```
 */
export interface MemStoreOptions {
  /** Linear memory cap in MiB (config `max_memory_mb`, default 64); at most 2048. */
  maxMemoryMb: number;
  /** Longest key in UTF-8 bytes (default 4096). */
  maxKeyBytes: number;
  /** Largest value in bytes (default 1048576). */
  maxValueBytes: number;
  /** Current time in ms since epoch; default `Date.now`. */
  clock?: () => number;
  /**
   * Period of the active expiry sweep in ms; default 25; 0 disables the
   * timer. With the default budget a tick takes at most ≈0.1 ms (measured:
   * 100 ms ticks of 1,000 keys took 0.4–0.6 ms, each a pause in the calls'
   * event loop), for the same 10,000 removals a second.
   */
  sweepIntervalMs?: number;
  /** Expired keys removed per sweep tick at most; default 250. */
  sweepBudget?: number;
  /** The compiled module; default `wasm/memstore/build/memstore.wasm` next to this repository's root. */
  wasmPath?: string | URL;
  /** Called when the module traps; default logs one JSON line with `console.error`. */
  onTrap?: (err: Error, op: string) => void;
}

/**
 * One result of {@linkcode MemStore.scan}: the key and, if asked for, a copy
 * of its value.
 *
 * @example
 * ```ts
 * import type { ScanEntry } from "./memstore.ts";
 *
 * const entry: ScanEntry = { key: "user:1", value: new Uint8Array([1]) };
 * ```
 */
export interface ScanEntry {
  /** The key. */
  key: string;
  /** A copy of the value (only when the scan asked for values). */
  value?: Uint8Array;
}

/**
 * Statistics of a {@linkcode MemStore}.
 *
 * @example
 * ```ts
 * import type { MemStoreStats } from "./memstore.ts";
 *
 * const stats: MemStoreStats = {
 *   usedBytes: 0, capacityBytes: 1 << 20, keys: 0, memoryPages: 1, expiredKeys: 0,
 * };
 * ```
 */
export interface MemStoreStats {
  /** Bytes allocated in linear memory (entries, tables, I/O block, headers). */
  usedBytes: number;
  /** The memory cap in bytes. */
  capacityBytes: number;
  /** Keys of both types, including expired keys not removed yet. */
  keys: number;
  /** Current size of linear memory in 64 KiB pages. */
  memoryPages: number;
  /** Keys removed because their expiry passed (on access or by the sweep), since the store started. */
  expiredKeys: number;
}

const MIB = 1 << 20;
const PAGE = 1 << 16;
const MAX_MEMORY_MB = 2048;
/** Bytes the module needs besides entries: allocator root, tables, I/O block (scan area). */
const FIXED_OVERHEAD = 128 * 1024;
/** Per-entry overhead in the module: record header and allocator block header. */
const ENTRY_OVERHEAD = 64;
/**
 * The smallest `max_memory_mb` that holds one entry of the largest key and
 * value the limits allow.
 *
 * @example
 * ```ts
 * import { minMemoryMb } from "./memstore.ts";
 * console.log(minMemoryMb(4096, 1048576)); // 2
 * ```
 */
export function minMemoryMb(maxKeyBytes: number, maxValueBytes: number): number {
  return Math.ceil((FIXED_OVERHEAD + 2 * maxKeyBytes + maxValueBytes + ENTRY_OVERHEAD) / MIB);
}

/** Minimum time between two consistency checks after traps. */
const CHECK_INTERVAL_MS = 60_000;

function defaultOnTrap(err: Error, op: string): void {
  console.error(JSON.stringify({
    level: "error",
    msg: "memstore wasm trap",
    op,
    error: String(err),
  }));
}

function quote(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    const what = min > 0 ? "a positive integer" : "a non-negative integer";
    throw new RangeError(
      `Cannot create MemStore as '${name}' must be ${what}: current value is ${String(value)}`,
    );
  }
  if (value > max) {
    throw new RangeError(
      `Cannot create MemStore as '${name}' must be at most ${max}: current value is ${value}`,
    );
  }
  return value;
}

function ttlToMs(op: string, key: string, ttlSeconds: number): number {
  if (typeof ttlSeconds !== "number" || !(ttlSeconds >= 0) || ttlSeconds === Infinity) {
    throw new RangeError(
      `Cannot ${op} ${
        quote(key)
      } as the TTL must be a non-negative number of seconds: current value is ${
        String(ttlSeconds)
      }`,
    );
  }
  return ttlSeconds * 1000;
}

/**
 * A key-value and list store in a capped, sandboxed WebAssembly module.
 *
 * One keyspace with a type per key (string or list), Redis-like: `get` on a
 * list key or a list operation on a string key fails with `WRONG_TYPE`;
 * `set`, `delete`, `exists` and the TTL operations apply to keys of any type
 * (`set` replaces a list, as Redis `SET` does). Expired keys vanish lazily on
 * access and actively via a bounded periodic sweep (no per-key timers).
 *
 * @example Strings, TTLs and lists
 * ```ts
 * import { MemStore } from "./memstore.ts";
 *
 * const store = await MemStore.create({ maxMemoryMb: 16, maxKeyBytes: 4096, maxValueBytes: 1 << 20 });
 * store.set("session:1", new Uint8Array([1, 2, 3]), 30);
 * store.getTTL("session:1"); // 30
 * store.pushRight("queue", new Uint8Array([7]));
 * store.popLeft("queue"); // Uint8Array [7]
 * store.close();
 * ```
 */
export class MemStore {
  readonly #ex: MemstoreExports;
  readonly #memory: WebAssembly.Memory;
  readonly #clock: () => number;
  readonly #onTrap: (err: Error, op: string) => void;
  readonly #maxKeyBytes: number;
  readonly #maxValueBytes: number;
  readonly #capacityBytes: number;
  readonly #sweepBudget: number;
  readonly #resultIdx: number;
  readonly #keyPtr: number;
  readonly #scanPtr: number;
  readonly #scanEntries: number;
  #u8: Uint8Array;
  #i32: Int32Array;
  #keyArea: Uint8Array;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #sweepIntervalMs: number;
  #closed = false;
  #lastCheckAt = -Infinity;
  readonly #pool = new BytePool();

  private constructor(module: WebAssembly.Module, options: MemStoreOptions) {
    const maxMemoryMb = checkInteger("maxMemoryMb", options.maxMemoryMb, 1, MAX_MEMORY_MB);
    this.#maxKeyBytes = checkInteger("maxKeyBytes", options.maxKeyBytes, 1, MIB);
    this.#maxValueBytes = checkInteger("maxValueBytes", options.maxValueBytes, 1, 1 << 30);
    const sweepIntervalMs = checkInteger(
      "sweepIntervalMs",
      options.sweepIntervalMs ?? 25,
      0,
      2 ** 31 - 1,
    );
    this.#sweepBudget = checkInteger("sweepBudget", options.sweepBudget ?? 250, 1, 2 ** 31 - 1);
    this.#capacityBytes = maxMemoryMb * MIB;
    const needed = FIXED_OVERHEAD + 2 * this.#maxKeyBytes + this.#maxValueBytes + ENTRY_OVERHEAD;
    if (needed > this.#capacityBytes) {
      throw new RangeError(
        `Cannot create MemStore as 'maxMemoryMb' (max_memory_mb) is too small for one entry of ` +
          `maxKeyBytes ${this.#maxKeyBytes} + maxValueBytes ${this.#maxValueBytes}: ` +
          `current value is ${maxMemoryMb}, at least ${Math.ceil(needed / MIB)} is needed`,
      );
    }
    this.#clock = options.clock ?? Date.now;
    this.#onTrap = options.onTrap ?? defaultOnTrap;
    this.#memory = new WebAssembly.Memory({ initial: 1, maximum: maxMemoryMb * (MIB / PAGE) });
    this.#ex = instantiate(module, this.#memory);
    const io = this.#ex.init(this.#maxKeyBytes, crypto.getRandomValues(new Uint32Array(1))[0]);
    if (io <= 0) {
      throw new RangeError(
        `Cannot create MemStore as 'maxMemoryMb' (max_memory_mb) is too small for its I/O buffer: current value is ${maxMemoryMb}`,
      );
    }
    this.#resultIdx = io >> 2;
    this.#keyPtr = this.#ex.keyAreaPtr();
    this.#scanPtr = this.#ex.scanAreaPtr();
    this.#scanEntries = this.#ex.scanAreaEntries();
    this.#u8 = this.#i32 = this.#keyArea = undefined as never;
    this.#refresh();
    // The sweep runs only while some key has an expiry: an idle store never wakes the process.
    this.#sweepIntervalMs = sweepIntervalMs;
  }

  /**
   * Loads the module (read and compiled once per path and process) and
   * creates a store with its own capped memory.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 64, maxKeyBytes: 4096, maxValueBytes: 1 << 20 });
   * store.close();
   * ```
   */
  static async create(options: MemStoreOptions): Promise<MemStore> {
    const module = await loadModule(options.wasmPath ?? DEFAULT_WASM_URL);
    return new MemStore(module, options);
  }

  /**
   * Creates a store from an already compiled module (synchronous; handy for
   * benchmarks and for many stores of one module).
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const bytes = await Deno.readFile("wasm/memstore/build/memstore.wasm");
   * const module = await WebAssembly.compile(bytes);
   * const store = MemStore.createFromModule(module, { maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.close();
   * ```
   */
  static createFromModule(module: WebAssembly.Module, options: MemStoreOptions): MemStore {
    return new MemStore(module, options);
  }

  #refresh(): Uint8Array {
    const buffer = this.#memory.buffer;
    this.#u8 = new Uint8Array(buffer);
    this.#i32 = new Int32Array(buffer);
    this.#keyArea = this.#u8.subarray(this.#keyPtr, this.#keyPtr + this.#maxKeyBytes);
    return this.#u8;
  }

  /** Writes the key into the key area (views refreshed first) and returns its byte length. */
  #key(op: string, key: string): number {
    if (this.#closed) this.#throwClosed(`${op} ${quote(key)}`);
    if (this.#u8.length === 0) this.#refresh();
    const len = encodeKey(key, this.#keyArea);
    if (len < 0) {
      throw new RangeError(
        `Cannot ${op} ${
          quote(key)
        } as the key is longer than maxKeyBytes (${this.#maxKeyBytes} bytes)`,
      );
    }
    return len;
  }

  /** Like #key for prefixes: -1 if longer than any key can be. */
  #prefix(op: string, prefix: string): number {
    if (this.#closed) this.#throwClosed(`${op} prefix ${quote(prefix)}`);
    if (this.#u8.length === 0) this.#refresh();
    return encodeKey(prefix, this.#keyArea);
  }

  #checkValue(op: string, key: string, value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) {
      throw new TypeError(`Cannot ${op} ${quote(key)} as the value is not a Uint8Array`);
    }
    if (value.length > this.#maxValueBytes) {
      throw new RangeError(
        `Cannot ${op} ${
          quote(key)
        } as the value is longer than maxValueBytes (${this.#maxValueBytes} bytes): current length is ${value.length}`,
      );
    }
  }

  #throwClosed(op: string): never {
    throw new Error(`Cannot ${op} as the MemStore is closed`);
  }

  #trap(err: unknown, op: string): MemStoreError {
    const cause = err instanceof Error ? err : new Error(String(err));
    // Tell whether the trap left the structures damaged. The check is
    // O(store size), so it runs at most once per CHECK_INTERVAL_MS.
    let state = "; store consistency check skipped (ran less than a minute ago)";
    const now = performance.now();
    if (now - this.#lastCheckAt >= CHECK_INTERVAL_MS) {
      this.#lastCheckAt = now;
      try {
        const code = this.#ex.debugCheck();
        state = code === 0
          ? "; store consistency check passed"
          : `; store consistency check failed with code ${code}`;
      } catch {
        state = "; store consistency check trapped too";
      }
    }
    try {
      this.#onTrap(cause, op);
    } catch {
      // A failing logger must not hide the error.
    }
    return new MemStoreError(
      "INTERNAL",
      `Cannot ${op} as the memstore module trapped (a bug): ${cause.message}${state}`,
      { cause },
    );
  }

  #full(op: string, key: string): MemStoreError {
    return new MemStoreError(
      "RESOURCE_EXHAUSTED",
      `Cannot ${op} ${quote(key)} as the memstore memory cap of ${
        this.#capacityBytes / MIB
      } MiB (max_memory_mb) is reached: delete keys or raise max_memory_mb`,
    );
  }

  #wrongType(op: string, key: string, holds: string): MemStoreError {
    return new MemStoreError(
      "WRONG_TYPE",
      `Cannot ${op} ${quote(key)} as the key holds a ${holds} value`,
    );
  }

  /**
   * Sets a string value (a copy of `value` is stored), replacing any value
   * of any type and its TTL. `ttlSeconds` absent or 0 means no expiry.
   * Throws `RESOURCE_EXHAUSTED` when the memory cap is reached (nothing
   * changes then).
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.set("k", new Uint8Array([1, 2]), 10);
   * store.close();
   * ```
   */
  set(key: string, value: Uint8Array, ttlSeconds?: number): void {
    const keyLen = this.#key("set", key);
    this.#checkValue("set", key, value);
    const ttlMs = ttlSeconds === undefined ? 0 : ttlToMs("set", key, ttlSeconds);
    let ptr: number;
    try {
      ptr = this.#ex.set(keyLen, value.length, ttlMs, ttlMs > 0 ? this.#clock() : NO_TIME);
    } catch (err) {
      throw this.#trap(err, "set");
    }
    if (ptr < 0) throw this.#full("set", key);
    if (ttlMs > 0 && this.#timer === undefined) this.#startSweeping();
    let u8 = this.#u8;
    if (u8.length === 0) u8 = this.#refresh();
    u8.set(value, ptr);
  }

  /**
   * A copy of the string value of `key`, or `undefined` if it is missing or
   * expired. Throws `WRONG_TYPE` for a list key.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.set("k", new Uint8Array([1]));
   * store.get("k"); // Uint8Array [1]
   * store.get("missing"); // undefined
   * store.close();
   * ```
   */
  get(key: string): Uint8Array | undefined {
    const keyLen = this.#key("get", key);
    let ptr: number;
    try {
      ptr = this.#ex.get(keyLen, NO_TIME);
      if (ptr === NEED_TIME) ptr = this.#ex.get(keyLen, this.#clock());
    } catch (err) {
      throw this.#trap(err, "get");
    }
    if (ptr <= 0) {
      if (ptr === 0) return undefined;
      throw this.#wrongType("get", key, "list");
    }
    return this.#pool.copy(this.#u8, this.#i32, ptr, this.#i32[this.#resultIdx]);
  }

  /**
   * Deletes a key of any type; returns whether it existed.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.set("k", new Uint8Array());
   * store.delete("k"); // true
   * store.delete("k"); // false
   * store.close();
   * ```
   */
  delete(key: string): boolean {
    const keyLen = this.#key("delete", key);
    try {
      let r = this.#ex.del(keyLen, NO_TIME);
      if (r === NEED_TIME) r = this.#ex.del(keyLen, this.#clock());
      return r === 1;
    } catch (err) {
      throw this.#trap(err, "delete");
    }
  }

  /**
   * Whether a live key of any type exists.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.exists("k"); // false
   * store.close();
   * ```
   */
  exists(key: string): boolean {
    const keyLen = this.#key("check existence of", key);
    try {
      let r = this.#ex.exists(keyLen, NO_TIME);
      if (r === NEED_TIME) r = this.#ex.exists(keyLen, this.#clock());
      return r === 1;
    } catch (err) {
      throw this.#trap(err, "exists");
    }
  }

  /**
   * Live string keys (not lists) starting with the literal `prefix`, each
   * exactly once, at most `limit` of them when `limit > 0`, with copies of
   * their values if `withValues`. The result is a snapshot taken in one
   * synchronous pass. Order is unspecified.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.set("user:1", new Uint8Array([1]));
   * store.set("user:2", new Uint8Array([2]));
   * store.scan("user:", 0, true); // [{ key: "user:1", value }, { key: "user:2", value }] in some order
   * store.close();
   * ```
   */
  scan(prefix: string, limit: number, withValues: boolean): ScanEntry[] {
    const prefixLen = this.#prefix("scan", prefix);
    const entries: ScanEntry[] = [];
    if (prefixLen < 0) return entries;
    let remaining = limit > 0 ? limit : Infinity;
    const now = this.#clock();
    try {
      this.#ex.scanStart(prefixLen);
      while (remaining > 0) {
        const want = Math.min(remaining, this.#scanEntries);
        const n = this.#ex.scanFill(want, now);
        const u8 = this.#u8;
        const i32 = this.#i32;
        for (let i = 0, at = this.#scanPtr >> 2; i < n; i++, at += 4) {
          const key = decodeKey(u8, i32[at], i32[at + 1]);
          if (withValues) {
            const ptr = i32[at + 2];
            entries.push({ key, value: this.#pool.copy(u8, i32, ptr, i32[at + 3]) });
          } else {
            entries.push({ key });
          }
        }
        if (n < want) break;
        remaining -= n;
      }
    } catch (err) {
      throw this.#trap(err, "scan");
    }
    return entries;
  }

  /**
   * Number of live string keys (not lists) starting with the literal `prefix`.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.set("a:1", new Uint8Array());
   * store.count("a:"); // 1
   * store.close();
   * ```
   */
  count(prefix: string): number {
    const prefixLen = this.#prefix("count", prefix);
    if (prefixLen < 0) return 0;
    try {
      return this.#ex.count(prefixLen, this.#clock());
    } catch (err) {
      throw this.#trap(err, "count");
    }
  }

  /**
   * Sets the TTL of a key of any type; returns whether the key existed.
   * `ttlSeconds` 0 deletes the key (Redis semantics). Throws
   * `RESOURCE_EXHAUSTED` if the expiry index cannot grow.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.set("k", new Uint8Array());
   * store.expire("k", 60); // true
   * store.close();
   * ```
   */
  expire(key: string, ttlSeconds: number): boolean {
    const keyLen = this.#key("expire", key);
    const ttlMs = ttlToMs("expire", key, ttlSeconds);
    let r: number;
    try {
      r = this.#ex.expire(keyLen, ttlMs, this.#clock());
    } catch (err) {
      throw this.#trap(err, "expire");
    }
    if (r === ERR_FULL) throw this.#full("expire", key);
    if (r === 1 && this.#timer === undefined) this.#startSweeping();
    return r === 1;
  }

  /** Starts the periodic sweep; it stops itself when no key has an expiry left. */
  #startSweeping(): void {
    if (this.#sweepIntervalMs === 0 || this.#closed) return;
    const timer = setInterval(() => {
      try {
        this.sweep();
        if (this.#ex.ttlCount() > 0) return;
      } catch {
        // Already reported through onTrap; the next tick tries again.
        return;
      }
      clearInterval(timer);
      this.#timer = undefined;
    }, this.#sweepIntervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Whether the periodic sweep is running (it runs only while some key has an expiry). */
  get sweeping(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Remaining TTL in seconds (rounded to nearest, like Redis), -1 if the key
   * has no expiry, -2 if it does not exist.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.getTTL("missing"); // -2
   * store.close();
   * ```
   */
  getTTL(key: string): number {
    const keyLen = this.#key("get the TTL of", key);
    try {
      const ttl = this.#ex.ttl(keyLen, NO_TIME);
      return ttl === NEED_TIME ? this.#ex.ttl(keyLen, this.#clock()) : ttl;
    } catch (err) {
      throw this.#trap(err, "getTTL");
    }
  }

  /**
   * Removes the expiry of a key; returns whether it had one.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.set("k", new Uint8Array(), 5);
   * store.persist("k"); // true
   * store.close();
   * ```
   */
  persist(key: string): boolean {
    const keyLen = this.#key("persist", key);
    try {
      let r = this.#ex.persist(keyLen, NO_TIME);
      if (r === NEED_TIME) r = this.#ex.persist(keyLen, this.#clock());
      return r === 1;
    } catch (err) {
      throw this.#trap(err, "persist");
    }
  }

  #push(op: string, key: string, value: Uint8Array, left: number): number {
    const keyLen = this.#key(op, key);
    this.#checkValue(op, key, value);
    let ptr: number;
    try {
      ptr = this.#ex.push(keyLen, value.length, left, NO_TIME);
      if (ptr === NEED_TIME) ptr = this.#ex.push(keyLen, value.length, left, this.#clock());
    } catch (err) {
      throw this.#trap(err, op);
    }
    if (ptr < 0) {
      throw ptr === ERR_WRONG_TYPE ? this.#wrongType(op, key, "string") : this.#full(op, key);
    }
    let u8 = this.#u8;
    if (u8.length === 0) u8 = this.#refresh();
    u8.set(value, ptr);
    return this.#i32[this.#resultIdx];
  }

  /**
   * Prepends a copy of `value` to the list at `key` (created if missing);
   * returns the new length. Throws `WRONG_TYPE` for a string key.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.pushLeft("l", new Uint8Array([1])); // 1
   * store.close();
   * ```
   */
  pushLeft(key: string, value: Uint8Array): number {
    return this.#push("pushLeft", key, value, 1);
  }

  /**
   * Appends a copy of `value` to the list at `key` (created if missing);
   * returns the new length. Throws `WRONG_TYPE` for a string key.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.pushRight("l", new Uint8Array([1])); // 1
   * store.pushRight("l", new Uint8Array([2])); // 2
   * store.close();
   * ```
   */
  pushRight(key: string, value: Uint8Array): number {
    return this.#push("pushRight", key, value, 0);
  }

  #pop(op: string, key: string, left: number): Uint8Array | undefined {
    const keyLen = this.#key(op, key);
    let ptr: number;
    try {
      ptr = this.#ex.pop(keyLen, left, NO_TIME);
      if (ptr === NEED_TIME) ptr = this.#ex.pop(keyLen, left, this.#clock());
    } catch (err) {
      throw this.#trap(err, op);
    }
    if (ptr <= 0) {
      if (ptr === 0) return undefined;
      throw this.#wrongType(op, key, "string");
    }
    return this.#pool.copy(this.#u8, this.#i32, ptr, this.#i32[this.#resultIdx]);
  }

  /**
   * Removes and returns the first element of the list, or `undefined` if
   * the list is missing. A list emptied by pops no longer exists.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.pushRight("q", new Uint8Array([1]));
   * store.popLeft("q"); // Uint8Array [1]
   * store.popLeft("q"); // undefined
   * store.close();
   * ```
   */
  popLeft(key: string): Uint8Array | undefined {
    return this.#pop("popLeft", key, 1);
  }

  /**
   * Removes and returns the last element of the list, or `undefined` if the
   * list is missing. A list emptied by pops no longer exists.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.pushRight("s", new Uint8Array([1]));
   * store.pushRight("s", new Uint8Array([2]));
   * store.popRight("s"); // Uint8Array [2]
   * store.close();
   * ```
   */
  popRight(key: string): Uint8Array | undefined {
    return this.#pop("popRight", key, 0);
  }

  /**
   * Length of the list at `key` (0 if missing). Throws `WRONG_TYPE` for a
   * string key.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.length("nothing"); // 0
   * store.close();
   * ```
   */
  length(key: string): number {
    const keyLen = this.#key("get the length of", key);
    let r: number;
    try {
      r = this.#ex.llen(keyLen, NO_TIME);
      if (r === NEED_TIME) r = this.#ex.llen(keyLen, this.#clock());
    } catch (err) {
      throw this.#trap(err, "length");
    }
    if (r < 0) throw this.#wrongType("get the length of", key, "string");
    return r;
  }

  /**
   * Removes up to `budget` expired keys, earliest expiry first, and returns
   * how many. The store calls this every `sweepIntervalMs`; tests with
   * `sweepIntervalMs: 0` call it by hand.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * let now = 0;
   * const store = await MemStore.create({
   *   maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096, clock: () => now, sweepIntervalMs: 0,
   * });
   * store.set("k", new Uint8Array(), 1);
   * now += 1000;
   * store.sweep(); // 1
   * store.close();
   * ```
   */
  sweep(budget: number = this.#sweepBudget): number {
    if (this.#closed) this.#throwClosed("sweep");
    const limit = Math.max(0, Math.min(Math.floor(budget), 2 ** 31 - 1)) || 0;
    try {
      return this.#ex.sweep(this.#clock(), limit);
    } catch (err) {
      throw this.#trap(err, "sweep");
    }
  }

  /**
   * Memory and key statistics.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.stats().capacityBytes; // 8388608
   * store.close();
   * ```
   */
  stats(): MemStoreStats {
    if (this.#closed) this.#throwClosed("get stats");
    return {
      usedBytes: this.#ex.usedBytes() >>> 0,
      capacityBytes: this.#capacityBytes,
      keys: this.#ex.keyCount() >>> 0,
      memoryPages: this.#memory.buffer.byteLength / PAGE,
      expiredKeys: this.#ex.expiredCount(),
    };
  }

  /**
   * TEST HOOK: verifies every internal structure of the module (allocator,
   * hash table, expiry heap, lists); returns 0 or the code of the broken
   * invariant. O(size of the store).
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.debugCheck(); // 0
   * store.close();
   * ```
   */
  debugCheck(): number {
    if (this.#closed) this.#throwClosed("check");
    try {
      return this.#ex.debugCheck();
    } catch (err) {
      throw this.#trap(err, "debugCheck");
    }
  }

  /**
   * TEST HOOK: makes the module execute `unreachable`, as a bug would. The
   * call fails with an `INTERNAL` {@linkcode MemStoreError} (reported via
   * `onTrap`) and the store keeps serving.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({
   *   maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096, onTrap: () => {},
   * });
   * try {
   *   store.debugTrap();
   * } catch (err) {
   *   // MemStoreError with code "INTERNAL"
   * }
   * store.close();
   * ```
   */
  debugTrap(): void {
    if (this.#closed) this.#throwClosed("trap");
    try {
      this.#ex.debugTrap();
    } catch (err) {
      throw this.#trap(err, "debugTrap");
    }
  }

  /**
   * Stops the sweep timer; any later call throws. Idempotent.
   *
   * @example
   * ```ts
   * import { MemStore } from "./memstore.ts";
   *
   * const store = await MemStore.create({ maxMemoryMb: 8, maxKeyBytes: 256, maxValueBytes: 4096 });
   * store.close();
   * ```
   */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
  }
}
