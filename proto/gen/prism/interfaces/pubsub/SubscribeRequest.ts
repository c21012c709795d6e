// Original file: proto/prism/interfaces/pubsub/pubsub_basic.proto

export interface SubscribeRequest {
  "namespace"?: string;
  "topic"?: string;
  /**
   * Identifies this subscription for Unsubscribe; the server picks one when empty.
   */
  "subscriber_id"?: string;
}

export interface SubscribeRequest__Output {
  "namespace": string;
  "topic": string;
  /**
   * Identifies this subscription for Unsubscribe; the server picks one when empty.
   */
  "subscriber_id": string;
}
