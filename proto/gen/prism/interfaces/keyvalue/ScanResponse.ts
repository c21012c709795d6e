// Original file: proto/prism/interfaces/keyvalue/keyvalue_scan.proto

export interface ScanResponse {
  "key"?: string;
  "value"?: Buffer | Uint8Array | string;
}

export interface ScanResponse__Output {
  "key": string;
  "value": Buffer;
}
