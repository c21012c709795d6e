/**
 * Micro-benchmarks of the MemStore host API against a plain JS baseline
 * doing the work a JS-only store would do (a `Map<string, Uint8Array>` that
 * copies values on set, arrays for lists, scans by `startsWith`).
 *
 * Run: `deno run --allow-read --allow-write --allow-env tasks/bench/memstore_ops.ts [--iterations N]`
 *
 * @module
 */

import { ensureMemstoreWasm } from "../build_wasm.ts";
import { MemStore } from "../../proxy/wasm_host/memstore.ts";

/** One row of {@linkcode memstoreOpsBench}. */
export interface OpsBenchRow {
  /** Operation measured. */
  op: string;
  /** Median ns per operation through the MemStore host API. */
  ns_per_op: number;
  /** Median ns per operation of the plain JS baseline. */
  baseline_ns_per_op: number;
  /** `ns_per_op / baseline_ns_per_op`. */
  ratio: number;
}

/** Result of {@linkcode wasmInstantiateBench}. */
export interface InstantiateBenchResult {
  /** Median ms to compile the module from bytes. */
  compile_ms: number;
  /** Median ms to create a MemStore (memory, instance, init) from the compiled module. */
  instantiate_ms: number;
  /** Median ms to instantiate from bytes (compile + instantiate) with `WebAssembly.instantiate`. */
  instantiate_from_bytes_ms: number;
  /** Size of the module. */
  wasm_bytes: number;
}

const KEYS = 10_000;
const VALUE_BYTES = 100;
const ROUNDS = 7;
const WARMUP_ROUNDS = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One timed phase: `run(n)` is timed, `before(n)` and `after(n)` run untimed around it. */
interface Phase {
  run: (n: number) => void;
  before?: (n: number) => void;
  after?: (n: number) => void;
}

function timePhase(n: number, phase: Phase): number {
  phase.before?.(n);
  const t = performance.now();
  phase.run(n);
  const ns = ((performance.now() - t) * 1e6) / n;
  phase.after?.(n);
  return ns;
}

/**
 * Median ns/op of the store and the baseline phases (each performing n
 * operations). Rounds alternate between the two, in alternating order, so
 * both see the same machine noise; warm-up rounds are discarded.
 */
function measurePair(n: number, store: Phase, baseline: Phase): [number, number] {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
    const first = i % 2 === 0;
    const x = timePhase(n, first ? store : baseline);
    const y = timePhase(n, first ? baseline : store);
    if (i < WARMUP_ROUNDS) continue;
    a.push(first ? x : y);
    b.push(first ? y : x);
  }
  return [median(a), median(b)];
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** 16-byte ASCII keys `key:00000000000`.. and 100-byte values. */
function fixtures() {
  const keys = Array.from({ length: KEYS }, (_, i) => `key:${String(i).padStart(11, "0")}`);
  const values = Array.from({ length: 16 }, (_, i) => {
    const v = new Uint8Array(VALUE_BYTES);
    for (let j = 0; j < VALUE_BYTES; j++) v[j] = (i * 31 + j) & 255;
    return v;
  });
  return { keys, values };
}

/** Keeps results alive so the JIT cannot drop the measured work. */
let sink = 0;

/**
 * Measures set, get, scan (prefix matching 100 of 10k keys, with values),
 * pushRight and popLeft through the MemStore host API and the JS baseline,
 * in the same run.
 *
 * @example
 * ```ts
 * import { memstoreOpsBench } from "./memstore_ops.ts";
 *
 * for (const row of await memstoreOpsBench({ iterations: 50_000 })) {
 *   console.log(row.op, row.ns_per_op, row.baseline_ns_per_op, row.ratio);
 * }
 * ```
 */
