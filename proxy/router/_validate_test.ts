import assert from "node:assert/strict";
import { serviceDefinition, type ServiceName } from "../../proto/definitions.ts";
import { status, StatusError } from "../../proto/status.ts";
import { InvalidRequest, validatorFor } from "./_validate.ts";

const LIMITS = { max_key_bytes: 8, max_value_bytes: 4 };
const PUBSUB = "prism.interfaces.pubsub.PubSubBasicInterface";
const STREAM = "prism.interfaces.stream.StreamBasicInterface";
const KV = "prism.interfaces.keyvalue.KeyValueBasicInterface";

/** Serializes `request` for `service/method` and runs its validator: the namespace, or the error's message. */
function check(service: string, method: string, request: Record<string, unknown>): string {
  const def = serviceDefinition(service as ServiceName)[method];
  try {
    return `ns=${validatorFor(def.path, LIMITS)(def.requestSerialize(request))}`;
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return `${err.code === status.INVALID_ARGUMENT ? "invalid" : "internal"}: ${err.message}`;
  }
}

Deno.test("validators: pub/sub and stream rules", () => {
  assert.equal(check(PUBSUB, "Publish", { topic: "t", payload: new Uint8Array(4) }), "ns=");
  assert.equal(
    check(PUBSUB, "Publish", { namespace: "events", topic: "", payload: new Uint8Array(0) }),
    "invalid: Cannot Publish as 'topic' is empty",
  );
  assert.match(
    check(PUBSUB, "Publish", { topic: "t", payload: new Uint8Array(5) }),
    /'payload' is 5 bytes, over limits\.max_value_bytes \(4\)/,
  );
  assert.match(
    check(PUBSUB, "Publish", { topic: "topic-too-long", payload: new Uint8Array(0) }),
    /'topic' is 14 bytes/,
  );
  assert.equal(
    check(PUBSUB, "Unsubscribe", { topic: "t", subscriber_id: "" }),
    "invalid: Cannot Unsubscribe as 'subscriber_id' is empty",
  );
  assert.equal(
    check(STREAM, "Append", { stream: "", payload: new Uint8Array(0) }),
    "invalid: Cannot Append as 'stream' is empty",
  );
  assert.equal(
    check(STREAM, "Read", { stream: "s", from_offset: -1 }),
    "invalid: Cannot Read as 'from_offset' must not be negative: current value is -1",
  );
  assert.equal(check(STREAM, "Read", { namespace: "x", stream: "s", from_offset: 0 }), "ns=x");
  assert.match(
    check(STREAM, "Trim", { stream: "s", before_offset: -3 }),
    /'before_offset' must not be negative: current value is -3/,
  );
});

Deno.test("validators: keys are measured in UTF-8 bytes and must be UTF-8", () => {
  assert.equal(check(KV, "Get", { key: "12345678" }), "ns=");
  assert.match(check(KV, "Get", { key: "123456789" }), /9 bytes, over limits\.max_key_bytes \(8\)/);
  assert.equal(check(KV, "Get", { key: "üüüü" }), "ns="); // 8 bytes
  assert.match(check(KV, "Get", { key: "üüüüü" }), /10 bytes/);
  assert.equal(
    check("prism.interfaces.keyvalue.KeyValueScanInterface", "Count", { prefix: "" }),
    "ns=",
    "an empty prefix is allowed",
  );
  // Bytes that are not UTF-8 in a string field: protobuf decoders would make them U+FFFD,
  // so "utf8-\xff" and "utf8-\xfe" would be the same key.
  const get = validatorFor(`/${KV}/Get`, LIMITS);
  const raw = (field: number, bytes: number[]) => [field << 3 | 2, bytes.length, ...bytes];
  assert.throws(
    () => get(new Uint8Array(raw(2, [0x75, 0xff]))),
    /Cannot Get as 'key' is not valid UTF-8/,
  );
  assert.throws(
    () => get(new Uint8Array([...raw(1, [0xfe]), ...raw(2, [0x61])])),
    /'namespace' is not valid UTF-8/,
  );
  assert.equal(get(new Uint8Array(raw(2, [0xc3, 0xbc]))), "");
});

Deno.test("validators: the wire format, read as protobuf reads it", () => {
  const get = validatorFor(`/${KV}/Get`, LIMITS);
  const set = validatorFor(`/${KV}/Set`, LIMITS);
  const len = (field: number, text: string) => {
    const b = new TextEncoder().encode(text);
    return [field << 3 | 2, b.length, ...b];
  };
  // The last occurrence of a field wins: an empty key after a good one is empty.
  assert.throws(() => get(new Uint8Array([...len(2, "a"), ...len(2, "")])), /'key' is empty/);
  assert.equal(get(new Uint8Array([...len(1, "x"), ...len(1, "ns"), ...len(2, "k")])), "ns");
  // Unknown fields are skipped, of every wire type.
  assert.equal(
    get(
      new Uint8Array([
        ...len(2, "k"),
        9 << 3 | 0,
        1,
        10 << 3 | 1,
        ...Array(8).fill(0),
        11 << 3 | 5,
        0,
        0,
        0,
        0,
        ...len(12, "?"),
      ]),
    ),
    "",
  );
  // TTLs: up to 2^53/1000 seconds; 2^63-1 is over it, -1 is negative.
  const ttl = (bytes: number[]) => new Uint8Array([...len(2, "k"), 4 << 3 | 0, ...bytes]);
  const varint = (n: bigint) => {
    const out: number[] = [];
    for (let v = BigInt.asUintN(64, n);; v >>= 7n) {
      if (v < 0x80n) return [...out, Number(v)];
      out.push(Number(v & 0x7fn) | 0x80);
    }
  };
  assert.equal(set(ttl(varint(9007199254740n))), "");
  assert.throws(
    () => set(ttl(varint(9007199254741n))),
    /'ttl_seconds' is 9007199254741, over the largest TTL \(9007199254740 s\)/,
  );
  assert.throws(
    () => set(ttl([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])),
    /'ttl_seconds' is 9223372036854775807, over the largest TTL/,
  );
  assert.throws(
    () => set(ttl(varint(-1n))),
    /'ttl_seconds' must not be negative: current value is -1/,
  );
  // Malformed bytes are INTERNAL (not a message of the method's type), never a crash.
  for (
    const bad of [
      [0x12, 5, 0x61], // length past the end
      [0x12], // truncated length
      [0x10, 1], // key as a varint
      [0x0b], // a group (wire type 3)
      [0x00, 0x01], // field number 0
      [0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 11-byte varint
    ]
  ) {
    assert.throws(
      () => set(new Uint8Array(bad)),
      (err: unknown) => {
        assert.ok(err instanceof InvalidRequest, String(err));
        assert.equal(err.code, status.INTERNAL, err.message);
        assert.match(err.message, /Cannot Set as the request is not a valid message/);
        return true;
      },
      JSON.stringify(bad),
    );
  }
  // An invalid request still says its namespace (the router reports an unknown one first).
  assert.throws(
    () => get(new Uint8Array([...len(1, "nope"), ...len(2, "")])),
    (err: unknown) => err instanceof InvalidRequest && err.namespace === "nope",
  );
});
