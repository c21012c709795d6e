import assert from "node:assert/strict";
import { Tracer } from "./tracer.ts";

const PARENT = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };

Deno.test("tracer: off without an endpoint; spans exported, sampling as configured", async () => {
  assert.equal(await Tracer.fromEnv("t", { env: () => undefined }), undefined);
  const bodies: string[] = [];
  const sink = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    bodies.push(await req.text());
    return Response.json({});
  });
  const endpoint = `http://127.0.0.1:${sink.addr.port}`;
  try {
    const vars = (extra: Record<string, string>) => (n: string) =>
      ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...extra } as Record<string, string>)[n];
    // Default (parent-based, always on): a client's decision is kept, a new trace sampled.
    const tracer = (await Tracer.fromEnv("prism-test", { env: vars({}), version: "9.9.9" }))!;
    assert.equal(tracer.url, `${endpoint}/v1/traces`);
    const root = tracer.startServer("root", undefined, { a: 1 });
    assert.equal(root.ref.flags & 1, 1);
    root.set("b", true);
    root.end(0);
    const child = tracer.startServer("child", { ...PARENT, flags: 1 }, {});
    assert.equal(child.ref.traceId, PARENT.traceId);
    assert.notEqual(child.ref.spanId, PARENT.spanId);
    child.end(14, "backend down");
    const unsampled = tracer.startServer("unsampled", { ...PARENT, flags: 0 }, {});
    assert.equal(unsampled.ref.flags & 1, 0, "the client said not sampled");
    unsampled.end(0);
    await tracer.shutdown();
    const all = bodies.join("\n");
    assert.match(all, /"name":"root"/);
    assert.match(all, /"name":"child"/);
    assert.doesNotMatch(all, /"name":"unsampled"/);
    assert.match(all, /"stringValue":"prism-test"/);
    assert.match(all, /backend down/);

    const off = (await Tracer.fromEnv("t", { env: vars({ OTEL_TRACES_SAMPLER: "always_off" }) }))!;
    assert.equal(off.startServer("x", undefined, {}).ref.flags & 1, 0);
    await off.shutdown();
    const none = (await Tracer.fromEnv("t", {
      env: vars({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" }),
    }))!;
    assert.equal(none.startServer("x", undefined, {}).ref.flags & 1, 0, "ratio 0");
    assert.equal(
      none.startServer("y", { ...PARENT, flags: 1 }, {}).ref.flags & 1,
      1,
      "parent wins",
    );
    await none.shutdown();
  } finally {
    await sink.shutdown();
  }
});
