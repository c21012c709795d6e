import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  ExpireRequest as _prism_interfaces_keyvalue_ExpireRequest,
  ExpireRequest__Output as _prism_interfaces_keyvalue_ExpireRequest__Output,
} from "./prism/interfaces/keyvalue/ExpireRequest.ts";
import type {
  ExpireResponse as _prism_interfaces_keyvalue_ExpireResponse,
  ExpireResponse__Output as _prism_interfaces_keyvalue_ExpireResponse__Output,
} from "./prism/interfaces/keyvalue/ExpireResponse.ts";
import type {
  GetTTLRequest as _prism_interfaces_keyvalue_GetTTLRequest,
  GetTTLRequest__Output as _prism_interfaces_keyvalue_GetTTLRequest__Output,
} from "./prism/interfaces/keyvalue/GetTTLRequest.ts";
import type {
  GetTTLResponse as _prism_interfaces_keyvalue_GetTTLResponse,
  GetTTLResponse__Output as _prism_interfaces_keyvalue_GetTTLResponse__Output,
} from "./prism/interfaces/keyvalue/GetTTLResponse.ts";
import type {
  KeyValueTTLInterfaceClient as _prism_interfaces_keyvalue_KeyValueTTLInterfaceClient,
  KeyValueTTLInterfaceDefinition as _prism_interfaces_keyvalue_KeyValueTTLInterfaceDefinition,
} from "./prism/interfaces/keyvalue/KeyValueTTLInterface.ts";
import type {
  PersistRequest as _prism_interfaces_keyvalue_PersistRequest,
  PersistRequest__Output as _prism_interfaces_keyvalue_PersistRequest__Output,
} from "./prism/interfaces/keyvalue/PersistRequest.ts";
import type {
  PersistResponse as _prism_interfaces_keyvalue_PersistResponse,
  PersistResponse__Output as _prism_interfaces_keyvalue_PersistResponse__Output,
} from "./prism/interfaces/keyvalue/PersistResponse.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  prism: {
    interfaces: {
      keyvalue: {
        ExpireRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ExpireRequest,
          _prism_interfaces_keyvalue_ExpireRequest__Output
        >;
        ExpireResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ExpireResponse,
          _prism_interfaces_keyvalue_ExpireResponse__Output
        >;
        GetTTLRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_GetTTLRequest,
          _prism_interfaces_keyvalue_GetTTLRequest__Output
        >;
        GetTTLResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_GetTTLResponse,
          _prism_interfaces_keyvalue_GetTTLResponse__Output
        >;
        /**
         * Expiry management.
         */
        KeyValueTTLInterface:
          & SubtypeConstructor<
            typeof grpc.Client,
            _prism_interfaces_keyvalue_KeyValueTTLInterfaceClient
          >
          & { service: _prism_interfaces_keyvalue_KeyValueTTLInterfaceDefinition };
        PersistRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_PersistRequest,
          _prism_interfaces_keyvalue_PersistRequest__Output
        >;
        PersistResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_PersistResponse,
          _prism_interfaces_keyvalue_PersistResponse__Output
        >;
      };
    };
  };
}
