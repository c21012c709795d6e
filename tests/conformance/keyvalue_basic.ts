/**
 * Conformance suite: `prism.interfaces.keyvalue.KeyValueBasicInterface`.
 *
 * @module
 */
import { unary } from "../../proto/client.ts";
import { assert, assertBytes, bytes } from "../_assert.ts";
import { deadline, key, type Suite } from "./target.ts";

/** Runs the keyvalue basic suite against `target`. */
export const keyvalueBasicSuite: Suite = async (t, target) => {
  const kv = target.clients.keyvalue;
  const ns = target.namespace;
  const set = (k: string, value: Uint8Array, ttl_seconds?: number) =>
    unary(kv, "Set", { namespace: ns, key: k, value, ttl_seconds }, deadline());
  const get = (k: string) => unary(kv, "Get", { namespace: ns, key: k }, deadline());

  await t.step("Set then Get returns the value", async () => {
    const k = key(target, "basic:a");
    assert.equal((await set(k, bytes("alpha"))).success, true);
    const got = await get(k);
    assert.equal(got.found, true);
    assertBytes(got.value, bytes("alpha"));
  });

  await t.step("Get of a missing key is OK with found=false", async () => {
    const got = await get(key(target, "basic:missing"));
    assert.equal(got.found, false);
    assert.equal(got.value.length, 0);
  });

  await t.step("an empty value is a value", async () => {
    const k = key(target, "basic:empty");
    await set(k, new Uint8Array(0));
    const got = await get(k);
    assert.equal(got.found, true);
    assert.equal(got.value.length, 0);
    assert.equal((await unary(kv, "Exists", { namespace: ns, key: k }, deadline())).exists, true);
  });

  await t.step("Set overwrites", async () => {
    const k = key(target, "basic:over");
    await set(k, bytes("one"));
    await set(k, bytes("two-longer"));
    assertBytes((await get(k)).value, bytes("two-longer"));
    await set(k, bytes("3"));
    assertBytes((await get(k)).value, bytes("3"));
  });

  await t.step("Delete reports whether the key existed", async () => {
    const k = key(target, "basic:del");
    await set(k, bytes("x"));
    assert.equal((await unary(kv, "Delete", { namespace: ns, key: k }, deadline())).found, true);
    assert.equal((await get(k)).found, false);
    assert.equal((await unary(kv, "Delete", { namespace: ns, key: k }, deadline())).found, false);
  });

  await t.step("Exists", async () => {
    const k = key(target, "basic:exists");
    assert.equal((await unary(kv, "Exists", { namespace: ns, key: k }, deadline())).exists, false);
    await set(k, bytes("x"));
    assert.equal((await unary(kv, "Exists", { namespace: ns, key: k }, deadline())).exists, true);
  });

  await t.step("values are binary-safe and byte-exact", async () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const big = new Uint8Array(256 * 1024);
    crypto.getRandomValues(big.subarray(0, 65536));
    big.set(big.subarray(0, 65536), 65536);
    for (const [name, value] of [["all-bytes", all], ["big", big]] as const) {
      const k = key(target, `basic:bin:${name}`);
      await set(k, value);
      assertBytes((await get(k)).value, value, name);
    }
  });

  await t.step(
    "keys are byte-exact: Unicode, glob characters, prefixes of each other",
    async () => {
      const names = [
        "ü-ключ-🔑",
        "a*b?c[d]",
        "pre",
        "pre:",
        "pre:fix",
        " spaced key ",
        "tab\tnl\n",
      ];
      for (const n of names) await set(key(target, `basic:k:${n}`), bytes(n));
      for (const n of names) {
        const got = await get(key(target, `basic:k:${n}`));
        assert.equal(got.found, true, n);
        assertBytes(got.value, bytes(n), n);
      }
    },
  );

  await t.step("a value at exactly the size limit is accepted", async () => {
    const k = key(target, "basic:limit");
    const value = new Uint8Array(1024 * 1024).fill(7);
    await set(k, value);
    assert.equal((await get(k)).value.length, value.length);
    await unary(kv, "Delete", { namespace: ns, key: k }, deadline());
  });

  await t.step("concurrent Sets of distinct keys are all stored", async () => {
    const ks = Array.from({ length: 200 }, (_, i) => key(target, `basic:conc:${i}`));
    await Promise.all(ks.map((k, i) => set(k, bytes(String(i)))));
    const got = await Promise.all(ks.map(get));
    got.forEach((g, i) => assertBytes(g.value, bytes(String(i))));
  });
};
