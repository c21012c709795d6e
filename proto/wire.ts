/**
 * Reading protobuf's wire format without decoding a message: the top-level
 * fields of a serialized message, with where each one's bytes are. The
 * router reads the namespace and checks its limits this way, and forwards
 * a plugin's request as the client sent it (measured against decoding and
 * re-encoding: see the README's benchmarks).
 *
 * @module
 */

/** Wire types (protobuf encoding). */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/**
 * One top-level field occurrence: its number and wire type, and for
 * length-delimited fields where the bytes are (`start`, `end` into the
 * message); for varints, `start`..`end` spans the varint itself.
 *
 * @example
 * ```ts
 * import type { WireField } from "./wire.ts";
 * const f: WireField = { number: 1, type: 2, start: 2, end: 5 };
 * console.log(f.end - f.start); // 3
 * ```
 */
export interface WireField {
  number: number;
  type: number;
  start: number;
  end: number;
}

/** A message that does not parse as protobuf's wire format. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

/**
 * Calls `visit` for each top-level field of `bytes`, in order.
 *
 * @throws {WireError} when the bytes are not a well-formed message.
 *
 * @example
 * ```ts
 * import { forEachField } from "./wire.ts";
 * // field 1 = "ns", field 2 = "key"
 * const msg = new Uint8Array([0x0a, 2, 0x6e, 0x73, 0x12, 3, 0x6b, 0x65, 0x79]);
 * forEachField(msg, (f) => console.log(f.number, f.end - f.start)); // 1 2, then 2 3
 * ```
 */
export function forEachField(bytes: Uint8Array, visit: (field: WireField) => void): void {
  const n = bytes.length;
  let pos = 0;
  const field: WireField = { number: 0, type: 0, start: 0, end: 0 };
  while (pos < n) {
    // The tag: a varint of at most 5 bytes (field numbers fit in 29 bits).
    let tag = 0;
    let shift = 0;
    for (;;) {
      if (pos >= n) throw new WireError("truncated tag");
      const b = bytes[pos++];
      tag += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 28) throw new WireError("tag too long");
    }
    const number = Math.floor(tag / 8);
    const type = tag & 7;
    if (number === 0) throw new WireError("field number 0");
    let start = pos;
    switch (type) {
      case WIRE.VARINT: {
        let len = 0;
        while (pos < n && bytes[pos] >= 0x80) {
          pos++;
          if (++len >= 10) throw new WireError("varint too long");
        }
        if (pos >= n) throw new WireError("truncated varint");
        pos++;
        break;
      }
      case WIRE.I64:
        pos += 8;
        break;
      case WIRE.I32:
        pos += 4;
        break;
      case WIRE.LEN: {
        let len = 0;
        let s = 0;
        for (;;) {
          if (pos >= n) throw new WireError("truncated length");
          const b = bytes[pos++];
          len += (b & 0x7f) * 2 ** s;
          if (b < 0x80) break;
          s += 7;
          if (s > 28) throw new WireError("length too long");
        }
        start = pos;
        pos += len;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${type}`);
    }
    if (pos > n) throw new WireError(`field ${number} runs past the end`);
    field.number = number;
    field.type = type;
    field.start = start;
    field.end = pos;
    visit(field);
  }
}

/**
 * The value of the varint at `bytes[start..end)` as a number (int64 as
 * two's complement: negative when the top bit is set; exact up to 2^53).
 *
 * @example
 * ```ts
 * import { readVarint } from "./wire.ts";
 * console.log(readVarint(new Uint8Array([0xac, 0x02]), 0, 2)); // 300
 * console.log(readVarint(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, 10)); // -1
 * ```
 */
export function readVarint(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= 10) {
    // Bit 63 is set: a negative int64.
    let v = 0n;
    for (let i = end - 1; i >= start; i--) v = (v << 7n) | BigInt(bytes[i] & 0x7f);
    return Number(BigInt.asIntN(64, v));
  }
  let v = 0;
  for (let i = start, s = 1; i < end; i++, s *= 128) v += (bytes[i] & 0x7f) * s;
  return v;
}

/**
 * The varint at `bytes[start..end)` as an int64, exactly.
 *
 * @example
 * ```ts
 * import { readVarintBig } from "./wire.ts";
 * const max = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
 * console.log(readVarintBig(max, 0, 9)); // 9223372036854775807n
 * ```
 */
export function readVarintBig(bytes: Uint8Array, start: number, end: number): bigint {
  let v = 0n;
  for (let i = end - 1; i >= start; i--) v = (v << 7n) | BigInt(bytes[i] & 0x7f);
  return BigInt.asIntN(64, v);
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The UTF-8 string at `bytes[start..end)`, or undefined when the bytes are
 * not valid UTF-8 (protobuf's `string` must be).
 *
 * @example
 * ```ts
 * import { readString } from "./wire.ts";
 * console.log(readString(new Uint8Array([0x61, 0x62]), 0, 2)); // "ab"
 * console.log(readString(new Uint8Array([0xff]), 0, 1)); // undefined
 * ```
 */
export function readString(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return decodeStrict(bytes, start, end);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decodeStrict(bytes, start, end);
}

function decodeStrict(bytes: Uint8Array, start: number, end: number): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

/**
 * Whether `bytes[start..end)` is valid UTF-8, without making a string for
 * ASCII.
 *
 * @example
 * ```ts
 * import { isUtf8 } from "./wire.ts";
 * console.log(isUtf8(new Uint8Array([0x6b, 0xc3, 0xbc]), 0, 3), isUtf8(new Uint8Array([0xfe]), 0, 1)); // true false
 * ```
 */
export function isUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) return decodeStrict(bytes, i, end) !== undefined;
  }
  return true;
}

/**
 * The length-delimited field 1 of a message (every Prism request's
 * `namespace`) as a string: "" when absent, undefined when the message or
 * the string is malformed. The last occurrence wins, as protobuf's
 * decoding does.
 *
 * @example
 * ```ts
 * import { readField1String } from "./wire.ts";
 * console.log(readField1String(new Uint8Array([0x0a, 2, 0x6e, 0x73, 0x12, 1, 0x6b]))); // "ns"
 * ```
 */
export function readField1String(bytes: Uint8Array): string | undefined {
  let start = -1;
  let end = -1;
  try {
    forEachField(bytes, (f) => {
      if (f.number === 1 && f.type === WIRE.LEN) {
        start = f.start;
        end = f.end;
      }
    });
  } catch {
    return undefined;
  }
  return start < 0 ? "" : readString(bytes, start, end);
}
