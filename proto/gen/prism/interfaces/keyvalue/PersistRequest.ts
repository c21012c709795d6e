// Original file: proto/prism/interfaces/keyvalue/keyvalue_ttl.proto

export interface PersistRequest {
  "namespace"?: string;
  "key"?: string;
}

export interface PersistRequest__Output {
  "namespace": string;
  "key": string;
}
