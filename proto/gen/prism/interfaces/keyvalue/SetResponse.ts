// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

export interface SetResponse {
  "success"?: boolean;
}

export interface SetResponse__Output {
  "success": boolean;
}
