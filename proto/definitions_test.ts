import assert from "node:assert/strict";
import {
  DATA_SERVICES,
  reflectionPackageDefinition,
  SERVICE_NAMES,
  serviceDefinition,
} from "./definitions.ts";

Deno.test("every contract service is defined with its methods", () => {
  const methods: Record<string, string[]> = {
    [SERVICE_NAMES.keyvalueBasic]: ["Set", "Get", "Delete", "Exists"],
    [SERVICE_NAMES.keyvalueScan]: ["Scan", "ScanKeys", "Count"],
    [SERVICE_NAMES.keyvalueTtl]: ["Expire", "GetTTL", "Persist"],
    [SERVICE_NAMES.list]: ["PushLeft", "PushRight", "PopLeft", "PopRight", "Length"],
    [SERVICE_NAMES.pubsub]: ["Publish", "Subscribe", "Unsubscribe"],
    [SERVICE_NAMES.stream]: ["Append", "Read", "Trim"],
    [SERVICE_NAMES.lifecycle]: ["Initialize", "Start", "Drain", "Stop", "HealthCheck", "Metrics"],
    [SERVICE_NAMES.health]: ["Check", "Watch"],
  };
  for (const [service, names] of Object.entries(methods)) {
    const def = serviceDefinition(service as never);
    assert.deepEqual(Object.keys(def).sort(), [...names].sort(), service);
  }
  assert.equal(DATA_SERVICES.length, 6);
  const streaming = ["Scan", "ScanKeys", "Subscribe", "Read"];
  for (const service of DATA_SERVICES) {
    for (const [name, m] of Object.entries(serviceDefinition(service))) {
      assert.equal(m.responseStream, streaming.includes(name), `${service}/${name}`);
      assert.equal(m.requestStream, false);
    }
  }
  assert.throws(
    () => serviceDefinition("prism.interfaces.keyvalue.SetRequest" as never),
    /Cannot find service/,
  );
});

Deno.test("messages round-trip with contract field names and proto3 presence", () => {
  const set = serviceDefinition(SERVICE_NAMES.keyvalueBasic).Set;
  type Req = { namespace: string; ttl_seconds?: number; metadata: Record<string, string> };
  const absent = <Req> set.requestDeserialize(
    set.requestSerialize({ key: "k", value: new Uint8Array([1]) }),
  );
  assert.equal(absent.namespace, "");
  assert.equal(absent.ttl_seconds, undefined, "absent optional TTL stays absent");
  const zero = <Req> set.requestDeserialize(set.requestSerialize({ key: "k", ttl_seconds: 0 }));
  assert.equal(zero.ttl_seconds, 0);
  const publish = serviceDefinition(SERVICE_NAMES.pubsub).Publish;
  const msg = <Req> publish.requestDeserialize(
    publish.requestSerialize({ topic: "t", payload: new Uint8Array(0), metadata: { a: "1" } }),
  );
  assert.deepEqual({ ...msg.metadata }, { a: "1" });
});

Deno.test("reflection descriptors name map entries as strict clients require", () => {
  const files = Object.values(reflectionPackageDefinition())[0].fileDescriptorProtos;
  assert.ok(files.length >= 5);
  const text = files.map((f) => new TextDecoder("latin1").decode(f)).join("");
  assert.ok(text.includes("MetadataEntry"), "map entry type is <Field>Entry");
  assert.ok(text.includes("DetailsEntry"));
  assert.ok(text.includes("grpc.health.v1"), "health is described too");
});
