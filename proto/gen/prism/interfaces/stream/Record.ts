// Original file: proto/prism/interfaces/stream/stream_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface Record {
  "offset"?: number | string | Long;
  "payload"?: Buffer | Uint8Array | string;
  "metadata"?: { [key: string]: string };
  "timestamp_ms"?: number | string | Long;
}

export interface Record__Output {
  "offset": number;
  "payload": Buffer;
  "metadata": { [key: string]: string };
  "timestamp_ms": number;
}
