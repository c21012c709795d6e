/**
 * TLS on the client port (CONTRACT §7): a client that trusts the CA is
 * served (grpc-js, grpcurl), plaintext clients and clients that do not
 * trust it are refused, and the proxy keeps serving.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { credentials } from "@grpc/grpc-js";
import { collect, connect, unary } from "../proto/client.ts";
import { status } from "../proto/status.ts";
import { findGrpcurl } from "../tasks/tools.ts";
import { ConfigError } from "../proxy/config/config.ts";
import { parseConfig } from "../proxy/config/load.ts";
import { Logger } from "../proto/log/logger.ts";
import { Proxy } from "../proxy/server.ts";
import { makeCertificates } from "./_tls.ts";

Deno.test({ name: "tls: trusted clients are served, others refused" }, async () => {
  const certs = await makeCertificates();
  const proxy = await Proxy.start({
    config: parseConfig(
      `tls: { cert_file: "${certs.certFile}", key_file: "${certs.keyFile}" }\n`,
      "tls.yaml",
    ),
    listen: "127.0.0.1:0",
    admin: "127.0.0.1:0",
    log: new Logger({}, "error"),
  });
  const address = `localhost:${proxy.port}`;
  const trusted = connect(address, {}, credentials.createSsl(Buffer.from(certs.ca)));
  const plaintext = connect(address);
  const untrusted = connect(address, {}, credentials.createSsl());
  try {
    const value = new TextEncoder().encode("secret");
    await unary(trusted.keyvalue, "Set", { key: "k", value });
    const got = await unary(trusted.keyvalue, "Get", { key: "k" });
    assert.deepEqual(new Uint8Array(got.value), value);
    assert.deepEqual((await collect(trusted.scan.ScanKeys({ prefix: "" }))).map((e) => e.key), [
      "k",
    ]);

    // grpcurl, an independent client, with the CA.
    const grpcurl = await findGrpcurl();
    if (grpcurl) {
      const out = await new Deno.Command(grpcurl, {
        args: [
          "-cacert",
          certs.caFile,
          "-d",
          '{"key":"k"}',
          address,
          "prism.interfaces.keyvalue.KeyValueBasicInterface/Get",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      assert.match(new TextDecoder().decode(out.stdout), /"found": true/);
      const plain = await new Deno.Command(grpcurl, {
        args: [
          "-plaintext",
          "-max-time",
          "3",
          "-d",
          '{"key":"k"}',
          address,
          "prism.interfaces.keyvalue.KeyValueBasicInterface/Get",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(plain.success, false, "grpcurl -plaintext is refused");
    }

    const deadline = { deadline: Date.now() + 3000 };
    await assert.rejects(
      unary(plaintext.keyvalue, "Get", { key: "k" }, deadline),
      (e: { code: number }) => e.code === status.UNAVAILABLE,
      "a plaintext client is refused",
    );
    await assert.rejects(
      unary(untrusted.keyvalue, "Get", { key: "k" }, deadline),
      (e: { code: number }) => e.code === status.UNAVAILABLE,
      "a client that does not trust the CA is refused",
    );
    assert.equal((await unary(trusted.keyvalue, "Get", { key: "k" })).found, true, "still serving");
  } finally {
    trusted.close();
    plaintext.close();
    untrusted.close();
    await proxy.shutdown("test over");
    await certs.remove();
  }
});

Deno.test("tls: a certificate file that cannot be read is a config error", async () => {
  await assert.rejects(
    Proxy.start({
      config: parseConfig(
        `tls: { cert_file: /nonexistent.crt, key_file: /nonexistent.key }\n`,
        "t.yaml",
      ),
      listen: "127.0.0.1:0",
      log: new Logger({}, "error"),
    }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /tls\.cert_file: cannot read "\/nonexistent\.crt"/.test(e.message),
  );
  assert.throws(
    () => parseConfig(`tls: { cert_file: a.crt }\n`, "t.yaml"),
    /tls: missing key "key_file"/,
  );
});
