/**
 * Kafka with TLS and SASL, end to end (CONTRACT §9): a broker with a
 * SASL_SSL listener (a test CA's certificate; PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512 users), used through the proxy's kafka plugin with each
 * mechanism, the password from a variable or a file; a wrong password is a
 * clear UNAVAILABLE naming the cause, at start and in health, and the
 * secret appears nowhere. And a broker that demands client certificates
 * (mutual TLS): served with one, UNAVAILABLE without.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { unary } from "../proto/client.ts";
import { assert, bytes, sleep } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";
import { kafkaVersion, startKafka } from "./_kafka.ts";
import { subscribe } from "./_subscriber.ts";
import { makeCertificates } from "./_tls.ts";

Deno.test(`kafka ${kafkaVersion()} SASL_SSL: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 end to end, the password from a variable or a file; a wrong password is UNAVAILABLE naming the cause`, async () => {
  const certs = await makeCertificates();
  const secret = `s3cret-${crypto.randomUUID()}`;
  const kafka = await startKafka({
    saslSsl: { certFile: certs.certFile, keyFile: certs.keyFile, users: { app: secret } },
  });
  Deno.env.set("PRISM_TEST_KAFKA_PASSWORD", secret);
  Deno.env.set("PRISM_TEST_KAFKA_WRONG", "not-the-password");
  // One namespace reads its password from a file (a mounted secret, with its newline).
  const passwordFile = `${certs.dir}/kafka-password`;
  await Deno.writeTextFile(passwordFile, `${secret}\n`);
  const ns = (name: string, mechanism: string, secretFrom: string) =>
    `  - name: ${name}
    backend: kafka
    config:
      brokers: ["${kafka.saslSslBrokers}"]
      tls: { ca_file: "${certs.caFile}" }
      sasl: { mechanism: ${mechanism}, username: app, ${secretFrom} }
      connect_timeout_ms: 2000
`;
  const h = await startTestProxy(
    "namespaces:\n" +
      ns("plain", "plain", "password_env: PRISM_TEST_KAFKA_PASSWORD") +
      ns("scram256", "scram-sha-256", "password_env: PRISM_TEST_KAFKA_PASSWORD") +
      ns("scram512", "scram-sha-512", `password_file: "${passwordFile}"`) +
      ns("wrong", "scram-sha-256", "password_env: PRISM_TEST_KAFKA_WRONG"),
  );
  try {
    for (const name of ["plain", "scram256", "scram512"]) {
      const sub = await subscribe(h.clients, name, "orders");
      for (let i = 0; i < 5; i++) {
        await unary(h.clients.pubsub, "Publish", {
          namespace: name,
          topic: "orders",
          payload: bytes(`${name}-${i}`),
        });
      }
      const got = await sub.waitFor(5, 20_000);
      assert.deepEqual(
        got.map((m) => new TextDecoder().decode(m.payload)),
        [0, 1, 2, 3, 4].map((i) => `${name}-${i}`),
      );
      sub.cancel();
    }

    // The wrong password: UNAVAILABLE naming the cause.
    let message = "";
    const t0 = Date.now();
    for (;;) {
      try {
        await unary(h.clients.pubsub, "Publish", {
          namespace: "wrong",
          topic: "orders",
          payload: bytes("x"),
        }, { deadline: Date.now() + 5000 });
        throw new Error("a publish with the wrong password succeeded");
      } catch (err) {
        const e = err as { code?: number; details?: string };
        if (e.code === undefined) throw err;
        assert.equal(e.code, status.UNAVAILABLE, e.details ?? "");
        message = e.details ?? "";
        if (/SASL|authentication/i.test(message)) break;
      }
      if (Date.now() - t0 > 20_000) throw new Error(`no cause named: ${message}`);
      await sleep(200);
    }
    assert.match(message, /SASL|authentication/i);
    const t1 = Date.now();
    for (;;) {
      const health = h.proxy.namespaces().find((n) => n.name === "wrong")!.health;
      if (!health.serving) {
        assert.match(health.message, /SASL|authentication|unreachable|UNHEALTHY/i);
        break;
      }
      if (Date.now() - t1 > 20_000) throw new Error(`health still serving: ${health.message}`);
      await sleep(200);
    }
    assert.ok(!message.includes("not-the-password"));
    for (const line of h.logs) {
      assert.ok(!line.includes(secret), `a log line shows the secret: ${line}`);
      assert.ok(!line.includes("not-the-password"), `a log line shows the password: ${line}`);
    }
  } finally {
    await h.stop();
    await kafka.stop();
    await certs.remove();
    Deno.env.delete("PRISM_TEST_KAFKA_PASSWORD");
    Deno.env.delete("PRISM_TEST_KAFKA_WRONG");
  }
});

Deno.test(`kafka ${kafkaVersion()} mutual TLS: the plugin presents its client certificate; without one the broker refuses it and calls are UNAVAILABLE`, async () => {
  const certs = await makeCertificates();
  const kafka = await startKafka({
    mutualTls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile },
  });
  const ns = (name: string, tls: string) =>
    `  - name: ${name}
    backend: kafka
    config:
      brokers: ["${kafka.mutualTlsBrokers}"]
      tls: { ${tls} }
      connect_timeout_ms: 2000
`;
  const h = await startTestProxy(
    "namespaces:\n" +
      ns(
        "mtls",
        `ca_file: "${certs.caFile}", cert_file: "${certs.certFile}", key_file: "${certs.keyFile}"`,
      ) +
      ns("nocert", `ca_file: "${certs.caFile}"`),
  );
  try {
    const sub = await subscribe(h.clients, "mtls", "orders");
    for (let i = 0; i < 3; i++) {
      await unary(h.clients.pubsub, "Publish", {
        namespace: "mtls",
        topic: "orders",
        payload: bytes(`m-${i}`),
      });
    }
    const got = await sub.waitFor(3, 20_000);
    assert.deepEqual(got.map((m) => new TextDecoder().decode(m.payload)), ["m-0", "m-1", "m-2"]);
    sub.cancel();
    // Without a client certificate: UNAVAILABLE, never an answer.
    const t0 = Date.now();
    for (;;) {
      try {
        await unary(h.clients.pubsub, "Publish", {
          namespace: "nocert",
          topic: "orders",
          payload: bytes("x"),
        }, { deadline: Date.now() + 5000 });
        throw new Error("a publish without a client certificate succeeded");
      } catch (err) {
        const e = err as { code?: number; details?: string };
        if (e.code === undefined) throw err;
        if (e.code === status.UNAVAILABLE) break;
        assert.equal(e.code, status.DEADLINE_EXCEEDED, e.details ?? "");
      }
      if (Date.now() - t0 > 20_000) throw new Error("no UNAVAILABLE without a client certificate");
      await sleep(200);
    }
  } finally {
    await h.stop();
    await kafka.stop();
    await certs.remove();
  }
});
