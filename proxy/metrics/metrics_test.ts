import assert from "node:assert/strict";
import client from "prom-client";
import { type NamespaceSample, type PluginMetrics, ProxyMetrics } from "./metrics.ts";
import { collectProcessMetrics } from "../../proto/metrics/process.ts";

const GET = "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get";
const SUBSCRIBE = "/prism.interfaces.pubsub.PubSubBasicInterface/Subscribe";

function lines(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix));
}

Deno.test("metrics: routed and unrouted calls, in flight, subscribers", async () => {
  const metrics = new ProxyMetrics({ process: false, dataMethods: [GET, SUBSCRIBE] });
  const samples: NamespaceSample[] = [
    { name: "default", backend: "memstore", serving: true },
    {
      name: "events",
      backend: "kafka",
      serving: false,
      plugin: { restarts: 0, health: "UNHEALTHY" },
    },
  ];
  metrics.setSource({ namespaces: () => samples, plugins: () => Promise.resolve([]) });
  const get = metrics.stats("default", GET);
  get.inFlight++;
  metrics.callEnded({ method: GET, startedAt: performance.now() }, 0, get);
  metrics.callEnded({ method: GET, startedAt: performance.now() }, 5, undefined);
  metrics.callEnded({ method: "/grpc.health.v1.Health/Check", startedAt: 0 }, 0, undefined);
  const sub = metrics.stats("events", SUBSCRIBE);
  sub.inFlight += 2;
  assert.equal(metrics.inFlight(), 2);
  assert.equal(metrics.inFlight("events"), 2);
  const text = await metrics.render();
  assert.deepEqual(lines(text, "prism_requests_total"), [
    'prism_requests_total{namespace="default",method="Get",code="OK"} 1',
    'prism_requests_total{namespace="",method="Get",code="NOT_FOUND"} 1',
  ]);
  assert.deepEqual(lines(text, "prism_requests_in_flight"), [
    'prism_requests_in_flight{namespace="default"} 0',
    'prism_requests_in_flight{namespace="events"} 2',
  ]);
  assert.deepEqual(lines(text, "prism_pubsub_subscribers"), [
    'prism_pubsub_subscribers{namespace="default"} 0',
    'prism_pubsub_subscribers{namespace="events"} 2',
  ]);
  assert.ok(text.includes('prism_backend_up{namespace="events",backend="kafka"} 0'));
  assert.ok(
    text.includes('prism_plugin_health{namespace="events",plugin="kafka",status="UNHEALTHY"} 1'),
  );
  assert.ok(text.includes('prism_build_info{version="unknown"} 1'));
});

Deno.test("metrics: counters read from growing sources only grow by what grew", async () => {
  const metrics = new ProxyMetrics({ process: false });
  let restarts = 2;
  let expired = 5;
  metrics.setSource({
    namespaces: () => [
      { name: "cache", backend: "redis", serving: true, plugin: { restarts, health: "HEALTHY" } },
      {
        name: "default",
        backend: "memstore",
        serving: true,
        memstore: { usedBytes: 10, capacityBytes: 100, keys: 1, expiredKeys: expired },
      },
    ],
    plugins: () => Promise.resolve([]),
  });
  assert.ok(
    (await metrics.render()).includes(
      'prism_plugin_restarts_total{namespace="cache",plugin="redis"} 2',
    ),
  );
  restarts = 3;
  expired = 9;
  const text = await metrics.render();
  assert.ok(text.includes('prism_plugin_restarts_total{namespace="cache",plugin="redis"} 3'));
  assert.ok(text.includes('prism_memstore_expired_keys_total{namespace="default"} 9'));
  assert.ok(text.includes('prism_memstore_bytes{namespace="default"} 10'));
});

Deno.test("metrics: plugins' series are labelled with namespace and plugin, never shadow the proxy's", async () => {
  const metrics = new ProxyMetrics({ process: false });
  const registry = new client.Registry();
  new client.Gauge({ name: "prism_redis_connected", help: "up", registers: [registry] }).set(1);
  new client.Counter({ name: "prism_requests_total", help: "shadow", registers: [registry] }).inc(
    99,
  );
  const families = JSON.parse(JSON.stringify(await registry.getMetricsAsJSON()));
  const plugins: PluginMetrics[] = [
    { namespace: "a", plugin: "redis", families },
    { namespace: "b", plugin: "redis", families },
  ];
  metrics.setSource({ namespaces: () => [], plugins: () => Promise.resolve(plugins) });
  const text = await metrics.render();
  assert.deepEqual(lines(text, "prism_redis_connected"), [
    'prism_redis_connected{namespace="a",plugin="redis"} 1',
    'prism_redis_connected{namespace="b",plugin="redis"} 1',
  ]);
  assert.ok(!text.includes("99"), "the plugin's prism_requests_total was dropped");
  assert.equal(
    text.split("\n").filter((l) => l === "# TYPE prism_redis_connected gauge").length,
    1,
  );
});

Deno.test("process metrics: without /proc, resident memory from Deno and no fd counts", async () => {
  const registry = new client.Registry();
  const lag = collectProcessMetrics(registry, { prefix: "x_", procfs: false });
  const text = await registry.metrics();
  const rss = Number(/^x_process_resident_memory_bytes (\d+)$/m.exec(text)?.[1]);
  assert.ok(rss > 0);
  assert.ok(!text.includes("x_process_open_fds"));
  assert.ok(!text.includes("nodejs_active_handles"));
  assert.ok(text.includes("x_process_cpu_seconds_total"));
  assert.ok(text.includes("x_nodejs_eventloop_lag_p99_seconds 0"), "idle: no samples");
  lag.close();
});

Deno.test("event-loop lag: sampled while calls come in, asleep once they stop", async () => {
  const registry = new client.Registry();
  const lag = collectProcessMetrics(registry, { procfs: true, lagIdleAfterMs: 60 });
  assert.equal(lag.sampling, false, "an idle process is not woken for it");
  lag.touch();
  assert.equal(lag.sampling, true);
  // Block the loop for 50 ms: the monitor sees it.
  await new Promise((r) => setTimeout(r, 30));
  const until = performance.now() + 50;
  while (performance.now() < until) { /* busy */ }
  await new Promise((r) => setTimeout(r, 30));
  const max = Number(
    /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(await registry.metrics())?.[1],
  );
  assert.ok(max >= 0.02, `max lag ${max}`);
  // No call for the idle period (twice: one check may land just after a touch).
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(lag.sampling, false, "no calls: asleep");
  lag.touch();
  assert.equal(lag.sampling, true, "a call wakes it");
  lag.close();
  assert.equal(lag.sampling, false);
});
