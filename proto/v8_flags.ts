/**
 * The V8 settings every Prism process runs with: the proxy (`deno task
 * proxy`, the compiled binary) and each plugin it starts.
 *
 * `--max-semi-space-size=4` caps V8's young generation at 2 × 4 MB instead of
 * 2 × 16 MB. A young-generation collection (a scavenge) stops the process
 * for as long as it takes to copy what is still alive, so the pause grows
 * with what survives: in the redis plugin at a fixed 1,000 calls/s, 2.7–2.8
 * ms per scavenge at the default size (about one a second) against 0.7 ms at
 * 4 MB, and p99 through proxy → plugin → Redis 3.0 ms median over nine 10 s
 * rounds against 4.3 ms, with the same throughput at 64 calls in flight.
 * Measured again after the survivors below were removed: p99 1.5–1.9 ms at
 * 4 MB against 2.0–2.2 ms at the default (three alternating rounds).
 *
 * `--no-maglev` leaves V8's mid-tier compiler out: code runs in the
 * interpreter and the baseline compiler until TurboFan optimizes it. Code
 * that is not yet TurboFan's keeps what a stored closure captures alive
 * through scavenges (see `H2StreamHandler` in `transport/h2_server.ts`);
 * ioredis stores such closures on every command. With Maglev, TurboFan took
 * over the redis plugin's hot paths only after 20 s or more at 1,000 calls/s
 * and until then about 3% of what it allocated survived each scavenge (1.2–2
 * ms pauses); without it, after about 5 s, and then 0.1% (0.3–0.4 ms). Redis
 * `Get` at 1,000/s through proxy → plugin: p99 1.5–2.6 ms against 2.8–3.2 ms
 * with Maglev, the same calls/s at 64 in flight (README, benchmarks).
 *
 * @example
 * ```ts
 * import { V8_FLAGS, v8FlagsArg } from "./v8_flags.ts";
 * console.log(V8_FLAGS); // "--max-semi-space-size=4,--no-maglev"
 * console.log(v8FlagsArg()); // "--v8-flags=--max-semi-space-size=4,--no-maglev"
 * ```
 *
 * @module
 */

/** V8 flags, comma-separated as `--v8-flags` takes them. */
export const V8_FLAGS = "--max-semi-space-size=4,--no-maglev";

/**
 * The `deno run` / `deno compile` argument that applies {@linkcode V8_FLAGS}
 * (and `extra` flags after them).
 *
 * @example
 * ```ts
 * import { v8FlagsArg } from "./v8_flags.ts";
 * console.log(v8FlagsArg("--trace-gc")); // "--v8-flags=--max-semi-space-size=4,--no-maglev,--trace-gc"
 * ```
 */
export function v8FlagsArg(...extra: string[]): string {
  return `--v8-flags=${[V8_FLAGS, ...extra].join(",")}`;
}
