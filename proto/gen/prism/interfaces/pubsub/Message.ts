// Original file: proto/prism/interfaces/pubsub/pubsub_basic.proto

import type { Long } from "@grpc/proto-loader";

export interface Message {
  "topic"?: string;
  "payload"?: Buffer | Uint8Array | string;
  "metadata"?: { [key: string]: string };
  "message_id"?: string;
  "timestamp_ms"?: number | string | Long;
}

export interface Message__Output {
  "topic": string;
  "payload": Buffer;
  "metadata": { [key: string]: string };
  "message_id": string;
  "timestamp_ms": number;
}
