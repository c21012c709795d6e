// Original file: proto/prism/interfaces/list/list_basic.proto

export interface PushRightRequest {
  "namespace"?: string;
  "list_key"?: string;
  "value"?: Buffer | Uint8Array | string;
}

export interface PushRightRequest__Output {
  "namespace": string;
  "list_key": string;
  "value": Buffer;
}
