// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

export interface DeleteRequest {
  "namespace"?: string;
  "key"?: string;
}

export interface DeleteRequest__Output {
  "namespace": string;
  "key": string;
}
