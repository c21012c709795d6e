// Original file: proto/prism/interfaces/list/list_basic.proto

export interface PopResponse {
  "value"?: Buffer | Uint8Array | string;
  /**
   * False when the list is empty or missing.
   */
  "found"?: boolean;
}

export interface PopResponse__Output {
  "value": Buffer;
  /**
   * False when the list is empty or missing.
   */
  "found": boolean;
}
