/**
 * The proxy's conformance suites (`tests/conformance/`), run straight
 * against the redis plugin's gRPC port (the proxy adds validation and
 * routing on top; the semantics are the plugin's).
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { keyvalueBasicSuite } from "../../tests/conformance/keyvalue_basic.ts";
import { keyvalueScanSuite } from "../../tests/conformance/keyvalue_scan.ts";
import { keyvalueTtlSuite } from "../../tests/conformance/keyvalue_ttl.ts";
import { listBasicSuite } from "../../tests/conformance/list_basic.ts";
import type { Target } from "../../tests/conformance/target.ts";
import { startRedis } from "../../tests/_redis.ts";
import { startPlugin } from "./_test_helpers.ts";

Deno.test({ name: "redis plugin: conformance suites" }, async (t) => {
  const redis = await startRedis();
  const plugin = await startPlugin({ url: redis.url }, "conf");
  try {
    const target: Target = {
      backend: "redis",
      namespace: "conf",
      clients: plugin.c,
      interfaces: new Set(REDIS_INTERFACES),
      runId: `run-${crypto.randomUUID().slice(0, 8)}`,
    };
    await t.step(SERVICE_NAMES.keyvalueBasic, (t) => keyvalueBasicSuite(t, target));
    await t.step(SERVICE_NAMES.keyvalueScan, (t) => keyvalueScanSuite(t, target));
    await t.step(SERVICE_NAMES.keyvalueTtl, (t) => keyvalueTtlSuite(t, target));
    await t.step(SERVICE_NAMES.list, (t) => listBasicSuite(t, target));
  } finally {
    await plugin.stop();
    await redis.stop();
  }
});

const REDIS_INTERFACES = [
  SERVICE_NAMES.keyvalueBasic,
  SERVICE_NAMES.keyvalueScan,
  SERVICE_NAMES.keyvalueTtl,
  SERVICE_NAMES.list,
];
