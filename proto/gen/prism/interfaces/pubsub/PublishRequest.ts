// Original file: proto/prism/interfaces/pubsub/pubsub_basic.proto

export interface PublishRequest {
  "namespace"?: string;
  "topic"?: string;
  "payload"?: Buffer | Uint8Array | string;
  "metadata"?: { [key: string]: string };
}

export interface PublishRequest__Output {
  "namespace": string;
  "topic": string;
  "payload": Buffer;
  "metadata": { [key: string]: string };
}
