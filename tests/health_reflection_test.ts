/**
 * `grpc.health.v1.Health` (overall and per namespace) and server reflection
 * on the proxy's port (CONTRACT §2), checked with real clients: grpc-js for
 * health, `grpcurl` for reflection (the tool the README shows).
 *
 * @module
 */
import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../proto/definitions.ts";
import { assert } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { findGrpcurl } from "../tasks/tools.ts";

type Check = (
  req: { service: string },
  cb: (err: ServiceError | null, res: { status: string }) => void,
) => void;

Deno.test({ name: "health: overall and per namespace" }, async () => {
  const h = await startTestProxy(
    "namespaces: [{ name: default, backend: memstore }, { name: other, backend: memstore }]",
  );
  const Health = makeGenericClientConstructor(serviceDefinition(SERVICE_NAMES.health), "Health");
  const client = new Health(h.address, credentials.createInsecure()) as unknown as {
    Check: Check;
    close(): void;
  };
  const check = (service: string) =>
    new Promise<string>((resolve, reject) =>
      client.Check({ service }, (err, res) => err ? reject(err) : resolve(res.status))
    );
  try {
    assert.equal(await check(""), "SERVING");
    assert.equal(await check("default"), "SERVING");
    assert.equal(await check("other"), "SERVING");
    await assert.rejects(check("nope"), (e: ServiceError) => e.code === 5); // NOT_FOUND
    h.proxy.shutdown("test");
    // During and after the drain the proxy reports NOT_SERVING or is gone.
    const during = await check("").catch((e: ServiceError) => `error ${e.code}`);
    assert.ok(during === "NOT_SERVING" || during.startsWith("error"), during);
  } finally {
    client.close();
    await h.stop();
  }
});

const grpcurl = await findGrpcurl();

Deno.test({
  name: grpcurl
    ? "reflection: grpcurl lists, describes and calls services without .proto files"
    : "reflection: SKIPPED — grpcurl not found (deno task test installs it where Go is available)",
  ignore: grpcurl === undefined,
}, async () => {
  const h = await startTestProxy("namespaces: [{ name: default, backend: memstore }]");
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(grpcurl!, {
      args: ["-plaintext", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `grpcurl ${args.join(" ")} failed: ${text}`);
    return text;
  };
  try {
    const list = await run(h.address, "list");
    for (
      const s of [
        "prism.interfaces.keyvalue.KeyValueBasicInterface",
        "prism.interfaces.keyvalue.KeyValueScanInterface",
        "prism.interfaces.keyvalue.KeyValueTTLInterface",
        "prism.interfaces.list.ListBasicInterface",
        "prism.interfaces.pubsub.PubSubBasicInterface",
        "prism.interfaces.stream.StreamBasicInterface",
        "grpc.health.v1.Health",
      ]
    ) assert.ok(list.includes(s), `${s} missing from: ${list}`);
    // Only plugins serve the lifecycle service: the proxy does not offer it.
    assert.ok(!list.includes("prism.interfaces.lifecycle"), `lifecycle listed: ${list}`);
    const describe = await run(h.address, "describe", "prism.interfaces.keyvalue.SetRequest");
    // protobufjs (under proto-loader and @grpc/reflection) describes a proto3
    // `optional` field as the synthetic one-field oneof it stands for.
    assert.match(describe, /oneof _ttl_seconds \{\s+int64 ttl_seconds = 4/);
    // Map fields must be described the way strict clients (Go protobuf) accept.
    const publish = await run(h.address, "describe", "prism.interfaces.pubsub.PublishRequest");
    assert.match(publish, /map<string, string> metadata = 4;/);
    const stream = await run(h.address, "describe", "prism.interfaces.stream.Record");
    assert.match(stream, /map<string, string> metadata = 3;/);
    await run(
      "-d",
      '{"key":"a","value":"YQ=="}',
      h.address,
      "prism.interfaces.keyvalue.KeyValueBasicInterface/Set",
    );
    const got = JSON.parse(
      await run(
        "-d",
        '{"key":"a"}',
        h.address,
        "prism.interfaces.keyvalue.KeyValueBasicInterface/Get",
      ),
    );
    assert.deepEqual(got, { value: "YQ==", found: true });
    const scan = await run(
      "-d",
      '{"prefix":""}',
      h.address,
      "prism.interfaces.keyvalue.KeyValueScanInterface/ScanKeys",
    );
    assert.match(scan, /"key": "a"/);
  } finally {
    await h.stop();
  }
});
