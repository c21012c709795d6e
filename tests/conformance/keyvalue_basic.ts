/**
 * Conformance suite: `prism.interfaces.keyvalue.KeyValueBasicInterface`.
 *
 * @module
 */
import { unary } from "../../proto/client.ts";
import { serviceDefinition } from "../../proto/definitions.ts";
import { status } from "../../proto/status.ts";
import type { RpcError } from "../../proto/transport/grpc_client.ts";
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

  const raw = target.raw;
  if (raw !== undefined) {
    const setDef = serviceDefinition("prism.interfaces.keyvalue.KeyValueBasicInterface").Set;
    const field = (n: number, bytes: number[]) => [(n << 3) | 2, bytes.length, ...bytes];
    const nsBytes = [...new TextEncoder().encode(ns)];
    const refused = async (request: Uint8Array, message: RegExp) => {
      const err = await raw.unaryRaw(setDef.path, request, deadline()).then(
        () => undefined,
        (e: RpcError) => e,
      );
      assert.ok(err, "refused");
      assert.equal(err.code, status.INVALID_ARGUMENT, err.message);
      assert.match(err.message, message);
    };

    await t.step(
      "a key that is not UTF-8 is INVALID_ARGUMENT (it would collapse with others)",
      async () => {
        const k = [...new TextEncoder().encode(key(target, "basic:utf8-"))];
        for (const bad of [0xff, 0xfe]) {
          await refused(
            new Uint8Array([...field(1, nsBytes), ...field(2, [...k, bad]), ...field(3, [1])]),
            /Cannot Set as 'key' is not valid UTF-8/,
          );
        }
        // Nothing was stored under the replacement character either.
        assert.equal((await get(key(target, "basic:utf8-\ufffd"))).found, false);
      },
    );

    await t.step(
      "a TTL beyond the largest (9007199254740 s) is INVALID_ARGUMENT; the largest is kept",
      async () => {
        const k = key(target, "basic:huge-ttl");
        const kBytes = [...new TextEncoder().encode(k)];
        // ttl_seconds (field 4, varint) = 2^63 - 1
        const max64 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        await refused(
          new Uint8Array([
            ...field(1, nsBytes),
            ...field(2, kBytes),
            ...field(3, [1]),
            4 << 3,
            ...max64,
          ]),
          /'ttl_seconds' is 9223372036854775807, over the largest TTL \(9007199254740 s\)/,
        );
        assert.equal((await get(k)).found, false, "nothing was stored");
        assert.equal((await set(k, bytes("v"), 9007199254740)).success, true);
        const ttl = await unary(
          target.clients.ttl,
          "GetTTL",
          { namespace: ns, key: k },
          deadline(),
        );
        assert.ok(Number(ttl.ttl_seconds) > 9007199254000, `GetTTL ${ttl.ttl_seconds}`);
      },
    );
  }
};
