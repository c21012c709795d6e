/**
 * Prism's gRPC service definitions, built from descriptors embedded in code
 * by `deno task proto` (`proto/gen/descriptor_json.ts` for the runtime,
 * `proto/gen/descriptor_set.ts` for reflection), so that no .proto file is
 * read at run time.
 *
 * The definitions are made straight from protobufjs (its light build) rather
 * than by `@grpc/proto-loader` at run time: the loader also re-encodes every
 * file descriptor for every message, which cost ≈50 ms of the proxy's
 * start-up (measured) for descriptors the proxy never uses. Messages convert
 * exactly as the loader would with `PROTO_LOADER_OPTIONS`, which is what the
 * generated types (made by the loader's generator) describe.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import protobuf from "protobufjs/light.js";
import { DESCRIPTOR_JSON } from "./gen/descriptor_json.ts";
import { DESCRIPTOR_SET_BASE64 } from "./gen/descriptor_set.ts";
import { PROTO_LOADER_OPTIONS } from "./options.ts";
import { forEachField, readString, WIRE } from "./wire.ts";

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
  health: "grpc.health.v1.Health",
  reflection: "grpc.reflection.v1.ServerReflection",
  reflectionAlpha: "grpc.reflection.v1alpha.ServerReflection",
} as const;

/**
 * Each data service's method-path prefix (`/<service>/`): a method's path,
 * as gRPC routes it, is the prefix followed by the method name.
 *
 * @example
 * ```ts
 * import { SERVICE_PATHS } from "./definitions.ts";
 * console.log(`${SERVICE_PATHS.keyvalueBasic}Get`); // "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get"
 * ```
 */
export const SERVICE_PATHS = {
  keyvalueBasic: `/${SERVICE_NAMES.keyvalueBasic}/`,
  keyvalueScan: `/${SERVICE_NAMES.keyvalueScan}/`,
  keyvalueTtl: `/${SERVICE_NAMES.keyvalueTtl}/`,
  list: `/${SERVICE_NAMES.list}/`,
  pubsub: `/${SERVICE_NAMES.pubsub}/`,
  stream: `/${SERVICE_NAMES.stream}/`,
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

/**
 * Method paths of calls that last until the client ends them (a
 * subscription has no natural end): they get no default deadline when
 * forwarded, and a drain ends them at once instead of waiting for them.
 *
 * @example
 * ```ts
 * import { LONG_LIVED_METHODS } from "./definitions.ts";
 * console.log(LONG_LIVED_METHODS.has("/prism.interfaces.pubsub.PubSubBasicInterface/Subscribe")); // true
 * ```
 */
export const LONG_LIVED_METHODS: ReadonlySet<string> = new Set([
  `/${SERVICE_NAMES.pubsub}/Subscribe`,
]);

/**
 * One method of a service: its path, whether it streams, and the codecs of
 * its messages (the shape `@grpc/grpc-js` clients also take).
 *
 * @example
 * ```ts
 * import { serviceDefinition } from "./definitions.ts";
 * const get = serviceDefinition("prism.interfaces.keyvalue.KeyValueBasicInterface").Get;
 * console.log(get.path, get.responseStream); // "/prism.interfaces.keyvalue.KeyValueBasicInterface/Get" false
 * ```
 */
export interface MethodDefinition<Req = unknown, Res = unknown> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: Req): Buffer;
  requestDeserialize(bytes: Uint8Array): Req;
  responseSerialize(value: Res): Buffer;
  responseDeserialize(bytes: Uint8Array): Res;
  originalName?: string;
}

/**
 * A service's methods by name.
 *
 * @example
 * ```ts
 * import { serviceDefinition, type ServiceDefinition } from "./definitions.ts";
 * const def: ServiceDefinition = serviceDefinition("grpc.health.v1.Health");
 * console.log(Object.keys(def)); // ["Check", "Watch"]
 * ```
 */
export type ServiceDefinition = Record<string, MethodDefinition>;

/**
 * A top-level field of a message: its number and its protobuf type name
 * (`string`, `bytes`, `int64`, a message's name, ...).
 *
 * @example
 * ```ts
 * import type { FieldInfo } from "./definitions.ts";
 * const key: FieldInfo = { id: 2, type: "string", repeated: false, map: false };
 * console.log(key.id);
 * ```
 */
export interface FieldInfo {
  id: number;
  type: string;
  repeated: boolean;
  map: boolean;
}

/**
 * The fields of a method's request message by name (for reading requests
 * on the wire, `wire.ts`).
 *
 * @example
 * ```ts
 * import { requestFields } from "./definitions.ts";
 * const f = requestFields("/prism.interfaces.keyvalue.KeyValueBasicInterface/Set");
 * console.log(f.key.id, f.value.type, f.ttl_seconds.type); // 2 "bytes" "int64"
 * ```
 */
