/**
 * HPACK (RFC 7541) for the load tester's HTTP/2 client: a complete decoder
 * (static and dynamic tables, Huffman-coded strings) for the headers and
 * trailers servers send, and a minimal encoder for request headers that
 * never touches the server's dynamic table (literals without indexing, no
 * Huffman), so a request's header block can be encoded once and reused.
 *
 * @module
 */

/** The static table (RFC 7541 Appendix A), index 1..61. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/**
 * Code lengths of the HPACK Huffman code (RFC 7541 Appendix B) for symbols
 * 0..256 (256 is EOS). The code is canonical, so the lengths define it.
 */
const HUFFMAN_LENGTHS = (
  "13,23,28,28,28,28,28,28,28,24,30,28,28,30,28,28,28,28,28,28,28,28,30,28,28,28,28,28,28,28,28," +
  "28,6,10,10,12,13,6,8,11,10,10,8,11,8,6,6,6,5,5,5,6,6,6,6,6,6,6,7,8,15,6,12,10,13,6,7,7,7,7,7," +
  "7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,8,7,8,13,19,13,14,6,15,5,6,5,6,5,6,6,6,5,7,7,6,6,6,5,6,7,6," +
  "5,5,6,7,7,7,7,7,15,11,14,13,28,20,22,20,20,22,22,22,23,22,23,23,23,23,23,24,23,24,24,22,23," +
  "24,23,23,23,23,21,22,23,22,23,23,24,22,21,20,22,22,23,23,21,23,22,22,24,21,22,23,23,21,21,22," +
  "21,23,22,23,23,20,22,22,22,23,22,22,23,26,26,20,19,22,23,22,25,26,26,26,27,27,26,24,25,19,21," +
  "26,27,27,26,27,24,21,21,26,26,28,27,27,27,20,24,20,21,22,21,21,23,22,22,25,25,24,24,26,23,26," +
  "27,26,26,27,27,27,27,27,28,27,27,27,27,27,26,30"
).split(",").map(Number);

/** Canonical decoding tables: per code length, first code, count and offset into SYMBOLS. */
const FIRST_CODE = new Int32Array(31);
const COUNT = new Int32Array(31);
const OFFSET = new Int32Array(31);
const SYMBOLS: number[] = [];
{
  const order = HUFFMAN_LENGTHS.map((len, sym) => [len, sym]).sort((a, b) =>
    a[0] - b[0] || a[1] - b[1]
  );
  let code = 0;
  let prevLen = order[0][0];
  for (let i = 0; i < order.length; i++) {
    const [len, sym] = order[i];
    if (i > 0) code = (code + 1) << (len - prevLen);
    if (COUNT[len] === 0) {
      FIRST_CODE[len] = code;
      OFFSET[len] = SYMBOLS.length;
    }
    COUNT[len]++;
    SYMBOLS.push(sym);
    prevLen = len;
  }
}

/**
 * Decodes a Huffman-coded HPACK string (RFC 7541 §5.2) to latin-1 text.
 *
 * @example
 * ```ts
 * import { huffmanDecode } from "./hpack.ts";
 * // "www.example.com" from RFC 7541 C.4.1
 * const bytes = new Uint8Array([0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff]);
 * console.log(huffmanDecode(bytes)); // "www.example.com"
 * ```
 */
export function huffmanDecode(bytes: Uint8Array): string {
  let out = "";
  let code = 0;
  let len = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((b >> bit) & 1);
      len++;
      if (len > 30) throw new Error("HPACK: invalid Huffman code");
      const n = COUNT[len];
      if (n > 0 && code - FIRST_CODE[len] < n && code >= FIRST_CODE[len]) {
        const sym = SYMBOLS[OFFSET[len] + code - FIRST_CODE[len]];
        if (sym === 256) throw new Error("HPACK: EOS in a Huffman string");
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      }
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones.
  if (len >= 8 || code !== (1 << len) - 1) throw new Error("HPACK: invalid Huffman padding");
  return out;
}

/** A header field as decoded: `[name, value]`. */
export type HeaderField = [name: string, value: string];

/**
 * An HPACK decoder with its dynamic table; one per HTTP/2 connection (header
 * blocks must be decoded in the order they arrive).
 *
 * @example
 * ```ts
 * import { HpackDecoder } from "./hpack.ts";
 * const d = new HpackDecoder();
 * // ":status: 200" (static index 8), then "grpc-status: 0" (literal, incremental indexing)
 * const block = new Uint8Array([0x88, 0x40, 0x0b, ...new TextEncoder().encode("grpc-status"), 0x01, 0x30]);
 * console.log(d.decode(block)); // [[":status", "200"], ["grpc-status", "0"]]
 * console.log(d.decode(new Uint8Array([0xbe]))); // [["grpc-status", "0"]] (dynamic index 62)
 * ```
 */
export class HpackDecoder {
  #dynamic: HeaderField[] = [];
  #size = 0;
  #maxSize: number;
  #pos = 0;
  #buf: Uint8Array = new Uint8Array(0);