export async function memstoreOpsBench(
  opts: { iterations?: number } = {},
): Promise<OpsBenchRow[]> {
  const iterations = opts.iterations ?? 200_000;
  await ensureMemstoreWasm({ log: () => {} });
  const store = await MemStore.create({
    maxMemoryMb: 256,
    maxKeyBytes: 4096,
    maxValueBytes: 1 << 20,
    sweepIntervalMs: 0,
  });
  const map = new Map<string, Uint8Array>();
  const { keys, values } = fixtures();
  for (let i = 0; i < KEYS; i++) {
    store.set(keys[i], values[i & 15]);
    map.set(keys[i], values[i & 15].slice());
  }
  const rows: OpsBenchRow[] = [];
  const row = (op: string, [ns, base]: [number, number]) =>
    rows.push({
      op,
      ns_per_op: round(ns),
      baseline_ns_per_op: round(base),
      ratio: Math.round((ns / base) * 100) / 100,
    });

  row(
    "set",
    measurePair(iterations, {
      run: (n) => {
        for (let i = 0; i < n; i++) store.set(keys[i % KEYS], values[i & 15]);
      },
    }, {
      run: (n) => {
        for (let i = 0; i < n; i++) map.set(keys[i % KEYS], values[i & 15].slice());
      },
    }),
  );
  row(
    "get",
    measurePair(iterations, {
      run: (n) => {
        for (let i = 0; i < n; i++) sink += store.get(keys[i % KEYS])!.length;
      },
    }, {
      run: (n) => {
        for (let i = 0; i < n; i++) sink += map.get(keys[i % KEYS])!.length;
      },
    }),
  );
  const prefix = "key:000000012"; // keys 1200..1299
  row(
    "scan",
    measurePair(Math.max(10, Math.floor(iterations / 500)), {
      run: (n) => {
        for (let i = 0; i < n; i++) sink += store.scan(prefix, 0, true).length;
      },
    }, {
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const out: Array<{ key: string; value: Uint8Array }> = [];
          for (const [key, value] of map) if (key.startsWith(prefix)) out.push({ key, value });
          sink += out.length;
        }
      },
    }),
  );
  // Lists: a batch of pushes, then as many pops; each half is timed alone.
  const batch = Math.min(iterations, 10_000);
  const list: Uint8Array[] = [];
  const storePush = (n: number) => {
    for (let i = 0; i < n; i++) store.pushRight("list", values[i & 15]);
  };
  const storePop = (n: number) => {
    for (let i = 0; i < n; i++) sink += store.popLeft("list")!.length;
  };
  const basePush = (n: number) => {
    for (let i = 0; i < n; i++) list.push(values[i & 15].slice());
  };
  const basePop = (n: number) => {
    for (let i = 0; i < n; i++) sink += list.shift()!.length;
  };
  row(
    "pushRight",
    measurePair(batch, { run: storePush, after: storePop }, { run: basePush, after: basePop }),
  );
  row(
    "popLeft",
    measurePair(batch, { before: storePush, run: storePop }, { before: basePush, run: basePop }),
  );
  store.close();
  if (sink === -1) console.log(sink);
  return rows;
}

/**
 * Measures compiling the module, creating a MemStore from the compiled
 * module, and instantiating from bytes.
 *
 * @example
 * ```ts
 * import { wasmInstantiateBench } from "./memstore_ops.ts";
 *
 * const { compile_ms, instantiate_ms, wasm_bytes } = await wasmInstantiateBench();
 * ```
 */
export async function wasmInstantiateBench(): Promise<InstantiateBenchResult> {
  const path = await ensureMemstoreWasm({ log: () => {} });
  const bytes = await Deno.readFile(path);
  const compile: number[] = [];
  const create: number[] = [];
  const fromBytes: number[] = [];
  let module: WebAssembly.Module | undefined;
  for (let i = 0; i < 12; i++) {
    let t = performance.now();
    module = await WebAssembly.compile(bytes);
    compile.push(performance.now() - t);
    t = performance.now();
    const store = MemStore.createFromModule(module, {
      maxMemoryMb: 64,
      maxKeyBytes: 4096,
      maxValueBytes: 1 << 20,
      sweepIntervalMs: 0,
    });
    create.push(performance.now() - t);
    store.close();
    t = performance.now();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1024 });
    await WebAssembly.instantiate(bytes, { env: { memory } });
    fromBytes.push(performance.now() - t);
  }
  const ms = (xs: number[]) => Math.round(median(xs.slice(2)) * 1000) / 1000;
  return {
    compile_ms: ms(compile),
    instantiate_ms: ms(create),
    instantiate_from_bytes_ms: ms(fromBytes),
    wasm_bytes: bytes.length,
  };
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--iterations");
  const iterations = at >= 0 ? Number(Deno.args[at + 1]) : undefined;
  console.table(await memstoreOpsBench({ iterations }));
  console.table([await wasmInstantiateBench()]);
}
