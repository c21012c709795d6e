/**
 * The Grafana dashboard (`proxy/metrics/grafana/prism.json`) queries only
 * series the proxy exports: every metric name in its queries is a family in
 * a real proxy's `/metrics`, with memstore, redis and kafka namespaces.
 *
 * @module
 */
import { assert } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { startRedis } from "./_redis.ts";

const DASHBOARD = new URL("../proxy/metrics/grafana/prism.json", import.meta.url);

/** Every PromQL expression in the dashboard (panels and template variables). */
function expressions(dashboard: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if ((k === "expr" || k === "definition") && typeof x === "string") out.push(x);
        else walk(x);
      }
    }
  };
  walk(dashboard);
  return out;
}

Deno.test({
  name: "dashboard: every series the Grafana dashboard queries is one the proxy exports",
}, async () => {
  const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD));
  const exprs = expressions(dashboard);
  assert.ok(exprs.length >= 20, `${exprs.length} queries`);
  const used = new Set(
    exprs.flatMap((e) =>
      [...e.matchAll(/\b(?:prism|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0])
    ),
  );
  // What the dashboard is for (the list).
  for (
    const name of [
      "prism_requests_total",
      "prism_request_duration_seconds_bucket",
      "prism_plugin_restarts_total",
      "prism_memstore_bytes",
      "prism_memstore_limit_bytes",
    ]
  ) {
    assert.ok(used.has(name), `the dashboard shows ${name}`);
  }

  const redis = await startRedis();
  // Kafka needs no broker to report its series (its plugin connects lazily).
  const h = await startTestProxy(
    `namespaces:
  - { name: default, backend: memstore }
  - { name: cache, backend: redis, config: { url: "${redis.url}" } }
  - { name: events, backend: kafka, config: { brokers: ["127.0.0.1:1"] } }
`,
  );
  try {
    const text = await (await fetch(`http://${h.proxy.adminAddress}/metrics`)).text();
    const families = new Map<string, string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(m[1], m[2]);
    const missing = [...used].filter((name) => {
      if (families.has(name)) return false;
      const base = name.replace(/_(bucket|sum|count)$/, "");
      return families.get(base) !== "histogram";
    });
    assert.deepEqual(missing, [], `queried but not exported: ${missing.join(", ")}`);
  } finally {
    await h.stop();
    await redis.stop();
  }
});
