/**
 * Security (CONTRACT §7) with real keys and tokens: JWTs signed with RS256,
 * ES256 and EdDSA keys, verified against a JWKS from a file and from an
 * HTTPS server with its own CA (rotated while the proxy runs), HS256 with a
 * secret from the environment; every kind of bad token refused with
 * UNAUTHENTICATED; scopes per namespace; the audit trail; and the plugin
 * channel, which an attacker on the host finds and calls in vain.
 */
import assert from "node:assert/strict";
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import { Buffer } from "node:buffer";
import { connect, type PrismClients, unary } from "../proto/client.ts";
import { status } from "../proto/status.ts";
import { startTestProxy, type TestProxy } from "./_harness.ts";
import { startRedis } from "./_redis.ts";
import { makeCertificates } from "./_tls.ts";

const ISSUER = "https://id.example.test";
const AUDIENCE = "prism";

interface Signer {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signer(alg: "RS256" | "ES256" | "EdDSA", kid: string): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk };
}

function token(
  s: Signer | { alg: "HS256"; secret: Uint8Array },
  claims: Record<string, unknown> = {},
  opts: { iss?: string; aud?: string; exp?: number; nbf?: number; sub?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: "prism:*:write", ...claims })
    .setProtectedHeader("kid" in s ? { alg: s.alg, kid: s.kid } : { alg: "HS256" })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setSubject(opts.sub ?? "svc-test")
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 300);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return "secret" in s ? jwt.sign(s.secret) : jwt.sign(s.privateKey);
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

function clientWith(h: TestProxy, jwt?: string): PrismClients {
  return connect(h.address, {}, undefined, jwt ? [["authorization", `Bearer ${jwt}`]] : []);
}

async function code(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
    return { code: 0, details: "" };
  } catch (e) {
    const err = e as { code: number; details: string };
    return { code: err.code, details: err.details };
  }
}

