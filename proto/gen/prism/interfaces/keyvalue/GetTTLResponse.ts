// Original file: proto/prism/interfaces/keyvalue/keyvalue_ttl.proto

import type { Long } from "@grpc/proto-loader";

export interface GetTTLResponse {
  /**
   * Remaining seconds; -1: no expiry; -2: no such key.
   */
  "ttl_seconds"?: number | string | Long;
}

export interface GetTTLResponse__Output {
  /**
   * Remaining seconds; -1: no expiry; -2: no such key.
   */
  "ttl_seconds": number;
}
