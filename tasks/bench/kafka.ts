/**
 * Kafka benchmarks: publishing through proxy → kafka plugin → a real
 * single-node Kafka, and publish-to-delivery latency to subscribers, with
 * a direct kafkajs producer (same settings: idempotent, `acks=all`) as the
 * baseline measured in the same run.
 *
 * - publish at a fixed 1,000 msg/s (open loop, latency from each message's
 *   intended send time): `prism load --op publish --rps 1000`;
 * - maximum publish throughput (closed loop, 64 in flight): `prism load`;
 * - the same two against kafkajs directly (the baseline);
 * - publish-to-delivery latency for 1 subscriber and for 100 concurrent
 *   subscribers: each message carries its send time, each subscriber
 *   records when it arrives (same clock: one process).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Kafka, logLevel } from "kafkajs";
import { connect, unary } from "../../proto/client.ts";
import type { Message__Output } from "../../proto/gen/prism/interfaces/pubsub/Message.ts";
import { startKafka } from "../kafka/broker.ts";
import { percentiles, type ScenarioReport } from "./report.ts";
import { childPids, cpuMicros, machineCpu, spawnProxy } from "./server.ts";
import { runLoad } from "./load.ts";

/**
 * Seconds of publishing at the measured 1,000 msg/s before the fixed-rate run
 * is measured. The broker is a JVM started for the bench: its JIT compiles
 * the produce path over the first tens of seconds of traffic, and until then
 * the broker costs about three times the CPU per message (measured on a
 * fresh broker and proxy, consecutive 4 s runs at 1,000 msg/s after 3 s at 64
 * in flight: 795, 705, 662, 445, 292, 238 µs per message; p50 3.2 → 0.8 ms),
 * as do the proxy and the plugin until TurboFan has their hot paths
 * (`PROXY_WARMUP_S` in `ghz.ts`). The measurement is of the steady state.
 *
 * @example
 * ```ts
 * import { KAFKA_WARMUP_S } from "./kafka.ts";
 * console.log(KAFKA_WARMUP_S); // 20
 * ```
 */
export const KAFKA_WARMUP_S = 20;

/** CPU used per published message during the fixed-rate run, by process. */
export interface PublishCpu {
  proxy_us_per_msg: number;
  plugin_us_per_msg: number;
  broker_us_per_msg: number;
  /** Share of all CPUs busy (any process) during the run, 0..1. */
  machine_busy: number;
}

/** What the Kafka benchmarks found. */
export interface KafkaBenchResults {
  scenarios: ScenarioReport[];
  fixed: ScenarioReport;
  /** Where the CPU went at the fixed rate: the machine's budget is what bounds the tail. */
  fixedCpu: PublishCpu;
  fixedBaseline: ScenarioReport;
  max: ScenarioReport;
  maxBaseline: ScenarioReport;
  delivery: {
    subscribers: number;
    rate: number;
    delivered: number;
    latency_ms: ScenarioReport["latency_ms"];
  }[];
}

/** Publishes with kafkajs directly: fixed rate (`rps`) or closed loop (`concurrency`). */
async function direct(
  brokers: string,
  topic: string,
  options: { rps?: number; concurrency: number; durationS: number },
): Promise<ScenarioReport> {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, clientId: "bench" });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const value = Buffer.alloc(100, 0x78);
  const send = () => producer.send({ topic, acks: -1, messages: [{ value }] });
  for (let i = 0; i < 50; i++) await send(); // warm-up
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + options.durationS * 1000;
  if (options.rps !== undefined) {
    const interval = 1000 / options.rps;
    const pending: Promise<void>[] = [];
    for (let i = 0;; i++) {
      const intended = t0 + i * interval;
      if (intended >= end) break;
      const wait = intended - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        send().then(() => {
          latencies.push(performance.now() - intended);
        }, () => {
          errors++;
        }),
      );
    }
    await Promise.all(pending);
  } else {
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await send();
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }));
  }
  const elapsed = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return {
    op: "publish",
    namespace: "-",
    target: brokers,
    concurrency: options.concurrency,
    duration_s: Math.round(elapsed * 100) / 100,
    requests: latencies.length,
    errors: errors > 0 ? { ERROR: errors } : {},
    throughput_rps: Math.round(latencies.length / elapsed),
    latency_ms: percentiles(latencies),
    system: "kafkajs producer directly (baseline)",
    driver: "kafkajs in the bench process",
    ...(options.rps !== undefined ? { rps_target: options.rps } : {}),
  };
}

