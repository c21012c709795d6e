// Original file: proto/prism/interfaces/list/list_basic.proto

export interface PopRightRequest {
  "namespace"?: string;
  "list_key"?: string;
}

export interface PopRightRequest__Output {
  "namespace": string;
  "list_key": string;
}
