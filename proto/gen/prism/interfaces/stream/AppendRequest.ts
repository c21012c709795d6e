// Original file: proto/prism/interfaces/stream/stream_basic.proto

export interface AppendRequest {
  "namespace"?: string;
  "stream"?: string;
  "payload"?: Buffer | Uint8Array | string;
  "metadata"?: { [key: string]: string };
}

export interface AppendRequest__Output {
  "namespace": string;
  "stream": string;
  "payload": Buffer;
  "metadata": { [key: string]: string };
}
