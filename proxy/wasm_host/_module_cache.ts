/**
 * Loads and compiles the memstore module once per path and process.
 * Internal to `proxy/wasm_host`.
 *
 * @module
 */

/** Where the build task writes the module, relative to this file. */
export const DEFAULT_WASM_URL: URL = new URL(
  "../../wasm/memstore/build/memstore.wasm",
  import.meta.url,
);

const cache = new Map<string, Promise<WebAssembly.Module>>();

function cacheKey(path: string | URL): string {
  return path instanceof URL ? path.href : path;
}

async function compileFile(path: string | URL): Promise<WebAssembly.Module> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot load the memstore module as '${
          cacheKey(path)
        }' does not exist: build it with \`deno task build:wasm\``,
        { cause: err },
      );
    }
    throw err;
  }
  return await WebAssembly.compile(bytes);
}

/**
 * The compiled module at `path`; the file is read and compiled at most once
 * per process (a failed load is not cached, so it can be retried).
 */
export function loadModule(path: string | URL = DEFAULT_WASM_URL): Promise<WebAssembly.Module> {
  const key = cacheKey(path);
  let module = cache.get(key);
  if (module === undefined) {
    module = compileFile(path);
    cache.set(key, module);
    module.catch(() => cache.delete(key));
  }
  return module;
}
