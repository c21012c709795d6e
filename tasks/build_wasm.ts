/**
 * Builds the memstore WebAssembly module (`wasm/memstore/build/memstore.wasm`)
 * from its AssemblyScript sources with `asc`, unless the module is already
 * newer than every source (and this file, which holds the compiler flags).
 *
 * Run: `deno task build:wasm [--force]`
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const SOURCE_DIR = new URL("wasm/memstore/assembly/", ROOT);
const OUT_URL = new URL("wasm/memstore/build/memstore.wasm", ROOT);

/** Path of the built module. */
export const MEMSTORE_WASM_PATH: string = decodeURIComponent(OUT_URL.pathname);

/**
 * `asc` flags of the release build. The module must import nothing but its
 * memory: `--importMemory` (the host creates and caps it), `--runtime stub`
 * (no GC; the module never allocates managed objects), and a custom `abort`
 * that executes `unreachable` instead of importing `env.abort`.
 */
const ASC_FLAGS = [
  "wasm/memstore/assembly/index.ts",
  "--outFile",
  "memstore.wasm",
  "--runtime",
  "stub",
  "--importMemory",
  "--noExportMemory",
  "--use",
  "abort=wasm/memstore/assembly/index/trapAbort",
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "0",
  "--noAssert",
];

/** Options of {@linkcode ensureMemstoreWasm}. */
export interface EnsureMemstoreWasmOptions {
  /** Rebuild even if the module is up to date. */
  force?: boolean;
  /** Receives the one-line status; defaults to `console.log`. */
  log?: (line: string) => void;
}

async function mtimeOf(url: URL): Promise<number | undefined> {
  try {
    return (await Deno.stat(url)).mtime?.getTime();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

async function newestSourceMtime(): Promise<number> {
  let newest = (await mtimeOf(new URL(import.meta.url))) ?? 0;
  for await (const entry of Deno.readDir(SOURCE_DIR)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    newest = Math.max(newest, (await mtimeOf(new URL(entry.name, SOURCE_DIR))) ?? 0);
  }
  return newest;
}

async function compile(): Promise<Uint8Array> {
  const { default: asc } = await import("assemblyscript/asc");
  let binary: Uint8Array | undefined;
  const result = await asc.main([...ASC_FLAGS, "--baseDir", decodeURIComponent(ROOT.pathname)], {
    writeFile(name: string, contents: Uint8Array | string) {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
    },
  });
  if (result.error || binary === undefined) {
    throw new Error(
      `Cannot build memstore.wasm as asc failed: ${result.error?.message ?? "no output"}\n` +
        result.stderr.toString(),
    );
  }
  return binary;
}

let pending: Promise<string> | undefined;

/**
 * Builds `wasm/memstore/build/memstore.wasm` if it is missing or older than
 * any AssemblyScript source, and returns its path. Prints one line saying
 * whether it built or skipped. Concurrent calls in one process share a build;
 * the file is replaced atomically, so concurrent processes are safe too.
 *
 * @example Build before loading the module
 * ```ts
 * import { ensureMemstoreWasm } from "./build_wasm.ts";
 *
 * const path = await ensureMemstoreWasm();
 * console.log(path); // .../wasm/memstore/build/memstore.wasm
 * ```
 */
export function ensureMemstoreWasm(options: EnsureMemstoreWasmOptions = {}): Promise<string> {
  if (pending && !options.force) return pending;
  const run = build(options);
  pending = run.catch((err) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function build({ force = false, log = console.log }: EnsureMemstoreWasmOptions) {
  const outMtime = await mtimeOf(OUT_URL);
  if (!force && outMtime !== undefined && outMtime >= await newestSourceMtime()) {
    log(`build:wasm: ${MEMSTORE_WASM_PATH} is up to date, skipped`);
    return MEMSTORE_WASM_PATH;
  }
  const started = performance.now();
  const binary = await compile();
  await Deno.mkdir(new URL(".", OUT_URL), { recursive: true });
  const tmp = `${MEMSTORE_WASM_PATH}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, binary);
  await Deno.rename(tmp, MEMSTORE_WASM_PATH);
  const ms = Math.round(performance.now() - started);
  log(`build:wasm: built ${MEMSTORE_WASM_PATH} (${binary.length} bytes) in ${ms} ms`);
  return MEMSTORE_WASM_PATH;
}

if (import.meta.main) {
  try {
    // Quiet when there is nothing to do (it runs before every `deno task proxy`).
    const verbose = Deno.args.includes("--verbose");
    await ensureMemstoreWasm({
      force: Deno.args.includes("--force"),
      log: (line) => (verbose || !line.endsWith(", skipped")) && console.log(line),
    });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    Deno.exit(1);
  }
}
