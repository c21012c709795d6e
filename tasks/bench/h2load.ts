/**
 * Drives gRPC load with h2load (nghttp2's HTTP/2 benchmarking client: far
 * cheaper per call than any gRPC client, so it is not what limits the
 * measurement on a 2-core machine) and turns its per-request log into a
 * CONTRACT §6 report.
 *
 * h2load sees HTTP/2 statuses, not gRPC statuses (those travel in
 * trailers): callers confirm with a real gRPC client that the calls succeed.
 *
 * @module
 */
import { serviceDefinition, type ServiceName } from "../../proto/definitions.ts";
import { grpcFrame as frameMessage } from "../../proto/transport/h2_client.ts";
import { findExecutable } from "../tools.ts";
import { percentiles, type ScenarioReport } from "./report.ts";

/** An h2load run. */
export interface H2loadOptions {
  /** `host:port` */
  address: string;
  service: ServiceName;
  method: string;
  request: Record<string, unknown>;
  /** Calls in flight: `clients` connections with this many concurrent streams in all. */
  concurrency: number;
  /** HTTP/2 connections; default 1. */
  clients?: number;
  durationS: number;
  warmupS: number;
  /**
   * Fixed total rate (calls per second) instead of as fast as possible,
   * spread over `clients` connections. h2load sends up to its streams per
   * connection at each tick, so fixed-rate runs should use one stream per
   * connection (`concurrency` = `clients`) to keep the rate smooth.
   */
  rps?: number;
  op: string;
  namespace: string;
  system: string;
  /** Extra request headers, `name: value`. */
  headers?: string[];
}

/** The gRPC frame of `request` to `service`/`method`. */
export function grpcFrame(
  service: ServiceName,
  method: string,
  request: Record<string, unknown>,
): Uint8Array {
  return frameMessage(serviceDefinition(service)[method].requestSerialize(request));
}

/** Finds h2load or throws with what to do. */
export async function h2loadPath(): Promise<string> {
  const path = await findExecutable("h2load");
  if (!path) {
    throw new Error(
      "Cannot run load benchmarks as 'h2load' is not installed: apt-get install nghttp2-client (or run 'deno run -A tasks/ensure_tools.ts' as root)",
    );
  }
  return path;
}

/** Runs h2load for `durationS` after `warmupS` and reports the calls it completed. */
export async function runH2load(opts: H2loadOptions): Promise<ScenarioReport> {
  const dir = await Deno.makeTempDir({ prefix: "prism-h2load-" });
  try {
    const body = `${dir}/body.bin`;
    const log = `${dir}/requests.log`;
    await Deno.writeFile(body, grpcFrame(opts.service, opts.method, opts.request));
    const clients = opts.clients ?? 1;
    const args = [
      "-c",
      String(clients),
      "-m",
      String(Math.max(1, Math.round(opts.concurrency / clients))),
      "-D",
      String(opts.durationS),
      "--warm-up-time",
      String(opts.warmupS),
      "-d",
      body,
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      ...(opts.headers ?? []).flatMap((h) => ["-H", h]),
      "--log-file",
      log,
      ...(opts.rps ? ["--rps", String(opts.rps / clients)] : []),
      `http://${opts.address}/${opts.service}/${opts.method}`,
    ];
    const out = await new Deno.Command(await h2loadPath(), {
      args,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(`h2load failed: ${text}${new TextDecoder().decode(out.stderr)}`);
    }
    // Log lines: start (µs since epoch) \t HTTP status \t µs to the end of the response.
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    let first = Infinity;
    let last = 0;
    for (const line of (await Deno.readTextFile(log)).split("\n")) {
      const [start, status, took] = line.split("\t").map(Number);
      if (!(took >= 0)) continue;
      // Status 0: still in flight when the duration ended (at most `concurrency` of them).
      if (status === 0) continue;
      if (status !== 200) {
        const name = status === -1 ? "TRANSPORT_ERROR" : `HTTP_${status}`;
        errors[name] = (errors[name] ?? 0) + 1;
        continue;
      }
      latencies.push(took / 1000);
      first = Math.min(first, start);
      last = Math.max(last, start + took);
    }
    const seconds = latencies.length > 0 ? (last - first) / 1e6 : opts.durationS;
    return {
      op: opts.op,
      namespace: opts.namespace,
      target: opts.address,
      concurrency: opts.concurrency,
      duration_s: Math.round(seconds * 100) / 100,
      requests: latencies.length + Object.values(errors).reduce((a, b) => a + b, 0),
      errors,
      throughput_rps: Math.round(latencies.length / seconds),
      latency_ms: percentiles(latencies),
      system: opts.system,
      driver: "h2load",
      ...(opts.rps ? { rps_target: opts.rps } : {}),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
