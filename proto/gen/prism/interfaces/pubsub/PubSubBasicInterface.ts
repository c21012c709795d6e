// Original file: proto/prism/interfaces/pubsub/pubsub_basic.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  Message as _prism_interfaces_pubsub_Message,
  Message__Output as _prism_interfaces_pubsub_Message__Output,
} from "../../../prism/interfaces/pubsub/Message.ts";
import type {
  PublishRequest as _prism_interfaces_pubsub_PublishRequest,
  PublishRequest__Output as _prism_interfaces_pubsub_PublishRequest__Output,
} from "../../../prism/interfaces/pubsub/PublishRequest.ts";
import type {
  PublishResponse as _prism_interfaces_pubsub_PublishResponse,
  PublishResponse__Output as _prism_interfaces_pubsub_PublishResponse__Output,
} from "../../../prism/interfaces/pubsub/PublishResponse.ts";
import type {
  SubscribeRequest as _prism_interfaces_pubsub_SubscribeRequest,
  SubscribeRequest__Output as _prism_interfaces_pubsub_SubscribeRequest__Output,
} from "../../../prism/interfaces/pubsub/SubscribeRequest.ts";
import type {
  UnsubscribeRequest as _prism_interfaces_pubsub_UnsubscribeRequest,
  UnsubscribeRequest__Output as _prism_interfaces_pubsub_UnsubscribeRequest__Output,
} from "../../../prism/interfaces/pubsub/UnsubscribeRequest.ts";
import type {
  UnsubscribeResponse as _prism_interfaces_pubsub_UnsubscribeResponse,
  UnsubscribeResponse__Output as _prism_interfaces_pubsub_UnsubscribeResponse__Output,
} from "../../../prism/interfaces/pubsub/UnsubscribeResponse.ts";

/**
 * Topic-based publish/subscribe.
 */
export interface PubSubBasicInterfaceClient extends grpc.Client {
  /**
   * Publishes one message; returns an id that identifies it in the backend.
   */
  Publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;
  Publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;
  Publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;
  Publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Publishes one message; returns an id that identifies it in the backend.
   */
  publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;
  publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;
  publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;
  publish(
    argument: _prism_interfaces_pubsub_PublishRequest,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_PublishResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Streams messages published to `topic` from now on.
   */
  Subscribe(
    argument: _prism_interfaces_pubsub_SubscribeRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_pubsub_Message__Output>;
  Subscribe(
    argument: _prism_interfaces_pubsub_SubscribeRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_pubsub_Message__Output>;
  /**
   * Streams messages published to `topic` from now on.
   */
  subscribe(
    argument: _prism_interfaces_pubsub_SubscribeRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_pubsub_Message__Output>;
  subscribe(
    argument: _prism_interfaces_pubsub_SubscribeRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_pubsub_Message__Output>;

  /**
   * Ends the subscription `subscriber_id` on `topic`; `found` tells whether it existed.
   */
  Unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Ends the subscription `subscriber_id` on `topic`; `found` tells whether it existed.
   */
  unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  unsubscribe(
    argument: _prism_interfaces_pubsub_UnsubscribeRequest,
    callback: grpc.requestCallback<_prism_interfaces_pubsub_UnsubscribeResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Topic-based publish/subscribe.
 */
export interface PubSubBasicInterfaceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Publishes one message; returns an id that identifies it in the backend.
   */
  Publish: grpc.handleUnaryCall<
    _prism_interfaces_pubsub_PublishRequest__Output,
    _prism_interfaces_pubsub_PublishResponse
  >;

  /**
   * Streams messages published to `topic` from now on.
   */
  Subscribe: grpc.handleServerStreamingCall<
    _prism_interfaces_pubsub_SubscribeRequest__Output,
    _prism_interfaces_pubsub_Message
  >;

  /**
   * Ends the subscription `subscriber_id` on `topic`; `found` tells whether it existed.
   */
  Unsubscribe: grpc.handleUnaryCall<
    _prism_interfaces_pubsub_UnsubscribeRequest__Output,
    _prism_interfaces_pubsub_UnsubscribeResponse
  >;
}

export interface PubSubBasicInterfaceDefinition extends grpc.ServiceDefinition {
  Publish: MethodDefinition<
    _prism_interfaces_pubsub_PublishRequest,
    _prism_interfaces_pubsub_PublishResponse,
    _prism_interfaces_pubsub_PublishRequest__Output,
    _prism_interfaces_pubsub_PublishResponse__Output
  >;
  Subscribe: MethodDefinition<
    _prism_interfaces_pubsub_SubscribeRequest,
    _prism_interfaces_pubsub_Message,
    _prism_interfaces_pubsub_SubscribeRequest__Output,
    _prism_interfaces_pubsub_Message__Output
  >;
  Unsubscribe: MethodDefinition<
    _prism_interfaces_pubsub_UnsubscribeRequest,
    _prism_interfaces_pubsub_UnsubscribeResponse,
    _prism_interfaces_pubsub_UnsubscribeRequest__Output,
    _prism_interfaces_pubsub_UnsubscribeResponse__Output
  >;
}
