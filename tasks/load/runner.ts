/**
 * Runs a load test: checks the target answers HTTP/2 (failing within 3 s
 * when it does not), seeds the data read ops need, starts the generators —
 * one per worker thread (`--workers`, each with its own connections), or
 * one on this thread with `--workers 0` — splits connections, concurrency,
 * rate and requests between them, and aggregates their samples.
 *
 * @module
 */
import type { LoadOptions } from "./flags.ts";
import { Generator, type GeneratorConfig, type SampleBatch } from "./generator.ts";
import { H2Connection } from "../../proto/transport/h2_client.ts";
import { seedData } from "./seed.ts";
import { Stats } from "./stats.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

/** How long connecting to the target may take. */
export const CONNECT_TIMEOUT_MS = 3000;

/**
 * A finished (or stopped) run.
 *
 * @example
 * ```ts ignore
 * import { runLoadTest } from "./runner.ts";
 * const result = await runLoadTest(options);
 * console.log(result.stats.requests, result.elapsedS);
 * ```
 */
export interface RunResult {
  options: LoadOptions;
  stats: Stats;
  /** Measured time: from the end of the warm-up to the last completed call (s). */
  elapsedS: number;
  /** When the warm-up started. */
  startedAt: Date;
  /** Open loop: calls due in the measured window that were never sent. */
  unsent: number;
  /** Calls still in flight when the run's drain time ran out. */
  unfinished: number;
  /** Generators that ran on worker threads (0: on the main thread). */
  workers: number;
  /** Things the user should know (seeding problems, fallbacks). */
  warnings: string[];
  /** The run was stopped early (`stop()`). */
  stopped: boolean;
}

/** A live view of a run, for the progress line. */
export interface Progress {
  /** Seconds since the end of the warm-up (0 or less: during it). */
  t: number;
  requests: number;
  errors: number;
  /** Calls completed in the last second. */
  rate: number;
  /** p99 so far, ms. */
  p99: number;
}

/** Hooks of {@linkcode runLoadTest}. */
export interface RunHooks {
  /** Called about once a second while the run goes. */
  onProgress?: (p: Progress) => void;
  /** Called with warnings as they happen. */
  onWarning?: (message: string) => void;
  /** Aborting stops the run early; its results so far are returned. */
  signal?: AbortSignal;
}

/** Splits `total` into `parts` near-equal integer shares. */
export function split(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}

interface Driver {
  connected: Promise<void>;
  go(startAt: number): Promise<{ unsent: number; unfinished: number }>;
  stop(): void;
  dispose(): void;
}

function threadDriver(config: GeneratorConfig, onBatch: (b: SampleBatch) => void): Driver {
  const gen = new Generator(config, onBatch);
  return {
    connected: gen.connect(),
    go: (startAt) => gen.run(startAt),
    stop: () => gen.stop(),
    dispose: () => {},
  };
}

function workerDriver(config: GeneratorConfig, onBatch: (b: SampleBatch) => void): Driver {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  let onConnected!: () => void;
  let onDone!: (s: { unsent: number; unfinished: number }) => void;
  let onError!: (e: Error) => void;
  let failed: Error | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onError = (e) => {
      failed = e;
      reject(e);
    };
  });
  connected.catch(() => {});
  let finished: Promise<{ unsent: number; unfinished: number }> | undefined;
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === "batch") onBatch(m.batch);
    else if (m.type === "connected") onConnected();
    else if (m.type === "done") onDone(m.summary);
    else onError(new Error(m.message));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    onError(new Error(`load worker failed: ${e.message}`));
  };
  const send = (m: ToWorker) => worker.postMessage(m);
  send({ type: "connect", config });
  return {
    connected,
    go: (startAt) => {
      finished = new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        onDone = resolve;
        onError = reject;
      });
      send({ type: "go", startAt });
      return finished;
    },
    stop: () => send({ type: "stop" }),
    dispose: () => worker.terminate(),
  };
}

/**
 * Runs the load test `options` describe.
 *
 * @example
 * ```ts ignore
 * import { parseFlags } from "./flags.ts";
 * import { runLoadTest } from "./runner.ts";
 * const r = await runLoadTest(parseFlags(["--target", "127.0.0.1:8980", "--op", "get", "--duration", "2s"]));
 * console.log(r.stats.total.percentiles().p99);
 * ```
 */
