import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  DeleteRequest as _prism_interfaces_keyvalue_DeleteRequest,
  DeleteRequest__Output as _prism_interfaces_keyvalue_DeleteRequest__Output,
} from "./prism/interfaces/keyvalue/DeleteRequest.ts";
import type {
  DeleteResponse as _prism_interfaces_keyvalue_DeleteResponse,
  DeleteResponse__Output as _prism_interfaces_keyvalue_DeleteResponse__Output,
} from "./prism/interfaces/keyvalue/DeleteResponse.ts";
import type {
  ExistsRequest as _prism_interfaces_keyvalue_ExistsRequest,
  ExistsRequest__Output as _prism_interfaces_keyvalue_ExistsRequest__Output,
} from "./prism/interfaces/keyvalue/ExistsRequest.ts";
import type {
  ExistsResponse as _prism_interfaces_keyvalue_ExistsResponse,
  ExistsResponse__Output as _prism_interfaces_keyvalue_ExistsResponse__Output,
} from "./prism/interfaces/keyvalue/ExistsResponse.ts";
import type {
  GetRequest as _prism_interfaces_keyvalue_GetRequest,
  GetRequest__Output as _prism_interfaces_keyvalue_GetRequest__Output,
} from "./prism/interfaces/keyvalue/GetRequest.ts";
import type {
  GetResponse as _prism_interfaces_keyvalue_GetResponse,
  GetResponse__Output as _prism_interfaces_keyvalue_GetResponse__Output,
} from "./prism/interfaces/keyvalue/GetResponse.ts";
import type {
  KeyValueBasicInterfaceClient as _prism_interfaces_keyvalue_KeyValueBasicInterfaceClient,
  KeyValueBasicInterfaceDefinition as _prism_interfaces_keyvalue_KeyValueBasicInterfaceDefinition,
} from "./prism/interfaces/keyvalue/KeyValueBasicInterface.ts";
import type {
  SetRequest as _prism_interfaces_keyvalue_SetRequest,
  SetRequest__Output as _prism_interfaces_keyvalue_SetRequest__Output,
} from "./prism/interfaces/keyvalue/SetRequest.ts";
import type {
  SetResponse as _prism_interfaces_keyvalue_SetResponse,
  SetResponse__Output as _prism_interfaces_keyvalue_SetResponse__Output,
} from "./prism/interfaces/keyvalue/SetResponse.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  prism: {
    interfaces: {
      keyvalue: {
        DeleteRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_DeleteRequest,
          _prism_interfaces_keyvalue_DeleteRequest__Output
        >;
        DeleteResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_DeleteResponse,
          _prism_interfaces_keyvalue_DeleteResponse__Output
        >;
        ExistsRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ExistsRequest,
          _prism_interfaces_keyvalue_ExistsRequest__Output
        >;
        ExistsResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ExistsResponse,
          _prism_interfaces_keyvalue_ExistsResponse__Output
        >;
        GetRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_GetRequest,
          _prism_interfaces_keyvalue_GetRequest__Output
        >;
        GetResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_GetResponse,
          _prism_interfaces_keyvalue_GetResponse__Output
        >;
        /**
         * Point operations on single keys.
         */
        KeyValueBasicInterface:
          & SubtypeConstructor<
            typeof grpc.Client,
            _prism_interfaces_keyvalue_KeyValueBasicInterfaceClient
          >
          & { service: _prism_interfaces_keyvalue_KeyValueBasicInterfaceDefinition };
        SetRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_SetRequest,
          _prism_interfaces_keyvalue_SetRequest__Output
        >;
        SetResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_SetResponse,
          _prism_interfaces_keyvalue_SetResponse__Output
        >;
      };
    };
  };
}
