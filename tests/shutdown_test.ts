/**
 * CONTRACT §5: SIGTERM under load. In-flight calls complete or fail with
 * UNAVAILABLE (never anything else, never a hang), the proxy exits 0 and
 * leaves nothing running.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { collect, connect, unary } from "../proto/client.ts";
import { assert, bytes } from "./_assert.ts";
import { spawnPrism } from "./_process.ts";

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(
    { name: `shutdown: ${signal} under load drains and exits 0` },
    async () => {
      const p = spawnPrism(["proxy", "--listen", "127.0.0.1:0"]);
      const listening = await p.waitForLog("listening");
      const clients = connect(String(listening.address));
      const outcomes = new Map<string, number>();
      const count = (code: number) => {
        const name = status[code] ?? String(code);
        outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
      };
      let stop = false;
      const value = new Uint8Array(100).fill(1);
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const k = `w${w}:${i % 50}`;
            if (w % 8 === 0) {
              await collect(clients.scan.ScanKeys({ prefix: `w${w}:`, limit: 0 }, {
                deadline: Date.now() + 5000,
              }));
            } else if (i % 2 === 0) {
              await unary(clients.keyvalue, "Set", { key: k, value: bytes(String(i)) }, {
                deadline: Date.now() + 5000,
              });
            } else {
              await unary(clients.keyvalue, "Get", { key: k }, { deadline: Date.now() + 5000 });
            }
            count(status.OK);
          } catch (err) {
            count((err as { code: number }).code);
            if ((err as { code: number }).code === status.UNAVAILABLE) {
              await new Promise((r) => setTimeout(r, 5));
            }
          }
        }
      };
      void value;
      const workers = Array.from({ length: 32 }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 700));
      const before = outcomes.get("OK") ?? 0;
      assert.ok(before > 50, `load was running (${before} OK calls before the signal)`);
      p.child.kill(signal);
      const exit = await Promise.race([
        p.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("proxy did not exit within 15 s")), 15000)
        ),
      ]);
      // Let the clients observe the closed server for a moment, then stop them.
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(workers);
      clients.close();

      assert.equal(exit.code, 0, p.stderr.join("\n"));
      assert.ok(!alive(p.child.pid), "no process left running");
      const unexpected = [...outcomes.keys()].filter((k) => k !== "OK" && k !== "UNAVAILABLE");
      assert.deepEqual(unexpected, [], `only OK or UNAVAILABLE: ${JSON.stringify([...outcomes])}`);
      assert.ok((outcomes.get("UNAVAILABLE") ?? 0) > 0, "calls after the signal got UNAVAILABLE");
      await p.waitForLog("draining");
      await p.waitForLog("stopped");
    },
  );
}

Deno.test({
  name: "shutdown: a duplicated Ctrl-C (task runner + process group) still drains and exits 0",
}, async () => {
  const p = spawnPrism(["proxy", "--listen", "127.0.0.1:0"]);
  await p.waitForLog("listening");
  p.child.kill("SIGINT");
  p.child.kill("SIGINT");
  let status = await p.exited;
  assert.equal(status.code, 0, p.stderr.join("\n"));
  // The task runner's copy can come after an idle proxy has already drained
  // (about 1 ms): it must not end the process with 130 either.
  const late = spawnPrism(["proxy", "--listen", "127.0.0.1:0"]);
  await late.waitForLog("listening");
  late.child.kill("SIGINT");
  await late.waitForLog("stopped");
  try {
    late.child.kill("SIGINT");
  } catch { /* already exited: nothing to prove */ }
  status = await late.exited;
  assert.equal(status.code, 0, late.stderr.join("\n"));
  assert.equal(status.code, 0, p.stderr.join("\n"));
  assert.ok(
    !p.stderr.some((l) => l.includes("second signal")),
    "the duplicate was not taken as a second Ctrl-C",
  );
});
