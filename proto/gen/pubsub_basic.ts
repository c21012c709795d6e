import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  Message as _prism_interfaces_pubsub_Message,
  Message__Output as _prism_interfaces_pubsub_Message__Output,
} from "./prism/interfaces/pubsub/Message.ts";
import type {
  PubSubBasicInterfaceClient as _prism_interfaces_pubsub_PubSubBasicInterfaceClient,
  PubSubBasicInterfaceDefinition as _prism_interfaces_pubsub_PubSubBasicInterfaceDefinition,
} from "./prism/interfaces/pubsub/PubSubBasicInterface.ts";
import type {
  PublishRequest as _prism_interfaces_pubsub_PublishRequest,
  PublishRequest__Output as _prism_interfaces_pubsub_PublishRequest__Output,
} from "./prism/interfaces/pubsub/PublishRequest.ts";
import type {
  PublishResponse as _prism_interfaces_pubsub_PublishResponse,
  PublishResponse__Output as _prism_interfaces_pubsub_PublishResponse__Output,
} from "./prism/interfaces/pubsub/PublishResponse.ts";
import type {
  SubscribeRequest as _prism_interfaces_pubsub_SubscribeRequest,
  SubscribeRequest__Output as _prism_interfaces_pubsub_SubscribeRequest__Output,
} from "./prism/interfaces/pubsub/SubscribeRequest.ts";
import type {
  UnsubscribeRequest as _prism_interfaces_pubsub_UnsubscribeRequest,
  UnsubscribeRequest__Output as _prism_interfaces_pubsub_UnsubscribeRequest__Output,
} from "./prism/interfaces/pubsub/UnsubscribeRequest.ts";
import type {
  UnsubscribeResponse as _prism_interfaces_pubsub_UnsubscribeResponse,
  UnsubscribeResponse__Output as _prism_interfaces_pubsub_UnsubscribeResponse__Output,
} from "./prism/interfaces/pubsub/UnsubscribeResponse.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  prism: {
    interfaces: {
      pubsub: {
        Message: MessageTypeDefinition<
          _prism_interfaces_pubsub_Message,
          _prism_interfaces_pubsub_Message__Output
        >;
        /**
         * Topic-based publish/subscribe.
         */
        PubSubBasicInterface:
          & SubtypeConstructor<
            typeof grpc.Client,
            _prism_interfaces_pubsub_PubSubBasicInterfaceClient
          >
          & { service: _prism_interfaces_pubsub_PubSubBasicInterfaceDefinition };
        PublishRequest: MessageTypeDefinition<
          _prism_interfaces_pubsub_PublishRequest,
          _prism_interfaces_pubsub_PublishRequest__Output
        >;
        PublishResponse: MessageTypeDefinition<
          _prism_interfaces_pubsub_PublishResponse,
          _prism_interfaces_pubsub_PublishResponse__Output
        >;
        SubscribeRequest: MessageTypeDefinition<
          _prism_interfaces_pubsub_SubscribeRequest,
          _prism_interfaces_pubsub_SubscribeRequest__Output
        >;
        UnsubscribeRequest: MessageTypeDefinition<
          _prism_interfaces_pubsub_UnsubscribeRequest,
          _prism_interfaces_pubsub_UnsubscribeRequest__Output
        >;
        UnsubscribeResponse: MessageTypeDefinition<
          _prism_interfaces_pubsub_UnsubscribeResponse,
          _prism_interfaces_pubsub_UnsubscribeResponse__Output
        >;
      };
    };
  };
}
