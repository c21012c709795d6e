// Original file: proto/prism/interfaces/list/list_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface PushResponse {
  "new_length"?: number | string | Long;
}

export interface PushResponse__Output {
  "new_length": number;
}
