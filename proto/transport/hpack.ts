/**
 * HPACK (RFC 7541) for this folder's HTTP/2 client and server: a complete
 * decoder (static and dynamic tables, Huffman-coded strings) hardened for
 * hostile input — every malformed block is an {@linkcode HpackError}
 * (a COMPRESSION_ERROR), and a block that decodes to more than the header
 * list limit is still decoded to the end (so that the connection's table
 * stays in step) but answered with {@linkcode HeaderListTooLargeError}
 * instead of its fields, so an "HPACK bomb" costs time in proportion to its
 * bytes on the wire and memory bounded by the limit.
 *
 * The encoder never touches the peer's dynamic table (literals without
 * indexing, no Huffman), so a header block can be encoded once and reused
 * on any connection at any time.
 *
 * @module
 */

/**
 * A header block that cannot be decoded: the connection must end with
 * COMPRESSION_ERROR (RFC 7541 §2.3, RFC 9113 §4.3).
 *
 * @example
 * ```ts
 * import { HpackDecoder, HpackError } from "./hpack.ts";
 * try {
 *   new HpackDecoder().decode(new Uint8Array([0x80])); // index 0
 * } catch (err) {
 *   console.log(err instanceof HpackError); // true
 * }
 * ```
 */
export class HpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HpackError";
  }
}

/**
 * A header block that decoded correctly but to more than the header list
 * limit (the connection's HPACK state is intact; only the stream fails).
 *
 * @example
 * ```ts
 * import { HeaderListTooLargeError, HpackDecoder } from "./hpack.ts";
 * const block = new Uint8Array([0x82, 0x82, 0x82]); // ":method: GET" three times
 * try {
 *   new HpackDecoder().decode(block, 60);
 * } catch (err) {
 *   console.log(err instanceof HeaderListTooLargeError); // true
 * }
 * ```
 */
