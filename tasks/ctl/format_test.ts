import assert from "node:assert/strict";
import {
  BASE64_MARKER,
  decodeUtf8,
  displayKey,
  displayValue,
  encodeBase64,
  formatDuration,
  jsonValue,
  table,
  truncate,
} from "./format.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("format: values are text when UTF-8 a terminal shows as is, else base64", () => {
  assert.equal(displayValue(bytes("hello")), "hello");
  assert.equal(displayValue(bytes("")), "");
  assert.equal(displayValue(bytes("ünïcode ✓ 🎉")), "ünïcode ✓ 🎉");
  assert.equal(displayValue(bytes("a\tb\nc")), "a\tb\nc");
  // Tab and newline would break a table row.
  assert.equal(displayValue(bytes("a\tb"), true), BASE64_MARKER + encodeBase64(bytes("a\tb")));
  // Terminal controls, carriage returns and bidi overrides are never printed raw.
  for (const s of ["\x1b[2J", "a\rb", "\x00", "\x7f", "\u0085", "abc\u202edef", "\u2066x"]) {
    assert.equal(displayValue(bytes(s)), BASE64_MARKER + encodeBase64(bytes(s)), JSON.stringify(s));
  }
  const binary = new Uint8Array([0, 1, 2, 0xff, 0xfe]);
  assert.equal(displayValue(binary), "base64:AAEC//4=");
  assert.equal(decodeUtf8(binary), undefined);
  assert.equal(decodeUtf8(new Uint8Array([0xc3])), undefined, "a cut-short sequence");
  // A BOM is kept (the value is what it is).
  assert.equal(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "\ufeffa");
});

Deno.test("format: JSON values are text when UTF-8, else *_base64", () => {
  assert.deepEqual(jsonValue(bytes("x\ny")), { value: "x\ny" });
  assert.deepEqual(jsonValue(bytes("\x1b")), { value: "\x1b" });
  assert.deepEqual(jsonValue(new Uint8Array([0xff])), { value_base64: "/w==" });
  assert.deepEqual(jsonValue(bytes("p"), "payload"), { payload: "p" });
  assert.deepEqual(jsonValue(new Uint8Array([0x80]), "payload"), { payload_base64: "gA==" });
  // A Buffer view into a larger array encodes only its own bytes.
  const big = new Uint8Array([9, 9, 0xff, 9]);
  assert.equal(encodeBase64(big.subarray(2, 3)), "/w==");
});

Deno.test("format: keys with controls are quoted; long text is cut", () => {
  assert.equal(displayKey("user:1 a"), "user:1 a");
  assert.equal(displayKey("a\nb"), '"a\\nb"');
  assert.equal(displayKey("\u202e"), '"\u202e"');
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("abcd", 4), "abcd");
  assert.equal(truncate("🎉🎉🎉", 2), "🎉…", "cut by code point, not UTF-16 unit");
});

Deno.test("format: durations like kubectl", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(0.9), "0s");
  assert.equal(formatDuration(59.9), "59s");
  assert.equal(formatDuration(60), "1m0s");
  assert.equal(formatDuration(192), "3m12s");
  assert.equal(formatDuration(3600), "1h0m");
  assert.equal(formatDuration(18_200), "5h3m");
  assert.equal(formatDuration(86_400), "1d0h");
  assert.equal(formatDuration(187_000), "2d3h");
  assert.equal(formatDuration(-1), "-");
  assert.equal(formatDuration(NaN), "-");
  assert.equal(formatDuration(Infinity), "-");
  assert.equal(formatDuration("12" as unknown as number), "-");
});

Deno.test("format: tables align columns three spaces apart, last column unpadded", () => {
  assert.equal(
    table(["KEY", "VALUE"], [["a", "1"], ["long-key", ""], ["ü", "x y"]]),
    "KEY        VALUE\na          1\nlong-key\nü          x y\n",
  );
  assert.equal(table(["A", "B", "C"], [["1"]]), "A   B   C\n1\n", "missing cells are empty");
  assert.equal(table(["ONLY"], []), "ONLY\n");
});
