// Original file: proto/grpc/health/v1/health.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  HealthCheckRequest as _grpc_health_v1_HealthCheckRequest,
  HealthCheckRequest__Output as _grpc_health_v1_HealthCheckRequest__Output,
} from "../../../grpc/health/v1/HealthCheckRequest.ts";
import type {
  HealthCheckResponse as _grpc_health_v1_HealthCheckResponse,
  HealthCheckResponse__Output as _grpc_health_v1_HealthCheckResponse__Output,
} from "../../../grpc/health/v1/HealthCheckResponse.ts";

/**
 * Health of the server and of its namespaces.
 */
export interface HealthClient extends grpc.Client {
  /**
   * Current status of `service`; NOT_FOUND when it is unknown.
   */
  Check(
    argument: _grpc_health_v1_HealthCheckRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  Check(
    argument: _grpc_health_v1_HealthCheckRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  Check(
    argument: _grpc_health_v1_HealthCheckRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  Check(
    argument: _grpc_health_v1_HealthCheckRequest,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Current status of `service`; NOT_FOUND when it is unknown.
   */
  check(
    argument: _grpc_health_v1_HealthCheckRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  check(
    argument: _grpc_health_v1_HealthCheckRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  check(
    argument: _grpc_health_v1_HealthCheckRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  check(
    argument: _grpc_health_v1_HealthCheckRequest,
    callback: grpc.requestCallback<_grpc_health_v1_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * The status of `service` now and at every change, until the client cancels.
   */
  Watch(
    argument: _grpc_health_v1_HealthCheckRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_grpc_health_v1_HealthCheckResponse__Output>;
  Watch(
    argument: _grpc_health_v1_HealthCheckRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_grpc_health_v1_HealthCheckResponse__Output>;
  /**
   * The status of `service` now and at every change, until the client cancels.
   */
  watch(
    argument: _grpc_health_v1_HealthCheckRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_grpc_health_v1_HealthCheckResponse__Output>;
  watch(
    argument: _grpc_health_v1_HealthCheckRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_grpc_health_v1_HealthCheckResponse__Output>;
}

/**
 * Health of the server and of its namespaces.
 */
export interface HealthHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Current status of `service`; NOT_FOUND when it is unknown.
   */
  Check: grpc.handleUnaryCall<
    _grpc_health_v1_HealthCheckRequest__Output,
    _grpc_health_v1_HealthCheckResponse
  >;

  /**
   * The status of `service` now and at every change, until the client cancels.
   */
  Watch: grpc.handleServerStreamingCall<
    _grpc_health_v1_HealthCheckRequest__Output,
    _grpc_health_v1_HealthCheckResponse
  >;
}

export interface HealthDefinition extends grpc.ServiceDefinition {
  Check: MethodDefinition<
    _grpc_health_v1_HealthCheckRequest,
    _grpc_health_v1_HealthCheckResponse,
    _grpc_health_v1_HealthCheckRequest__Output,
    _grpc_health_v1_HealthCheckResponse__Output
  >;
  Watch: MethodDefinition<
    _grpc_health_v1_HealthCheckRequest,
    _grpc_health_v1_HealthCheckResponse,
    _grpc_health_v1_HealthCheckRequest__Output,
    _grpc_health_v1_HealthCheckResponse__Output
  >;
}
