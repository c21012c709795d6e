// Original file: proto/prism/interfaces/keyvalue/keyvalue_ttl.proto

export interface PersistResponse {
  "expiration_removed"?: boolean;
}

export interface PersistResponse__Output {
  "expiration_removed": boolean;
}
