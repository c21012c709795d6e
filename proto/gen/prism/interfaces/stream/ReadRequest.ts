// Original file: proto/prism/interfaces/stream/stream_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface ReadRequest {
  "namespace"?: string;
  "stream"?: string;
  "from_offset"?: number | string | Long;
  /**
   * Maximum number of records; 0 or less means up to the tail.
   */
  "max_messages"?: number;
}

export interface ReadRequest__Output {
  "namespace": string;
  "stream": string;
  "from_offset": number;
  /**
   * Maximum number of records; 0 or less means up to the tail.
   */
  "max_messages": number;
}
