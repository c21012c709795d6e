// Original file: proto/prism/interfaces/stream/stream_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface AppendResponse {
  "offset"?: number | string | Long;
}

export interface AppendResponse__Output {
  "offset": number;
}
