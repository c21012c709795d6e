// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

export interface DeleteResponse {
  "found"?: boolean;
}

export interface DeleteResponse__Output {
  "found": boolean;
}
