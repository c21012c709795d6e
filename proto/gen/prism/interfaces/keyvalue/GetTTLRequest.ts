// Original file: proto/prism/interfaces/keyvalue/keyvalue_ttl.proto

export interface GetTTLRequest {
  "namespace"?: string;
  "key"?: string;
}

export interface GetTTLRequest__Output {
  "namespace": string;
  "key": string;
}
