/**
 * Tracing and the access log (CONTRACT §8), end to end with a real
 * redis-server and the redis plugin: a client's `traceparent` is continued
 * by the proxy's span and, as its child, by the plugin's; both are exported
 * over OTLP/HTTP to a receiver in this test; the request id and trace id
 * appear in the proxy's access line and in the plugin's log line for the
 * same call.
 *
 * @module
 */
import { Metadata } from "@grpc/grpc-js";
import { unary } from "../proto/client.ts";
import { assert, bytes, sleep } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { startRedis } from "./_redis.ts";

interface OtlpSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
}

/** An OTLP/HTTP (JSON) traces receiver. */
function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (new URL(req.url).pathname !== "/v1/traces") return new Response("", { status: 404 });
    const body = await req.json();
    for (const rs of body.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a: { key: string }) =>
        a.key === "service.name"
      )?.value?.stringValue;
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attributes: Record<string, unknown> = {};
          for (const a of s.attributes ?? []) {
            attributes[a.key] = Object.values(a.value ?? {})[0];
          }
          spans.push({ ...s, service, attributes });
        }
      }
    }
    return Response.json({});
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, spans, stop: () => server.shutdown() };
}

Deno.test({
  name: "tracing: the client's trace continues through the proxy's span to the plugin's (OTLP)",
}, async () => {
  const receiver = otlpReceiver();
  const saved = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_BSP_SCHEDULE_DELAY", "PRISM_LOG_LEVEL"].map(
    (k) => [k, Deno.env.get(k)] as const,
  );
  Deno.env.set("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url);
  Deno.env.set("OTEL_BSP_SCHEDULE_DELAY", "100");
  Deno.env.set("PRISM_LOG_LEVEL", "debug"); // the plugin's "call served" lines
  const redis = await startRedis();
  const h = await startTestProxy(
    `log: { access: true }
namespaces:
  - { name: default, backend: memstore }
  - { name: cache, backend: redis, config: { url: "${redis.url}" } }
`,
  );
  try {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpan = "00f067aa0ba902b7";
    const md = new Metadata();
    md.set("traceparent", `00-${traceId}-${clientSpan}-01`);
    md.set("x-request-id", "req-trace-1");
    await new Promise<void>((resolve, reject) =>
      h.clients.keyvalue.Set(
        { namespace: "cache", key: "traced", value: bytes("v") },
        md,
        (err) => err ? reject(err) : resolve(),
      )
    );
    // A call without a traceparent starts a trace of its own.
    await unary(h.clients.keyvalue, "Get", { namespace: "default", key: "traced" });

    const deadline = Date.now() + 15_000;
    const find = () => {
      const proxy = receiver.spans.find((s) =>
        s.service === "prism-proxy" && s.traceId === traceId
      );
      const plugin = proxy &&
        receiver.spans.find((s) => s.service === "prism-plugin-redis" && s.traceId === traceId);
      return { proxy, plugin };
    };
    while ((!find().plugin || receiver.spans.length < 3) && Date.now() < deadline) await sleep(50);
    const { proxy, plugin } = find();
    assert.ok(proxy, `the proxy's span: ${JSON.stringify(receiver.spans)}`);
    assert.equal(proxy.parentSpanId, clientSpan, "the proxy's span is the client's span's child");
    assert.equal(proxy.name, "prism.interfaces.keyvalue.KeyValueBasicInterface/Set");
    assert.equal(proxy.kind, 2, "SERVER");
    assert.equal(proxy.attributes["prism.namespace"], "cache");
    assert.equal(proxy.attributes["prism.request_id"], "req-trace-1");
    assert.equal(Number(proxy.attributes["rpc.grpc.status_code"]), 0);
    assert.ok(plugin, `the plugin's span: ${JSON.stringify(receiver.spans)}`);
    assert.equal(
      plugin.parentSpanId,
      proxy.spanId,
      "the plugin's span is the proxy's span's child",
    );
    assert.equal(plugin.attributes["prism.request_id"], "req-trace-1");
    const own = receiver.spans.find((s) =>
      s.service === "prism-proxy" && s.traceId !== traceId && s.name.endsWith("/Get")
    );
    assert.ok(own, "an untraced call gets a trace of its own");
    assert.ok(own.parentSpanId === undefined || own.parentSpanId === "", "as its root");

    // The same request id and trace id in the proxy's access line and the plugin's log line.
    const lines = h.logs.map((l) => JSON.parse(l));
    const access = lines.find((l) => l.msg === "access" && l.request_id === "req-trace-1");
    assert.ok(access, "the proxy's access line");
    assert.equal(access.trace_id, traceId);
    assert.equal(access.namespace, "cache");
    assert.equal(access.method, "Set");
    assert.equal(access.code, "OK");
    assert.ok(access.bytes_in > 0 && access.duration_ms >= 0);
    const served = lines.find((l) =>
      l.msg === "call served" && l.component === "plugin" && l.request_id === "req-trace-1"
    );
    assert.ok(served, "the plugin's line for the same call");
    assert.equal(served.trace_id, traceId);
  } finally {
    await h.stop();
    await redis.stop();
    await receiver.stop();
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});

Deno.test({
  name:
    "access log: failed calls always, successful ones sampled; calls refused before routing too",
}, async () => {
  const h = await startTestProxy(
    `log: { access: true, access_sample: 0.000001 }
namespaces: [{ name: default, backend: memstore }]
`,
  );
  try {
    for (let i = 0; i < 20; i++) {
      await unary(h.clients.keyvalue, "Set", { key: `k${i}`, value: bytes("v") });
    }
    await unary(h.clients.keyvalue, "Get", { namespace: "nope", key: "k" }).catch(() => {});
    const access = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "access");
    assert.equal(access.filter((l) => l.code === "OK").length, 0, "OK calls sampled away");
    const refused = access.filter((l) => l.code === "NOT_FOUND");
    assert.equal(refused.length, 1);
    assert.equal(refused[0].namespace, "");
    assert.equal(refused[0].method, "Get");
    assert.equal(typeof refused[0].request_id, "string");
  } finally {
    await h.stop();
  }
});
