/**
 * HTTP/2 framing constants and helpers (RFC 9113 §4, §6, §7) shared by the
 * client and the server of this folder.
 *
 * @module
 */

/** The client connection preface (RFC 9113 §3.4). */
export const PREFACE: Uint8Array = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Frame types (RFC 9113 §6). */
export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags (RFC 9113 §6). */
export const FLAG = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Error codes (RFC 9113 §7). */
export const ERROR = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

const ERROR_NAMES = Object.fromEntries(Object.entries(ERROR).map(([k, v]) => [v, k]));

/** The name of an HTTP/2 error code, e.g. `PROTOCOL_ERROR` (`0x1f` for unknown codes). */
export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
}

/** SETTINGS parameters (RFC 9113 §6.5.2). */
export const SETTING = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** The largest flow-control window (2^31 − 1). */
export const MAX_WINDOW = 0x7fffffff;
/** The largest stream identifier. */
export const MAX_STREAM_ID = 0x7fffffff;
/** The initial flow-control window of every stream and connection. */
export const DEFAULT_WINDOW = 65535;
/** The smallest (and default) SETTINGS_MAX_FRAME_SIZE. */
export const MIN_MAX_FRAME_SIZE = 16384;
/** The largest SETTINGS_MAX_FRAME_SIZE. */
export const MAX_MAX_FRAME_SIZE = 16777215;

/** Writes a 9-byte frame header into `buf` at `at`. */
export function writeFrameHeader(
  buf: Uint8Array,
  at: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  buf[at] = length >>> 16;
  buf[at + 1] = (length >>> 8) & 0xff;
  buf[at + 2] = length & 0xff;
  buf[at + 3] = type;
  buf[at + 4] = flags;
  buf[at + 5] = (streamId >>> 24) & 0x7f;
  buf[at + 6] = (streamId >>> 16) & 0xff;
  buf[at + 7] = (streamId >>> 8) & 0xff;
  buf[at + 8] = streamId & 0xff;
}

/** One whole frame: header and a copy of `payload`. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Uint8Array {
  const buf = new Uint8Array(9 + payload.length);
  writeFrameHeader(buf, 0, payload.length, type, flags, streamId);
  buf.set(payload, 9);
  return buf;
}

/** A 4-byte big-endian unsigned integer. */
export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = n >>> 24;
  b[1] = (n >>> 16) & 0xff;
  b[2] = (n >>> 8) & 0xff;
  b[3] = n & 0xff;
  return b;
}

/** Reads a 4-byte big-endian unsigned integer of `buf` at `at`. */
export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

/** A RST_STREAM frame. */
export function rstStreamFrame(streamId: number, code: number): Uint8Array {
  return frame(FRAME.RST_STREAM, 0, streamId, u32(code));
}

/** A WINDOW_UPDATE frame. */
export function windowUpdateFrame(streamId: number, increment: number): Uint8Array {
  return frame(FRAME.WINDOW_UPDATE, 0, streamId, u32(increment));
}

/** A GOAWAY frame with optional debug text. */
export function goawayFrame(lastStreamId: number, code: number, debug = ""): Uint8Array {
  const text = new TextEncoder().encode(debug);
  const payload = new Uint8Array(8 + text.length);
  payload.set(u32(lastStreamId & MAX_STREAM_ID), 0);
  payload.set(u32(code), 4);
  payload.set(text, 8);
  return frame(FRAME.GOAWAY, 0, 0, payload);
}

/** A SETTINGS frame from `[id, value]` pairs. */
export function settingsFrame(settings: readonly (readonly [number, number])[]): Uint8Array {
  const payload = new Uint8Array(settings.length * 6);
  settings.forEach(([id, value], i) => {
    payload[i * 6] = id >>> 8;
    payload[i * 6 + 1] = id & 0xff;
    payload.set(u32(value), i * 6 + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, payload);
}

/** The SETTINGS acknowledgement. */
export const SETTINGS_ACK: Uint8Array = frame(FRAME.SETTINGS, FLAG.ACK, 0, new Uint8Array(0));

/**
 * Splits a header block into a HEADERS frame and as many CONTINUATION
 * frames as `maxFrameSize` needs, as one buffer.
 */
export function headersFrames(
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  maxFrameSize: number,
): Uint8Array {
  const endFlag = endStream ? FLAG.END_STREAM : 0;
  if (block.length <= maxFrameSize) {
    const buf = new Uint8Array(9 + block.length);
    writeFrameHeader(buf, 0, block.length, FRAME.HEADERS, endFlag | FLAG.END_HEADERS, streamId);
    buf.set(block, 9);
    return buf;
  }
  const count = Math.ceil(block.length / maxFrameSize);
  const buf = new Uint8Array(block.length + 9 * count);
  let at = 0;
  for (let i = 0, from = 0; i < count; i++, from += maxFrameSize) {
    const part = block.subarray(from, Math.min(block.length, from + maxFrameSize));
    const last = i === count - 1;
    const type = i === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
    const flags = (i === 0 ? endFlag : 0) | (last ? FLAG.END_HEADERS : 0);
    writeFrameHeader(buf, at, part.length, type, flags, streamId);
    buf.set(part, at + 9);
    at += 9 + part.length;
  }
  return buf;
}
