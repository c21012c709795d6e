// Original file: proto/prism/interfaces/lifecycle/lifecycle.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  DrainRequest as _prism_interfaces_lifecycle_DrainRequest,
  DrainRequest__Output as _prism_interfaces_lifecycle_DrainRequest__Output,
} from "../../../prism/interfaces/lifecycle/DrainRequest.ts";
import type {
  DrainResponse as _prism_interfaces_lifecycle_DrainResponse,
  DrainResponse__Output as _prism_interfaces_lifecycle_DrainResponse__Output,
} from "../../../prism/interfaces/lifecycle/DrainResponse.ts";
import type {
  HealthCheckRequest as _prism_interfaces_lifecycle_HealthCheckRequest,
  HealthCheckRequest__Output as _prism_interfaces_lifecycle_HealthCheckRequest__Output,
} from "../../../prism/interfaces/lifecycle/HealthCheckRequest.ts";
import type {
  HealthCheckResponse as _prism_interfaces_lifecycle_HealthCheckResponse,
  HealthCheckResponse__Output as _prism_interfaces_lifecycle_HealthCheckResponse__Output,
} from "../../../prism/interfaces/lifecycle/HealthCheckResponse.ts";
import type {
  InitializeRequest as _prism_interfaces_lifecycle_InitializeRequest,
  InitializeRequest__Output as _prism_interfaces_lifecycle_InitializeRequest__Output,
} from "../../../prism/interfaces/lifecycle/InitializeRequest.ts";
import type {
  InitializeResponse as _prism_interfaces_lifecycle_InitializeResponse,
  InitializeResponse__Output as _prism_interfaces_lifecycle_InitializeResponse__Output,
} from "../../../prism/interfaces/lifecycle/InitializeResponse.ts";
import type {
  MetricsRequest as _prism_interfaces_lifecycle_MetricsRequest,
  MetricsRequest__Output as _prism_interfaces_lifecycle_MetricsRequest__Output,
} from "../../../prism/interfaces/lifecycle/MetricsRequest.ts";
import type {
  MetricsResponse as _prism_interfaces_lifecycle_MetricsResponse,
  MetricsResponse__Output as _prism_interfaces_lifecycle_MetricsResponse__Output,
} from "../../../prism/interfaces/lifecycle/MetricsResponse.ts";
import type {
  StartRequest as _prism_interfaces_lifecycle_StartRequest,
  StartRequest__Output as _prism_interfaces_lifecycle_StartRequest__Output,
} from "../../../prism/interfaces/lifecycle/StartRequest.ts";
import type {
  StartResponse as _prism_interfaces_lifecycle_StartResponse,
  StartResponse__Output as _prism_interfaces_lifecycle_StartResponse__Output,
} from "../../../prism/interfaces/lifecycle/StartResponse.ts";
import type {
  StopRequest as _prism_interfaces_lifecycle_StopRequest,
  StopRequest__Output as _prism_interfaces_lifecycle_StopRequest__Output,
} from "../../../prism/interfaces/lifecycle/StopRequest.ts";
import type {
  StopResponse as _prism_interfaces_lifecycle_StopResponse,
  StopResponse__Output as _prism_interfaces_lifecycle_StopResponse__Output,
} from "../../../prism/interfaces/lifecycle/StopResponse.ts";

/**
 * Control of one plugin process by the proxy.
 */
