/**
 * The proxy side of {@linkcode ./tail.ts}: a proxy with a memstore
 * namespace in this process, run with the product's V8 flags and `--trace-gc,--expose-gc`
 * so that V8 prints every collection on stdout, and two recorders:
 *
 * - every memstore TTL sweep (start, duration);
 * - an event-loop monitor: a 2 ms interval that records each time it ran
 *   more than 2 ms late (the loop was busy, or the thread did not run).
 *
 * Protocol on stderr (V8's GC lines go to stdout, through C's buffer, so
 * they cannot share it): `MARKER <performance.now()>`
 * right after a forced GC (it maps V8's clock onto this process's),
 * `READY <port> <timeOrigin>`, and once stdin closes `EVENTS`, when the
 * recorded spans are in the file named by `--events=<path>` (JSON).
 * With `--busy`, 200,000 keys with TTLs of 1 to 60 s are set first.
 *
 * @module
 */
import { Logger } from "../../proto/log/logger.ts";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { parseConfig } from "../../proxy/config/load.ts";
import { Proxy } from "../../proxy/server.ts";
import { MemStore } from "../../proxy/wasm_host/memstore.ts";

/** Something that ran in the proxy, on `performance.now()`'s clock. */
interface TailEvent {
  kind: string;
  start: number;
  ms: number;
}

/** Records the start and duration of every call of `proto[method]`. */
function record(proto: object, method: string, kind: string, events: TailEvent[]): void {
  const target = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method];
  target[method] = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      events.push({ kind, start: t0, ms: performance.now() - t0 });
    }
  };
}

async function main(): Promise<void> {
  const busy = Deno.args.includes("--busy");
  const events: TailEvent[] = [];
  record(MemStore.prototype, "sweep", "memstore TTL sweep", events);
  const proxy = await Proxy.start({
    config: parseConfig(
      "namespaces:\n  - { name: default, backend: memstore, config: { max_memory_mb: 256 } }\n",
      "tail.yaml",
    ),
    listen: "127.0.0.1:0",
    admin: "127.0.0.1:0",
    log: new Logger({}, "warn", (line) => console.error(line)),
  });
  const client = new GrpcClient(`127.0.0.1:${proxy.port}`);
  const { Set } = serviceDefinition(SERVICE_NAMES.keyvalueBasic);
  const set = `/${SERVICE_NAMES.keyvalueBasic}/Set`;
  await client.unaryRaw(
    set,
    Set.requestSerialize({
      namespace: "default",
      key: "bench:0123456789",
      value: new Uint8Array(100),
    }),
  );
  if (busy) {
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < 200_000) {
        const i = next++;
        await client.unaryRaw(
          set,
          Set.requestSerialize({
            namespace: "default",
            key: `ttl:${i}`,
            value: new Uint8Array(64),
            ttl_seconds: 1 + (i % 60),
          }),
        );
      }
    }));
  }
  client.close();
  (globalThis as unknown as { gc(): void }).gc();
  console.error(`MARKER ${performance.now()}`);
  let last = performance.now();
  const monitor = setInterval(() => {
    const now = performance.now();
    const late = now - last - 2;
    if (late > 2) events.push({ kind: "event loop stalled > 2 ms", start: last + 2, ms: late });
    last = now;
  }, 2);
  console.error(`READY ${proxy.port} ${performance.timeOrigin}`);
  // The parent closes stdin when its client is done.
  for await (const _ of Deno.stdin.readable) { /* wait */ }
  clearInterval(monitor);
  const file = Deno.args.find((a) => a.startsWith("--events="))?.slice("--events=".length);
  if (file) await Deno.writeTextFile(file, JSON.stringify(events));
  console.error("EVENTS");
  await proxy.shutdown("tail attribution done");
}

if (import.meta.main) await main();
