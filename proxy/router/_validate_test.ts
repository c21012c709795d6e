import assert from "node:assert/strict";
import { utf8Length, validatorFor } from "./_validate.ts";

const LIMITS = { max_key_bytes: 8, max_value_bytes: 4 };
const PUBSUB = "/prism.interfaces.pubsub.PubSubBasicInterface/";
const STREAM = "/prism.interfaces.stream.StreamBasicInterface/";

Deno.test("utf8Length matches TextEncoder", () => {
  for (
    const s of ["", "abc", "ü", "€", "🔑", "a🔑b", "\ud800", "\udc00x", "\ud800\ud800", "ключ"]
  ) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  }
});

Deno.test("validators: pub/sub and stream rules", () => {
  const publish = validatorFor(`${PUBSUB}Publish`, LIMITS)!;
  assert.equal(publish({ topic: "t", payload: new Uint8Array(4) }), undefined);
  assert.equal(
    publish({ topic: "", payload: new Uint8Array(0) }),
    "Cannot Publish as 'topic' is empty",
  );
  assert.match(
    publish({ topic: "t", payload: new Uint8Array(5) })!,
    /'payload' is 5 bytes, over limits\.max_value_bytes \(4\)/,
  );
  assert.match(
    publish({ topic: "topic-too-long", payload: new Uint8Array(0) })!,
    /'topic' is 14 bytes/,
  );
  const unsubscribe = validatorFor(`${PUBSUB}Unsubscribe`, LIMITS)!;
  assert.equal(
    unsubscribe({ topic: "t", subscriber_id: "" }),
    "Cannot Unsubscribe as 'subscriber_id' is empty",
  );
  const append = validatorFor(`${STREAM}Append`, LIMITS)!;
  assert.equal(
    append({ stream: "", payload: new Uint8Array(0) }),
    "Cannot Append as 'stream' is empty",
  );
  const read = validatorFor(`${STREAM}Read`, LIMITS)!;
  assert.equal(
    read({ stream: "s", from_offset: -1 }),
    "Cannot Read as 'from_offset' must not be negative: current value is -1",
  );
  assert.equal(read({ stream: "s", from_offset: 0 }), undefined);
  const trim = validatorFor(`${STREAM}Trim`, LIMITS)!;
  assert.match(trim({ stream: "s", before_offset: -3 })!, /'before_offset' must not be negative/);
  assert.equal(validatorFor("/some.Unknown/Method", LIMITS), undefined);
});

Deno.test("validators: keys are measured in UTF-8 bytes", () => {
  const get = validatorFor("/prism.interfaces.keyvalue.KeyValueBasicInterface/Get", LIMITS)!;
  assert.equal(get({ key: "12345678" }), undefined);
  assert.match(get({ key: "123456789" })!, /9 bytes, over limits\.max_key_bytes \(8\)/);
  assert.equal(get({ key: "üüüü" }), undefined); // 8 bytes
  assert.match(get({ key: "üüüüü" })!, /10 bytes/);
  const count = validatorFor("/prism.interfaces.keyvalue.KeyValueScanInterface/Count", LIMITS)!;
  assert.equal(count({ prefix: "" }), undefined, "an empty prefix is allowed");
});
