// Original file: proto/grpc/reflection/v1/reflection.proto

import type {
  ExtensionRequest as _grpc_reflection_v1_ExtensionRequest,
  ExtensionRequest__Output as _grpc_reflection_v1_ExtensionRequest__Output,
} from "../../../grpc/reflection/v1/ExtensionRequest.ts";

export interface ServerReflectionRequest {
  "host"?: string;
  /**
   * Find a proto file by the file name.
   */
  "file_by_filename"?: string;
  /**
   * Find the proto file that declares the given fully-qualified symbol name.
   */
  "file_containing_symbol"?: string;
  /**
   * Find the proto file which defines an extension extending the given
   * message type with the given field number.
   */
  "file_containing_extension"?: _grpc_reflection_v1_ExtensionRequest | null;
  /**
   * Find all extension numbers of the given fully-qualified message type.
   */
  "all_extension_numbers_of_type"?: string;
  /**
   * List the full names of registered services.
   */
  "list_services"?: string;
  "message_request"?:
    | "file_by_filename"
    | "file_containing_symbol"
    | "file_containing_extension"
    | "all_extension_numbers_of_type"
    | "list_services";
}

export interface ServerReflectionRequest__Output {
  "host": string;
  /**
   * Find a proto file by the file name.
   */
  "file_by_filename"?: string;
  /**
   * Find the proto file that declares the given fully-qualified symbol name.
   */
  "file_containing_symbol"?: string;
  /**
   * Find the proto file which defines an extension extending the given
   * message type with the given field number.
   */
  "file_containing_extension"?: _grpc_reflection_v1_ExtensionRequest__Output | null;
  /**
   * Find all extension numbers of the given fully-qualified message type.
   */
  "all_extension_numbers_of_type"?: string;
  /**
   * List the full names of registered services.
   */
  "list_services"?: string;
}
