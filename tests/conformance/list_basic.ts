/**
 * Conformance suite: `prism.interfaces.list.ListBasicInterface`.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { unary } from "../../proto/client.ts";
import { assert, assertBytes, assertStatus, bytes } from "../_assert.ts";
import { deadline, key, type Suite } from "./target.ts";

/** Runs the list suite against `target`. */
export const listBasicSuite: Suite = async (t, target) => {
  const list = target.clients.list;
  const ns = target.namespace;
  const push = async (side: "PushLeft" | "PushRight", k: string, value: Uint8Array) =>
    (await unary(list, side, { namespace: ns, list_key: k, value }, deadline())).new_length;
  const pop = (side: "PopLeft" | "PopRight", k: string) =>
    unary(list, side, { namespace: ns, list_key: k }, deadline());
  const length = async (k: string) =>
    (await unary(list, "Length", { namespace: ns, list_key: k }, deadline())).length;

  await t.step("PushRight + PopLeft is FIFO", async () => {
    const k = key(target, "list:fifo");
    for (let i = 0; i < 5; i++) assert.equal(await push("PushRight", k, bytes(`m${i}`)), i + 1);
    for (let i = 0; i < 5; i++) assertBytes((await pop("PopLeft", k)).value, bytes(`m${i}`));
  });

  await t.step("PushRight + PopRight is LIFO", async () => {
    const k = key(target, "list:lifo");
    for (let i = 0; i < 5; i++) await push("PushRight", k, bytes(`m${i}`));
    for (let i = 4; i >= 0; i--) assertBytes((await pop("PopRight", k)).value, bytes(`m${i}`));
  });

  await t.step("PushLeft prepends", async () => {
    const k = key(target, "list:left");
    await push("PushLeft", k, bytes("b"));
    await push("PushLeft", k, bytes("a"));
    await push("PushRight", k, bytes("c"));
    const out = [];
    for (let i = 0; i < 3; i++) out.push(new TextDecoder().decode((await pop("PopLeft", k)).value));
    assert.deepEqual(out, ["a", "b", "c"]);
  });

  await t.step("popping an empty or missing list is OK with found=false", async () => {
    const missing = await pop("PopLeft", key(target, "list:missing"));
    assert.equal(missing.found, false);
    assert.equal(missing.value.length, 0);
    assert.equal((await pop("PopRight", key(target, "list:missing"))).found, false);
  });

  await t.step("Length, and a list emptied by pops no longer exists", async () => {
    const k = key(target, "list:len");
    assert.equal(await length(k), 0);
    await push("PushRight", k, bytes("x"));
    await push("PushRight", k, bytes("y"));
    assert.equal(await length(k), 2);
    await pop("PopLeft", k);
    await pop("PopLeft", k);
    assert.equal(await length(k), 0);
    assert.equal((await pop("PopLeft", k)).found, false);
    // The key is gone: it can now hold a plain value without a type conflict.
    if (target.interfaces.has("prism.interfaces.keyvalue.KeyValueBasicInterface")) {
      const kv = target.clients.keyvalue;
      assert.equal(
        (await unary(kv, "Exists", { namespace: ns, key: k }, deadline())).exists,
        false,
      );
      await unary(kv, "Set", { namespace: ns, key: k, value: bytes("now a value") }, deadline());
      await unary(kv, "Delete", { namespace: ns, key: k }, deadline());
    }
    assert.equal(await push("PushRight", k, bytes("z")), 1, "a fresh list starts at length 1");
  });

  await t.step("elements are binary-safe, empty elements included", async () => {
    const k = key(target, "list:bin");
    const values = [new Uint8Array(0), new Uint8Array(256).map((_, i) => i), bytes("🔑")];
    for (const v of values) await push("PushRight", k, v);
    for (const v of values) {
      const got = await pop("PopLeft", k);
      assert.equal(got.found, true);
      assertBytes(got.value, v);
    }
  });

  await t.step("a list keeps thousands of elements in order", async () => {
    const k = key(target, "list:many");
    const n = 2000;
    for (let i = 0; i < n; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => push("PushRight", `${k}:${j}`, bytes(String(i + j)))),
      );
    }
    for (let j = 0; j < 100; j += 33) {
      assert.equal(await length(`${k}:${j}`), n / 100);
      assertBytes((await pop("PopLeft", `${k}:${j}`)).value, bytes(String(j)));
      assertBytes((await pop("PopRight", `${k}:${j}`)).value, bytes(String(n - 100 + j)));
    }
  });

  if (target.interfaces.has("prism.interfaces.keyvalue.KeyValueBasicInterface")) {
    await t.step(
      "a list operation on a plain value is FAILED_PRECONDITION; data intact",
      async () => {
        const kv = target.clients.keyvalue;
        const k = key(target, "list:wrongtype");
        await unary(kv, "Set", { namespace: ns, key: k, value: bytes("plain") }, deadline());
        await assertStatus(push("PushLeft", k, bytes("x")), status.FAILED_PRECONDITION);
        await assertStatus(pop("PopLeft", k), status.FAILED_PRECONDITION);
        assertBytes(
          (await unary(kv, "Get", { namespace: ns, key: k }, deadline())).value,
          bytes("plain"),
        );
        const l = key(target, "list:wrongtype2");
        await push("PushRight", l, bytes("x"));
        await assertStatus(
          unary(kv, "Get", { namespace: ns, key: l }, deadline()),
          status.FAILED_PRECONDITION,
        );
        assert.equal(await length(l), 1);
      },
    );
  }
};
