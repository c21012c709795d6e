/**
 * Converting between Kafka records and the interfaces' messages: metadata
 * travels as Kafka headers (UTF-8 strings), timestamps are the records'
 * create times in milliseconds.
 *
 * @module
 */
import type { IHeaders, KafkaMessage } from "kafkajs";

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

/**
 * Kafka headers as a metadata map (a repeated header keeps its last value;
 * values are decoded as UTF-8).
 *
 * @example
 * ```ts
 * import { headersToMetadata } from "./records.ts";
 * console.log(headersToMetadata({ a: "1", b: new TextEncoder().encode("2") as never, c: undefined }));
 * // { a: "1", b: "2" }
 * ```
 */
export function headersToMetadata(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const [key, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined || value === null) continue;
    out[key] = typeof value === "string" ? value : decoder.decode(value as Uint8Array);
  }
  return out;
}

/**
 * A record's value as bytes (a tombstone, `null`, is empty).
 *
 * @example
 * ```ts
 * import { valueOf } from "./records.ts";
 * console.log(valueOf({ value: null } as never).length); // 0
 * ```
 */
export function valueOf(message: KafkaMessage): Uint8Array {
  return message.value ?? EMPTY;
}

/**
 * A record's timestamp in milliseconds (0 when it has none).
 *
 * @example
 * ```ts
 * import { timestampOf } from "./records.ts";
 * console.log(timestampOf({ timestamp: "1700000000000" } as never)); // 1700000000000
 * ```
 */
export function timestampOf(message: KafkaMessage): number {
  const t = Number(message.timestamp);
  return Number.isFinite(t) && t > 0 ? t : 0;
}
