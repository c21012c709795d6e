/**
 * Scans over Redis's keyspace: `SCAN` cursors (never `KEYS`) with `MATCH`
 * on the namespace's escaped literal prefix and `TYPE string` (lists are
 * not key-value entries), streamed to the gRPC call with backpressure.
 *
 * - Redis may return a key more than once during a `SCAN`; keys are
 *   deduplicated so that each is sent exactly once.
 * - Every key that exists for the whole scan is returned (Redis's `SCAN`
 *   guarantee); keys created or deleted meanwhile may or may not be.
 * - Values come in `MGET` batches (at most `scan_count` keys, never more
 *   than the limit still takes) of the keys one `SCAN` step returned; keys
 *   that vanished in between (nil) are skipped.
 * - On a Redis Cluster every master is scanned in turn (each key lives on
 *   exactly one; a key seen on two while its slot moves is still sent
 *   once), and values come from GETs routed by slot (MGET cannot span
 *   slots).
 * - `limit > 0` stops the scan after that many entries; a cancelled call
 *   or a passed deadline stops it at the next step.
 *
 * @module
 */
import type { CallContext } from "../sdk/interceptors.ts";
import type { StreamSink } from "../sdk/stream.ts";
import type { Redis } from "ioredis";
import type { RedisBackend } from "./backend.ts";

/** One `SCAN` step: the next cursor and the new (deduplicated) keys. */
async function step(
  backend: RedisBackend,
  target: Redis,
  cursor: string,
  pattern: string,
  seen: Set<string>,
  ctx: CallContext,
): Promise<[string, string[]]> {
  const [next, found] = await backend.run(
    ctx,
    { op: "scan", key: pattern, idempotent: true },
    () =>
      target.scan(
        cursor,
        "MATCH",
        pattern,
        "COUNT",
        backend.config.scan_count,
        "TYPE",
        "string",
      ),
  );
  const fresh: string[] = [];
  for (const key of found) {
    if (!seen.has(key)) {
      seen.add(key);
      fresh.push(key);
    }
  }
  return [next, fresh];
}

/**
 * Streams every plain-value key (with its value when `withValues`) whose
 * client key starts with `prefix`, at most `limit` when `limit > 0`.
 *
 * @example
 * ```ts ignore
 * import { scanEntries } from "./scan.ts";
 * await scanEntries(backend, "user:", 0, true, out, ctx);
 * ```
 */
export async function scanEntries(
  backend: RedisBackend,
  prefix: string,
  limit: number,
  withValues: boolean,
  out: StreamSink,
  ctx: CallContext,
): Promise<void> {
  const pattern = backend.keys.pattern(prefix);
  const seen = new Set<string>();
  const max = limit > 0 ? limit : Infinity;
  const batch = backend.config.scan_count;
  let sent = 0;
  for (const target of backend.conn.scanTargets()) {
    let cursor = "0";
    do {
      if (out.closed) return;
      const [next, fresh] = await step(backend, target, cursor, pattern, seen, ctx);
      cursor = next;
      if (!withValues) {
        for (const key of fresh) {
          if (sent >= max) return;
          if (!(await out.write({ key: backend.keys.strip(key) }))) return;
          sent++;
        }
        continue;
      }
      for (let start = 0; start < fresh.length && sent < max;) {
        // Fetch no more values than the limit can still take.
        const keys = fresh.slice(start, start + Math.min(batch, max - sent));
        start += keys.length;
        const values = await backend.run(
          ctx,
          { op: "scan", key: prefix, idempotent: true },
          () => backend.conn.values(keys),
        );
        for (let i = 0; i < keys.length; i++) {
          const value = values[i];
          if (value === null) continue; // deleted (or no longer a plain value) since SCAN saw it
          if (!(await out.write({ key: backend.keys.strip(keys[i]), value }))) return;
          sent++;
        }
      }
    } while (cursor !== "0" && sent < max);
    if (sent >= max) return;
  }
}

/**
 * Counts the plain-value keys whose client key starts with `prefix` (a full
 * `SCAN`, deduplicated).
 *
 * @example
 * ```ts ignore
 * import { countKeys } from "./scan.ts";
 * const n = await countKeys(backend, "user:", ctx);
 * ```
 */
export async function countKeys(
  backend: RedisBackend,
  prefix: string,
  ctx: CallContext,
): Promise<number> {
  const pattern = backend.keys.pattern(prefix);
  const seen = new Set<string>();
  for (const target of backend.conn.scanTargets()) {
    let cursor = "0";
    do {
      if (ctx.signal.aborted) return seen.size;
      [cursor] = await step(backend, target, cursor, pattern, seen, ctx);
    } while (cursor !== "0");
  }
  return seen.size;
}