Deno.test(
  { name: "auth: JWKS from a file — algorithms, bad tokens, scopes, audit" },
  async () => {
    const rs = await signer("RS256", "rs-1");
    const es = await signer("ES256", "es-1");
    const ed = await signer("EdDSA", "ed-1");
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/jwks.json`,
      JSON.stringify({ keys: [rs.jwk, es.jwk, ed.jwk] }),
    );
    const h = await startTestProxy(
      `auth: { jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwks_file: "${dir}/jwks.json", clock_skew_seconds: 5 } }\nnamespaces:\n  - { name: default, backend: memstore }\n  - { name: other, backend: memstore }\n`,
    );
    const clients: PrismClients[] = [];
    const as = (jwt?: string) => {
      const c = clientWith(h, jwt);
      clients.push(c);
      return c;
    };
    try {
      // Each algorithm works.
      for (const s of [rs, es, ed]) {
        const c = as(await token(s));
        assert.equal(
          (await unary(c.keyvalue, "Set", { key: `k-${s.alg}`, value: new Uint8Array([1]) }))
            .success,
          true,
        );
        assert.equal((await unary(c.keyvalue, "Get", { key: `k-${s.alg}` })).found, true, s.alg);
      }
      // Every kind of bad token: UNAUTHENTICATED, saying which, never echoing the token.
      const now = Math.floor(Date.now() / 1000);
      const good = await token(rs);
      const [h0, p0] = good.split(".");
      const tampered = `${h0}.${
        b64url({
          ...JSON.parse(Buffer.from(p0, "base64url").toString()),
          scope: "prism:*:write admin",
        })
      }.${good.split(".")[2]}`;
      const spki = await exportSPKI(
        (await generateKeyPair("RS256", { extractable: true })).publicKey,
      );
      const rsPublicPem = new TextEncoder().encode(spki);
      const cases: [string, string | undefined, RegExp][] = [
        ["missing", undefined, /missing bearer token/],
        ["malformed", "not.a.jwt", /malformed \(not a signed JWT\)/],
        ["bad signature", tampered, /signature does not verify/],
        ["expired", await token(rs, {}, { exp: now - 60 }), /has expired/],
        ["not yet valid", await token(rs, {}, { nbf: now + 120 }), /not valid yet/],
        [
          "wrong issuer",
          await token(rs, {}, { iss: "https://evil.example" }),
          /issuer is not "https:\/\/id\.example\.test"/,
        ],
        [
          "wrong audience",
          await token(rs, {}, { aud: "someone-else" }),
          /audience does not include "prism"/,
        ],
        [
          "alg none",
          `${b64url({ alg: "none" })}.${
            b64url({ iss: ISSUER, aud: AUDIENCE, exp: now + 60, scope: "prism:*:write" })
          }.`,
          /algorithm "none" is not accepted \(accepted: RS256, ES256, EdDSA\)/,
        ],
        [
          "HS256 signed with an RSA public key",
          await token({ alg: "HS256", secret: rsPublicPem }),
          /algorithm "HS256" is not accepted/,
        ],
        [
          "unknown kid",
          await token(await signer("RS256", "rs-unknown")),
          /no key of the JWKS matches/,
        ],
      ];
      for (const [name, jwt, want] of cases) {
        const r = await code(unary(as(jwt).keyvalue, "Get", { key: "k" }));
        assert.equal(r.code, status.UNAUTHENTICATED, `${name}: ${r.details}`);
        assert.match(r.details, want, name);
        if (jwt) {
          assert.ok(
            !r.details.includes(jwt.slice(0, 20)),
            `${name}: the token is not echoed`,
          );
        }
      }
      // Malformed authorization header.
      const basic = connect(h.address, {}, undefined, [["authorization", "Basic dXNlcjpwYXNz"]]);
      clients.push(basic);
      assert.match(
        (await code(unary(basic.keyvalue, "Get", { key: "k" }))).details,
        /expected: Bearer <JWT>/,
      );

      // Scopes: read, write (implies read), per namespace, `*`, and `scp` lists.
      const reader = as(await token(es, { scope: "prism:default:read" }));
      assert.equal((await unary(reader.keyvalue, "Get", { key: "k-ES256" })).found, true);
      const denied = await code(
        unary(reader.keyvalue, "Set", { key: "k", value: new Uint8Array() }),
      );
      assert.equal(denied.code, status.PERMISSION_DENIED);
      assert.match(denied.details, /Set on namespace "default" needs scope "prism:default:write"/);
      const pop = await code(unary(reader.list, "PopLeft", { list_key: "l" }));
      assert.equal(pop.code, status.PERMISSION_DENIED, "PopLeft is a write");
      const elsewhere = await code(unary(reader.keyvalue, "Get", { namespace: "other", key: "k" }));
      assert.equal(elsewhere.code, status.PERMISSION_DENIED);
      assert.match(elsewhere.details, /needs scope "prism:other:read"/);
      const writer = as(await token(ed, { scope: undefined, scp: ["prism:other:write"] }));
      assert.equal(
        (await unary(writer.keyvalue, "Get", { namespace: "other", key: "k" })).found,
        false,
      );
      assert.equal(
        (await unary(writer.list, "PushLeft", {
          namespace: "other",
          list_key: "l",
          value: new Uint8Array([1]),
        })).new_length,
        1,
      );
      assert.equal(
        (await code(unary(writer.keyvalue, "Get", { key: "k" }))).code,
        status.PERMISSION_DENIED,
      );
      const none = as(await token(rs, { scope: "openid profile" }));
      assert.match(
        (await code(unary(none.keyvalue, "Get", { key: "k" }))).details,
        /has no prism scopes/,
      );

      // Health and reflection need no token.
      const anonymous = as();
      const health = await new Deno.Command("grpcurl", {
        args: ["-plaintext", "-d", '{"service":""}', h.address, "grpc.health.v1.Health/Check"],
        stdout: "piped",
        stderr: "piped",
      }).output().catch(() => undefined);
      if (health) assert.match(new TextDecoder().decode(health.stdout), /SERVING/);
      void anonymous;

      // The audit trail: one line per refused call, with who, where and why; no token.
      const audit = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "call refused");
      assert.ok(audit.length >= cases.length + 4, `${audit.length} audit lines`);
      const expired = audit.find((l) => /has expired/.test(l.reason));
      assert.equal(expired.code, "UNAUTHENTICATED");
      assert.equal(expired.method, "Get");
      assert.equal(expired.namespace, "default");
      const perm = audit.find((l) => l.code === "PERMISSION_DENIED" && l.method === "PopLeft");
      assert.equal(perm.subject, "svc-test");
      assert.ok(!h.logs.some((l) => l.includes(good.slice(-30))), "no token in the logs");

      // A flood of refusals is rate-limited.
      const flood = as("x.y.z");
      const before = h.logs.filter((l) => l.includes('"call refused"')).length;
      await Promise.all(
        Array.from({ length: 300 }, () => code(unary(flood.keyvalue, "Get", { key: "k" }))),
      );
      const after = h.logs.filter((l) => l.includes('"call refused"')).length;
      assert.ok(after - before < 120, `${after - before} lines for 300 refusals`);
    } finally {
      for (const c of clients) c.close();
      await h.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test({
  name: "auth: JWKS over HTTPS (own CA), a key rotated while running; HS256 from the environment",
}, async () => {
  const certs = await makeCertificates();
  const a = await signer("ES256", "key-a");
  const b = await signer("RS256", "key-b");
  let keys: JWK[] = [a.jwk];
  let fetches = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: certs.cert,
    key: certs.key,
    onListen: () => {},
  }, () => {
    fetches++;
    return Response.json({ keys });
  });
  const url = `https://localhost:${server.addr.port}/.well-known/jwks.json`;
  const h = await startTestProxy(
    `auth: { jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwks_url: "${url}", jwks_ca_file: "${certs.caFile}", jwks_cooldown_seconds: 1 } }\n`,
  );
  const clients: PrismClients[] = [];
  try {
    const ca = clientWith(h, await token(a));
    clients.push(ca);
    assert.equal((await unary(ca.keyvalue, "Get", { key: "k" })).found, false);
    assert.equal(fetches, 1);
    // Key b is not published yet: refused.
    const cb = clientWith(h, await token(b));
    clients.push(cb);
    assert.equal(
      (await code(unary(cb.keyvalue, "Get", { key: "k" }))).code,
      status.UNAUTHENTICATED,
    );
    // Rotated: b published, a retired. After the cooldown, b's kid makes the proxy fetch again.
    keys = [b.jwk];
    await new Promise((r) => setTimeout(r, 1200));
    const cb2 = clientWith(h, await token(b, { jti: "second" }));
    clients.push(cb2);
    assert.equal(
      (await unary(cb2.keyvalue, "Get", { key: "k" })).found,
      false,
      "the new key is picked up",
    );
    assert.ok(fetches >= 2);
  } finally {
    for (const c of clients) c.close();
    await h.stop();
    await server.shutdown();
    await certs.remove();
  }

  // HS256 with a development secret from the environment.
  Deno.env.set("PRISM_TEST_JWT_SECRET", "a development secret of at least 32 bytes");
  const hs = await startTestProxy(
    `auth: { jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, hs256_secret_env: PRISM_TEST_JWT_SECRET } }\n`,
  );
  const secret = new TextEncoder().encode("a development secret of at least 32 bytes");
  const ok = clientWith(hs, await token({ alg: "HS256", secret }));
  const bad = clientWith(
    hs,
    await token({
      alg: "HS256",
      secret: new TextEncoder().encode("another secret of at least 32 bytes!"),
    }),
  );
  try {
    assert.equal((await unary(ok.keyvalue, "Get", { key: "k" })).found, false);
    assert.match(
      (await code(unary(bad.keyvalue, "Get", { key: "k" }))).details,
      /signature does not verify/,
    );
  } finally {
    ok.close();
    bad.close();
    await hs.stop();
    Deno.env.delete("PRISM_TEST_JWT_SECRET");
  }
});

