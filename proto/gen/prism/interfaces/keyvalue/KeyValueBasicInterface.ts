// Original file: proto/prism/interfaces/keyvalue/keyvalue_basic.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  DeleteRequest as _prism_interfaces_keyvalue_DeleteRequest,
  DeleteRequest__Output as _prism_interfaces_keyvalue_DeleteRequest__Output,
} from "../../../prism/interfaces/keyvalue/DeleteRequest.ts";
import type {
  DeleteResponse as _prism_interfaces_keyvalue_DeleteResponse,
  DeleteResponse__Output as _prism_interfaces_keyvalue_DeleteResponse__Output,
} from "../../../prism/interfaces/keyvalue/DeleteResponse.ts";
import type {
  ExistsRequest as _prism_interfaces_keyvalue_ExistsRequest,
  ExistsRequest__Output as _prism_interfaces_keyvalue_ExistsRequest__Output,
} from "../../../prism/interfaces/keyvalue/ExistsRequest.ts";
import type {
  ExistsResponse as _prism_interfaces_keyvalue_ExistsResponse,
  ExistsResponse__Output as _prism_interfaces_keyvalue_ExistsResponse__Output,
} from "../../../prism/interfaces/keyvalue/ExistsResponse.ts";
import type {
  GetRequest as _prism_interfaces_keyvalue_GetRequest,
  GetRequest__Output as _prism_interfaces_keyvalue_GetRequest__Output,
} from "../../../prism/interfaces/keyvalue/GetRequest.ts";
import type {
  GetResponse as _prism_interfaces_keyvalue_GetResponse,
  GetResponse__Output as _prism_interfaces_keyvalue_GetResponse__Output,
} from "../../../prism/interfaces/keyvalue/GetResponse.ts";
import type {
  SetRequest as _prism_interfaces_keyvalue_SetRequest,
  SetRequest__Output as _prism_interfaces_keyvalue_SetRequest__Output,
} from "../../../prism/interfaces/keyvalue/SetRequest.ts";
import type {
  SetResponse as _prism_interfaces_keyvalue_SetResponse,
  SetResponse__Output as _prism_interfaces_keyvalue_SetResponse__Output,
} from "../../../prism/interfaces/keyvalue/SetResponse.ts";

/**
 * Point operations on single keys.
 */
export interface KeyValueBasicInterfaceClient extends grpc.Client {
  /**
   * Removes `key`; `found` tells whether it existed.
   */
  Delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  Delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  Delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  Delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Removes `key`; `found` tells whether it existed.
   */
  delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  delete(
    argument: _prism_interfaces_keyvalue_DeleteRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Tells whether `key` holds a live value.
   */
  Exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;
  Exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;
  Exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;
  Exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Tells whether `key` holds a live value.
   */
  exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;
  exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;
  exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;
  exists(
    argument: _prism_interfaces_keyvalue_ExistsRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExistsResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Reads the value under `key`.
   */
  Get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Reads the value under `key`.
   */
  get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _prism_interfaces_keyvalue_GetRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Stores `value` under `key`, replacing any previous value and TTL.
   */
  Set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Stores `value` under `key`, replacing any previous value and TTL.
   */
  set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
  set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
  set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
  set(
    argument: _prism_interfaces_keyvalue_SetRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_SetResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Point operations on single keys.
 */
export interface KeyValueBasicInterfaceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Removes `key`; `found` tells whether it existed.
   */
  Delete: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_DeleteRequest__Output,
    _prism_interfaces_keyvalue_DeleteResponse
  >;

  /**
   * Tells whether `key` holds a live value.
   */
  Exists: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_ExistsRequest__Output,
    _prism_interfaces_keyvalue_ExistsResponse
  >;

  /**
   * Reads the value under `key`.
   */
  Get: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_GetRequest__Output,
    _prism_interfaces_keyvalue_GetResponse
  >;

  /**
   * Stores `value` under `key`, replacing any previous value and TTL.
   */
  Set: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_SetRequest__Output,
    _prism_interfaces_keyvalue_SetResponse
  >;
}

export interface KeyValueBasicInterfaceDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<
    _prism_interfaces_keyvalue_DeleteRequest,
    _prism_interfaces_keyvalue_DeleteResponse,
    _prism_interfaces_keyvalue_DeleteRequest__Output,
    _prism_interfaces_keyvalue_DeleteResponse__Output
  >;
  Exists: MethodDefinition<
    _prism_interfaces_keyvalue_ExistsRequest,
    _prism_interfaces_keyvalue_ExistsResponse,
    _prism_interfaces_keyvalue_ExistsRequest__Output,
    _prism_interfaces_keyvalue_ExistsResponse__Output
  >;
  Get: MethodDefinition<
    _prism_interfaces_keyvalue_GetRequest,
    _prism_interfaces_keyvalue_GetResponse,
    _prism_interfaces_keyvalue_GetRequest__Output,
    _prism_interfaces_keyvalue_GetResponse__Output
  >;
  Set: MethodDefinition<
    _prism_interfaces_keyvalue_SetRequest,
    _prism_interfaces_keyvalue_SetResponse,
    _prism_interfaces_keyvalue_SetRequest__Output,
    _prism_interfaces_keyvalue_SetResponse__Output
  >;
}
