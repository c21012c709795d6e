// Original file: proto/prism/interfaces/pubsub/pubsub_basic.proto

export interface UnsubscribeResponse {
  "found"?: boolean;
}

export interface UnsubscribeResponse__Output {
  "found": boolean;
}
