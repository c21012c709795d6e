// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

export interface GetRequest {
  "namespace"?: string;
  "key"?: string;
}

export interface GetRequest__Output {
  "namespace": string;
  "key": string;
}
