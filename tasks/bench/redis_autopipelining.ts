/**
 * Measures ioredis auto-pipelining in the redis plugin: calls/s and latency
 * at 64 calls in flight through the plugin's gRPC port, with
 * `auto_pipelining` on and off, in interleaved rounds (the machine is shared
 * and noisy). Each mode runs in its own plugin subprocess (with its
 * production permission flags) against one real redis-server.
 *
 * Drivers (`--driver h2load|grpc-js|direct|both`): `h2load` (nghttp2: one connection, 64 streams, one request
 * body, so Set or Get of one key; cheap per call, so the plugin is what is
 * measured) when installed, and a grpc-js client (Set/Get 50/50 over 1000
 * keys, 100-byte values; the client costs about as much CPU as the plugin
 * on two cores, so its numbers are lower), and `direct`: the backend's
 * handlers called in-process without gRPC (what auto-pipelining changes).
 *
 * ```sh
 * deno run -A tasks/bench/redis_autopipelining.ts [--seconds 3] [--rounds 3] [--concurrency 64]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connect, type PrismClients, unary } from "../../proto/client.ts";
import { startRedis } from "../../tests/_redis.ts";
import { spawnPlugin } from "../../plugins/sdk/_spawn.ts";
import { redisPluginPermissions } from "../../plugins/redis/permissions.ts";
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { runH2load } from "./h2load.ts";
import { findExecutable } from "../tools.ts";
import { Logger } from "../../proto/log/logger.ts";
import { loadConfig } from "../../plugins/sdk/config.ts";
import type { CallContext } from "../../plugins/sdk/interceptors.ts";
import { RedisBackend } from "../../plugins/redis/backend.ts";
import { REDIS_SCHEMA } from "../../plugins/redis/config.ts";

/**
 * The backend path alone (no gRPC): `concurrency` loops calling the Get/Set
 * handlers of a RedisBackend in this process for `seconds`; calls/s.
 */
async function direct(url: string, pipelining: boolean, seconds: number, concurrency: number) {
  const config = loadConfig("redis", REDIS_SCHEMA, { url, auto_pipelining: pipelining }, {
    namespace: "direct",
    env: () => undefined,
  });
  const backend = new RedisBackend(config, "direct", new Logger({}, "error"));
  while (backend.conn.state !== "ready") await new Promise((r) => setTimeout(r, 5));
  const h = backend.handlers().unary;
  const value = new Uint8Array(100).fill(7);
  const ctx = { deadline: Infinity } as CallContext;
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; performance.now() < end; i++) {
      const key = `k${(w * 7919 + i) % 1000}`;
      if (i % 2 === 0) {
        await h["/prism.interfaces.keyvalue.KeyValueBasicInterface/Set"]({ key, value }, ctx);
      } else await h["/prism.interfaces.keyvalue.KeyValueBasicInterface/Get"]({ key }, ctx);
      n++;
    }
  }));
  await backend.close(500);
  return Math.round(n / seconds);
}

const MAIN = new URL("../../plugins/redis/main.ts", import.meta.url).pathname;

