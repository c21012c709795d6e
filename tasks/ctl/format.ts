/**
 * How `prism ctl` shows things to people: values as text or base64, keys
 * that cannot upset a terminal, durations like `3m12s`, and tables with
 * aligned columns (as kubectl prints them).
 *
 * @module
 */
import { Buffer } from "node:buffer";

/**
 * The marker before a value shown as base64 in human-readable output.
 *
 * @example
 * ```ts
 * import { BASE64_MARKER } from "./format.ts";
 * console.log(BASE64_MARKER); // "base64:"
 * ```
 */
export const BASE64_MARKER = "base64:";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The bytes as a string when they are valid UTF-8, else `undefined`.
 *
 * @example
 * ```ts
 * import { decodeUtf8 } from "./format.ts";
 * console.log(decodeUtf8(new TextEncoder().encode("héllo"))); // "héllo"
 * console.log(decodeUtf8(new Uint8Array([0xff, 0xfe]))); // undefined
 * ```
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Standard base64 of the bytes.
 *
 * @example
 * ```ts
 * import { encodeBase64 } from "./format.ts";
 * console.log(encodeBase64(new Uint8Array([0, 1, 2, 255]))); // "AAEC/w=="
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

// C0 controls, DEL, C1 controls and the bidirectional overrides and isolates
// (which can make text read differently from what it is).
// deno-lint-ignore no-control-regex
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// The same, but tab and newline are allowed (a value printed on its own).
// deno-lint-ignore no-control-regex
const UNSAFE_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * A value for human-readable output: the text when it is valid UTF-8 that
 * a terminal shows as it is (no control characters; tab and newline are
 * allowed unless `inline`, for a value inside a table row), otherwise
 * {@linkcode BASE64_MARKER} and the base64 of the bytes.
 *
 * @example
 * ```ts
 * import { displayValue } from "./format.ts";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * console.log(displayValue(bytes("hello"))); // "hello"
 * console.log(displayValue(bytes("two\nlines"))); // "two\nlines"
 * console.log(displayValue(bytes("two\nlines"), true)); // "base64:dHdvCmxpbmVz"
 * console.log(displayValue(new Uint8Array([0xff]))); // "base64:/w=="
 * ```
 */
export function displayValue(bytes: Uint8Array, inline = false): string {
  const text = decodeUtf8(bytes);
  if (text !== undefined && !(inline ? UNSAFE_INLINE : UNSAFE_BLOCK).test(text)) return text;
  return BASE64_MARKER + encodeBase64(bytes);
}

/**
 * A value for JSON output: `{ [field]: text }` when the bytes are valid
 * UTF-8 (JSON escapes any control character), else
 * `{ [field + "_base64"]: base64 }`.
 *
 * @example
 * ```ts
 * import { jsonValue } from "./format.ts";
 * console.log(jsonValue(new TextEncoder().encode("hi"))); // { value: "hi" }
 * console.log(jsonValue(new Uint8Array([0xff]), "payload")); // { payload_base64: "/w==" }
 * ```
 */
export function jsonValue(bytes: Uint8Array, field = "value"): Record<string, string> {
  const text = decodeUtf8(bytes);
  return text !== undefined ? { [field]: text } : { [`${field}_base64`]: encodeBase64(bytes) };
}

/**
 * A key (or any name a server sent) for human-readable output: as it is, or
 * JSON-quoted when it holds characters a terminal would act on.
 *
 * @example
 * ```ts
 * import { displayKey } from "./format.ts";
 * console.log(displayKey("user:1")); // "user:1"
 * console.log(displayKey("a\u001b[2Jb")); // "\"a\\u001b[2Jb\""
 * ```
 */
export function displayKey(key: string): string {
  return UNSAFE_INLINE.test(key) ? JSON.stringify(key) : key;
}

/**
 * Cuts `text` to at most `max` characters, ending it with `…` when cut.
 *
 * @example
 * ```ts
 * import { truncate } from "./format.ts";
 * console.log(truncate("abcdef", 4)); // "abc…"
 * console.log(truncate("abc", 4)); // "abc"
 * ```
 */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max - 1)).join("") + "…";
}

/**
 * A duration in seconds the way kubectl shows ages: `45s`, `3m12s`,
 * `5h3m`, `2d4h`; `-` for a value that is not a finite, non-negative number.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./format.ts";
 * console.log(formatDuration(12.3), formatDuration(192), formatDuration(18_200), formatDuration(187_000));
 * // "12s" "3m12s" "5h3m" "2d3h"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** Display width of a string: code points (good enough for names and values). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Rows under a header, each column padded to its widest cell and columns
 * three spaces apart (the last column is not padded); one string with a
 * newline after each line.
 *
 * @example
 * ```ts
 * import { table } from "./format.ts";
 * console.log(table(["KEY", "VALUE"], [["a", "1"], ["long-key", "2"]]));
 * // KEY        VALUE
 * // a          1
 * // long-key   2
 * ```
 */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ""))));
  return all.map((r) =>
    header.map((_, i) => {
      const cell = r[i] ?? "";
      return i === header.length - 1 ? cell : cell + " ".repeat(widths[i] - width(cell) + 3);
    }).join("").trimEnd() + "\n"
  ).join("");
}
