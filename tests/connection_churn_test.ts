/**
 * The proxy survives clients that come and go: h2load opens connections,
 * runs 64 calls at a time on each and closes them (GOAWAY) as soon as it is
 * done, over and over. Deno 2.9.4–2.9.6 abort inside nghttp2 on exactly this
 * (an assertion in find_stream_on_goaway_func; denoland/deno#36788), which
 * is why the project pins Deno 2.9.3; this test catches such a regression.
 *
 * @module
 */
import { connect, unary } from "../proto/client.ts";
import { findExecutable } from "../tasks/tools.ts";
import { assert } from "./_assert.ts";
import { spawnPrism } from "./_process.ts";

const h2load = await findExecutable("h2load");

/** A gRPC frame (uncompressed, length-prefixed) of SetRequest{key, value}. */
function setFrame(key: string, value: Uint8Array): Uint8Array {
  const k = new TextEncoder().encode(key);
  const msg = new Uint8Array([0x12, k.length, ...k, 0x1a, value.length, ...value]);
  const frame = new Uint8Array(5 + msg.length);
  new DataView(frame.buffer).setUint32(1, msg.length);
  frame.set(msg, 5);
  return frame;
}

Deno.test({
  name: h2load
    ? "connection churn: clients closing busy connections do not crash the proxy"
    : "connection churn: SKIPPED — h2load not found (deno task test installs nghttp2-client as root)",
  ignore: h2load === undefined,
}, async () => {
  const p = spawnPrism(["proxy", "--listen", "127.0.0.1:0"]);
  const body = await Deno.makeTempFile({ suffix: ".bin" });
  try {
    const { address } = await p.waitForLog("listening");
    await Deno.writeFile(body, setFrame("churn", new Uint8Array(100).fill(0x61)));
    let succeeded = 0;
    for (let round = 0; round < 8; round++) {
      const out = await new Deno.Command(h2load!, {
        args: [
          "-n",
          "2000",
          "-c",
          "2",
          "-m",
          "64",
          "-d",
          body,
          "-H",
          "content-type: application/grpc",
          "-H",
          "te: trailers",
          `http://${address}/prism.interfaces.keyvalue.KeyValueBasicInterface/Set`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const m = /(\d+) succeeded/.exec(new TextDecoder().decode(out.stdout));
      succeeded += m ? Number(m[1]) : 0;
    }
    assert.equal(succeeded, 8 * 2000, "every call of every round succeeded");
    const c = connect(String(address));
    try {
      const got = await unary(c.keyvalue, "Get", { key: "churn" }, { deadline: Date.now() + 5000 });
      assert.equal(got.found, true, "the proxy still serves");
      assert.equal(got.value.length, 100);
    } finally {
      c.close();
    }
  } finally {
    await Deno.remove(body);
    try {
      p.child.kill("SIGTERM");
    } catch { /* already gone: the assertion below says how */ }
    const status = await p.exited;
    assert.equal(
      status.code,
      0,
      `the proxy exited ${status.code} (signal ${status.signal}):\n${
        p.stderr.slice(-5).join("\n")
      }`,
    );
  }
});
