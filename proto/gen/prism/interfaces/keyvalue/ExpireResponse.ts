// Original file: proto/prism/interfaces/keyvalue/keyvalue_ttl.proto

export interface ExpireResponse {
  "key_existed"?: boolean;
}

export interface ExpireResponse__Output {
  "key_existed": boolean;
}
