/**
 * The cost of authentication: the proxy on memstore with `auth.jwt`
 * (an ES256 key in a JWKS file) against the same proxy without it, Get at 1
 * and 64 calls in flight with a valid bearer token, rounds alternating; the
 * difference in the proxy's CPU per call is what verifying a token costs
 * once its key is cached (each token's signature is checked once, then
 * remembered until it expires).
 *
 * @module
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { measureCost } from "./cost.ts";
import { spawnProxy } from "./server.ts";

/** Runs the scenario; CPU µs per call with and without auth, and the difference. */
export async function authBench(opts: { durationS: number; warmupS: number; rounds: number }) {
  const dir = await Deno.makeTempDir({ prefix: "prism-auth-" });
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  await Deno.writeTextFile(
    `${dir}/jwks.json`,
    JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256" }] }),
  );
  const token = await new SignJWT({ scope: "prism:*:write" })
    .setProtectedHeader({ alg: "ES256", kid: "bench" })
    .setIssuer("https://bench.example")
    .setAudience("prism")
    .setSubject("bench")
    .setExpirationTime("2h")
    .sign(privateKey);
  const ns = "namespaces:\n  - { name: default, backend: memstore }\n";
  const plain = await spawnProxy(ns);
  const authed = await spawnProxy(
    `auth: { jwt: { issuer: "https://bench.example", audience: prism, jwks_file: "${dir}/jwks.json" } }\n${ns}`,
  );
  const get = serviceDefinition(SERVICE_NAMES.keyvalueBasic).Get;
  try {
    // The token works (h2load sees only HTTP statuses).
    const c = new GrpcClient(`127.0.0.1:${authed.port}`, {
      headers: [["authorization", `Bearer ${token}`]],
    });
    await c.unary(get, { key: "k" }, { deadline: Date.now() + 5000 });
    c.close();
    const result = await measureCost(
      "auth",
      { server: plain, system: "proxy without auth" },
      {
        server: authed,
        system: "proxy with auth.jwt",
        headers: [`authorization: Bearer ${token}`],
      },
      opts,
    );
    return result;
  } finally {
    await Promise.all([plain.stop(), authed.stop()]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