export class HeaderListTooLargeError extends Error {
  /** The decoded size (RFC 9113 §6.5.2: names, values and 32 octets a field). */
  readonly size: number;
  constructor(size: number, limit: number) {
    super(`header list of ${size} octets is over the limit of ${limit}`);
    this.name = "HeaderListTooLargeError";
    this.size = size;
  }
}

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
      if (len > 30) throw new HpackError("HPACK: invalid Huffman code");
      const n = COUNT[len];
      if (n > 0 && code - FIRST_CODE[len] < n && code >= FIRST_CODE[len]) {
        const sym = SYMBOLS[OFFSET[len] + code - FIRST_CODE[len]];
        if (sym === 256) throw new HpackError("HPACK: EOS in a Huffman string");
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      }
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones.
  if (len >= 8 || code !== (1 << len) - 1) throw new HpackError("HPACK: invalid Huffman padding");
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
  /**
   * The dynamic table as a ring, newest entry at `#head`. A peer that indexes
   * a field changing per request (grpc-go's `grpc-timeout`) adds and evicts
   * an entry on every request; an array's `unshift` moved every entry each
   * time: decoding such a request took 576–610 ns against 343–382 with the
   * ring (a grpc-go-shaped block, 500,000 decodes).
   */
  #ring: (HeaderField | undefined)[] = new Array(16);
  #head = 0;
  #count = 0;
  #size = 0;
  #maxSize: number;
  readonly #limit: number;
  #pos = 0;
  #buf: Uint8Array = new Uint8Array(0);
  /** Plain literals decoded lately, by a hash of their octets. */
  #recent: (string | undefined)[] = new Array(RECENT_SLOTS);

  /**
   * `maxTableSize`: the SETTINGS_HEADER_TABLE_SIZE this side announced
   * (default 4096); a table size update above it is an error.
   */
  constructor(maxTableSize = 4096) {
    this.#maxSize = maxTableSize;
    this.#limit = maxTableSize;
  }

  /** Current dynamic table size in octets (RFC 7541 §4.1). */
  get tableSize(): number {
    return this.#size;
  }

  /**
   * Decodes one complete header block. The fields returned are shared with
   * the tables: read them, never change them.
   *
   * @throws {HpackError} when the block is malformed (COMPRESSION_ERROR).
   * @throws {HeaderListTooLargeError} when the decoded list is over
   * `maxListSize` (the whole block was still decoded).
   */
  decode(block: Uint8Array, maxListSize = Infinity): HeaderField[] {
    this.#buf = block;
    this.#pos = 0;
    const out: HeaderField[] = [];
    let listSize = 0;
    let first = true;
    while (this.#pos < block.length) {
      const b = block[this.#pos];
      let field: HeaderField;
      if (b & 0x80) {
        field = this.#lookup(this.#int(7));
      } else if (b & 0x40) {
        field = this.#literal(6);
        this.#add(field);
      } else if (b & 0x20) {
        // RFC 7541 §4.2: only at the start of a block.
        if (!first) throw new HpackError("HPACK: dynamic table size update after a header field");
        const size = this.#int(5);
        if (size > this.#limit) {
          throw new HpackError(`HPACK: table size update to ${size}, over ${this.#limit}`);
        }
        this.#maxSize = size;
        this.#evict();
        continue;
      } else {
        field = this.#literal(4);
      }
      first = false;
      listSize += field[0].length + field[1].length + 32;
      if (listSize <= maxListSize) out.push(field);
    }
    if (listSize > maxListSize) throw new HeaderListTooLargeError(listSize, maxListSize);
    return out;
  }

  #int(prefixBits: number): number {
    const mask = (1 << prefixBits) - 1;
    let value = this.#buf[this.#pos++] & mask;
    if (value < mask) return value;
    let shift = 0;
    for (;;) {
      if (this.#pos >= this.#buf.length) throw new HpackError("HPACK: truncated integer");
      const b = this.#buf[this.#pos++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return value;
      if (shift > 28) throw new HpackError("HPACK: integer too large");
    }
  }

  #string(): string {
    if (this.#pos >= this.#buf.length) throw new HpackError("HPACK: truncated string");
    const huffman = (this.#buf[this.#pos] & 0x80) !== 0;
    const len = this.#int(7);
    const end = this.#pos + len;
    if (end > this.#buf.length) throw new HpackError("HPACK: truncated string");
    const buf = this.#buf;
    const start = this.#pos;
    this.#pos = end;
    if (huffman) return huffmanDecode(buf.subarray(start, end));
    if (len > RECENT_MAX_LENGTH) return latin1(buf.subarray(start, end));
    // A peer that sends the same literal on every request (a client that
    // does not index, such as the proxy's own channel to a plugin) gets the
    // string decoded before: no allocation per field.
    let hash = len;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
    const slot = (hash >>> 0) & (RECENT_SLOTS - 1);
    const seen = this.#recent[slot];
    if (seen !== undefined && sameChars(seen, buf, start, end)) return seen;
    return this.#recent[slot] = latin1(buf.subarray(start, end));
  }

  #literal(prefixBits: number): HeaderField {
    const index = this.#int(prefixBits);
    const name = index === 0 ? this.#string() : this.#lookup(index)[0];
    return [name, this.#string()];
  }

  #lookup(index: number): HeaderField {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1] as HeaderField;
    const d = index - STATIC_TABLE.length - 1;
    if (index <= 0 || d >= this.#count) {
      throw new HpackError(`HPACK: header index ${index} out of range`);
    }
    return this.#ring[(this.#head + d) & (this.#ring.length - 1)]!;
  }

  #add(field: HeaderField) {
    if (this.#count === this.#ring.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#ring.length - 1);
    this.#ring[this.#head] = field;
    this.#count++;
    this.#size += field[0].length + field[1].length + 32;
    this.#evict();
  }

  /** Twice the ring's capacity (at most the table size over 32 entries fit), oldest entries kept last. */
  #grow() {
    const ring = new Array<HeaderField | undefined>(this.#ring.length * 2);
    for (let i = 0; i < this.#count; i++) {
      ring[i] = this.#ring[(this.#head + i) & (this.#ring.length - 1)];
    }
    this.#ring = ring;
    this.#head = 0;
  }

  #evict() {
    const mask = this.#ring.length - 1;
    while (this.#size > this.#maxSize && this.#count > 0) {
      const oldest = (this.#head + this.#count - 1) & mask;
      const [n, v] = this.#ring[oldest]!;
      this.#ring[oldest] = undefined;
      this.#count--;
      this.#size -= n.length + v.length + 32;
    }
  }
}

/** How many plain literals a decoder remembers, and up to what length. */
const RECENT_SLOTS = 64;
const RECENT_MAX_LENGTH = 128;

function sameChars(s: string, bytes: Uint8Array, start: number, end: number): boolean {
  if (s.length !== end - start) return false;
  for (let i = start; i < end; i++) if (s.charCodeAt(i - start) !== bytes[i]) return false;
  return true;
}

/** Octets as a string of the same char codes (TextDecoder's "latin1" is windows-1252). */
function latin1(bytes: Uint8Array): string {
  if (bytes.length <= 32) {
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

const UTF8 = new TextEncoder();

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
 * time and can be reused for every request. With `prefix` (an encoded
 * block), the result is that block followed by these fields.
 *
 * @example
 * ```ts
 * import { encodeHeaders, HpackDecoder } from "./hpack.ts";
 * const block = encodeHeaders([[":method", "POST"], ["te", "trailers"]]);
 * console.log(new HpackDecoder().decode(block)); // [[":method", "POST"], ["te", "trailers"]]
 * const more = encodeHeaders([["x-request-id", "r-1"]], block);
 * console.log(new HpackDecoder().decode(more).length); // 3
 * ```
 */
export function encodeHeaders(
  fields: readonly HeaderField[],
  prefix?: Uint8Array,
): Uint8Array {
  // Sized up front and written in place: this runs for every call a client makes.
  let size = prefix?.length ?? 0;
  for (let i = 0; i < fields.length; i++) {
    const [name, value] = fields[i];
    // Two string lengths and an index take at most 11 octets; UTF-8 at most 3 per UTF-16 unit.
    size += maxOctets(name) + maxOctets(value) + 11;
  }
  const out = new Uint8Array(size);
  let at = 0;
  if (prefix !== undefined) {
    out.set(prefix);
    at = prefix.length;
  }
  for (let i = 0; i < fields.length; i++) {
    const [name, value] = fields[i];
    const nameIndex = STATIC_NAME.get(name);
    if (nameIndex !== undefined) {
      const full = STATIC_FULL.get(`${name}\0${value}`);
      if (full !== undefined) {
        at = writeInt(out, at, full, 7, 0x80);
        continue;
      }
      at = writeInt(out, at, nameIndex, 4, 0x00);
    } else {
      out[at++] = 0x00;
      at = writeString(out, at, name);
    }
    at = writeString(out, at, value);
  }
  return out.subarray(0, at);
}

function maxOctets(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return s.length * 3;
  return s.length;
}

function writeInt(out: Uint8Array, at: number, value: number, prefixBits: number, first: number) {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out[at++] = first | value;
    return at;
  }
  out[at++] = first | mask;
  value -= mask;
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  return at;
}

/** A string literal without Huffman: ASCII copied as is, anything else as UTF-8. */
function writeString(out: Uint8Array, at: number, s: string): number {
  const start = at;
  at = writeInt(out, at, s.length, 7, 0);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const bytes = UTF8.encode(s);
      at = writeInt(out, start, bytes.length, 7, 0);
      out.set(bytes, at);
      return at + bytes.length;
    }
    out[at++] = c;
  }
  return at;
}
