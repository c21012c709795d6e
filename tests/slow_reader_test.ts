/**
 * Clients that stop reading cost the proxy a bounded buffer: five clients
 * open a Scan over 640 × 64 KiB values (memstore and redis) and never read;
 * the proxy's resident memory stays within 64 MB of where it was, and
 * returns to within 32 MB of it after they go. Measured on the proxy as a
 * real process (its /proc RSS), the way an operator would see it.
 */
import assert from "node:assert/strict";
import { connect, unary } from "../proto/client.ts";
import { FRAME, frame, PREFACE, SETTING, settingsFrame, u32 } from "../proto/transport/_frame.ts";
import { grpcDataFrame, grpcHeadersFrame } from "../proto/transport/_testing.ts";
import { serviceDefinition } from "../proto/definitions.ts";
import { spawnPrism } from "./_process.ts";
import { startRedis } from "./_redis.ts";

async function rssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const VALUES = 640;
const VALUE = new Uint8Array(64 * 1024).fill(0x5a);
const SCAN = serviceDefinition("prism.interfaces.keyvalue.KeyValueScanInterface").Scan;

/** A client that asks for a Scan (with all the window it could want) and never reads a byte. */
async function stalledScan(port: number, namespace: string): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = SCAN.requestSerialize({ namespace, prefix: "big:", limit: 0 });
  const bytes = [
    PREFACE,
    settingsFrame([[SETTING.INITIAL_WINDOW_SIZE, 0x7fffffff]]),
    frame(FRAME.WINDOW_UPDATE, 0, 0, u32(0x7fffffff - 65535)),
    grpcHeadersFrame(1, SCAN.path),
    grpcDataFrame(1, request),
  ];
  for (const b of bytes) {
    let at = 0;
    while (at < b.length) at += await conn.write(b.subarray(at));
  }
  return conn;
}

Deno.test({
  name: "slow readers: five stalled Scans cost the proxy a bounded buffer (memstore and redis)",
}, async () => {
  const redis = await startRedis();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/prism.yaml`;
  await Deno.writeTextFile(
    file,
    `namespaces:\n  - { name: default, backend: memstore, config: { max_memory_mb: 128 } }\n  - { name: cache, backend: redis, config: { url: "${redis.url}" } }\n`,
  );
  const proxy = spawnPrism(["proxy", "--config", file, "--listen", "127.0.0.1:0"]);
  try {
    const listening = await proxy.waitForLog("listening");
    const port = Number(String(listening.address).split(":").at(-1));
    const c = connect(`127.0.0.1:${port}`, { "grpc.max_send_message_length": -1 });
    for (const namespace of ["default", "cache"]) {
      for (let i = 0; i < VALUES; i += 32) {
        await Promise.all(
          Array.from(
            { length: 32 },
            (_, j) => unary(c.keyvalue, "Set", { namespace, key: `big:${i + j}`, value: VALUE }),
          ),
        );
      }
    }
    // Warm both scan paths once (first-use allocations are not what we measure).
    for (const namespace of ["default", "cache"]) {
      const warm = await stalledScan(port, namespace);
      await new Promise((r) => setTimeout(r, 500));
      warm.close();
    }
    await new Promise((r) => setTimeout(r, 1000));
    const before = await rssMb(proxy.child.pid);
    const stalled: Deno.Conn[] = [];
    for (const namespace of ["default", "cache"]) {
      for (let i = 0; i < 5; i++) stalled.push(await stalledScan(port, namespace));
    }
    await new Promise((r) => setTimeout(r, 3000));
    const during = await rssMb(proxy.child.pid);
    // Others are served meanwhile.
    assert.equal((await unary(c.keyvalue, "Get", { key: "big:1" })).found, true);
    assert.equal(
      (await unary(c.keyvalue, "Get", { namespace: "cache", key: "big:1" })).found,
      true,
    );
    for (const s of stalled) s.close();
    await new Promise((r) => setTimeout(r, 3000));
    const after = await rssMb(proxy.child.pid);
    console.log(
      `proxy RSS: ${before.toFixed(1)} MB before, ${
        during.toFixed(1)
      } MB with 10 stalled Scans of ${VALUES * 64 / 1024} MiB each, ${
        after.toFixed(1)
      } MB after they went`,
    );
    assert.ok(
      during - before < 64,
      `RSS grew ${(during - before).toFixed(1)} MB with stalled readers`,
    );
    assert.ok(
      after - before < 32,
      `RSS is ${(after - before).toFixed(1)} MB above where it started`,
    );
    c.close();
  } finally {
    proxy.child.kill("SIGTERM");
    await proxy.exited;
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
