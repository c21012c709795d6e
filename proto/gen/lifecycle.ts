import type * as grpc from "@grpc/grpc-js";
import type { EnumTypeDefinition, MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  DrainRequest as _prism_interfaces_lifecycle_DrainRequest,
  DrainRequest__Output as _prism_interfaces_lifecycle_DrainRequest__Output,
} from "./prism/interfaces/lifecycle/DrainRequest.ts";
import type {
  DrainResponse as _prism_interfaces_lifecycle_DrainResponse,
  DrainResponse__Output as _prism_interfaces_lifecycle_DrainResponse__Output,
} from "./prism/interfaces/lifecycle/DrainResponse.ts";
import type {
  HealthCheckRequest as _prism_interfaces_lifecycle_HealthCheckRequest,
  HealthCheckRequest__Output as _prism_interfaces_lifecycle_HealthCheckRequest__Output,
} from "./prism/interfaces/lifecycle/HealthCheckRequest.ts";
import type {
  HealthCheckResponse as _prism_interfaces_lifecycle_HealthCheckResponse,
  HealthCheckResponse__Output as _prism_interfaces_lifecycle_HealthCheckResponse__Output,
} from "./prism/interfaces/lifecycle/HealthCheckResponse.ts";
import type {
  InitializeRequest as _prism_interfaces_lifecycle_InitializeRequest,
  InitializeRequest__Output as _prism_interfaces_lifecycle_InitializeRequest__Output,
} from "./prism/interfaces/lifecycle/InitializeRequest.ts";
import type {
  InitializeResponse as _prism_interfaces_lifecycle_InitializeResponse,
  InitializeResponse__Output as _prism_interfaces_lifecycle_InitializeResponse__Output,
} from "./prism/interfaces/lifecycle/InitializeResponse.ts";
import type {
  LifecycleInterfaceClient as _prism_interfaces_lifecycle_LifecycleInterfaceClient,
  LifecycleInterfaceDefinition as _prism_interfaces_lifecycle_LifecycleInterfaceDefinition,
} from "./prism/interfaces/lifecycle/LifecycleInterface.ts";
import type {
  MetricsRequest as _prism_interfaces_lifecycle_MetricsRequest,
  MetricsRequest__Output as _prism_interfaces_lifecycle_MetricsRequest__Output,
} from "./prism/interfaces/lifecycle/MetricsRequest.ts";
import type {
  MetricsResponse as _prism_interfaces_lifecycle_MetricsResponse,
  MetricsResponse__Output as _prism_interfaces_lifecycle_MetricsResponse__Output,
} from "./prism/interfaces/lifecycle/MetricsResponse.ts";
import type {
  PluginMetadata as _prism_interfaces_lifecycle_PluginMetadata,
  PluginMetadata__Output as _prism_interfaces_lifecycle_PluginMetadata__Output,
} from "./prism/interfaces/lifecycle/PluginMetadata.ts";
import type {
  StartRequest as _prism_interfaces_lifecycle_StartRequest,
  StartRequest__Output as _prism_interfaces_lifecycle_StartRequest__Output,
} from "./prism/interfaces/lifecycle/StartRequest.ts";
import type {
  StartResponse as _prism_interfaces_lifecycle_StartResponse,
  StartResponse__Output as _prism_interfaces_lifecycle_StartResponse__Output,
} from "./prism/interfaces/lifecycle/StartResponse.ts";
import type {
  StopRequest as _prism_interfaces_lifecycle_StopRequest,
  StopRequest__Output as _prism_interfaces_lifecycle_StopRequest__Output,
} from "./prism/interfaces/lifecycle/StopRequest.ts";
import type {
  StopResponse as _prism_interfaces_lifecycle_StopResponse,
  StopResponse__Output as _prism_interfaces_lifecycle_StopResponse__Output,
} from "./prism/interfaces/lifecycle/StopResponse.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  prism: {
    interfaces: {
      lifecycle: {
        DrainRequest: MessageTypeDefinition<
          _prism_interfaces_lifecycle_DrainRequest,
          _prism_interfaces_lifecycle_DrainRequest__Output
        >;
        DrainResponse: MessageTypeDefinition<
          _prism_interfaces_lifecycle_DrainResponse,
          _prism_interfaces_lifecycle_DrainResponse__Output
        >;
        HealthCheckRequest: MessageTypeDefinition<
          _prism_interfaces_lifecycle_HealthCheckRequest,
          _prism_interfaces_lifecycle_HealthCheckRequest__Output
        >;
        HealthCheckResponse: MessageTypeDefinition<
          _prism_interfaces_lifecycle_HealthCheckResponse,
          _prism_interfaces_lifecycle_HealthCheckResponse__Output
        >;
        HealthStatus: EnumTypeDefinition;
        InitializeRequest: MessageTypeDefinition<
          _prism_interfaces_lifecycle_InitializeRequest,
          _prism_interfaces_lifecycle_InitializeRequest__Output
        >;
        InitializeResponse: MessageTypeDefinition<
          _prism_interfaces_lifecycle_InitializeResponse,
          _prism_interfaces_lifecycle_InitializeResponse__Output
        >;
        /**
         * Control of one plugin process by the proxy.
         */
        LifecycleInterface:
          & SubtypeConstructor<
            typeof grpc.Client,
            _prism_interfaces_lifecycle_LifecycleInterfaceClient
          >
          & { service: _prism_interfaces_lifecycle_LifecycleInterfaceDefinition };
        MetricsRequest: MessageTypeDefinition<
          _prism_interfaces_lifecycle_MetricsRequest,
          _prism_interfaces_lifecycle_MetricsRequest__Output
        >;
        MetricsResponse: MessageTypeDefinition<
          _prism_interfaces_lifecycle_MetricsResponse,
          _prism_interfaces_lifecycle_MetricsResponse__Output
        >;
        PluginMetadata: MessageTypeDefinition<
          _prism_interfaces_lifecycle_PluginMetadata,
          _prism_interfaces_lifecycle_PluginMetadata__Output
        >;
        StartRequest: MessageTypeDefinition<
          _prism_interfaces_lifecycle_StartRequest,
          _prism_interfaces_lifecycle_StartRequest__Output
        >;
        StartResponse: MessageTypeDefinition<
          _prism_interfaces_lifecycle_StartResponse,
          _prism_interfaces_lifecycle_StartResponse__Output
        >;
        StopRequest: MessageTypeDefinition<
          _prism_interfaces_lifecycle_StopRequest,
          _prism_interfaces_lifecycle_StopRequest__Output
        >;
        StopResponse: MessageTypeDefinition<
          _prism_interfaces_lifecycle_StopResponse,
          _prism_interfaces_lifecycle_StopResponse__Output
        >;
      };
    };
  };
}
