// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

export interface GetResponse {
  "value"?: Buffer | Uint8Array | string;
  /**
   * False when the key is missing or expired; `value` is then empty.
   */
  "found"?: boolean;
}

export interface GetResponse__Output {
  "value": Buffer;
  /**
   * False when the key is missing or expired; `value` is then empty.
   */
  "found": boolean;
}
