// Original file: proto/prism/interfaces/list/list_basic.proto

export interface LengthRequest {
  "namespace"?: string;
  "list_key"?: string;
}

export interface LengthRequest__Output {
  "namespace": string;
  "list_key": string;
}
