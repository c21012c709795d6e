import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  CountRequest as _prism_interfaces_keyvalue_CountRequest,
  CountRequest__Output as _prism_interfaces_keyvalue_CountRequest__Output,
} from "./prism/interfaces/keyvalue/CountRequest.ts";
import type {
  CountResponse as _prism_interfaces_keyvalue_CountResponse,
  CountResponse__Output as _prism_interfaces_keyvalue_CountResponse__Output,
} from "./prism/interfaces/keyvalue/CountResponse.ts";
import type {
  KeyValueScanInterfaceClient as _prism_interfaces_keyvalue_KeyValueScanInterfaceClient,
  KeyValueScanInterfaceDefinition as _prism_interfaces_keyvalue_KeyValueScanInterfaceDefinition,
} from "./prism/interfaces/keyvalue/KeyValueScanInterface.ts";
import type {
  ScanKeysRequest as _prism_interfaces_keyvalue_ScanKeysRequest,
  ScanKeysRequest__Output as _prism_interfaces_keyvalue_ScanKeysRequest__Output,
} from "./prism/interfaces/keyvalue/ScanKeysRequest.ts";
import type {
  ScanKeysResponse as _prism_interfaces_keyvalue_ScanKeysResponse,
  ScanKeysResponse__Output as _prism_interfaces_keyvalue_ScanKeysResponse__Output,
} from "./prism/interfaces/keyvalue/ScanKeysResponse.ts";
import type {
  ScanRequest as _prism_interfaces_keyvalue_ScanRequest,
  ScanRequest__Output as _prism_interfaces_keyvalue_ScanRequest__Output,
} from "./prism/interfaces/keyvalue/ScanRequest.ts";
import type {
  ScanResponse as _prism_interfaces_keyvalue_ScanResponse,
  ScanResponse__Output as _prism_interfaces_keyvalue_ScanResponse__Output,
} from "./prism/interfaces/keyvalue/ScanResponse.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  prism: {
    interfaces: {
      keyvalue: {
        CountRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_CountRequest,
          _prism_interfaces_keyvalue_CountRequest__Output
        >;
        CountResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_CountResponse,
          _prism_interfaces_keyvalue_CountResponse__Output
        >;
        /**
         * Prefix enumeration of the key space.
         */
        KeyValueScanInterface:
          & SubtypeConstructor<
            typeof grpc.Client,
            _prism_interfaces_keyvalue_KeyValueScanInterfaceClient
          >
          & { service: _prism_interfaces_keyvalue_KeyValueScanInterfaceDefinition };
        ScanKeysRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ScanKeysRequest,
          _prism_interfaces_keyvalue_ScanKeysRequest__Output
        >;
        ScanKeysResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ScanKeysResponse,
          _prism_interfaces_keyvalue_ScanKeysResponse__Output
        >;
        ScanRequest: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ScanRequest,
          _prism_interfaces_keyvalue_ScanRequest__Output
        >;
        ScanResponse: MessageTypeDefinition<
          _prism_interfaces_keyvalue_ScanResponse,
          _prism_interfaces_keyvalue_ScanResponse__Output
        >;
      };
    };
  };
}
