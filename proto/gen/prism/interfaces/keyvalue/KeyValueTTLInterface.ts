// Original file: proto/prism/interfaces/keyvalue/keyvalue_ttl.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  ExpireRequest as _prism_interfaces_keyvalue_ExpireRequest,
  ExpireRequest__Output as _prism_interfaces_keyvalue_ExpireRequest__Output,
} from "../../../prism/interfaces/keyvalue/ExpireRequest.ts";
import type {
  ExpireResponse as _prism_interfaces_keyvalue_ExpireResponse,
  ExpireResponse__Output as _prism_interfaces_keyvalue_ExpireResponse__Output,
} from "../../../prism/interfaces/keyvalue/ExpireResponse.ts";
import type {
  GetTTLRequest as _prism_interfaces_keyvalue_GetTTLRequest,
  GetTTLRequest__Output as _prism_interfaces_keyvalue_GetTTLRequest__Output,
} from "../../../prism/interfaces/keyvalue/GetTTLRequest.ts";
import type {
  GetTTLResponse as _prism_interfaces_keyvalue_GetTTLResponse,
  GetTTLResponse__Output as _prism_interfaces_keyvalue_GetTTLResponse__Output,
} from "../../../prism/interfaces/keyvalue/GetTTLResponse.ts";
import type {
  PersistRequest as _prism_interfaces_keyvalue_PersistRequest,
  PersistRequest__Output as _prism_interfaces_keyvalue_PersistRequest__Output,
} from "../../../prism/interfaces/keyvalue/PersistRequest.ts";
import type {
  PersistResponse as _prism_interfaces_keyvalue_PersistResponse,
  PersistResponse__Output as _prism_interfaces_keyvalue_PersistResponse__Output,
} from "../../../prism/interfaces/keyvalue/PersistResponse.ts";

/**
 * Expiry management.
 */
export interface KeyValueTTLInterfaceClient extends grpc.Client {
  /**
   * Sets the key's time to live; `key_existed` is false (and nothing happens) for a missing key.
   */
  Expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;
  Expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;
  Expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;
  Expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Sets the key's time to live; `key_existed` is false (and nothing happens) for a missing key.
   */
  expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;
  expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;
  expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;
  expire(
    argument: _prism_interfaces_keyvalue_ExpireRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_ExpireResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Reads the remaining time to live.
   */
  GetTTL(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetTTL(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetTTL(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetTTL(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Reads the remaining time to live.
   */
  getTtl(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;
  getTtl(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;
  getTtl(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;
  getTtl(
    argument: _prism_interfaces_keyvalue_GetTTLRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_GetTTLResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Removes the key's expiry; `expiration_removed` is false when it had none or is missing.
   */
  Persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
  Persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
  Persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
  Persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Removes the key's expiry; `expiration_removed` is false when it had none or is missing.
   */
  persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
  persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
  persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
  persist(
    argument: _prism_interfaces_keyvalue_PersistRequest,
    callback: grpc.requestCallback<_prism_interfaces_keyvalue_PersistResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Expiry management.
 */
export interface KeyValueTTLInterfaceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Sets the key's time to live; `key_existed` is false (and nothing happens) for a missing key.
   */
  Expire: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_ExpireRequest__Output,
    _prism_interfaces_keyvalue_ExpireResponse
  >;

  /**
   * Reads the remaining time to live.
   */
  GetTTL: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_GetTTLRequest__Output,
    _prism_interfaces_keyvalue_GetTTLResponse
  >;

  /**
   * Removes the key's expiry; `expiration_removed` is false when it had none or is missing.
   */
  Persist: grpc.handleUnaryCall<
    _prism_interfaces_keyvalue_PersistRequest__Output,
    _prism_interfaces_keyvalue_PersistResponse
  >;
}

export interface KeyValueTTLInterfaceDefinition extends grpc.ServiceDefinition {
  Expire: MethodDefinition<
    _prism_interfaces_keyvalue_ExpireRequest,
    _prism_interfaces_keyvalue_ExpireResponse,
    _prism_interfaces_keyvalue_ExpireRequest__Output,
    _prism_interfaces_keyvalue_ExpireResponse__Output
  >;
  GetTTL: MethodDefinition<
    _prism_interfaces_keyvalue_GetTTLRequest,
    _prism_interfaces_keyvalue_GetTTLResponse,
    _prism_interfaces_keyvalue_GetTTLRequest__Output,
    _prism_interfaces_keyvalue_GetTTLResponse__Output
  >;
  Persist: MethodDefinition<
    _prism_interfaces_keyvalue_PersistRequest,
    _prism_interfaces_keyvalue_PersistResponse,
    _prism_interfaces_keyvalue_PersistRequest__Output,
    _prism_interfaces_keyvalue_PersistResponse__Output
  >;
}
