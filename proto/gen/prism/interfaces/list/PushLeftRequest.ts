// Original file: proto/prism/interfaces/list/list_basic.proto

export interface PushLeftRequest {
  "namespace"?: string;
  "list_key"?: string;
  "value"?: Buffer | Uint8Array | string;
}

export interface PushLeftRequest__Output {
  "namespace": string;
  "list_key": string;
  "value": Buffer;
}