export function requestFields(path: string): Record<string, FieldInfo> {
  const [, service, method] = path.split("/");
  const svc = loadRoot().lookup(service);
  if (!(svc instanceof protobuf.Service) || !svc.methods[method]) {
    throw new Error(`Cannot find method '${path}' in the embedded descriptors`);
  }
  const type = svc.methods[method].resolvedRequestType!;
  const out: Record<string, FieldInfo> = {};
  for (const f of type.fieldsArray) {
    out[f.name] = { id: f.id, type: f.type, repeated: f.repeated, map: f.map };
  }
  return out;
}

let root: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (!root) {
    root = protobuf.Root.fromJSON(DESCRIPTOR_JSON as protobuf.INamespace);
    root.resolveAll();
  }
  return root;
}

const CONVERSION: protobuf.IConversionOptions = {
  longs: PROTO_LOADER_OPTIONS.longs as typeof Number,
  enums: PROTO_LOADER_OPTIONS.enums as typeof String,
  defaults: PROTO_LOADER_OPTIONS.defaults,
  oneofs: PROTO_LOADER_OPTIONS.oneofs,
};

function serializer(type: protobuf.Type): (value: unknown) => Buffer {
  return (value) => {
    const bytes = type.encode(type.fromObject(value as Record<string, unknown>)).finish();
    return Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  };
}

function deserializer(type: protobuf.Type): (bytes: Uint8Array) => unknown {
  // Decoded from a Buffer, `bytes` fields are Buffers (views of the input), which
  // Node-style libraries (ioredis, kafkajs) take as binary rather than as text.
  return (bytes) =>
    type.toObject(
      type.decode(
        Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
      ),
      CONVERSION,
    );
}

const services = new Map<string, ServiceDefinition>();

/** Splits the embedded `FileDescriptorSet` into its `FileDescriptorProto`s (field 1, repeated). */
function embeddedFileDescriptors(): Buffer[] {
  const set = Buffer.from(DESCRIPTOR_SET_BASE64, "base64");
  const files: Buffer[] = [];
  let i = 0;
  while (i < set.length) {
    if (set[i++] !== 0x0a) throw new Error("Cannot read the embedded descriptor set: bad tag");
    let len = 0;
    for (let shift = 0;; shift += 7) {
      const b = set[i++];
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    files.push(set.subarray(i, i + len));
    i += len;
  }
  return files;
}

/** The `package` (field 2) of a serialized FileDescriptorProto. */
function packageOf(file: Uint8Array): string {
  let pkg = "";
  forEachField(file, (f) => {
    if (f.number === 2 && f.type === WIRE.LEN) pkg = readString(file, f.start, f.end) ?? "";
  });
  return pkg;
}

/**
 * What `@grpc/reflection` needs to serve Prism's services: the embedded
 * file descriptors (repaired by `deno task proto` so that strict clients
 * such as grpcurl and ghz accept them), under one entry, without those of
 * `excludePackages` (the proxy leaves out the plugin lifecycle service,
 * which only plugins serve).
 *
 * @example
 * ```ts
 * import { reflectionPackageDefinition } from "./definitions.ts";
 * const all = Object.values(reflectionPackageDefinition())[0].fileDescriptorProtos.length;
 * const some = Object.values(reflectionPackageDefinition(["prism.interfaces.lifecycle"]))[0]
 *   .fileDescriptorProtos.length;
 * console.log(all - some); // 1
 * ```
 */
export function reflectionPackageDefinition(excludePackages: readonly string[] = []): Record<
  string,
  { format: string; type: object; fileDescriptorProtos: Buffer[] }
> {
  return {
    "prism.descriptors": {
      format: "Protocol Buffer 3 DescriptorProto",
      type: {},
      fileDescriptorProtos: embeddedFileDescriptors().filter((f) =>
        !excludePackages.includes(packageOf(f))
      ),
    },
  };
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
  const known = services.get(name);
  if (known) return known;
  const service = loadRoot().lookup(name);
  if (!(service instanceof protobuf.Service)) {
    throw new Error(`Cannot find service '${name}' in the embedded descriptors`);
  }
  const methods: ServiceDefinition = {};
  for (const method of service.methodsArray) {
    const req = method.resolvedRequestType!;
    const res = method.resolvedResponseType!;
    const m: MethodDefinition = {
      path: `/${name}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: serializer(req),
      requestDeserialize: deserializer(req),
      responseSerialize: serializer(res),
      responseDeserialize: deserializer(res),
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
    };
    methods[method.name] = m;
  }
  services.set(name, methods);
  return methods;
}
