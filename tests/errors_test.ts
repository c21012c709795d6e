/**
 * Bad input and failure paths through the real proxy (CONTRACT §2 error
 * table): every case gets the right gRPC status with a message a person can
 * act on, and loses nothing.
 *
 * @module
 */
import { Metadata, status } from "@grpc/grpc-js";
import { collect, unary } from "../proto/client.ts";
import { assert, assertBytes, assertStatus, bytes } from "./_assert.ts";
import { startTestProxy } from "./_harness.ts";

const CONFIG = `
limits: { max_key_bytes: 64, max_value_bytes: 1024 }
namespaces:
  - name: default
    backend: memstore
  - name: small
    backend: memstore
    config: { max_memory_mb: 2 }
`;

Deno.test({ name: "errors: status codes for bad input" }, async (t) => {
  const h = await startTestProxy(CONFIG);
  const { keyvalue: kv, scan, ttl, list, pubsub, stream } = h.clients;
  try {
    await t.step("namespace not configured: NOT_FOUND listing the configured ones", async () => {
      const e = await assertStatus(
        unary(kv, "Get", { namespace: "nope", key: "k" }),
        status.NOT_FOUND,
        `"nope"`,
      );
      assert.ok(e.details.includes("default, small"), e.details);
      await assertStatus(
        collect(scan.Scan({ namespace: "nope", prefix: "", limit: 0 })),
        status.NOT_FOUND,
      );
    });

    await t.step("empty namespace means default", async () => {
      await unary(kv, "Set", { namespace: "", key: "dflt", value: bytes("x") });
      const got = await unary(kv, "Get", { namespace: "default", key: "dflt" });
      assertBytes(got.value, bytes("x"));
    });

    await t.step(
      "interface the backend lacks: UNIMPLEMENTED naming backend and interface",
      async () => {
        await assertStatus(
          unary(pubsub, "Publish", { namespace: "default", topic: "t", payload: bytes("x") }),
          status.UNIMPLEMENTED,
          `backend "memstore"`,
        );
        await assertStatus(
          collect(pubsub.Subscribe({ namespace: "default", topic: "t", subscriber_id: "s" })),
          status.UNIMPLEMENTED,
          "pubsub",
        );
        await assertStatus(
          unary(stream, "Append", { namespace: "default", stream: "s", payload: bytes("x") }),
          status.UNIMPLEMENTED,
          "stream",
        );
        await assertStatus(
          collect(
            stream.Read({ namespace: "default", stream: "s", from_offset: 0, max_messages: 1 }),
          ),
          status.UNIMPLEMENTED,
        );
      },
    );

    const invalid: [string, () => Promise<unknown>, string][] = [
      ["empty key (Set)", () => unary(kv, "Set", { key: "", value: bytes("x") }), "'key' is empty"],
      ["empty key (Get)", () => unary(kv, "Get", { key: "" }), "'key' is empty"],
      ["empty key (Delete)", () => unary(kv, "Delete", { key: "" }), "'key' is empty"],
      ["empty key (Exists)", () => unary(kv, "Exists", { key: "" }), "'key' is empty"],
      ["empty key (Expire)", () => unary(ttl, "Expire", { key: "", ttl_seconds: 1 }), "'key'"],
      ["empty key (GetTTL)", () => unary(ttl, "GetTTL", { key: "" }), "'key'"],
      ["empty key (Persist)", () => unary(ttl, "Persist", { key: "" }), "'key'"],
      [
        "negative TTL (Set)",
        () => unary(kv, "Set", { key: "k", value: bytes("x"), ttl_seconds: -1 }),
        "current value is -1",
      ],
      [
        "negative TTL (Expire)",
        () => unary(ttl, "Expire", { key: "k", ttl_seconds: -5 }),
        "current value is -5",
      ],
      [
        "key over max_key_bytes",
        () => unary(kv, "Set", { key: "k".repeat(65), value: bytes("x") }),
        "over limits.max_key_bytes (64)",
      ],
      [
        "multi-byte key over max_key_bytes",
        () => unary(kv, "Get", { key: "ü".repeat(33) }),
        "66 bytes",
      ],
      [
        "value over max_value_bytes",
        () => unary(kv, "Set", { key: "k", value: new Uint8Array(1025) }),
        "over limits.max_value_bytes (1024)",
      ],
      [
        "empty list_key",
        () => unary(list, "PushLeft", { list_key: "", value: bytes("x") }),
        "'list_key'",
      ],
      ["empty list_key (Length)", () => unary(list, "Length", { list_key: "" }), "'list_key'"],
      [
        "list value over limit",
        () => unary(list, "PushRight", { list_key: "l", value: new Uint8Array(2000) }),
        "'value'",
      ],
      [
        "prefix over max_key_bytes",
        () => unary(scan, "Count", { prefix: "p".repeat(100) }),
        "'prefix'",
      ],
    ];
    for (const [name, call, message] of invalid) {
      await t.step(`INVALID_ARGUMENT: ${name}`, async () => {
        await assertStatus(call(), status.INVALID_ARGUMENT, message);
      });
    }

    await t.step("invalid input changes nothing", async () => {
      await unary(kv, "Set", { key: "keep", value: bytes("kept"), ttl_seconds: 0 });
      await assertStatus(
        unary(kv, "Set", { key: "keep", value: bytes("x"), ttl_seconds: -1 }),
        status.INVALID_ARGUMENT,
      );
      await assertStatus(
        unary(kv, "Set", { key: "keep", value: new Uint8Array(5000) }),
        status.INVALID_ARGUMENT,
      );
      assertBytes((await unary(kv, "Get", { key: "keep" })).value, bytes("kept"));
      assert.equal((await unary(ttl, "GetTTL", { key: "keep" })).ttl_seconds, -1);
    });

    await t.step(
      "a message larger than the transport limit is refused, server unharmed",
      async () => {
        const e = await assertStatus(
          unary(kv, "Set", { key: "huge", value: new Uint8Array(6 * 1024 * 1024) }),
          status.RESOURCE_EXHAUSTED,
        );
        assert.ok(e.details.length > 0);
        assert.equal((await unary(kv, "Exists", { key: "keep" })).exists, true);
      },
    );

    await t.step("memory cap reached: RESOURCE_EXHAUSTED, earlier data intact", async () => {
      const value = new Uint8Array(1000).fill(9);
      const stored: string[] = [];
      let exhausted: Error & { code: number; details: string } | undefined;
      for (let i = 0; i < 5000 && exhausted === undefined; i++) {
        const k = `fill:${i}`;
        try {
          await unary(kv, "Set", { namespace: "small", key: k, value });
          stored.push(k);
        } catch (err) {
          exhausted = err as typeof exhausted;
        }
      }
      assert.ok(exhausted !== undefined, "2 MB must fill up before 5 MB were written");
      // Refused again: still one line.
      await assertStatus(
        unary(kv, "Set", { namespace: "small", key: "again", value }),
        status.RESOURCE_EXHAUSTED,
      );
      const reachedLines = h.logs.filter((l) => l.includes('"memory cap reached'));
      assert.equal(reachedLines.length, 1, reachedLines.join("\n"));
      assert.equal(exhausted.code, status.RESOURCE_EXHAUSTED, exhausted.details);
      assert.ok(exhausted.details.includes("max_memory_mb"), exhausted.details);
      assert.ok(stored.length > 100, `only ${stored.length} values fit in 2 MB`);
      // Lists at the cap fail the same way (a few may still fit in other size classes).
      let pushed = 0;
      let listFull: (Error & { code: number }) | undefined;
      for (; pushed < 200 && listFull === undefined; pushed++) {
        await unary(list, "PushRight", { namespace: "small", list_key: "l", value })
          .catch((err) => listFull = err);
      }
      assert.equal(listFull?.code, status.RESOURCE_EXHAUSTED, "lists hit the cap too");
      assert.equal(
        (await unary(list, "Length", { namespace: "small", list_key: "l" })).length,
        pushed - 1,
      );
      // Everything stored before is intact and readable.
      for (const k of stored) {
        const got = await unary(kv, "Get", { namespace: "small", key: k });
        assert.equal(got.found, true, k);
        assertBytes(got.value, value, k);
      }
      assert.equal(
        (await unary(scan, "Count", { namespace: "small", prefix: "fill:" })).count,
        stored.length,
      );
      // Deleting frees memory: writes succeed again.
      for (const k of stored.slice(0, 50)) {
        assert.equal((await unary(kv, "Delete", { namespace: "small", key: k })).found, true);
      }
      await unary(kv, "Set", { namespace: "small", key: "after", value });
      assert.equal((await unary(kv, "Get", { namespace: "small", key: "after" })).found, true);
      // Log lines: one when the cap is reached, however many writes are refused, and one
      // when a write succeeds again (a list push that still fitted is such a write).
      const capLines = () =>
        h.logs.map((l) => JSON.parse(l)).filter((l) =>
          l.namespace === "small" && l.msg.startsWith("memory cap")
        );
      const lines = capLines();
      assert.ok(lines.length >= 2 && lines.length <= 2 * pushed, JSON.stringify(lines));
      lines.forEach((l, i) =>
        assert.ok(
          l.msg.startsWith(i % 2 === 0 ? "memory cap reached" : "memory cap: writes succeed again"),
          JSON.stringify(lines),
        )
      );
      assert.equal(lines[0].level, "warn");
      assert.ok(lines[0].used_bytes > 0 && lines[0].limit_bytes === 2 * 1024 * 1024);
      assert.ok(lines.at(-1).msg.startsWith("memory cap: writes succeed again"));
    });

    await t.step("client deadline passed: DEADLINE_EXCEEDED", async () => {
      await assertStatus(
        unary(kv, "Get", { key: "k" }, { deadline: Date.now() - 1 }),
        status.DEADLINE_EXCEEDED,
      );
    });

    await t.step("a request id in metadata is accepted", async () => {
      const md = new Metadata();
      md.set("x-request-id", "req-123");
      assert.equal((await unary(kv, "Exists", { key: "nothing" }, {}, md)).exists, false);
    });
  } finally {
    await h.stop();
  }
});

Deno.test({ name: "errors: draining proxy answers UNAVAILABLE" }, async () => {
  const h = await startTestProxy(CONFIG);
  try {
    await unary(h.clients.keyvalue, "Set", { key: "k", value: bytes("v") });
    const drained = await h.proxy.router.drain(100);
    assert.deepEqual(drained, { drained: 0, aborted: 0 });
    await assertStatus(
      unary(h.clients.keyvalue, "Get", { key: "k" }),
      status.UNAVAILABLE,
      "shutting down",
    );
    await assertStatus(
      collect(h.clients.scan.ScanKeys({ prefix: "", limit: 0 })),
      status.UNAVAILABLE,
    );
  } finally {
    await h.stop();
  }
});
