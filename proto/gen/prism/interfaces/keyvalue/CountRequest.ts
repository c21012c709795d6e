// Original file: proto/prism/interfaces/keyvalue/keyvalue_scan.proto

export interface CountRequest {
  "namespace"?: string;
  "prefix"?: string;
}

export interface CountRequest__Output {
  "namespace": string;
  "prefix": string;
}
