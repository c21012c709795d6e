/**
 * Tail latency under background work: memstore `Get` at a fixed 1,000
 * calls/s, 16 in flight, measured by ghz (an independent client) and by
 * `prism load`, first on a quiet proxy, then on the same proxy while
 * 200,000 keys with TTLs expire in its memstore and 100 Kafka subscribers
 * sit idle on it — the work a production proxy does between calls (TTL
 * sweeps, consumer heartbeats relayed through the kafka plugin).
 *
 * @module
 */
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { status } from "../../proto/status.ts";
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import type { StreamControl } from "../../proto/transport/h2_client.ts";
import { startKafka } from "../kafka/broker.ts";
import { PROXY_WARMUP_S, runGhz } from "./ghz.ts";
import { runLoad } from "./load.ts";
import type { ScenarioReport } from "./report.ts";
import { spawnProxy } from "./server.ts";

/** What {@linkcode backgroundBench} measured. */
export interface BackgroundResult {
  /** Fixed-rate Gets on the quiet proxy: ghz (when installed) and `prism load`. */
  quiet: ScenarioReport[];
  /** The same while keys expire and subscribers sit idle. */
  busy: ScenarioReport[];
  /** Keys set with a TTL before the busy runs. */
  keys: number;
  /** Keys the memstore expired while the busy runs went on (its counter). */
  expiredDuring: number;
  /** Subscribers connected through the whole busy runs. */
  subscribers: number;
}

/** Options of {@linkcode backgroundBench}. */
export interface BackgroundOptions {
  durationS: number;
  warmupS: number;
  /** Keys with TTLs (default 200,000). */
  keys?: number;
  /** Idle Kafka subscribers (default 100). */
  subscribers?: number;
  /** The ghz binary; without it only `prism load` measures. */
  ghz?: string;
}

const KEY = "bench:0123456789";
const GET = `/${SERVICE_NAMES.keyvalueBasic}/Get`;
const SET = `/${SERVICE_NAMES.keyvalueBasic}/Set`;
const SUBSCRIBE = `/${SERVICE_NAMES.pubsub}/Subscribe`;

