// Original file: proto/prism/interfaces/list/list_basic.proto

export interface PopLeftRequest {
  "namespace"?: string;
  "list_key"?: string;
}

export interface PopLeftRequest__Output {
  "namespace": string;
  "list_key": string;
}
