/**
 * Base64 for build tasks (JSR's `@std/encoding` is not reachable here).
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** Encodes bytes as standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
