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
 * `--initial-old-space-size=64` lets the old generation reach 64 MB before
 * V8 collects it the first time. A full collection (mark-compact) of a Prism
 * process marks its 12–20 MB of live objects in one stretch of 15–20 ms of
 * its main thread (`--trace-gc`: "12.9 ms in 157 steps, … walltime since
 * start of marking 18 ms"), and every call in flight waits: through proxy →
 * plugin → Redis at 1,000 calls/s, each was a cluster of 15–25 calls of up
 * to 14–19 ms. At V8's default limits the proxy and the plugin each did one
 * every 20–30 s (what a few hundred bytes per call that outlive a scavenge
 * add up to); with this flag, none in 200 s on a fresh proxy, and one in 60 s
 * after a heavy Scan load had grown the heap, against four; p99.9 at
 * 1,000/s over 45 s (after 8 s of warm-up, three alternating rounds each)
 * 2.3–2.5 ms against 6.7–7.7 ms, p99 unchanged. It costs up to that much garbage
 * before the first collection (RSS of the proxy after the Scan load 124
 * against 108 MB).
 *
 * @example
 * ```ts
 * import { V8_FLAGS, v8FlagsArg } from "./v8_flags.ts";
 * console.log(V8_FLAGS); // "--max-semi-space-size=4,--no-maglev,--initial-old-space-size=64"
 * console.log(v8FlagsArg()); // "--v8-flags=--max-semi-space-size=4,--no-maglev,--initial-old-space-size=64"
 * ```
 *
 * @module
 */

/** V8 flags, comma-separated as `--v8-flags` takes them. */
export const V8_FLAGS = "--max-semi-space-size=4,--no-maglev,--initial-old-space-size=64";

/**
 * The `deno run` / `deno compile` argument that applies {@linkcode V8_FLAGS}
 * (and `extra` flags after them).
 *
 * @example
 * ```ts
 * import { v8FlagsArg } from "./v8_flags.ts";
 * console.log(v8FlagsArg("--trace-gc")); // "--v8-flags=--max-semi-space-size=4,--no-maglev,--initial-old-space-size=64,--trace-gc"
 * ```
 */
export function v8FlagsArg(...extra: string[]): string {
  return `--v8-flags=${[V8_FLAGS, ...extra].join(",")}`;
}
