// Original file: proto/prism/interfaces/keyvalue/keyvalue_scan.proto

export interface ScanKeysRequest {
  "namespace"?: string;
  "prefix"?: string;
  /**
   * Maximum number of keys; 0 or less means no limit.
   */
  "limit"?: number;
}

export interface ScanKeysRequest__Output {
  "namespace": string;
  "prefix": string;
  /**
   * Maximum number of keys; 0 or less means no limit.
   */
  "limit": number;
}
