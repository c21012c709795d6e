/**
 * What an idle Prism costs: a proxy with a memstore, a redis and a kafka
 * namespace (a real redis-server and Kafka broker), left alone for
 * `seconds` after it settled; the CPU its process and its plugin
 * processes used, as a percentage of one core.
 *
 * @module
 */
import { startKafka } from "../kafka/broker.ts";
import { childPids, cpuMicros, spawnProxy } from "./server.ts";

/** Per process and in total, % of one core. */
export interface IdleResult {
  seconds: number;
  proxy_pct: number;
  plugins_pct: Record<string, number>;
  total_pct: number;
}

/**
 * Measures idle CPU; `redisUrl` is a running Redis.
 *
 * @example
 * ```ts ignore
 * import { idleBench } from "./idle.ts";
 * const r = await idleBench("redis://127.0.0.1:6379", { settleS: 10, seconds: 30 });
 * console.log(r.total_pct);
 * ```
 */
export async function idleBench(
  redisUrl: string,
  opts: { settleS: number; seconds: number },
): Promise<IdleResult> {
  const broker = await startKafka();
  const proxy = await spawnProxy(`namespaces:
  - { name: default, backend: memstore }
  - { name: cache, backend: redis, config: { url: "${redisUrl}" } }
  - { name: events, backend: kafka, config: { brokers: ["${broker.brokers}"] } }
`);
  try {
    await new Promise((r) => setTimeout(r, opts.settleS * 1000));
    const plugins = await childPids(proxy.pid);
    const names = await Promise.all(plugins.map(async (pid) => {
      const cmd = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
      return cmd[cmd.indexOf("plugin") + 1] ?? String(pid);
    }));
    const pids = [proxy.pid, ...plugins];
    const before = await Promise.all(pids.map(cpuMicros));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    const after = await Promise.all(pids.map(cpuMicros));
    const wallUs = (performance.now() - t0) * 1000;
    const pct = (i: number) => Math.round((after[i] - before[i]) / wallUs * 10000) / 100;
    const result: IdleResult = {
      seconds: opts.seconds,
      proxy_pct: pct(0),
      plugins_pct: Object.fromEntries(names.map((n, i) => [n, pct(i + 1)])),
      total_pct: Math.round(pids.reduce((a, _, i) => a + pct(i), 0) * 100) / 100,
    };
    console.error(
      `  idle over ${opts.seconds} s: proxy ${result.proxy_pct}%, ${
        names.map((n) => `${n} ${result.plugins_pct[n]}%`).join(", ")
      }; total ${result.total_pct}% of a core`,
    );
    return result;
  } finally {
    await proxy.stop();
    await broker.stop();
  }
}
