// Original file: proto/prism/interfaces/stream/stream_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface TrimRequest {
  "namespace"?: string;
  "stream"?: string;
  "before_offset"?: number | string | Long;
}

export interface TrimRequest__Output {
  "namespace": string;
  "stream": string;
  "before_offset": number;
}