export interface LifecycleInterfaceClient extends grpc.Client {
  /**
   * Stops taking new work and waits up to `timeout_seconds` for in-flight work.
   */
  Drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;
  Drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;
  Drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;
  Drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Stops taking new work and waits up to `timeout_seconds` for in-flight work.
   */
  drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;
  drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;
  drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;
  drain(
    argument: _prism_interfaces_lifecycle_DrainRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_DrainResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Reports the plugin's health and that of its backend.
   */
  HealthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  HealthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  HealthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  HealthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Reports the plugin's health and that of its backend.
   */
  healthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  healthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  healthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  healthCheck(
    argument: _prism_interfaces_lifecycle_HealthCheckRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Hands the plugin its namespace configuration; the plugin connects to its
   * backend and answers with what it serves.
   */
  Initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Hands the plugin its namespace configuration; the plugin connects to its
   * backend and answers with what it serves.
   */
  initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;
  initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;
  initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;
  initialize(
    argument: _prism_interfaces_lifecycle_InitializeRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_InitializeResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * The plugin's own metrics, which the proxy's /metrics serves with its own
   * (labelled with the namespace and plugin).
   */
  Metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;
  Metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;
  Metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;
  Metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * The plugin's own metrics, which the proxy's /metrics serves with its own
   * (labelled with the namespace and plugin).
   */
  metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;
  metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;
  metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;
  metrics(
    argument: _prism_interfaces_lifecycle_MetricsRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_MetricsResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Begins serving data calls.
   */
  Start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;
  Start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;
  Start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;
  Start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Begins serving data calls.
   */
  start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;
  start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;
  start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;
  start(
    argument: _prism_interfaces_lifecycle_StartRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StartResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Releases backend resources; the process exits afterwards.
   */
  Stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
  Stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
  Stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
  Stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Releases backend resources; the process exits afterwards.
   */
  stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
  stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
  stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
  stop(
    argument: _prism_interfaces_lifecycle_StopRequest,
    callback: grpc.requestCallback<_prism_interfaces_lifecycle_StopResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Control of one plugin process by the proxy.
 */
export interface LifecycleInterfaceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stops taking new work and waits up to `timeout_seconds` for in-flight work.
   */
  Drain: grpc.handleUnaryCall<
    _prism_interfaces_lifecycle_DrainRequest__Output,
    _prism_interfaces_lifecycle_DrainResponse
  >;

  /**
   * Reports the plugin's health and that of its backend.
   */
  HealthCheck: grpc.handleUnaryCall<
    _prism_interfaces_lifecycle_HealthCheckRequest__Output,
    _prism_interfaces_lifecycle_HealthCheckResponse
  >;

  /**
   * Hands the plugin its namespace configuration; the plugin connects to its
   * backend and answers with what it serves.
   */
  Initialize: grpc.handleUnaryCall<
    _prism_interfaces_lifecycle_InitializeRequest__Output,
    _prism_interfaces_lifecycle_InitializeResponse
  >;

  /**
   * The plugin's own metrics, which the proxy's /metrics serves with its own
   * (labelled with the namespace and plugin).
   */
  Metrics: grpc.handleUnaryCall<
    _prism_interfaces_lifecycle_MetricsRequest__Output,
    _prism_interfaces_lifecycle_MetricsResponse
  >;

  /**
   * Begins serving data calls.
   */
  Start: grpc.handleUnaryCall<
    _prism_interfaces_lifecycle_StartRequest__Output,
    _prism_interfaces_lifecycle_StartResponse
  >;

  /**
   * Releases backend resources; the process exits afterwards.
   */
  Stop: grpc.handleUnaryCall<
    _prism_interfaces_lifecycle_StopRequest__Output,
    _prism_interfaces_lifecycle_StopResponse
  >;
}

export interface LifecycleInterfaceDefinition extends grpc.ServiceDefinition {
  Drain: MethodDefinition<
    _prism_interfaces_lifecycle_DrainRequest,
    _prism_interfaces_lifecycle_DrainResponse,
    _prism_interfaces_lifecycle_DrainRequest__Output,
    _prism_interfaces_lifecycle_DrainResponse__Output
  >;
  HealthCheck: MethodDefinition<
    _prism_interfaces_lifecycle_HealthCheckRequest,
    _prism_interfaces_lifecycle_HealthCheckResponse,
    _prism_interfaces_lifecycle_HealthCheckRequest__Output,
    _prism_interfaces_lifecycle_HealthCheckResponse__Output
  >;
  Initialize: MethodDefinition<
    _prism_interfaces_lifecycle_InitializeRequest,
    _prism_interfaces_lifecycle_InitializeResponse,
    _prism_interfaces_lifecycle_InitializeRequest__Output,
    _prism_interfaces_lifecycle_InitializeResponse__Output
  >;
  Metrics: MethodDefinition<
    _prism_interfaces_lifecycle_MetricsRequest,
    _prism_interfaces_lifecycle_MetricsResponse,
    _prism_interfaces_lifecycle_MetricsRequest__Output,
    _prism_interfaces_lifecycle_MetricsResponse__Output
  >;
  Start: MethodDefinition<
    _prism_interfaces_lifecycle_StartRequest,
    _prism_interfaces_lifecycle_StartResponse,
    _prism_interfaces_lifecycle_StartRequest__Output,
    _prism_interfaces_lifecycle_StartResponse__Output
  >;
  Stop: MethodDefinition<
    _prism_interfaces_lifecycle_StopRequest,
    _prism_interfaces_lifecycle_StopResponse,
    _prism_interfaces_lifecycle_StopRequest__Output,
    _prism_interfaces_lifecycle_StopResponse__Output
  >;
}
