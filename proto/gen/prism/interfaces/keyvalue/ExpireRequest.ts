// Original file: proto/prism/interfaces/keyvalue/keyvalue_ttl.proto

import type { Long } from "@grpc/proto-loader";

export interface ExpireRequest {
  "namespace"?: string;
  "key"?: string;
  "ttl_seconds"?: number | string | Long;
}

export interface ExpireRequest__Output {
  "namespace": string;
  "key": string;
  "ttl_seconds": number;
}
