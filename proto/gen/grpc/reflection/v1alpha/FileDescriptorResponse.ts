// Original file: proto/grpc/reflection/v1alpha/reflection.proto

/**
 * Serialized FileDescriptorProto messages.
 */
export interface FileDescriptorResponse {
  "file_descriptor_proto"?: (Buffer | Uint8Array | string)[];
}

/**
 * Serialized FileDescriptorProto messages.
 */
export interface FileDescriptorResponse__Output {
  "file_descriptor_proto": (Buffer)[];
}
