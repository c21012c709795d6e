// Original file: proto/prism/interfaces/keyvalue/keyvalue_scan.proto

export interface ScanRequest {
  "namespace"?: string;
  "prefix"?: string;
  /**
   * Maximum number of entries; 0 or less means no limit.
   */
  "limit"?: number;
}

export interface ScanRequest__Output {
  "namespace": string;
  "prefix": string;
  /**
   * Maximum number of entries; 0 or less means no limit.
   */
  "limit": number;
}
