import assert from "node:assert/strict";
import { encodeHeaders, HpackDecoder, huffmanDecode } from "./hpack.ts";

const hex = (s: string) =>
  new Uint8Array(s.replace(/\s/g, "").match(/../g)!.map((h) => parseInt(h, 16)));

Deno.test("hpack: RFC 7541 C.4 requests (Huffman, dynamic table)", () => {
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")), [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
  ]);
  assert.equal(d.tableSize, 57);
  assert.deepEqual(d.decode(hex("8286 84be 5886 a8eb 1064 9cbf")).at(-1), [
    "cache-control",
    "no-cache",
  ]);
  assert.equal(d.tableSize, 110);
  assert.deepEqual(
    d.decode(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")),
    [
      [":method", "GET"],
      [":scheme", "https"],
      [":path", "/index.html"],
      [":authority", "www.example.com"],
      ["custom-key", "custom-value"],
    ],
  );
  assert.equal(d.tableSize, 164);
});

Deno.test("hpack: eviction, table size updates, literal forms", () => {
  const te = new TextEncoder();
  const lit = (name: string, value: string, first: number) => [
    first,
    name.length,
    ...te.encode(name),
    value.length,
    ...te.encode(value),
  ];
  // A 100-octet table holds one ~60-octet entry at a time.
  const d = new HpackDecoder(100);
  d.decode(new Uint8Array(lit("aaaa", "1111", 0x40)));
  assert.equal(d.tableSize, 40);
  d.decode(new Uint8Array(lit("grpc-status", "0", 0x40)));
  assert.equal(d.tableSize, 84); // both fit: 40 + 44
  d.decode(new Uint8Array(lit("grpc-message", "something long", 0x40)));
  assert.equal(d.tableSize, 58); // only the newest
  assert.deepEqual(d.decode(new Uint8Array([0xbe])), [["grpc-message", "something long"]]);
  assert.throws(() => d.decode(new Uint8Array([0xbf])), /index 63 out of range/);
  // Dynamic table size update to 0 empties it.
  d.decode(new Uint8Array([0x20]));
  assert.equal(d.tableSize, 0);
  assert.throws(() => d.decode(new Uint8Array([0x3f, 0xe2, 0x1f])), /table size update/);
  // Without indexing (0x00) and never indexed (0x10), static name index.
  assert.deepEqual(d.decode(new Uint8Array([0x0f, 0x10, 3, 0x61, 0x62, 0x63])), [[
    "content-type",
    "abc",
  ]]);
  assert.deepEqual(d.decode(new Uint8Array(lit("x", "y", 0x10))), [["x", "y"]]);
  assert.equal(d.tableSize, 0);
  assert.throws(() => d.decode(new Uint8Array([0x00, 0x05, 0x61])), /truncated string/);
  assert.throws(() => d.decode(new Uint8Array([0xff, 0x80])), /truncated integer/);
  assert.throws(
    () => d.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
    /integer too large/,
  );
});

Deno.test("hpack: Huffman errors", () => {
  assert.equal(huffmanDecode(new Uint8Array([])), "");
  // '0' is 00000 (5 bits) + 111 padding.
  assert.equal(huffmanDecode(new Uint8Array([0x07])), "0");
  assert.throws(() => huffmanDecode(new Uint8Array([0x00])), /padding/);
  // 30 ones: EOS.
  assert.throws(() => huffmanDecode(new Uint8Array([0xff, 0xff, 0xff, 0xfc])), /EOS/);
  // Padding longer than 7 bits.
  assert.throws(() => huffmanDecode(new Uint8Array([0x07, 0xff])), /padding/);
});