export async function runLoadTest(options: LoadOptions, hooks: RunHooks = {}): Promise<RunResult> {
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    hooks.onWarning?.(m);
  };
  const probe = await H2Connection.connect(options.target, CONNECT_TIMEOUT_MS);
  try {
    if (options.seed) {
      const ops = options.mix.map((m) => m.op);
      for (
        const w of await seedData(
          probe,
          options.target,
          options.namespace,
          ops,
          options.keys,
          options.valueSize,
        )
      ) {
        warn(w);
      }
    }
  } finally {
    probe.close();
  }

  const stats = new Stats(options.mix.map((m) => m.op), { openLoop: options.rps !== undefined });
  const onBatch = (b: SampleBatch) => stats.add(b);
  const n = Math.max(1, options.workers);
  const connections = split(options.connections, n);
  const concurrency = split(options.concurrency, n);
  const requests = options.requests !== undefined && options.rps === undefined
    ? split(options.requests, n)
    : undefined;
  const configs: GeneratorConfig[] = connections.map((c, i) => ({
    target: options.target,
    namespace: options.namespace,
    mix: options.mix,
    valueSize: options.valueSize,
    keys: options.keys,
    connections: c,
    concurrency: concurrency[i],
    rps: options.rps,
    index: i,
    of: n,
    profile: options.profile,
    warmupS: options.warmupS,
    durationS: options.durationS,
    requests: requests ? requests[i] : options.requests,
  }));

  let drivers: Driver[] = [];
  let workers = 0;
  if (options.workers > 0) {
    drivers = configs.map((c) => workerDriver(c, onBatch));
    try {
      await Promise.all(drivers.map((d) => d.connected));
      workers = drivers.length;
    } catch (err) {
      for (const d of drivers) d.dispose();
      const msg = (err as Error).message;
      if (!/^load worker failed/.test(msg)) throw err;
      // E.g. a compiled binary without the worker module: run on this thread.
      warn(`${msg}; generating load on the main thread instead`);
      drivers = [];
    }
  }
  if (drivers.length === 0) {
    drivers = configs.map((c) => threadDriver(c, onBatch));
    try {
      await Promise.all(drivers.map((d) => d.connected));
    } catch (err) {
      for (const d of drivers) d.stop();
      throw err;
    }
  }

  let stopped = false;
  const onAbort = () => {
    stopped = true;
    for (const d of drivers) d.stop();
  };
  hooks.signal?.addEventListener("abort", onAbort, { once: true });
  if (hooks.signal?.aborted) onAbort();
  const startedAt = new Date(Date.now() + 50);
  const zero = startedAt.getTime() + options.warmupS * 1000;
  // Progress at each whole second of the measured time (and of the warm-up).
  let lastCount = 0;
  let tick = options.warmupS > 0 ? Math.ceil((Date.now() - zero) / 1000) : 1;
  let ticker: ReturnType<typeof setTimeout> | undefined;
  const progress = () => {
    hooks.onProgress?.({
      t: tick,
      requests: stats.requests,
      errors: stats.errorCount,
      rate: stats.requests - lastCount,
      p99: stats.total.valueAt(99),
    });
    lastCount = stats.requests;
    tick++;
    ticker = setTimeout(progress, Math.max(0, zero + tick * 1000 - Date.now()));
  };
  ticker = setTimeout(progress, Math.max(0, zero + tick * 1000 - Date.now()));
  try {
    const summaries = await Promise.all(drivers.map((d) => d.go(startedAt.getTime())));
    return {
      options,
      stats,
      elapsedS: Math.round(stats.lastCompletionMs) / 1000,
      startedAt,
      unsent: summaries.reduce((s, x) => s + x.unsent, 0),
      unfinished: summaries.reduce((s, x) => s + x.unfinished, 0),
      workers,
      warnings,
      stopped,
    };
  } finally {
    clearTimeout(ticker);
    hooks.signal?.removeEventListener("abort", onAbort);
    for (const d of drivers) d.dispose();
  }
}
