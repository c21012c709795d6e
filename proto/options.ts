/**
 * The one set of `@grpc/proto-loader` options used everywhere: by the type
 * generator (`deno task proto`) and by every runtime loader, so that the
 * generated types describe exactly the objects handlers receive.
 *
 * @module
 */
import type { Options } from "@grpc/proto-loader";

/**
 * Loader options: field names as written in the .proto files, 64-bit integers
 * as JS numbers, enums as their names, defaults filled in for absent fields.
 *
 * @example
 * ```ts
 * import { PROTO_LOADER_OPTIONS } from "./options.ts";
 * console.log(PROTO_LOADER_OPTIONS.keepCase); // true
 * ```
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: false,
};

/** The .proto files of Prism, relative to `proto/`.
 *
 * @example
 * ```ts
 * import { PROTO_FILES } from "./options.ts";
 * console.log(PROTO_FILES.length > 0); // true
 * ```
 */
export const PROTO_FILES: readonly string[] = [
  "prism/interfaces/keyvalue/keyvalue_basic.proto",
  "prism/interfaces/keyvalue/keyvalue_scan.proto",
  "prism/interfaces/keyvalue/keyvalue_ttl.proto",
  "prism/interfaces/list/list_basic.proto",
  "prism/interfaces/pubsub/pubsub_basic.proto",
  "prism/interfaces/stream/stream_basic.proto",
  "prism/interfaces/lifecycle/lifecycle.proto",
  "grpc/health/v1/health.proto",
  "grpc/reflection/v1/reflection.proto",
  "grpc/reflection/v1alpha/reflection.proto",
];
