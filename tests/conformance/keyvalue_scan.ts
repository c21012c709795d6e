/**
 * Conformance suite: `prism.interfaces.keyvalue.KeyValueScanInterface`.
 *
 * @module
 */
import { collect, unary } from "../../proto/client.ts";
import { assert, assertBytes, bytes } from "../_assert.ts";
import { deadline, key, type Suite } from "./target.ts";

/** Runs the keyvalue scan suite against `target`. */
export const keyvalueScanSuite: Suite = async (t, target) => {
  const { keyvalue: kv, scan } = target.clients;
  const ns = target.namespace;
  const set = (k: string, v: string) =>
    unary(kv, "Set", { namespace: ns, key: k, value: bytes(v) }, deadline());
  const scanAll = (prefix: string, limit = 0) =>
    collect(scan.Scan({ namespace: ns, prefix, limit }, deadline(20)));
  const scanKeys = (prefix: string, limit = 0) =>
    collect(scan.ScanKeys({ namespace: ns, prefix, limit }, deadline(20)));
  const count = async (prefix: string) =>
    (await unary(scan, "Count", { namespace: ns, prefix }, deadline())).count;

  const base = key(target, "scan:");
  const names = ["a", "b", "c/d", "c/e", "ü🔑"];
  for (const n of names) await set(base + n, `v-${n}`);
  await set(key(target, "scanx:other"), "outside the prefix");

  await t.step("Scan returns every key with the prefix exactly once, with values", async () => {
    const got = await scanAll(base);
    const keys = got.map((e) => e.key).sort();
    assert.deepEqual(keys, names.map((n) => base + n).sort());
    for (const e of got) assertBytes(e.value, bytes(`v-${e.key.slice(base.length)}`));
  });

  await t.step("ScanKeys returns the same keys", async () => {
    const got = await scanKeys(base);
    assert.deepEqual(got.map((e) => e.key).sort(), names.map((n) => base + n).sort());
  });

  await t.step("limit caps the number of entries", async () => {
    assert.equal((await scanAll(base, 2)).length, 2);
    assert.equal((await scanKeys(base, 3)).length, 3);
    assert.equal((await scanKeys(base, 100)).length, names.length);
  });

  await t.step("Count counts live keys with the prefix", async () => {
    assert.equal(await count(base), names.length);
    assert.equal(await count(base + "c/"), 2);
    assert.equal(await count(key(target, "scan-none:")), 0);
  });

  await t.step("the prefix is literal: glob characters match themselves", async () => {
    const g = key(target, "glob:");
    for (const n of ["*1", "?2", "[3]", "x4", "\\5", "a*b"]) await set(g + n, n);
    assert.deepEqual((await scanKeys(g + "*")).map((e) => e.key), [g + "*1"]);
    assert.deepEqual((await scanKeys(g + "?")).map((e) => e.key), [g + "?2"]);
    assert.deepEqual((await scanKeys(g + "[")).map((e) => e.key), [g + "[3]"]);
    assert.deepEqual((await scanKeys(g + "\\")).map((e) => e.key), [g + "\\5"]);
    assert.equal(await count(g + "a*"), 1);
  });

  await t.step("deleted keys disappear from scans", async () => {
    const p = key(target, "scandel:");
    await set(p + "1", "x");
    await set(p + "2", "y");
    await unary(kv, "Delete", { namespace: ns, key: p + "1" }, deadline());
    assert.deepEqual((await scanKeys(p)).map((e) => e.key), [p + "2"]);
    assert.equal(await count(p), 1);
  });

  await t.step("lists are not enumerated as key-value entries", async () => {
    const p = key(target, "scanlist:");
    await set(p + "kv", "x");
    await unary(target.clients.list, "PushRight", {
      namespace: ns,
      list_key: p + "list",
      value: bytes("y"),
    }, deadline()).catch(() => {/* backends without lists */});
    assert.deepEqual((await scanKeys(p)).map((e) => e.key), [p + "kv"]);
    assert.equal(await count(p), 1);
  });

  await t.step("streams thousands of entries (streaming smoke test)", async () => {
    const p = key(target, "scanbig:");
    const n = 3000;
    const value = new Uint8Array(512).fill(1);
    for (let i = 0; i < n; i += 200) {
      await Promise.all(
        Array.from(
          { length: Math.min(200, n - i) },
          (_, j) => unary(kv, "Set", { namespace: ns, key: `${p}${i + j}`, value }, deadline()),
        ),
      );
    }
    const got = await scanAll(p);
    assert.equal(got.length, n);
    assert.equal(new Set(got.map((e) => e.key)).size, n);
    assert.ok(got.every((e) => e.value.length === 512));
    assert.equal(await count(p), n);
  });

  await t.step("a client may cancel a scan midway", async () => {
    const p = key(target, "scanbig:");
    const call = scan.Scan({ namespace: ns, prefix: p, limit: 0 }, deadline(20));
    const got = await new Promise<number>((resolve) => {
      let n = 0;
      call.on("data", () => {
        if (++n === 10) call.cancel();
      });
      call.on("error", () => resolve(n));
      call.on("end", () => resolve(n));
    });
    assert.ok(got >= 10);
    // The server is still fine afterwards.
    assert.equal(await count(p), 3000);
  });
};
