/**
 * Measurements behind two transport choices, reported by `deno task bench`:
 *
 * - forwarding a plugin's request as the client sent it, reading only what
 *   the router checks on the wire (`proxy/router/_validate.ts`), against
 *   decoding the message and encoding it again for the plugin (what the
 *   proxy did before): ns per request, in this process;
 * - the proxy → plugin hop over loopback TCP against a Unix socket: a
 *   gRPC echo through the project's client and server, calls/s and CPU per
 *   call (both sides in one process: the difference is the socket's).
 *
 * @module
 */
import { serviceDefinition } from "../../proto/definitions.ts";
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { grpcFrame, H2Connection, requestHeaders } from "../../proto/transport/h2_client.ts";
import { GrpcServer, RAW } from "../../proto/transport/grpc_server.ts";
import { validatorFor } from "../../proxy/router/_validate.ts";

const LIMITS = { max_key_bytes: 4096, max_value_bytes: 1048576 };

function nsPer(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn(); // warm up the JIT
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return Math.round((performance.now() - t0) * 1e6 / iterations);
}

/** Forwarding on the wire vs decode + re-encode, for Get and for Set with a 100-byte value. */
export function forwardingBench(iterations = 300_000) {
  const kv = serviceDefinition(SERVICE_NAMES.keyvalueBasic);
  const out: { op: string; wire_ns: number; decode_encode_ns: number; ratio: number }[] = [];
  for (
    const [op, def, request] of [
      ["get", kv.Get, { namespace: "cache", key: "bench:0123456789" }],
      ["set", kv.Set, { namespace: "cache", key: "bench:0123456789", value: new Uint8Array(100) }],
    ] as const
  ) {
    const bytes = def.requestSerialize(request as never);
    const validate = validatorFor(def.path, LIMITS);
    let sink = 0;
    const wire = nsPer(iterations, () => {
      sink += validate(bytes).length + bytes.length;
    });
    const decodeEncode = nsPer(iterations, () => {
      const req = def.requestDeserialize(bytes) as { namespace: string; key: string };
      sink += req.key.length + def.requestSerialize(req as never).length;
    });
    if (sink < 0) console.log(sink);
    out.push({
      op,
      wire_ns: wire,
      decode_encode_ns: decodeEncode,
      ratio: Math.round(decodeEncode / wire * 10) / 10,
    });
  }
  return out;
}

/** A gRPC echo over TCP and over a Unix socket: calls/s and CPU µs per call, 64 in flight. */
export async function socketHopBench(calls = 50_000) {
  const server = new GrpcServer();
  server.addUnary("/b.B/Echo", RAW, (b) => b);
  const dir = await Deno.makeTempDir({ prefix: "prism-sock-" });
  const tcp = await server.listen({ hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
  await server.listen({ path: `${dir}/hop.sock` });
  const results: { transport: string; calls_per_s: number; cpu_us_per_call: number }[] = [];
  try {
    for (
      const [name, address] of [
        ["tcp", `127.0.0.1:${tcp.port}`],
        ["unix", `unix:${dir}/hop.sock`],
        ["tcp", `127.0.0.1:${tcp.port}`],
        ["unix", `unix:${dir}/hop.sock`],
      ]
    ) {
      const conn = await H2Connection.connect(address);
      const headers = requestHeaders("localhost", "/b.B/Echo");
      const body = grpcFrame(new Uint8Array(32));
      const run = (n: number) =>
        new Promise<void>((resolve) => {
          let started = 0;
          let done = 0;
          const next = () => {
            if (started >= n) return;
            started++;
            conn.call(headers, body, () => {
              if (++done === n) resolve();
              else next();
            });
          };
          for (let i = 0; i < 64; i++) next();
        });
      await run(5000);
      const cpu0 = await cpuSelf();
      const t0 = performance.now();
      await run(calls);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = (await cpuSelf()) - cpu0;
      conn.close();
      results.push({
        transport: name,
        calls_per_s: Math.round(calls / seconds),
        cpu_us_per_call: Math.round(cpu / calls * 10) / 10,
      });
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  // The better of the two rounds of each.
  const best = (t: string) =>
    results.filter((r) => r.transport === t).sort((a, b) =>
      a.cpu_us_per_call - b.cpu_us_per_call
    )[0];
  return [best("tcp"), best("unix")];
}

/** This process's CPU time (user + system), µs. */
async function cpuSelf(): Promise<number> {
  const stat = await Deno.readTextFile("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10_000;
}
