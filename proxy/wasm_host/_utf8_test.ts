import assert from "node:assert/strict";
import { decodeKey, encodeKey } from "./_utf8.ts";

Deno.test("encodeKey writes ASCII and non-ASCII keys as UTF-8", () => {
  const area = new Uint8Array(16);
  assert.equal(encodeKey("abc", area), 3);
  assert.deepEqual(area.subarray(0, 3), new Uint8Array([97, 98, 99]));
  assert.equal(encodeKey("", area), 0);
  for (const key of ["é", "ab日本", "🙂", "a\u0000\u007f", "\u0080"]) {
    const expected = new TextEncoder().encode(key);
    assert.equal(encodeKey(key, area), expected.length, key);
    assert.deepEqual(area.subarray(0, expected.length), expected, key);
  }
});

Deno.test("encodeKey returns -1 when the key does not fit", () => {
  const area = new Uint8Array(4);
  assert.equal(encodeKey("abcd", area), 4);
  assert.equal(encodeKey("abcde", area), -1);
  assert.equal(encodeKey("ab🙂", area), -1); // 6 bytes
  assert.equal(encodeKey("éé", area), 4);
  assert.equal(encodeKey("ééa", area), -1);
});

Deno.test("decodeKey decodes short, long, ASCII and non-ASCII keys", () => {
  for (
    const key of [
      "",
      "a",
      "key:00000000001",
      "ü",
      "🙂x",
      "x".repeat(64),
      "y".repeat(200),
      "ж".repeat(40),
    ]
  ) {
    const bytes = new TextEncoder().encode(key);
    const buf = new Uint8Array(bytes.length + 10);
    buf.set(bytes, 5);
    assert.equal(decodeKey(buf, 5, bytes.length), key);
  }
});
