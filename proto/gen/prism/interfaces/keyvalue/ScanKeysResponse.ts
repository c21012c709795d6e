// Original file: proto/prism/interfaces/keyvalue/keyvalue_scan.proto

export interface ScanKeysResponse {
  "key"?: string;
}

export interface ScanKeysResponse__Output {
  "key": string;
}
