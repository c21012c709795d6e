/**
 * Key transfer between JS strings and UTF-8 bytes in linear memory, with an
 * ASCII fast path (a plain loop beats `TextEncoder.encodeInto` and
 * `TextDecoder.decode` for the short keys a key-value store mostly sees).
 * Internal to `proxy/wasm_host`.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes `key` as UTF-8 into `area` (a view of the module's key area) and
 * returns the byte length, or -1 if it does not fit in `area`.
 */
export function encodeKey(key: string, area: Uint8Array): number {
  const n = key.length;
  if (n > area.length) return -1;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return encodeNonAscii(key, area);
    area[i] = c;
  }
  return n;
}

function encodeNonAscii(key: string, area: Uint8Array): number {
  const { read, written } = encoder.encodeInto(key, area);
  return read < key.length ? -1 : written;
}

/** Decodes `len` UTF-8 bytes at `ptr` of `u8`. */
export function decodeKey(u8: Uint8Array, ptr: number, len: number): string {
  if (len > 64) return decoder.decode(u8.subarray(ptr, ptr + len));
  let s = "";
  for (let i = ptr, end = ptr + len; i < end; i++) {
    const c = u8[i];
    if (c > 0x7f) return decoder.decode(u8.subarray(ptr, end));
    s += String.fromCharCode(c);
  }
  return s;
}