Deno.test("hpack: encodeHeaders round-trips through the decoder", () => {
  const long = "v".repeat(300);
  const fields: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get"],
    [":authority", "127.0.0.1:8980"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ["x-long", long],
    ["grpc-timeout", "30000m"],
  ];
  const block = encodeHeaders(fields);
  assert.equal(block[0], 0x83); // :method POST, fully indexed
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(block), fields);
  assert.equal(d.tableSize, 0); // nothing indexed
  // After a prefix block; a value beyond ASCII goes as UTF-8 octets (the decoder keeps octets).
  const more = encodeHeaders([["x-note", "café ✓"], ["x-long", long]], block);
  const utf8 = String.fromCharCode(...new TextEncoder().encode("café ✓"));
  assert.deepEqual(new HpackDecoder().decode(more), [...fields, ["x-note", utf8], [
    "x-long",
    long,
  ]]);
});

Deno.test("hpack: literals sent again decode to the same values, never to a neighbour's", () => {
  const d = new HpackDecoder();
  // Many distinct literals of every length up to past the remembered limit,
  // so that slots are shared and overwritten, decoded twice over in turns.
  const values = Array.from({ length: 400 }, (_, i) => "k".repeat(i % 140) + String(i));
  for (let round = 0; round < 2; round++) {
    for (const value of values) {
      const fields: [string, string][] = [["x-request-id", value], ["x-other", value + "!"]];
      assert.deepEqual(d.decode(encodeHeaders(fields)), fields);
    }
  }
  // Octets above 0x7f keep their char codes (RFC 9113 field values are octets).
  const block = new Uint8Array([
    0x00,
    5,
    ...new TextEncoder().encode("x-bin"),
    3,
    0xff,
    0x80,
    0x61,
  ]);
  assert.deepEqual(d.decode(block), [["x-bin", "\u00ff\u0080a"]]);
  assert.deepEqual(d.decode(block), [["x-bin", "\u00ff\u0080a"]]);
});

Deno.test("hpack: a dynamic table that fills, grows and evicts matches a plain model at every index", () => {
  const d = new HpackDecoder(4096);
  const model: [string, string][] = []; // newest first, as RFC 7541 §2.3.3 numbers them
  let size = 0;
  const enc = new TextEncoder();
  const literal = (name: string, value: string) => {
    const n = enc.encode(name);
    const v = enc.encode(value);
    // Literal with incremental indexing, new name (RFC 7541 §6.2.1); lengths < 127.
    return new Uint8Array([0x40, n.length, ...n, v.length, ...v]);
  };
  // An indexed field (RFC 7541 §6.1): a 7-bit prefix, then 7 bits per octet.
  const indexed = (i: number) => new Uint8Array(i < 127 ? [0x80 | i] : [0xff, i - 127]);
  for (let i = 0; i < 600; i++) {
    // A field that changes per request, as grpc-go's grpc-timeout, of varying length.
    const field: [string, string] = [`x-f${i % 7}`, `${i}`.padEnd(1 + (i * 13) % 90, "v")];
    assert.deepEqual(d.decode(literal(...field)), [field]);
    model.unshift(field);
    size += field[0].length + field[1].length + 32;
    while (size > 4096) {
      const [n, v] = model.pop()!;
      size -= n.length + v.length + 32;
    }
    assert.equal(d.tableSize, size);
    if (i % 50 === 49) {
      // Every entry by its index (62 is the newest), and one past the end is an error.
      for (let k = 0; k < model.length; k++) {
        assert.deepEqual(d.decode(indexed(62 + k)), [model[k]]);
      }
      assert.throws(
        () => d.decode(indexed(62 + model.length)),
        /out of range/,
      );
    }
  }
  // A size update down to 100 keeps only the newest entries that fit; 0 empties it.
  d.decode(new Uint8Array([0x3f, 100 - 31]));
  while (size > 100) {
    const [n, v] = model.pop()!;
    size -= n.length + v.length + 32;
  }
  assert.equal(d.tableSize, size);
  for (let k = 0; k < model.length; k++) {
    assert.deepEqual(d.decode(indexed(62 + k)), [model[k]]);
  }
  d.decode(new Uint8Array([0x20]));
  assert.equal(d.tableSize, 0);
  assert.throws(() => d.decode(indexed(62)), /out of range/);
});
