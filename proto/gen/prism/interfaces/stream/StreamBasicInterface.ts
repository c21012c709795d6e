// Original file: proto/prism/interfaces/stream/stream_basic.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  AppendRequest as _prism_interfaces_stream_AppendRequest,
  AppendRequest__Output as _prism_interfaces_stream_AppendRequest__Output,
} from "../../../prism/interfaces/stream/AppendRequest.ts";
import type {
  AppendResponse as _prism_interfaces_stream_AppendResponse,
  AppendResponse__Output as _prism_interfaces_stream_AppendResponse__Output,
} from "../../../prism/interfaces/stream/AppendResponse.ts";
import type {
  ReadRequest as _prism_interfaces_stream_ReadRequest,
  ReadRequest__Output as _prism_interfaces_stream_ReadRequest__Output,
} from "../../../prism/interfaces/stream/ReadRequest.ts";
import type {
  Record as _prism_interfaces_stream_Record,
  Record__Output as _prism_interfaces_stream_Record__Output,
} from "../../../prism/interfaces/stream/Record.ts";
import type {
  TrimRequest as _prism_interfaces_stream_TrimRequest,
  TrimRequest__Output as _prism_interfaces_stream_TrimRequest__Output,
} from "../../../prism/interfaces/stream/TrimRequest.ts";
import type {
  TrimResponse as _prism_interfaces_stream_TrimResponse,
  TrimResponse__Output as _prism_interfaces_stream_TrimResponse__Output,
} from "../../../prism/interfaces/stream/TrimResponse.ts";

/**
 * Append-only log operations.
 */
export interface StreamBasicInterfaceClient extends grpc.Client {
  /**
   * Appends one record; returns its offset.
   */
  Append(
    argument: _prism_interfaces_stream_AppendRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;
  Append(
    argument: _prism_interfaces_stream_AppendRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;
  Append(
    argument: _prism_interfaces_stream_AppendRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;
  Append(
    argument: _prism_interfaces_stream_AppendRequest,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Appends one record; returns its offset.
   */
  append(
    argument: _prism_interfaces_stream_AppendRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;
  append(
    argument: _prism_interfaces_stream_AppendRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;
  append(
    argument: _prism_interfaces_stream_AppendRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;
  append(
    argument: _prism_interfaces_stream_AppendRequest,
    callback: grpc.requestCallback<_prism_interfaces_stream_AppendResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Streams records from `from_offset`.
   */
  Read(
    argument: _prism_interfaces_stream_ReadRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_stream_Record__Output>;
  Read(
    argument: _prism_interfaces_stream_ReadRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_stream_Record__Output>;
  /**
   * Streams records from `from_offset`.
   */
  read(
    argument: _prism_interfaces_stream_ReadRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_stream_Record__Output>;
  read(
    argument: _prism_interfaces_stream_ReadRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_stream_Record__Output>;

  /**
   * Drops records below `before_offset`.
   */
  Trim(
    argument: _prism_interfaces_stream_TrimRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
  Trim(
    argument: _prism_interfaces_stream_TrimRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
  Trim(
    argument: _prism_interfaces_stream_TrimRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
  Trim(
    argument: _prism_interfaces_stream_TrimRequest,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Drops records below `before_offset`.
   */
  trim(
    argument: _prism_interfaces_stream_TrimRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
  trim(
    argument: _prism_interfaces_stream_TrimRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
  trim(
    argument: _prism_interfaces_stream_TrimRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
  trim(
    argument: _prism_interfaces_stream_TrimRequest,
    callback: grpc.requestCallback<_prism_interfaces_stream_TrimResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Append-only log operations.
 */
export interface StreamBasicInterfaceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Appends one record; returns its offset.
   */
  Append: grpc.handleUnaryCall<
    _prism_interfaces_stream_AppendRequest__Output,
    _prism_interfaces_stream_AppendResponse
  >;

  /**
   * Streams records from `from_offset`.
   */
  Read: grpc.handleServerStreamingCall<
    _prism_interfaces_stream_ReadRequest__Output,
    _prism_interfaces_stream_Record
  >;

  /**
   * Drops records below `before_offset`.
   */
  Trim: grpc.handleUnaryCall<
    _prism_interfaces_stream_TrimRequest__Output,
    _prism_interfaces_stream_TrimResponse
  >;
}

export interface StreamBasicInterfaceDefinition extends grpc.ServiceDefinition {
  Append: MethodDefinition<
    _prism_interfaces_stream_AppendRequest,
    _prism_interfaces_stream_AppendResponse,
    _prism_interfaces_stream_AppendRequest__Output,
    _prism_interfaces_stream_AppendResponse__Output
  >;
  Read: MethodDefinition<
    _prism_interfaces_stream_ReadRequest,
    _prism_interfaces_stream_Record,
    _prism_interfaces_stream_ReadRequest__Output,
    _prism_interfaces_stream_Record__Output
  >;
  Trim: MethodDefinition<
    _prism_interfaces_stream_TrimRequest,
    _prism_interfaces_stream_TrimResponse,
    _prism_interfaces_stream_TrimRequest__Output,
    _prism_interfaces_stream_TrimResponse__Output
  >;
}
