/**
 * Prism's gRPC service definitions, built from the embedded descriptor set
 * (`proto/gen/descriptor_set.ts`, made by `deno task proto`), so that no
 * .proto file is read at run time.
 *
 * @module
 */
import {
  loadFileDescriptorSetFromBuffer,
  type PackageDefinition,
  type ServiceDefinition,
} from "@grpc/proto-loader";
import { Buffer } from "node:buffer";
import { DESCRIPTOR_SET_BASE64 } from "./gen/descriptor_set.ts";
import { PROTO_LOADER_OPTIONS } from "./options.ts";

/**
 * Fully qualified names of the client-facing services (CONTRACT §2) and of
 * the plugin lifecycle service (CONTRACT §4).
 *
 * @example
 * ```ts
 * import { SERVICE_NAMES } from "./definitions.ts";
 * console.log(SERVICE_NAMES.keyvalueBasic); // "prism.interfaces.keyvalue.KeyValueBasicInterface"
 * ```
 */
export const SERVICE_NAMES = {
  keyvalueBasic: "prism.interfaces.keyvalue.KeyValueBasicInterface",
  keyvalueScan: "prism.interfaces.keyvalue.KeyValueScanInterface",
  keyvalueTtl: "prism.interfaces.keyvalue.KeyValueTTLInterface",
  list: "prism.interfaces.list.ListBasicInterface",
  pubsub: "prism.interfaces.pubsub.PubSubBasicInterface",
  stream: "prism.interfaces.stream.StreamBasicInterface",
  lifecycle: "prism.interfaces.lifecycle.LifecycleInterface",
} as const;

/** A fully qualified service name of Prism.
 *
 * @example
 * ```ts
 * import type { ServiceName } from "./definitions.ts";
 * const name: ServiceName = "prism.interfaces.list.ListBasicInterface";
 * console.log(name);
 * ```
 */
export type ServiceName = typeof SERVICE_NAMES[keyof typeof SERVICE_NAMES];

/** The data services a client may call on the proxy (every service but lifecycle).
 *
 * @example
 * ```ts
 * import { DATA_SERVICES } from "./definitions.ts";
 * console.log(DATA_SERVICES.length); // 6
 * ```
 */
export const DATA_SERVICES: readonly ServiceName[] = [
  SERVICE_NAMES.keyvalueBasic,
  SERVICE_NAMES.keyvalueScan,
  SERVICE_NAMES.keyvalueTtl,
  SERVICE_NAMES.list,
  SERVICE_NAMES.pubsub,
  SERVICE_NAMES.stream,
];

let cached: PackageDefinition | undefined;

/**
 * The package definition of every Prism service (loaded once, then cached).
 *
 * @example
 * ```ts
 * import { packageDefinition } from "./definitions.ts";
 * const pkg = packageDefinition();
 * console.log("prism.interfaces.list.ListBasicInterface" in pkg); // true
 * ```
 */
export function packageDefinition(): PackageDefinition {
  cached ??= loadFileDescriptorSetFromBuffer(
    Buffer.from(DESCRIPTOR_SET_BASE64, "base64"),
    PROTO_LOADER_OPTIONS,
  );
  return cached;
}

/**
 * The definition of one service, by its fully qualified name.
 *
 * @example
 * ```ts
 * import { serviceDefinition } from "./definitions.ts";
 * const def = serviceDefinition("prism.interfaces.keyvalue.KeyValueBasicInterface");
 * console.log(Object.keys(def)); // ["Set", "Get", "Delete", "Exists"]
 * ```
 */
export function serviceDefinition(name: ServiceName): ServiceDefinition {
  const def = packageDefinition()[name];
  if (def === undefined || "format" in def) {
    throw new Error(`Cannot find service '${name}' in the embedded descriptor set`);
  }
  return def as ServiceDefinition;
}
