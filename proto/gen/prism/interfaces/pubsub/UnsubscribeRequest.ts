// Original file: proto/prism/interfaces/pubsub/pubsub_basic.proto

export interface UnsubscribeRequest {
  "namespace"?: string;
  "topic"?: string;
  "subscriber_id"?: string;
}

export interface UnsubscribeRequest__Output {
  "namespace": string;
  "topic": string;
  "subscriber_id": string;
}
