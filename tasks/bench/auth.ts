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
import { runH2load } from "./h2load.ts";
import { cpuMicros, spawnProxy } from "./server.ts";

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
    const result: Record<string, { without_us: number; with_us: number; added_us: number }> = {};
    for (const concurrency of [1, 64]) {
      const cpu: Record<"without" | "with", number[]> = { without: [], with: [] };
      const run = async (which: "without" | "with", durationS: number) => {
        const server = which === "with" ? authed : plain;
        const before = await cpuMicros(server.pid);
        const r = await runH2load({
          address: `127.0.0.1:${server.port}`,
          service: SERVICE_NAMES.keyvalueBasic,
          method: "Get",
          request: { key: "k" },
          concurrency,
          durationS,
          warmupS: 0,
          op: "get",
          namespace: "default",
          system: which === "with" ? "proxy with auth.jwt" : "proxy without auth",
          headers: which === "with" ? [`authorization: Bearer ${token}`] : [],
        });
        return (await cpuMicros(server.pid) - before) / Math.max(1, r.requests);
      };
      await run("without", opts.warmupS);
      await run("with", opts.warmupS);
      for (let i = 0; i < opts.rounds; i++) {
        for (
          const which of i % 2 === 0 ? ["without", "with"] as const : ["with", "without"] as const
        ) {
          cpu[which].push(await run(which, opts.durationS));
        }
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const r1 = (x: number) => Math.round(x * 10) / 10;
      const without = median(cpu.without);
      const withAuth = median(cpu.with);
      result[`get_c${concurrency}`] = {
        without_us: r1(without),
        with_us: r1(withAuth),
        added_us: r1(withAuth - without),
      };
      console.error(
        `  auth, get c=${concurrency}: ${r1(without)} → ${
          r1(withAuth)
        } µs of proxy CPU per call (+${r1(withAuth - without)})`,
      );
    }
    return result;
  } finally {
    await Promise.all([plain.stop(), authed.stop()]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
