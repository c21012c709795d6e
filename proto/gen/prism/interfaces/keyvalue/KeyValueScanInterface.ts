// Original file: proto/prism/interfaces/keyvalue/keyvalue_scan.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  CountRequest as _prism_interfaces_keyvalue_CountRequest,
  CountRequest__Output as _prism_interfaces_keyvalue_CountRequest__Output,
} from "../../../prism/interfaces/keyvalue/CountRequest.ts";
import type {
  CountResponse as _prism_interfaces_keyvalue_CountResponse,
  CountResponse__Output as _prism_interfaces_keyvalue_CountResponse__Output,
} from "../../../prism/interfaces/keyvalue/CountResponse.ts";
import type {
  ScanKeysRequest as _prism_interfaces_keyvalue_ScanKeysRequest,
  ScanKeysRequest__Output as _prism_interfaces_keyvalue_ScanKeysRequest__Output,
} from "../../../prism/interfaces/keyvalue/ScanKeysRequest.ts";
import type {
  ScanKeysResponse as _prism_interfaces_keyvalue_ScanKeysResponse,
  ScanKeysResponse__Output as _prism_interfaces_keyvalue_ScanKeysResponse__Output,
} from "../../../prism/interfaces/keyvalue/ScanKeysResponse.ts";
import type {
  ScanRequest as _prism_interfaces_keyvalue_ScanRequest,
  ScanRequest__Output as _prism_interfaces_keyvalue_ScanRequest__Output,
} from "../../../prism/interfaces/keyvalue/ScanRequest.ts";
import type {
  ScanResponse as _prism_interfaces_keyvalue_ScanResponse,
  ScanResponse__Output as _prism_interfaces_keyvalue_ScanResponse__Output,
} from "../../../prism/interfaces/keyvalue/ScanResponse.ts";

/**
 * Prefix enumeration of the key space.
 */
export interface KeyValueScanInterfaceClient extends grpc.Client {
  /**
   * Counts live keys with the prefix.
   */
  Count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;
  Count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;
  Count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;
  Count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Counts live keys with the prefix.
   */
  count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;
  count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;
  count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;
  count(
    argument: _prism_interfaces_keyvalue_CountRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_CountResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Streams keys with their values.
   */
  Scan(
    argument: _prism_interfaces_keyvalue_ScanRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanResponse__Output>;
  Scan(
    argument: _prism_interfaces_keyvalue_ScanRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanResponse__Output>;
  /**
   * Streams keys with their values.
   */
  scan(
    argument: _prism_interfaces_keyvalue_ScanRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanResponse__Output>;
  scan(
    argument: _prism_interfaces_keyvalue_ScanRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanResponse__Output>;

  /**
   * Streams keys only.
   */
  ScanKeys(
    argument: _prism_interfaces_keyvalue_ScanKeysRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanKeysResponse__Output>;
  ScanKeys(
    argument: _prism_interfaces_keyvalue_ScanKeysRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanKeysResponse__Output>;
  /**
   * Streams keys only.
   */
  scanKeys(
    argument: _prism_interfaces_keyvalue_ScanKeysRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanKeysResponse__Output>;
  scanKeys(
    argument: _prism_interfaces_keyvalue_ScanKeysRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_prism_interfaces_keyvalue_ScanKeysResponse__Output>;
}

/**
 * Prefix enumeration of the key space.
 */
export interface KeyValueScanInterfaceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Counts live keys with the prefix.
   */
  Count: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_CountRequest__Output,
    _prism_interfaces_keyvalue_CountResponse
  >;

  /**
   * Streams keys with their values.
   */
  Scan: grpc.handleServerStreamingCall<
    _prism_interfaces_keyvalue_ScanRequest__Output,
    _prism_interfaces_keyvalue_ScanResponse
  >;

  /**
   * Streams keys only.
   */
  ScanKeys: grpc.handleServerStreamingCall<
    _prism_interfaces_keyvalue_ScanKeysRequest__Output,
    _prism_interfaces_keyvalue_ScanKeysResponse
  >;
}

export interface KeyValueScanInterfaceDefinition extends grpc.ServiceDefinition {
  Count: MethodDefinition<
    _prism_interfaces_keyvalue_CountRequest,
    _prism_interfaces_keyvalue_CountResponse,
    _prism_interfaces_keyvalue_CountRequest__Output,
    _prism_interfaces_keyvalue_CountResponse__Output
  >;
  Scan: MethodDefinition<
    _prism_interfaces_keyvalue_ScanRequest,
    _prism_interfaces_keyvalue_ScanResponse,
    _prism_interfaces_keyvalue_ScanRequest__Output,
    _prism_interfaces_keyvalue_ScanResponse__Output
  >;
  ScanKeys: MethodDefinition<
    _prism_interfaces_keyvalue_ScanKeysRequest,
    _prism_interfaces_keyvalue_ScanKeysResponse,
    _prism_interfaces_keyvalue_ScanKeysRequest__Output,
    _prism_interfaces_keyvalue_ScanKeysResponse__Output
  >;
}
