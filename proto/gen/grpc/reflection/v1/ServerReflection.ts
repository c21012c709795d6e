// Original file: proto/grpc/reflection/v1/reflection.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  ServerReflectionRequest as _grpc_reflection_v1_ServerReflectionRequest,
  ServerReflectionRequest__Output as _grpc_reflection_v1_ServerReflectionRequest__Output,
} from "../../../grpc/reflection/v1/ServerReflectionRequest.ts";
import type {
  ServerReflectionResponse as _grpc_reflection_v1_ServerReflectionResponse,
  ServerReflectionResponse__Output as _grpc_reflection_v1_ServerReflectionResponse__Output,
} from "../../../grpc/reflection/v1/ServerReflectionResponse.ts";

export interface ServerReflectionClient extends grpc.Client {
  /**
   * The reflection service is structured as a bidirectional stream, ensuring
   * all related requests go to a single server.
   */
  ServerReflectionInfo(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _grpc_reflection_v1_ServerReflectionRequest,
    _grpc_reflection_v1_ServerReflectionResponse__Output
  >;
  ServerReflectionInfo(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _grpc_reflection_v1_ServerReflectionRequest,
    _grpc_reflection_v1_ServerReflectionResponse__Output
  >;
  /**
   * The reflection service is structured as a bidirectional stream, ensuring
   * all related requests go to a single server.
   */
  serverReflectionInfo(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _grpc_reflection_v1_ServerReflectionRequest,
    _grpc_reflection_v1_ServerReflectionResponse__Output
  >;
  serverReflectionInfo(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _grpc_reflection_v1_ServerReflectionRequest,
    _grpc_reflection_v1_ServerReflectionResponse__Output
  >;
}

export interface ServerReflectionHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The reflection service is structured as a bidirectional stream, ensuring
   * all related requests go to a single server.
   */
  ServerReflectionInfo: grpc.handleBidiStreamingCall<
    _grpc_reflection_v1_ServerReflectionRequest__Output,
    _grpc_reflection_v1_ServerReflectionResponse
  >;
}

export interface ServerReflectionDefinition extends grpc.ServiceDefinition {
  ServerReflectionInfo: MethodDefinition<
    _grpc_reflection_v1_ServerReflectionRequest,
    _grpc_reflection_v1_ServerReflectionResponse,
    _grpc_reflection_v1_ServerReflectionRequest__Output,
    _grpc_reflection_v1_ServerReflectionResponse__Output
  >;
}