/** Reads `prism_memstore_expired_keys_total` of namespace `default` from the admin listener. */
async function expiredKeys(admin: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  const m = /^prism_memstore_expired_keys_total\{namespace="default"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Sets `count` keys with TTLs of 1 to `spreadS` seconds, 64 calls in flight. */
async function seedExpiring(client: GrpcClient, count: number, spreadS: number): Promise<void> {
  const { requestSerialize } = serviceDefinition(SERVICE_NAMES.keyvalueBasic).Set;
  const value = new Uint8Array(64).fill(0x78);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await client.unaryRaw(
        SET,
        requestSerialize({
          namespace: "default",
          key: `ttl:${i}`,
          value,
          ttl_seconds: 1 + (i % spreadS),
        }),
        { deadline: Date.now() + 10_000 },
      );
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

/** Opens `count` subscriptions (10 topics) and resolves once every one has its headers. */
async function idleSubscribers(client: GrpcClient, count: number): Promise<StreamControl[]> {
  const { requestSerialize } = serviceDefinition(SERVICE_NAMES.pubsub).Subscribe;
  const controls: StreamControl[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    ready.push(promise);
    controls.push(client.serverStream(
      SUBSCRIBE,
      requestSerialize({ namespace: "events", topic: `idle-${i % 10}` }),
      {
        onHeaders: () => resolve(),
        onMessage: () => {},
        onEnd: (err) => reject(err ?? new Error("a subscription ended")),
      },
    ));
  }
  await Promise.all(ready);
  return controls;
}

/**
 * Runs the quiet and the busy fixed-rate Gets against one proxy with a
 * memstore and a kafka namespace (a real broker), in that order.
 *
 * @example
 * ```ts ignore
 * import { backgroundBench } from "./background.ts";
 * const r = await backgroundBench({ durationS: 5, warmupS: 1, ghz: "ghz" });
 * console.log(r.busy.map((s) => s.latency_ms.p99));
 * ```
 */
export async function backgroundBench(options: BackgroundOptions): Promise<BackgroundResult> {
  const keys = options.keys ?? 200_000;
  const subscribers = options.subscribers ?? 100;
  const kafka = await startKafka();
  const proxy = await spawnProxy(
    "namespaces:\n" +
      "  - { name: default, backend: memstore, config: { max_memory_mb: 256 } }\n" +
      `  - { name: events, backend: kafka, config: { brokers: ["${kafka.brokers}"] } }\n`,
  );
  const admin = /"msg":"listening".*?"admin":"([^"]+)"/.exec(proxy.output)?.[1];
  if (!admin) throw new Error(`bench: the proxy's admin address was not logged: ${proxy.output}`);
  const address = `127.0.0.1:${proxy.port}`;
  const client = new GrpcClient(address);
  const controls: StreamControl[] = [];
  const ghzRun = (system: string, durationS: number) => ({
    address,
    service: SERVICE_NAMES.keyvalueBasic,
    method: "Get",
    request: { namespace: "default", key: KEY },
    concurrency: 16,
    durationS,
    rps: 1000,
    op: "get",
    namespace: "default",
    system,
  });
  const loadRun = (system: string, durationS: number, warmupS: number) =>
    runLoad([
      "--target",
      address,
      "--namespace",
      "default",
      "--keys",
      "1000",
      "--op",
      "get",
      "--rps",
      "1000",
      "--concurrency",
      "16",
      "--duration",
      `${durationS}s`,
      "--warmup",
      `${warmupS}s`,
    ], system);
  const measure = async (system: string): Promise<ScenarioReport[]> => {
    const out: ScenarioReport[] = [];
    if (options.ghz) {
      out.push(await runGhz(options.ghz, ghzRun(`${system} (ghz)`, options.durationS)));
    }
    const load = await loadRun(`${system} (prism load)`, options.durationS, options.warmupS);
    out.push({ ...load, rps_target: 1000 });
    for (const r of out) {
      console.error(
        `  ${r.system}: p50 ${r.latency_ms.p50} p99 ${r.latency_ms.p99} p99.9 ${r.latency_ms.p999} ms`,
      );
    }
    return out;
  };
  try {
    const { requestSerialize } = serviceDefinition(SERVICE_NAMES.keyvalueBasic).Set;
    await client.unaryRaw(
      SET,
      requestSerialize({ namespace: "default", key: KEY, value: new Uint8Array(100) }),
      { deadline: Date.now() + 5000 },
    );
    // Warms the path up.
    await client.unaryRaw(
      GET,
      serviceDefinition(SERVICE_NAMES.keyvalueBasic).Get.requestSerialize({
        namespace: "default",
        key: KEY,
      }),
      { deadline: Date.now() + 5000 },
    );
    // The same traffic first: a fresh proxy's first seconds are not its steady state.
    if (options.ghz) await runGhz(options.ghz, ghzRun("warm-up", PROXY_WARMUP_S));
    else await loadRun("warm-up", PROXY_WARMUP_S, 0);
    const quiet = await measure("memstore Get at 1,000/s, quiet");
    controls.push(...await idleSubscribers(client, subscribers));
    // TTLs spread so that expiries go on through the seeding (about 10-20 s)
    // and both busy runs.
    const busyS = (options.ghz ? 2 : 1) * (options.durationS + options.warmupS) + 5;
    await seedExpiring(client, keys, busyS + 20);
    const before = await expiredKeys(admin);
    const busy = await measure(
      `memstore Get at 1,000/s, ${
        keys.toLocaleString("en")
      } keys expiring, ${subscribers} idle subscribers`,
    );
    const expiredDuring = (await expiredKeys(admin)) - before;
    console.error(`  keys expired during the busy runs: ${expiredDuring}`);
    return { quiet, busy, keys, expiredDuring, subscribers };
  } finally {
    for (const c of controls) c.cancel(status.CANCELLED, "the bench is over");
    client.close();
    await proxy.stop();
    await kafka.stop();
  }
}
