/**
 * The V8 settings every Prism process runs with: the proxy (`deno task
 * proxy`, the compiled binary) and each plugin it starts.
 *
 * `--max-semi-space-size=4` caps V8's young generation at 2 × 4 MB instead of
 * 2 × 16 MB. A young-generation collection (a scavenge) stops the process
 * for as long as it takes to copy what is still alive, and about 6% of what
 * a plugin allocates per call outlives the collection whatever its interval,
 * so the pause grows with the young generation: in the redis plugin at a
 * fixed 1,000 calls/s, 2.7–2.8 ms per scavenge at the default size (about one
 * a second) against 0.7 ms at 4 MB (about seven a second), and p99 through
 * proxy → plugin → Redis 3.0 ms median over nine 10 s rounds against 4.3 ms,
 * with the same throughput at 64 calls in flight (README, benchmarks).
 *
 * @example
 * ```ts
 * import { V8_FLAGS, v8FlagsArg } from "./v8_flags.ts";
 * console.log(V8_FLAGS); // "--max-semi-space-size=4"
 * console.log(v8FlagsArg()); // "--v8-flags=--max-semi-space-size=4"
 * ```
 *
 * @module
 */

/** V8 flags, comma-separated as `--v8-flags` takes them. */
export const V8_FLAGS = "--max-semi-space-size=4";

/**
 * The `deno run` / `deno compile` argument that applies {@linkcode V8_FLAGS}
 * (and `extra` flags after them).
 *
 * @example
 * ```ts
 * import { v8FlagsArg } from "./v8_flags.ts";
 * console.log(v8FlagsArg("--trace-gc")); // "--v8-flags=--max-semi-space-size=4,--trace-gc"
 * ```
 */
export function v8FlagsArg(...extra: string[]): string {
  return `--v8-flags=${[V8_FLAGS, ...extra].join(",")}`;
}
