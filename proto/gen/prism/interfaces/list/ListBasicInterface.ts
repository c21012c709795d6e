// Original file: proto/prism/interfaces/list/list_basic.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  LengthRequest as _prism_interfaces_list_LengthRequest,
  LengthRequest__Output as _prism_interfaces_list_LengthRequest__Output,
} from "../../../prism/interfaces/list/LengthRequest.ts";
import type {
  LengthResponse as _prism_interfaces_list_LengthResponse,
  LengthResponse__Output as _prism_interfaces_list_LengthResponse__Output,
} from "../../../prism/interfaces/list/LengthResponse.ts";
import type {
  PopLeftRequest as _prism_interfaces_list_PopLeftRequest,
  PopLeftRequest__Output as _prism_interfaces_list_PopLeftRequest__Output,
} from "../../../prism/interfaces/list/PopLeftRequest.ts";
import type {
  PopResponse as _prism_interfaces_list_PopResponse,
  PopResponse__Output as _prism_interfaces_list_PopResponse__Output,
} from "../../../prism/interfaces/list/PopResponse.ts";
import type {
  PopRightRequest as _prism_interfaces_list_PopRightRequest,
  PopRightRequest__Output as _prism_interfaces_list_PopRightRequest__Output,
} from "../../../prism/interfaces/list/PopRightRequest.ts";
import type {
  PushLeftRequest as _prism_interfaces_list_PushLeftRequest,
  PushLeftRequest__Output as _prism_interfaces_list_PushLeftRequest__Output,
} from "../../../prism/interfaces/list/PushLeftRequest.ts";
import type {
  PushResponse as _prism_interfaces_list_PushResponse,
  PushResponse__Output as _prism_interfaces_list_PushResponse__Output,
} from "../../../prism/interfaces/list/PushResponse.ts";
import type {
  PushRightRequest as _prism_interfaces_list_PushRightRequest,
  PushRightRequest__Output as _prism_interfaces_list_PushRightRequest__Output,
} from "../../../prism/interfaces/list/PushRightRequest.ts";

/**
 * Double-ended list operations.
 */
export interface ListBasicInterfaceClient extends grpc.Client {
  /**
   * Number of elements; 0 for a missing list.
   */
  Length(
    argument: _prism_interfaces_list_LengthRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;
  Length(
    argument: _prism_interfaces_list_LengthRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;
  Length(
    argument: _prism_interfaces_list_LengthRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;
  Length(
    argument: _prism_interfaces_list_LengthRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Number of elements; 0 for a missing list.
   */
  length(
    argument: _prism_interfaces_list_LengthRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;
  length(
    argument: _prism_interfaces_list_LengthRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;
  length(
    argument: _prism_interfaces_list_LengthRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;
  length(
    argument: _prism_interfaces_list_LengthRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_LengthResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Removes and returns the first element.
   */
  PopLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  PopLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  PopLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  PopLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Removes and returns the first element.
   */
  popLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  popLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  popLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  popLeft(
    argument: _prism_interfaces_list_PopLeftRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Removes and returns the last element.
   */
  PopRight(
    argument: _prism_interfaces_list_PopRightRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  PopRight(
    argument: _prism_interfaces_list_PopRightRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  PopRight(
    argument: _prism_interfaces_list_PopRightRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  PopRight(
    argument: _prism_interfaces_list_PopRightRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Removes and returns the last element.
   */
  popRight(
    argument: _prism_interfaces_list_PopRightRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  popRight(
    argument: _prism_interfaces_list_PopRightRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  popRight(
    argument: _prism_interfaces_list_PopRightRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;
  popRight(
    argument: _prism_interfaces_list_PopRightRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PopResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Prepends `value`; returns the list's new length.
   */
  PushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  PushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  PushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  PushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Prepends `value`; returns the list's new length.
   */
  pushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  pushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  pushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  pushLeft(
    argument: _prism_interfaces_list_PushLeftRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Appends `value`; returns the list's new length.
   */
  PushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  PushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  PushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  PushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Appends `value`; returns the list's new length.
   */
  pushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  pushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  pushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
  pushRight(
    argument: _prism_interfaces_list_PushRightRequest,
    callback: grpc.requestCallback<_prism_interfaces_list_PushResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Double-ended list operations.
 */
export interface ListBasicInterfaceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Number of elements; 0 for a missing list.
   */
  Length: grpc.handleUnaryCall<
    _prism_interfaces_list_LengthRequest__Output,
    _prism_interfaces_list_LengthResponse
  >;

  /**
   * Removes and returns the first element.
   */
  PopLeft: grpc.handleUnaryCall<
    _prism_interfaces_list_PopLeftRequest__Output,
    _prism_interfaces_list_PopResponse
  >;

  /**
   * Removes and returns the last element.
   */
  PopRight: grpc.handleUnaryCall<
    _prism_interfaces_list_PopRightRequest__Output,
    _prism_interfaces_list_PopResponse
  >;

  /**
   * Prepends `value`; returns the list's new length.
   */
  PushLeft: grpc.handleUnaryCall<
    _prism_interfaces_list_PushLeftRequest__Output,
    _prism_interfaces_list_PushResponse
  >;

  /**
   * Appends `value`; returns the list's new length.
   */
  PushRight: grpc.handleUnaryCall<
    _prism_interfaces_list_PushRightRequest__Output,
    _prism_interfaces_list_PushResponse
  >;
}

export interface ListBasicInterfaceDefinition extends grpc.ServiceDefinition {
  Length: MethodDefinition<
    _prism_interfaces_list_LengthRequest,
    _prism_interfaces_list_LengthResponse,
    _prism_interfaces_list_LengthRequest__Output,
    _prism_interfaces_list_LengthResponse__Output
  >;
  PopLeft: MethodDefinition<
    _prism_interfaces_list_PopLeftRequest,
    _prism_interfaces_list_PopResponse,
    _prism_interfaces_list_PopLeftRequest__Output,
    _prism_interfaces_list_PopResponse__Output
  >;
  PopRight: MethodDefinition<
    _prism_interfaces_list_PopRightRequest,
    _prism_interfaces_list_PopResponse,
    _prism_interfaces_list_PopRightRequest__Output,
    _prism_interfaces_list_PopResponse__Output
  >;
  PushLeft: MethodDefinition<
    _prism_interfaces_list_PushLeftRequest,
    _prism_interfaces_list_PushResponse,
    _prism_interfaces_list_PushLeftRequest__Output,
    _prism_interfaces_list_PushResponse__Output
  >;
  PushRight: MethodDefinition<
    _prism_interfaces_list_PushRightRequest,
    _prism_interfaces_list_PushResponse,
    _prism_interfaces_list_PushRightRequest__Output,
    _prism_interfaces_list_PushResponse__Output
  >;
}