/** Loopback TCP ports in LISTEN state, as any user can read them from /proc. */
async function listeningPorts(): Promise<number[]> {
  const ports: number[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await Deno.readTextFile(file).catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A") ports.push(parseInt(f[1].split(":")[1], 16)); // 0A: LISTEN
    }
  }
  return ports;
}

Deno.test({
  name: "plugin channel: an attacker on the host finds the plugin and is refused",
}, async () => {
  const redis = await startRedis();
  const before = new Set(await listeningPorts());
  const h = await startTestProxy(
    `namespaces: [{ name: cache, backend: redis, config: { url: "${redis.url}" } }]\n`,
  );
  try {
    // What an attacker sees: new listening ports. The proxy's two are known; try the rest.
    const admin = Number(h.proxy.adminAddress?.split(":").pop());
    const candidates = (await listeningPorts()).filter((p) =>
      !before.has(p) && p !== h.proxy.port && p !== admin
    );
    assert.ok(candidates.length >= 1, "the plugin listens somewhere");
    let found = 0;
    for (const port of candidates) {
      const c = connect(`127.0.0.1:${port}`);
      try {
        const set = await code(
          unary(c.keyvalue, "Set", { key: "stolen", value: new Uint8Array([1]) }, {
            deadline: Date.now() + 3000,
          }),
        );
        if (set.code === status.UNAVAILABLE) continue; // not a gRPC server
        found++;
        assert.equal(set.code, status.UNAUTHENTICATED, set.details);
        assert.match(set.details, /serves only the proxy that started it/);
        for (const method of ["Drain", "Stop"] as const) {
          const r = await code(
            unary(c.lifecycle, method, { timeout_seconds: 1 } as never, {
              deadline: Date.now() + 3000,
            }),
          );
          assert.equal(r.code, status.UNAUTHENTICATED, `${method}: ${r.details}`);
        }
      } finally {
        c.close();
      }
    }
    assert.equal(found, 1, "the plugin's endpoint was found and refused everything");
    // Nothing reached Redis; the proxy's own calls still work, the plugin still runs.
    const out = await new Deno.Command("redis-cli", {
      args: ["-p", String(redis.port), "KEYS", "*stolen*"],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "");
    await unary(h.clients.keyvalue, "Set", {
      namespace: "cache",
      key: "ok",
      value: new Uint8Array([1]),
    });
    assert.equal(
      (await unary(h.clients.keyvalue, "Get", { namespace: "cache", key: "ok" })).found,
      true,
    );
    assert.equal(h.proxy.namespaces()[0].plugin?.restarts, 0);
  } finally {
    await h.stop();
    await redis.stop();
  }
});

Deno.test({
  name: "auth: a warning at start when listening beyond loopback without auth",
}, async () => {
  const { Proxy } = await import("../proxy/server.ts");
  const { parseConfig } = await import("../proxy/config/load.ts");
  const { Logger } = await import("../proto/log/logger.ts");
  for (
    const [listen, auth, warns] of [
      ["0.0.0.0:0", "", true],
      ["127.0.0.1:0", "", false],
      [
        "0.0.0.0:0",
        `auth: { jwt: { issuer: x, audience: y, hs256_secret_env: PRISM_TEST_WARN_SECRET } }\n`,
        false,
      ],
    ] as const
  ) {
    Deno.env.set("PRISM_TEST_WARN_SECRET", "s".repeat(32));
    const lines: string[] = [];
    const proxy = await Proxy.start({
      config: parseConfig(auth, "w.yaml"),
      listen,
      admin: "127.0.0.1:0",
      log: new Logger({}, "info", (l) => lines.push(l)),
    });
    await proxy.shutdown("test over");
    const warned = lines.some((l) => l.includes("listening beyond loopback without auth"));
    assert.equal(warned, warns, `${listen} ${auth ? "with" : "without"} auth`);
  }
  Deno.env.delete("PRISM_TEST_WARN_SECRET");
});
