/**
 * gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) on the proxy's
 * port, so that grpcurl, ghz and similar tools work without .proto files.
 *
 * The services are registered at start-up from the embedded descriptors,
 * but `@grpc/reflection`, which answers the requests, is loaded and builds
 * its symbol index only when the first reflection request arrives: loading
 * and indexing cost ≈45 ms (measured), a sixth of the proxy's start-up, for
 * a service most deployments call rarely.
 *
 * @module
 */
import { status, StatusError } from "../../proto/status.ts";
import type { GrpcServer } from "../../proto/transport/grpc_server.ts";
import {
  reflectionPackageDefinition,
  SERVICE_NAMES,
  serviceDefinition,
} from "../../proto/definitions.ts";

type Message = Record<string, unknown>;
type Answer = (request: Message) => Message;

/** The request fields of the `message_request` oneof (snake_case as decoded here). */
const REQUEST_KINDS = [
  "file_by_filename",
  "file_containing_symbol",
  "file_containing_extension",
  "all_extension_numbers_of_type",
  "list_services",
];

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Renames keys recursively (bytes and scalars are left as they are). */
function rename(value: unknown, name: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => rename(v, name));
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Message = {};
  for (const [k, v] of Object.entries(value)) out[name(k)] = rename(v, name);
  return out;
}

/**
 * `@grpc/reflection` reads requests and writes responses in camelCase with
 * the oneof's name set; the proxy's codecs use the .proto field names.
 */
function adapt(answer: Answer): (request: Message) => Message {
  return (request) => {
    const kind = REQUEST_KINDS.find((k) => request[k] !== undefined && request[k] !== null);
    const camelRequest = rename(request, camel) as Message;
    if (kind) camelRequest.messageRequest = camel(kind);
    return rename(answer(camelRequest), snake) as Message;
  };
}

async function loadAnswer(): Promise<Answer> {
  const { ReflectionService } = await import("@grpc/reflection");
  // The lifecycle service is the plugins' alone: the proxy does not offer it.
  const service = new ReflectionService(
    reflectionPackageDefinition(["prism.interfaces.lifecycle"]) as never,
  );
  // v1 and v1alpha answer identically; the library keeps both behind this facade.
  const v1 = (service as unknown as { v1: { handleServerReflectionRequest: Answer } }).v1;
  return (request) => v1.handleServerReflectionRequest(request);
}

/**
 * Registers both reflection services on `server`; the index is built on first use.
 *
 * @example
 * ```ts
 * import { GrpcServer } from "../../proto/transport/grpc_server.ts";
 * import { addReflection } from "./reflection.ts";
 * addReflection(new GrpcServer());
 * ```
 */
export function addReflection(server: GrpcServer): void {
  let answer: Promise<(request: Message) => Message> | undefined;
  for (const name of [SERVICE_NAMES.reflection, SERVICE_NAMES.reflectionAlpha]) {
    const def = serviceDefinition(name).ServerReflectionInfo;
    server.addBidiStream<Message, Message>(
      def.path,
      {
        decode: def.requestDeserialize as (b: Uint8Array) => Message,
        encode: def.responseSerialize,
      },
      async (requests, call) => {
        answer ??= loadAnswer().then(adapt);
        const respond = await answer.catch((err) => {
          throw new StatusError(status.INTERNAL, `reflection: ${(err as Error).message}`);
        });
        for await (const request of requests) {
          if (!call.write(respond(request))) await call.drain();
        }
      },
    );
  }
}
