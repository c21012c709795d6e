/**
 * Start-up benchmark: from spawning `prism proxy` to its first served call,
 * as a user or an orchestrator sees it (process start, module loading, WASM
 * instantiation, binding, one Get).
 *
 * @module
 */
import http2 from "node:http2";
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { BINARY_PERMISSIONS } from "../compile.ts";
import { grpcFrame } from "./h2load.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  throw new Error(`proxy did not listen on ${port} in time`);
}

/**
 * One gRPC Get over a raw HTTP/2 session: a grpc-js client's first call on a
 * new channel costs tens of milliseconds of its own, which would be counted
 * as the proxy's start-up.
 */
function firstGet(port: number): Promise<void> {
  const frame = grpcFrame(SERVICE_NAMES.keyvalueBasic, "Get", { key: "startup" });
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({
      ":method": "POST",
      ":path": `/${SERVICE_NAMES.keyvalueBasic}/Get`,
      "content-type": "application/grpc",
      te: "trailers",
    });
    req.on("error", reject);
    req.on("data", () => {});
    req.on("trailers", (trailers) => {
      const code = trailers["grpc-status"];
      session.close();
      code === "0" ? resolve() : reject(new Error(`first call failed: grpc-status ${code}`));
    });
    req.end(frame);
  });
}

/** One start: milliseconds from spawn to the first successful Get. */
export async function startOnce(): Promise<number> {
  const port = freePort();
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...BINARY_PERMISSIONS,
      `${ROOT}prism.ts`,
      "proxy",
      "--listen",
      `127.0.0.1:${port}`,
    ],
    env: { PRISM_LOG_LEVEL: "warn" },
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    await waitForPort(port, t0 + 10_000);
    await firstGet(port);
    return performance.now() - t0;
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

/** Median, min and max of `runs` starts (after one discarded start that fills caches). */
export async function startupBench(
  runs = 5,
): Promise<{ median_ms: number; min_ms: number; max_ms: number; runs: number }> {
  await startOnce();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await startOnce());
  times.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    median_ms: r(times[Math.floor(times.length / 2)]),
    min_ms: r(times[0]),
    max_ms: r(times.at(-1)!),
    runs,
  };
}