interface Result {
  ops: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function load(c: PrismClients, seconds: number, concurrency: number): Promise<Result> {
  const value = new Uint8Array(100).fill(7);
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < end; i++) {
      const key = `k${(w * 7919 + i) % 1000}`;
      const t0 = performance.now();
      try {
        if (i % 2 === 0) {
          await unary(c.keyvalue, "Set", { key, value }, { deadline: Date.now() + 5000 });
        } else await unary(c.keyvalue, "Get", { key }, { deadline: Date.now() + 5000 });
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const took = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { ops: latencies.length, errors, seconds: took, p50: q(0.5), p99: q(0.99) };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "3" },
      rounds: { type: "string", default: "3" },
      concurrency: { type: "string", default: "64" },
      driver: { type: "string", default: "both" },
    },
  });
  const seconds = Number(values.seconds);
  let rounds = Number(values.rounds);
  const concurrency = Number(values.concurrency);
  const redis = await startRedis();
  const plugins = new Map<
    boolean,
    { c: PrismClients; address: string; stop: () => Promise<void> }
  >();
  try {
    for (const pipelining of [true, false]) {
      const config = { url: redis.url, auto_pipelining: pipelining };
      const p = spawnPlugin(MAIN, [], {
        permissions: redisPluginPermissions(config, () => undefined),
        env: { PRISM_LOG_LEVEL: "warn" },
      });
      const address = (await p.handshake).split("|")[3];
      const c = connect(address, {}, undefined, [p.tokenHeader]);
      await unary(c.lifecycle, "Initialize", {
        name: `bench${pipelining ? 1 : 0}`,
        version: "bench",
        config: JSON.stringify(config),
      });
      await unary(c.lifecycle, "Start", {});
      for (let i = 0; i < 200; i++) {
        if ((await unary(c.lifecycle, "HealthCheck", {})).status === "HEALTHY") break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await load(c, 1, concurrency); // warm-up
      plugins.set(pipelining, {
        c,
        address,
        stop: async () => {
          c.close();
          await p.closeStdin();
          await p.exited;
        },
      });
    }
    const driver = values.driver;
    if ((driver === "h2load" || driver === "both") && await findExecutable("h2load")) {
      await unary(plugins.get(true)!.c.keyvalue, "Set", { key: "k", value: new Uint8Array(100) });
      await unary(plugins.get(false)!.c.keyvalue, "Set", { key: "k", value: new Uint8Array(100) });
      const rates = new Map<string, number[]>();
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [true, false] : [false, true];
        for (const method of ["Set", "Get"]) {
          for (const pipelining of order) {
            const r = await runH2load({
              address: plugins.get(pipelining)!.address,
              service: SERVICE_NAMES.keyvalueBasic,
              method,
              request: method === "Set" ? { key: "k", value: new Uint8Array(100) } : { key: "k" },
              concurrency,
              durationS: seconds,
              warmupS: 1,
              op: method.toLowerCase(),
              namespace: "bench",
              system: `plugin auto_pipelining=${pipelining}`,
            });
            const key = `${method} auto_pipelining=${pipelining}`;
            rates.set(key, [...(rates.get(key) ?? []), r.throughput_rps]);
            console.log(
              `h2load round ${
                round + 1
              } ${key}: ${r.throughput_rps} calls/s, p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms, errors ${
                JSON.stringify(r.errors)
              }`,
            );
          }
        }
      }
      for (const [key, rs] of rates) {
        const sorted = [...rs].sort((a, b) => a - b);
        console.log(
          `h2load ${key}: median ${sorted[Math.floor(sorted.length / 2)]} calls/s (${
            rs.join(", ")
          })`,
        );
      }
      for (const method of ["Set", "Get"]) {
        const on = rates.get(`${method} auto_pipelining=true`)!;
        const off = rates.get(`${method} auto_pipelining=false`)!;
        const ratios = on.map((r, i) => r / off[i]).sort((a, b) => a - b);
        console.log(
          `h2load ${method}: on/off ratio per round ${
            ratios.map((r) => r.toFixed(2)).join(", ")
          }; median ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}`,
        );
      }
    }
    if (driver === "direct" || driver === "both") {
      const rates = new Map<boolean, number[]>([[true, []], [false, []]]);
      for (let round = 0; round < rounds; round++) {
        for (const pipelining of round % 2 === 0 ? [true, false] : [false, true]) {
          const r = await direct(redis.url, pipelining, seconds, concurrency);
          rates.get(pipelining)!.push(r);
          console.log(`direct round ${round + 1} auto_pipelining=${pipelining}: ${r} calls/s`);
        }
      }
      const ratios = rates.get(true)!.map((r, i) => r / rates.get(false)![i]).sort((a, b) => a - b);
      console.log(
        `direct (backend only, Set/Get 50/50): on ${rates.get(true)!.join(", ")}; off ${
          rates.get(false)!.join(", ")
        }; on/off median ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}`,
      );
    }
    const totals = new Map<boolean, Result[]>([[true, []], [false, []]]);
    if (driver === "h2load" || driver === "direct") rounds = 0;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [true, false] : [false, true];
      for (const pipelining of order) {
        const r = await load(plugins.get(pipelining)!.c, seconds, concurrency);
        totals.get(pipelining)!.push(r);
        console.log(
          `grpc-js round ${round + 1} auto_pipelining=${pipelining}: ${
            Math.round(r.ops / r.seconds)
          } ops/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`,
        );
      }
    }
    for (const [pipelining, results] of totals) {
      if (results.length === 0) continue;
      const rates = results.map((r) => r.ops / r.seconds).sort((a, b) => a - b);
      console.log(
        `grpc-js auto_pipelining=${pipelining}: median ${
          Math.round(rates[Math.floor(rates.length / 2)])
        } ops/s (${rates.map(Math.round).join(", ")}) at concurrency ${concurrency}`,
      );
    }
  } finally {
    for (const p of plugins.values()) await p.stop();
    await redis.stop();
  }
}
