/**
 * Before a run, creates what the read ops read, so that `get` finds its
 * keys, `pop` its lists and `read` its records: `Set` of every key for the
 * key-reading ops, one `PushRight` per key (spread over the lists) for
 * `pop`/`length`, and up to 100 `Append`s for `read`.
 *
 * @module
 */
import { statusName } from "../../proto/status.ts";
import type { H2Connection } from "../../proto/transport/h2_client.ts";
import { requestHeaders } from "../../proto/transport/h2_client.ts";
import { type OpName, opPath, OPS, RequestCache, type Seed } from "./ops.ts";

/** The op that creates each kind of seed data. */
const SEEDER: Record<Exclude<Seed, "none">, OpName> = {
  keys: "set",
  lists: "push",
  stream: "append",
};

/** Calls in flight while seeding. */
const IN_FLIGHT = 64;

/**
 * Seeds what `ops` need; resolves with one warning per kind of seed data
 * that could not be created (the run goes on: its calls then count the
 * errors).
 *
 * @example
 * ```ts ignore
 * import { H2Connection } from "../../proto/transport/h2_client.ts";
 * import { seedData } from "./seed.ts";
 * const conn = await H2Connection.connect("127.0.0.1:8980");
 * console.log(await seedData(conn, "127.0.0.1:8980", "default", ["get"], 1000, 100)); // []
 * conn.close();
 * ```
 */
export async function seedData(
  conn: H2Connection,
  target: string,
  namespace: string,
  ops: readonly OpName[],
  keys: number,
  valueSize: number,
): Promise<string[]> {
  const kinds = new Set(ops.map((op) => OPS[op].seed).filter((s) => s !== "none"));
  const cache = new RequestCache(namespace, valueSize, keys);
  const warnings: string[] = [];
  for (const kind of kinds as Set<Exclude<Seed, "none">>) {
    const op = SEEDER[kind];
    const count = kind === "stream" ? Math.min(keys, 100) : keys;
    const headers = requestHeaders(target, opPath(op));
    const failure = await new Promise<string | undefined>((resolve) => {
      let next = 0;
      let running = 0;
      let failed: string | undefined;
      const start = () => {
        while (running < IN_FLIGHT && next < count && failed === undefined) {
          const i = next++;
          running++;
          conn.call(headers, cache.body(op, i), (status, message) => {
            running--;
            if (status !== 0 && failed === undefined) failed = `${statusName(status)}: ${message}`;
            if (running === 0 && (next >= count || failed !== undefined)) resolve(failed);
            else queueMicrotask(start);
          });
        }
      };
      if (count === 0) resolve(undefined);
      else start();
    });
    if (failure !== undefined) {
      warnings.push(`cannot seed ${kind} with ${OPS[op].method}: ${failure}`);
    }
  }
  return warnings;
}
