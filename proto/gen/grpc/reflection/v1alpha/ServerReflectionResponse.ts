// Original file: proto/grpc/reflection/v1alpha/reflection.proto

import type {
  ServerReflectionRequest as _grpc_reflection_v1alpha_ServerReflectionRequest,
  ServerReflectionRequest__Output as _grpc_reflection_v1alpha_ServerReflectionRequest__Output,
} from "../../../grpc/reflection/v1alpha/ServerReflectionRequest.ts";
import type {
  FileDescriptorResponse as _grpc_reflection_v1alpha_FileDescriptorResponse,
  FileDescriptorResponse__Output as _grpc_reflection_v1alpha_FileDescriptorResponse__Output,
} from "../../../grpc/reflection/v1alpha/FileDescriptorResponse.ts";
import type {
  ExtensionNumberResponse as _grpc_reflection_v1alpha_ExtensionNumberResponse,
  ExtensionNumberResponse__Output as _grpc_reflection_v1alpha_ExtensionNumberResponse__Output,
} from "../../../grpc/reflection/v1alpha/ExtensionNumberResponse.ts";
import type {
  ListServiceResponse as _grpc_reflection_v1alpha_ListServiceResponse,
  ListServiceResponse__Output as _grpc_reflection_v1alpha_ListServiceResponse__Output,
} from "../../../grpc/reflection/v1alpha/ListServiceResponse.ts";
import type {
  ErrorResponse as _grpc_reflection_v1alpha_ErrorResponse,
  ErrorResponse__Output as _grpc_reflection_v1alpha_ErrorResponse__Output,
} from "../../../grpc/reflection/v1alpha/ErrorResponse.ts";

export interface ServerReflectionResponse {
  "valid_host"?: string;
  "original_request"?: _grpc_reflection_v1alpha_ServerReflectionRequest | null;
  "file_descriptor_response"?: _grpc_reflection_v1alpha_FileDescriptorResponse | null;
  "all_extension_numbers_response"?: _grpc_reflection_v1alpha_ExtensionNumberResponse | null;
  "list_services_response"?: _grpc_reflection_v1alpha_ListServiceResponse | null;
  "error_response"?: _grpc_reflection_v1alpha_ErrorResponse | null;
  "message_response"?:
    | "file_descriptor_response"
    | "all_extension_numbers_response"
    | "list_services_response"
    | "error_response";
}

export interface ServerReflectionResponse__Output {
  "valid_host": string;
  "original_request": _grpc_reflection_v1alpha_ServerReflectionRequest__Output | null;
  "file_descriptor_response"?: _grpc_reflection_v1alpha_FileDescriptorResponse__Output | null;
  "all_extension_numbers_response"?:
    | _grpc_reflection_v1alpha_ExtensionNumberResponse__Output
    | null;
  "list_services_response"?: _grpc_reflection_v1alpha_ListServiceResponse__Output | null;
  "error_response"?: _grpc_reflection_v1alpha_ErrorResponse__Output | null;
}
