/**
 * Interop with Python's grpcio (the C-core gRPC stack, independent of every
 * library the project uses): unary calls, a server stream, error statuses
 * with their messages, metadata, a deadline, and the health service —
 * through the proxy. grpcio is installed by `deno task test` with pip;
 * without Python the test is skipped with a message.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { SERVICE_NAMES, serviceDefinition } from "../proto/definitions.ts";
import { ensurePythonPackage } from "../tasks/ensure_tools.ts";
import { startTestProxy } from "./_harness.ts";

const available = await ensurePythonPackage("grpc").catch(() => false);

/**
 * The Python side: reads calls as JSON (path, kind, request bytes in
 * base64, metadata, timeout) from stdin, runs each with grpcio's generic
 * byte-level API, prints one JSON line per call.
 */
const CLIENT = `
import base64, json, sys, grpc
target, calls = sys.argv[1], json.load(sys.stdin)
channel = grpc.insecure_channel(target)
for c in calls:
    ident = lambda b: b
    req = base64.b64decode(c["request"])
    md = [tuple(kv) for kv in c.get("metadata", [])]
    out = {"name": c["name"]}
    try:
        if c["kind"] == "unary":
            fn = channel.unary_unary(c["path"], request_serializer=ident, response_deserializer=ident)
            res, call = fn.with_call(req, metadata=md, timeout=c.get("timeout"))
            out["responses"] = [base64.b64encode(res).decode()]
            out["code"] = call.code().name
        else:
            fn = channel.unary_stream(c["path"], request_serializer=ident, response_deserializer=ident)
            it = fn(req, metadata=md, timeout=c.get("timeout"))
            out["responses"] = [base64.b64encode(m).decode() for m in it]
            out["code"] = it.code().name
    except grpc.RpcError as e:
        out["code"] = e.code().name
        out["details"] = e.details()
    print(json.dumps(out), flush=True)
channel.close()
`;

Deno.test({
  name: available
    ? "interop: Python grpcio calls the proxy (unary, streams, errors, metadata, deadlines, health)"
    : "interop: SKIPPED — Python's grpcio is not available (pip install grpcio)",
  ignore: !available,
}, async () => {
  const h = await startTestProxy("namespaces: [{ name: default, backend: memstore }]");
  const kv = serviceDefinition(SERVICE_NAMES.keyvalueBasic);
  const scan = serviceDefinition(SERVICE_NAMES.keyvalueScan);
  const health = serviceDefinition(SERVICE_NAMES.health);
  const call = (
    name: string,
    def: { path: string; requestSerialize(v: never): Uint8Array },
    request: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => ({
    name,
    path: def.path,
    kind: "unary",
    request: Buffer.from(def.requestSerialize(request as never)).toString("base64"),
    ...extra,
  });
  const calls = [
    ...Array.from(
      { length: 50 },
      (_, i) =>
        call(`set${i}`, kv.Set, { key: `py:${i}`, value: new TextEncoder().encode(`v${i}`) }),
    ),
    call("get", kv.Get, { key: "py:7" }, { metadata: [["x-request-id", "py-1"]], timeout: 5 }),
    call("scan", scan.Scan, { prefix: "py:" }, { kind: "stream" }),
    call("empty-key", kv.Get, { key: "" }),
    call("bad-namespace", kv.Get, { namespace: "nope", key: "k" }),
    call("health", health.Check, { service: "default" }),
    call("unknown-health", health.Check, { service: "nope" }),
  ];
  try {
    const child = new Deno.Command("python3", {
      args: ["-c", CLIENT, h.address],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(calls)));
    await w.close();
    const out = await child.output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const results = new Map<string, { code: string; details?: string; responses?: string[] }>(
      new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => {
        const r = JSON.parse(l);
        return [r.name, r];
      }),
    );
    const decode = (def: { responseDeserialize(b: Uint8Array): unknown }, b64: string) =>
      def.responseDeserialize(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))) as Record<
        string,
        unknown
      >;
    for (let i = 0; i < 50; i++) assert.equal(results.get(`set${i}`)?.code, "OK");
    const get = results.get("get")!;
    assert.equal(get.code, "OK");
    assert.equal(
      new TextDecoder().decode(decode(kv.Get, get.responses![0]).value as Uint8Array),
      "v7",
    );
    const scanned = results.get("scan")!;
    assert.equal(scanned.code, "OK");
    assert.equal(scanned.responses!.length, 50, "every key, each once");
    const keys = new Set(scanned.responses!.map((r) => decode(scan.Scan, r).key));
    assert.equal(keys.size, 50);
    assert.deepEqual(results.get("empty-key"), {
      name: "empty-key",
      code: "INVALID_ARGUMENT",
      details: "Cannot Get as 'key' is empty",
    });
    assert.equal(results.get("bad-namespace")!.code, "NOT_FOUND");
    assert.match(results.get("bad-namespace")!.details!, /namespace "nope" is not configured/);
    assert.equal(decode(health.Check, results.get("health")!.responses![0]).status, "SERVING");
    assert.equal(results.get("unknown-health")!.code, "NOT_FOUND");
  } finally {
    await h.stop();
  }
});
