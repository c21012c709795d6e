// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

export interface ExistsResponse {
  "exists"?: boolean;
}

export interface ExistsResponse__Output {
  "exists": boolean;
}
