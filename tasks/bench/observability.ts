/**
 * What observing calls costs the proxy (CONTRACT §8): metrics (the admin
 * listener on, as by default, against it off) and tracing (spans exported
 * over OTLP/HTTP to a sink in this process, against tracing off), each in
 * proxy CPU per Get, measured in the same run as the baseline.
 *
 * @module
 */
import { type CostResult, measureCost } from "./cost.ts";
import { spawnProxy } from "./server.ts";

const NAMESPACES = "namespaces:\n  - { name: default, backend: memstore }\n";

/** Runs both comparisons. */
export async function observabilityBench(
  opts: { durationS: number; warmupS: number; rounds: number },
) {
  const off = await spawnProxy(NAMESPACES, { admin: "" });
  const metricsOn = await spawnProxy(NAMESPACES);
  let metrics: CostResult;
  try {
    metrics = await measureCost(
      "metrics",
      { server: off, system: "proxy, admin listener off" },
      { server: metricsOn, system: "proxy, metrics on" },
      opts,
    );
  } finally {
    await Promise.all([off.stop(), metricsOn.stop()]);
  }

  // An OTLP/HTTP sink that accepts and drops what it gets.
  let spans = 0;
  const sink = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    spans += ((await req.text()).match(/"spanId"/g) ?? []).length;
    return Response.json({});
  });
  const untraced = await spawnProxy(NAMESPACES);
  const traced = await spawnProxy(NAMESPACES, {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.addr.port}` },
  });
  let tracing: CostResult;
  try {
    tracing = await measureCost(
      "tracing",
      { server: untraced, system: "proxy, tracing off" },
      { server: traced, system: "proxy, a span per call exported over OTLP" },
      opts,
    );
  } finally {
    await Promise.all([untraced.stop(), traced.stop()]);
    await sink.shutdown();
  }
  console.error(`  tracing: the sink received ${spans} spans`);
  return { metrics, tracing, tracing_spans_exported: spans };
}