  /** `maxTableSize`: the SETTINGS_HEADER_TABLE_SIZE this side announced (default 4096). */
  constructor(maxTableSize = 4096) {
    this.#maxSize = maxTableSize;
  }

  /** Current dynamic table size in octets (RFC 7541 §4.1). */
  get tableSize(): number {
    return this.#size;
  }

  /** Decodes one complete header block. */
  decode(block: Uint8Array): HeaderField[] {
    this.#buf = block;
    this.#pos = 0;
    const out: HeaderField[] = [];
    while (this.#pos < block.length) {
      const b = block[this.#pos];
      if (b & 0x80) {
        out.push(this.#lookup(this.#int(7)));
      } else if (b & 0x40) {
        const field = this.#literal(6);
        this.#add(field);
        out.push(field);
      } else if (b & 0x20) {
        const size = this.#int(5);
        if (size > 4096) throw new Error(`HPACK: table size update ${size} over 4096`);
        this.#maxSize = size;
        this.#evict();
      } else {
        out.push(this.#literal(4));
      }
    }
    return out;
  }

  #int(prefixBits: number): number {
    const mask = (1 << prefixBits) - 1;
    let value = this.#buf[this.#pos++] & mask;
    if (value < mask) return value;
    let shift = 0;
    for (;;) {
      if (this.#pos >= this.#buf.length) throw new Error("HPACK: truncated integer");
      const b = this.#buf[this.#pos++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return value;
      if (shift > 28) throw new Error("HPACK: integer too large");
    }
  }

  #string(): string {
    const huffman = (this.#buf[this.#pos] & 0x80) !== 0;
    const len = this.#int(7);
    const end = this.#pos + len;
    if (end > this.#buf.length) throw new Error("HPACK: truncated string");
    const bytes = this.#buf.subarray(this.#pos, end);
    this.#pos = end;
    if (huffman) return huffmanDecode(bytes);
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }

  #literal(prefixBits: number): HeaderField {
    const index = this.#int(prefixBits);
    const name = index === 0 ? this.#string() : this.#lookup(index)[0];
    return [name, this.#string()];
  }

  #lookup(index: number): HeaderField {
    if (index >= 1 && index <= STATIC_TABLE.length) {
      const [n, v] = STATIC_TABLE[index - 1];
      return [n, v];
    }
    const entry = this.#dynamic[index - STATIC_TABLE.length - 1];
    if (!entry) throw new Error(`HPACK: header index ${index} out of range`);
    return [entry[0], entry[1]];
  }

  #add(field: HeaderField) {
    this.#dynamic.unshift(field);
    this.#size += field[0].length + field[1].length + 32;
    this.#evict();
  }

  #evict() {
    while (this.#size > this.#maxSize && this.#dynamic.length > 0) {
      const [n, v] = this.#dynamic.pop()!;
      this.#size -= n.length + v.length + 32;
    }
  }
}

function encodeInt(out: number[], value: number, prefixBits: number, first: number) {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out.push(first | value);
    return;
  }
  out.push(first | mask);
  value -= mask;
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

const UTF8 = new TextEncoder();

function encodeString(out: number[], s: string) {
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
  if (ascii) {
    encodeInt(out, s.length, 7, 0);
    for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
    return;
  }
  const bytes = UTF8.encode(s);
  encodeInt(out, bytes.length, 7, 0);
  for (const b of bytes) out.push(b);
}

/** Static table indexes (1-based) by "name\0value" and by name (the first entry). */
const STATIC_FULL = new Map<string, number>();
const STATIC_NAME = new Map<string, number>();
STATIC_TABLE.forEach(([n, v], i) => {
  if (!STATIC_FULL.has(`${n}\0${v}`)) STATIC_FULL.set(`${n}\0${v}`, i + 1);
  if (!STATIC_NAME.has(n)) STATIC_NAME.set(n, i + 1);
});

/**
 * Encodes header fields as literals without indexing (names from the static
 * table where it has them), so the block is valid on any connection at any
 * time and can be reused for every request.
 *
 * @example
 * ```ts
 * import { encodeHeaders, HpackDecoder } from "./hpack.ts";
 * const block = encodeHeaders([[":method", "POST"], ["te", "trailers"]]);
 * console.log(new HpackDecoder().decode(block)); // [[":method", "POST"], ["te", "trailers"]]
 * ```
 */
export function encodeHeaders(fields: readonly HeaderField[]): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const full = STATIC_FULL.get(`${name}\0${value}`);
    if (full !== undefined) {
      encodeInt(out, full, 7, 0x80);
      continue;
    }
    const nameIndex = STATIC_NAME.get(name);
    if (nameIndex !== undefined) {
      encodeInt(out, nameIndex, 4, 0x00);
    } else {
      out.push(0x00);
      encodeString(out, name);
    }
    encodeString(out, value);
  }
  return new Uint8Array(out);
}
