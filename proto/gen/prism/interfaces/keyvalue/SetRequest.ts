// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface SetRequest {
  "namespace"?: string;
  "key"?: string;
  "value"?: Buffer | Uint8Array | string;
  /**
   * Seconds until the key expires. Absent or 0: no expiry. Negative: INVALID_ARGUMENT.
   */
  "ttl_seconds"?: number | string | Long;
  "_ttl_seconds"?: "ttl_seconds";
}

export interface SetRequest__Output {
  "namespace": string;
  "key": string;
  "value": Buffer;
  /**
   * Seconds until the key expires. Absent or 0: no expiry. Negative: INVALID_ARGUMENT.
   */
  "ttl_seconds"?: number;
}
