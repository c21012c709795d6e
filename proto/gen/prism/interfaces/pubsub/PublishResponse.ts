// Original file: proto/prism/interfaces/pubsub/pubsub_basic.proto

export interface PublishResponse {
  "message_id"?: string;
}

export interface PublishResponse__Output {
  "message_id": string;
}