/** Publish-to-delivery latency for `subscribers` subscribers at `rate` msg/s. */
async function delivery(
  address: string,
  subscribers: number,
  rate: number,
  durationS: number,
): Promise<KafkaBenchResults["delivery"][number]> {
  const c = connect(address);
  const topic = `delivery-${subscribers}-${crypto.randomUUID().slice(0, 6)}`;
  const latencies: number[] = [];
  const primed = new Set<number>();
  const calls = [];
  try {
    for (let i = 0; i < subscribers; i++) {
      const call = c.pubsub.Subscribe({ namespace: "events", topic, subscriber_id: `s${i}` });
      call.on("data", (m: Message__Output) => {
        const sent = new DataView(m.payload.buffer, m.payload.byteOffset, 8).getFloat64(0);
        if (sent === 0) primed.add(i); // a probe
        else latencies.push(performance.timeOrigin + performance.now() - sent);
      });
      call.on("error", () => {});
      await new Promise((resolve, reject) => {
        call.once("metadata", resolve);
        call.once("error", reject);
      });
      calls.push(call);
    }
    // Steady state: every subscriber's consumer has joined its group and
    // fetches (probes reach all of them) before the measured messages go out.
    for (const t = Date.now(); primed.size < subscribers;) {
      if (Date.now() - t > 60_000) {
        throw new Error(`only ${primed.size} of ${subscribers} subscribers started`);
      }
      await unary(c.pubsub, "Publish", { namespace: "events", topic, payload: new Uint8Array(8) }, {
        deadline: Date.now() + 10_000,
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < rate * durationS; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const payload = new Uint8Array(100);
      new DataView(payload.buffer).setFloat64(0, performance.timeOrigin + performance.now());
      pending.push(unary(c.pubsub, "Publish", { namespace: "events", topic, payload }, {
        deadline: Date.now() + 10_000,
      }));
    }
    await Promise.all(pending);
    const expected = rate * durationS * subscribers;
    for (const t = Date.now(); latencies.length < expected && Date.now() - t < 10_000;) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      subscribers,
      rate,
      delivered: latencies.length,
      latency_ms: percentiles(latencies),
    };
  } finally {
    for (const call of calls) call.cancel();
    c.close();
  }
}

/**
 * Starts a broker and a proxy with a kafka namespace, runs the scenarios,
 * stops both.
 */
export async function kafkaBench(
  options: { durationS: number; warmupS: number; quick: boolean },
): Promise<KafkaBenchResults> {
  const broker = await startKafka();
  const proxy = await spawnProxy(
    `namespaces:\n  - { name: events, backend: kafka, config: { brokers: ["${broker.brokers}"] } }\n`,
  );
  const target = `127.0.0.1:${proxy.port}`;
  const d = `${options.durationS}s`;
  const w = `${options.warmupS}s`;
  try {
    const c = connect(target);
    await unary(c.pubsub, "Publish", {
      namespace: "events",
      topic: "load.topic",
      payload: new Uint8Array(1),
    }, {
      deadline: Date.now() + 20_000,
    });
    c.close();
    // The broker's JVM has just started: let its JIT (and the proxy's and the
    // plugin's TurboFan) warm up on the same traffic before measuring.
    const publish = ["--target", target, "--namespace", "events", "--op", "publish"];
    await runLoad(
      [...publish, "--concurrency", "64", "--duration", options.quick ? "3s" : "8s"],
      "warm-up",
    );
    await runLoad(
      [...publish, "--rps", "1000", "--concurrency", "64", "--duration", `${KAFKA_WARMUP_S}s`],
      "warm-up",
    );
    const [plugin] = await childPids(proxy.pid);
    const pids = [proxy.pid, plugin, broker.pid];
    const cpu0 = await Promise.all(pids.map(cpuMicros));
    const machine0 = await machineCpu();
    const fixed = await runLoad(
      [...publish, "--rps", "1000", "--concurrency", "64", "--duration", d, "--warmup", w],
      "proxy → kafka plugin → Kafka (fixed 1,000/s)",
    );
    const cpu1 = await Promise.all(pids.map(cpuMicros));
    const machine1 = await machineCpu();
    // Warm-up included: every message sent in the run, at the same rate.
    const sent = fixed.throughput_rps * (options.durationS + options.warmupS);
    const perMsg = (i: number) => Math.round((cpu1[i] - cpu0[i]) / sent);
    const fixedCpu: PublishCpu = {
      proxy_us_per_msg: perMsg(0),
      plugin_us_per_msg: perMsg(1),
      broker_us_per_msg: perMsg(2),
      machine_busy: Math.round(
        (machine1.busy - machine0.busy) / (machine1.total - machine0.total) * 100,
      ) / 100,
    };
    const max = await runLoad(
      [...publish, "--concurrency", "64", "--connections", "2", "--duration", d, "--warmup", w],
      "proxy → kafka plugin → Kafka (max)",
    );
    const fixedBaseline = await direct(broker.brokers, "events.load.topic", {
      rps: 1000,
      concurrency: 64,
      durationS: options.durationS,
    });
    const maxBaseline = await direct(broker.brokers, "events.load.topic", {
      concurrency: 64,
      durationS: options.durationS,
    });
    const deliveries = [
      await delivery(target, 1, 200, options.durationS),
      await delivery(target, 100, options.quick ? 20 : 50, options.durationS),
    ];
    return {
      scenarios: [
        fixed,
        fixedBaseline,
        max,
        maxBaseline,
      ],
      fixed,
      fixedCpu,
      fixedBaseline,
      max,
      maxBaseline,
      delivery: deliveries,
    };
  } finally {
    await proxy.stop();
    await broker.stop();
  }
}
