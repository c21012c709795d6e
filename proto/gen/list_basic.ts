import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  LengthRequest as _prism_interfaces_list_LengthRequest,
  LengthRequest__Output as _prism_interfaces_list_LengthRequest__Output,
} from "./prism/interfaces/list/LengthRequest.ts";
import type {
  LengthResponse as _prism_interfaces_list_LengthResponse,
  LengthResponse__Output as _prism_interfaces_list_LengthResponse__Output,
} from "./prism/interfaces/list/LengthResponse.ts";
import type {
  ListBasicInterfaceClient as _prism_interfaces_list_ListBasicInterfaceClient,
  ListBasicInterfaceDefinition as _prism_interfaces_list_ListBasicInterfaceDefinition,
} from "./prism/interfaces/list/ListBasicInterface.ts";
import type {
  PopLeftRequest as _prism_interfaces_list_PopLeftRequest,
  PopLeftRequest__Output as _prism_interfaces_list_PopLeftRequest__Output,
} from "./prism/interfaces/list/PopLeftRequest.ts";
import type {
  PopResponse as _prism_interfaces_list_PopResponse,
  PopResponse__Output as _prism_interfaces_list_PopResponse__Output,
} from "./prism/interfaces/list/PopResponse.ts";
import type {
  PopRightRequest as _prism_interfaces_list_PopRightRequest,
  PopRightRequest__Output as _prism_interfaces_list_PopRightRequest__Output,
} from "./prism/interfaces/list/PopRightRequest.ts";
import type {
  PushLeftRequest as _prism_interfaces_list_PushLeftRequest,
  PushLeftRequest__Output as _prism_interfaces_list_PushLeftRequest__Output,
} from "./prism/interfaces/list/PushLeftRequest.ts";
import type {
  PushResponse as _prism_interfaces_list_PushResponse,
  PushResponse__Output as _prism_interfaces_list_PushResponse__Output,
} from "./prism/interfaces/list/PushResponse.ts";
import type {
  PushRightRequest as _prism_interfaces_list_PushRightRequest,
  PushRightRequest__Output as _prism_interfaces_list_PushRightRequest__Output,
} from "./prism/interfaces/list/PushRightRequest.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  prism: {
    interfaces: {
      list: {
        LengthRequest: MessageTypeDefinition<
          _prism_interfaces_list_LengthRequest,
          _prism_interfaces_list_LengthRequest__Output
        >;
        LengthResponse: MessageTypeDefinition<
          _prism_interfaces_list_LengthResponse,
          _prism_interfaces_list_LengthResponse__Output
        >;
        /**
         * Double-ended list operations.
         */
        ListBasicInterface:
          & SubtypeConstructor<typeof grpc.Client, _prism_interfaces_list_ListBasicInterfaceClient>
          & { service: _prism_interfaces_list_ListBasicInterfaceDefinition };
        PopLeftRequest: MessageTypeDefinition<
          _prism_interfaces_list_PopLeftRequest,
          _prism_interfaces_list_PopLeftRequest__Output
        >;
        PopResponse: MessageTypeDefinition<
          _prism_interfaces_list_PopResponse,
          _prism_interfaces_list_PopResponse__Output
        >;
        PopRightRequest: MessageTypeDefinition<
          _prism_interfaces_list_PopRightRequest,
          _prism_interfaces_list_PopRightRequest__Output
        >;
        PushLeftRequest: MessageTypeDefinition<
          _prism_interfaces_list_PushLeftRequest,
          _prism_interfaces_list_PushLeftRequest__Output
        >;
        PushResponse: MessageTypeDefinition<
          _prism_interfaces_list_PushResponse,
          _prism_interfaces_list_PushResponse__Output
        >;
        PushRightRequest: MessageTypeDefinition<
          _prism_interfaces_list_PushRightRequest,
          _prism_interfaces_list_PushRightRequest__Output
        >;
      };
    };
  };
}
