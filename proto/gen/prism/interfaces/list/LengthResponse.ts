// Original file: proto/prism/interfaces/list/list_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface LengthResponse {
  "length"?: number | string | Long;
}

export interface LengthResponse__Output {
  "length": number;
}
