/**
 * Conformance suite: `prism.interfaces.keyvalue.KeyValueTTLInterface`.
 * Uses real time (one wait of ~2 s) so that it holds for any backend.
 *
 * @module
 */
import { collect, unary } from "../../proto/client.ts";
import { assert, bytes, sleep } from "../_assert.ts";
import { deadline, key, type Suite } from "./target.ts";

/** Runs the keyvalue TTL suite against `target`. */
export const keyvalueTtlSuite: Suite = async (t, target) => {
  const { keyvalue: kv, ttl, scan } = target.clients;
  const ns = target.namespace;
  const set = (k: string, ttl_seconds?: number) =>
    unary(kv, "Set", { namespace: ns, key: k, value: bytes("v"), ttl_seconds }, deadline());
  const getTTL = async (k: string) =>
    (await unary(ttl, "GetTTL", { namespace: ns, key: k }, deadline())).ttl_seconds;
  const expire = async (k: string, s: number) =>
    (await unary(ttl, "Expire", { namespace: ns, key: k, ttl_seconds: s }, deadline())).key_existed;
  const persist = async (k: string) =>
    (await unary(ttl, "Persist", { namespace: ns, key: k }, deadline())).expiration_removed;
  const found = async (k: string) =>
    (await unary(kv, "Get", { namespace: ns, key: k }, deadline())).found;

  await t.step("GetTTL: -2 for a missing key, -1 for a key without expiry", async () => {
    assert.equal(await getTTL(key(target, "ttl:missing")), -2);
    await set(key(target, "ttl:forever"));
    assert.equal(await getTTL(key(target, "ttl:forever")), -1);
    await set(key(target, "ttl:zero"), 0);
    assert.equal(await getTTL(key(target, "ttl:zero")), -1, "ttl_seconds 0 means no expiry");
  });

  await t.step("Set with ttl_seconds sets the remaining time", async () => {
    await set(key(target, "ttl:100"), 100);
    const left = await getTTL(key(target, "ttl:100"));
    assert.ok(left >= 99 && left <= 100, `remaining ${left}`);
  });

  await t.step("Set overwrites and resets the TTL", async () => {
    const k = key(target, "ttl:reset");
    await set(k, 100);
    await set(k);
    assert.equal(await getTTL(k), -1);
  });

  await t.step("Expire reports whether the key existed", async () => {
    const k = key(target, "ttl:expire");
    await set(k);
    assert.equal(await expire(k, 50), true);
    const left = await getTTL(k);
    assert.ok(left >= 49 && left <= 50, `remaining ${left}`);
    assert.equal(await expire(key(target, "ttl:nope"), 50), false);
    assert.equal(await found(key(target, "ttl:nope")), false);
  });

  await t.step("Expire with 0 removes the key at once", async () => {
    const k = key(target, "ttl:expire0");
    await set(k);
    assert.equal(await expire(k, 0), true);
    assert.equal(await found(k), false);
    assert.equal(await getTTL(k), -2);
  });

  await t.step("Persist removes an expiry", async () => {
    const k = key(target, "ttl:persist");
    await set(k, 100);
    assert.equal(await persist(k), true);
    assert.equal(await getTTL(k), -1);
    assert.equal(await persist(k), false, "no expiry left to remove");
    assert.equal(await persist(key(target, "ttl:persist-missing")), false);
  });

  await t.step("expired keys behave exactly like missing keys", async () => {
    const p = key(target, "ttlexp:");
    await set(p + "short", 1);
    await set(p + "long", 100);
    await set(p + "persisted", 1);
    assert.equal(await persist(p + "persisted"), true);
    const l = key(target, "ttlexp-list");
    const hasLists = target.interfaces.has("prism.interfaces.list.ListBasicInterface");
    if (hasLists) {
      await unary(target.clients.list, "PushRight", {
        namespace: ns,
        list_key: l,
        value: bytes("x"),
      }, deadline());
      assert.equal(await expire(l, 1), true, "TTL applies to lists too");
    }
    await sleep(2100);
    assert.equal(await found(p + "short"), false);
    assert.equal(
      (await unary(kv, "Exists", { namespace: ns, key: p + "short" }, deadline())).exists,
      false,
    );
    assert.equal(await getTTL(p + "short"), -2);
    assert.equal(await expire(p + "short", 10), false);
    assert.equal(await found(p + "long"), true);
    assert.equal(await found(p + "persisted"), true);
    if (target.interfaces.has("prism.interfaces.keyvalue.KeyValueScanInterface")) {
      const keys =
        (await collect(scan.ScanKeys({ namespace: ns, prefix: p, limit: 0 }, deadline())))
          .map((e) => e.key).sort();
      assert.deepEqual(keys, [p + "long", p + "persisted"]);
      assert.equal((await unary(scan, "Count", { namespace: ns, prefix: p }, deadline())).count, 2);
    }
    if (hasLists) {
      assert.equal(
        (await unary(target.clients.list, "Length", { namespace: ns, list_key: l }, deadline()))
          .length,
        0,
      );
    }
  });
};
