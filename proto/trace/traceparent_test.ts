import assert from "node:assert/strict";
import { formatTraceparent, parseTraceparent } from "./traceparent.ts";
import { otlpTracesUrl } from "./tracer.ts";
import { requestIdOf } from "../../proxy/trace/observed_call.ts";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const S = "00f067aa0ba902b7";

Deno.test("traceparent: valid headers parse and format back", () => {
  const ref = parseTraceparent(`00-${T}-${S}-01`);
  assert.deepEqual(ref, { traceId: T, spanId: S, flags: 1 });
  assert.equal(formatTraceparent(ref!), `00-${T}-${S}-01`);
  assert.equal(parseTraceparent(`00-${T}-${S}-00`)?.flags, 0, "not sampled");
  // A later version may carry more fields: the four known ones are used.
  assert.equal(parseTraceparent(`01-${T}-${S}-01-future`)?.traceId, T);
});

Deno.test("traceparent: invalid headers start a new trace (undefined)", () => {
  for (
    const bad of [
      undefined,
      "",
      "garbage",
      `00-${T.toUpperCase()}-${S}-01`, // uppercase hex
      `00-${"0".repeat(32)}-${S}-01`, // all-zero trace id
      `00-${T}-${"0".repeat(16)}-01`, // all-zero span id
      `ff-${T}-${S}-01`, // version ff
      `00-${T}-${S}-01-extra`, // version 00 has four fields
      `00-${T.slice(1)}-${S}-01`,
      `00-${T}-${S}-1`,
      `00-${T}-${S}-01${"x".repeat(600)}`,
    ]
  ) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
});

Deno.test("tracing: the OTLP traces URL from the standard variables", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(otlpTracesUrl(env({})), undefined);
  assert.equal(
    otlpTracesUrl(env({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" })),
    "http://c:4318/v1/traces",
  );
  assert.equal(
    otlpTracesUrl(env({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:4318/custom",
    })),
    "http://t:4318/custom",
  );
  const on = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" };
  assert.equal(otlpTracesUrl(env({ ...on, OTEL_SDK_DISABLED: "true" })), undefined);
  assert.equal(otlpTracesUrl(env({ ...on, OTEL_TRACES_EXPORTER: "none" })), undefined);
  assert.equal(
    otlpTracesUrl(() => {
      throw new Error("NotCapable");
    }),
    undefined,
  );
});

Deno.test("request ids: a client's reasonable id is kept, anything else replaced", () => {
  assert.equal(requestIdOf("abc-123_x.y"), "abc-123_x.y");
  for (const bad of [undefined, "", "has space", "new\nline", "x".repeat(129), "é"]) {
    const id = requestIdOf(bad);
    assert.match(id, /^[0-9a-f-]{36}$/, String(bad));
  }
});
