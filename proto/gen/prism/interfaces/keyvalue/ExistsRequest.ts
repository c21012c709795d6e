// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

export interface ExistsRequest {
  "namespace"?: string;
  "key"?: string;
}

export interface ExistsRequest__Output {
  "namespace": string;
  "key": string;
}
