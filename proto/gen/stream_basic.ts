import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  AppendRequest as _prism_interfaces_stream_AppendRequest,
  AppendRequest__Output as _prism_interfaces_stream_AppendRequest__Output,
} from "./prism/interfaces/stream/AppendRequest.ts";
import type {
  AppendResponse as _prism_interfaces_stream_AppendResponse,
  AppendResponse__Output as _prism_interfaces_stream_AppendResponse__Output,
} from "./prism/interfaces/stream/AppendResponse.ts";
import type {
  ReadRequest as _prism_interfaces_stream_ReadRequest,
  ReadRequest__Output as _prism_interfaces_stream_ReadRequest__Output,
} from "./prism/interfaces/stream/ReadRequest.ts";
import type {
  Record as _prism_interfaces_stream_Record,
  Record__Output as _prism_interfaces_stream_Record__Output,
} from "./prism/interfaces/stream/Record.ts";
import type {
  StreamBasicInterfaceClient as _prism_interfaces_stream_StreamBasicInterfaceClient,
  StreamBasicInterfaceDefinition as _prism_interfaces_stream_StreamBasicInterfaceDefinition,
} from "./prism/interfaces/stream/StreamBasicInterface.ts";
import type {
  TrimRequest as _prism_interfaces_stream_TrimRequest,
  TrimRequest__Output as _prism_interfaces_stream_TrimRequest__Output,
} from "./prism/interfaces/stream/TrimRequest.ts";
import type {
  TrimResponse as _prism_interfaces_stream_TrimResponse,
  TrimResponse__Output as _prism_interfaces_stream_TrimResponse__Output,
} from "./prism/interfaces/stream/TrimResponse.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  prism: {
    interfaces: {
      stream: {
        AppendRequest: MessageTypeDefinition<
          _prism_interfaces_stream_AppendRequest,
          _prism_interfaces_stream_AppendRequest__Output
        >;
        AppendResponse: MessageTypeDefinition<
          _prism_interfaces_stream_AppendResponse,
          _prism_interfaces_stream_AppendResponse__Output
        >;
        ReadRequest: MessageTypeDefinition<
          _prism_interfaces_stream_ReadRequest,
          _prism_interfaces_stream_ReadRequest__Output
        >;
        Record: MessageTypeDefinition<
          _prism_interfaces_stream_Record,
          _prism_interfaces_stream_Record__Output
        >;
        /**
         * Append-only log operations.
         */
        StreamBasicInterface:
          & SubtypeConstructor<
            typeof grpc.Client,
            _prism_interfaces_stream_StreamBasicInterfaceClient
          >
          & { service: _prism_interfaces_stream_StreamBasicInterfaceDefinition };
        TrimRequest: MessageTypeDefinition<
          _prism_interfaces_stream_TrimRequest,
          _prism_interfaces_stream_TrimRequest__Output
        >;
        TrimResponse: MessageTypeDefinition<
          _prism_interfaces_stream_TrimResponse,
          _prism_interfaces_stream_TrimResponse__Output
        >;
      };
    };
  };
}
