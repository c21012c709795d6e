/**
 * What a plugin is: mostly its backend logic. A {@linkcode PluginDefinition}
 * names the plugin, the interfaces it serves and its config schema, and
 * `create()`s a {@linkcode PluginInstance} — handlers by method path, health
 * checks, an error mapper and `close()` — once `Initialize` brings the
 * namespace's config. The SDK (`serve.ts`) does the rest: gRPC server,
 * handshake, lifecycle, interceptors, drain and exit.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { serviceDefinition, type ServiceName } from "../../proto/definitions.ts";
import type { Logger } from "../../proto/log/logger.ts";
import type { ConfigOf, ConfigSchema } from "./config.ts";
import type { ErrorMapper } from "./errors.ts";
import type { HealthCheck } from "./health.ts";
import type { MetricsRegistry } from "./metrics.ts";
import type { Authorizer, CallContext, Interceptor } from "./interceptors.ts";
import type { StreamSink } from "./stream.ts";

/**
 * Handles one unary call: returns the response (or a promise of it), or
 * throws. `Req` is the decoded request (e.g. `SetRequest__Output`).
 *
 * @example
 * ```ts
 * import type { UnaryHandler } from "./plugin.ts";
 * const get: UnaryHandler<{ key: string }> = (req) => ({ value: new Uint8Array(), found: req.key === "" });
 * console.log(get({ key: "a" }, {} as never));
 * ```
 */
// deno-lint-ignore no-explicit-any
export type UnaryHandler<Req = any> = (request: Req, ctx: CallContext) => unknown;

/**
 * Handles one server-streaming call by writing to `out` (which applies
 * backpressure and reports the end of the call); the call ends OK when the
 * returned promise resolves, with the error's status when it rejects.
 *
 * @example
 * ```ts
 * import type { StreamHandler } from "./plugin.ts";
 * const keys: StreamHandler<{ prefix: string }> = async (req, out) => {
 *   await out.write({ key: `${req.prefix}a` });
 * };
 * console.log(typeof keys);
 * ```
 */
// deno-lint-ignore no-explicit-any
export type StreamHandler<Req = any, Msg = any> = (
  request: Req,
  out: StreamSink<Msg>,
  ctx: CallContext,
) => void | Promise<void>;

/**
 * The typed handlers of one service, method by method, derived from the
 * generated `…Handlers` interface (`proto/gen/`): a unary method takes its
 * decoded request and returns its response; a server-streaming method
 * writes its messages to a sink. Every method must be there, and a handler
 * of the wrong shape does not compile.
 *
 * @example
 * ```ts
 * import type { KeyValueBasicInterfaceHandlers } from "../../proto/gen/prism/interfaces/keyvalue/KeyValueBasicInterface.ts";
 * import type { ServiceHandlers } from "./plugin.ts";
 * const store = new Map<string, Uint8Array>();
 * const kv: ServiceHandlers<KeyValueBasicInterfaceHandlers> = {
 *   Set: (req) => (store.set(req.key, req.value), { success: true }),
 *   Get: (req) => ({ value: store.get(req.key), found: store.has(req.key) }),
 *   Delete: (req) => ({ found: store.delete(req.key) }),
 *   Exists: (req) => ({ exists: store.has(req.key) }),
 * };
 * console.log(Object.keys(kv).length); // 4
 * ```
 */
export type ServiceHandlers<H> = {
  // The generated interfaces extend grpc-js's untyped one: drop its index signature.
  [M in keyof H as string extends M ? never : M]: H[M] extends
    grpc.handleServerStreamingCall<infer Req, infer Msg> ? StreamHandler<Req, Msg>
    : H[M] extends grpc.handleUnaryCall<infer Req, infer Res>
      ? (request: Req, ctx: CallContext) => Res | Promise<Res>
    : never;
};

/** Handlers by method path, as a {@linkcode PluginInstance} holds them.
 *
 * @example
 * ```ts
 * import type { HandlerTables } from "./plugin.ts";
 * const tables: HandlerTables = { unary: {}, streams: {} };
 * console.log(Object.keys(tables)); // ["unary", "streams"]
 * ```
 */
export interface HandlerTables {
  unary: Record<string, UnaryHandler>;
  streams: Record<string, StreamHandler>;
}

/**
 * The method-path tables of typed service handlers: each service's
 * handlers (see {@linkcode ServiceHandlers}) under `/<service>/<Method>`,
 * unary and streaming apart as the service definition says. Throws naming
 * the method when a handler is missing or one does not belong.
 *
 * @example
 * ```ts
 * import { SERVICE_NAMES } from "../../proto/definitions.ts";
 * import type { ListBasicInterfaceHandlers } from "../../proto/gen/prism/interfaces/list/ListBasicInterface.ts";
 * import { handlerTables, type ServiceHandlers } from "./plugin.ts";
 * const list: unknown[] = [];
 * const lists: ServiceHandlers<ListBasicInterfaceHandlers> = {
 *   PushLeft: (req) => ({ new_length: list.unshift(req.value) }),
 *   PushRight: (req) => ({ new_length: list.push(req.value) }),
 *   PopLeft: () => ({ found: list.length > 0 }),
 *   PopRight: () => ({ found: list.length > 0 }),
 *   Length: () => ({ length: list.length }),
 * };
 * const tables = handlerTables([SERVICE_NAMES.list, lists]);
 * console.log(Object.keys(tables.unary).includes("/prism.interfaces.list.ListBasicInterface/Length")); // true
 * ```
 */
export function handlerTables(
  // deno-lint-ignore no-explicit-any
  ...services: [service: ServiceName, handlers: ServiceHandlers<any>][]
): HandlerTables {
  const tables: HandlerTables = { unary: {}, streams: {} };
  for (const [service, handlers] of services) {
    const methods = serviceDefinition(service);
    for (const name of Object.keys(handlers)) {
      if (!Object.hasOwn(methods, name)) {
        throw new TypeError(`Cannot serve ${service} as '${name}' is not one of its methods`);
      }
    }
    for (const [name, def] of Object.entries(methods)) {
      const handler = (handlers as Record<string, UnaryHandler & StreamHandler>)[name];
      if (typeof handler !== "function") {
        throw new TypeError(`Cannot serve ${service} as its method '${name}' has no handler`);
      }
      if (def.responseStream) tables.streams[def.path] = handler;
      else tables.unary[def.path] = handler;
    }
  }
  return tables;
}

/** What `create()` gets besides the config.
 *
 * @example
 * ```ts
 * import type { PluginContext } from "./plugin.ts";
 * const describe = (ctx: PluginContext) => `${ctx.namespace} (proxy ${ctx.proxyVersion})`;
 * console.log(typeof describe);
 * ```
 */
export interface PluginContext {
  /** The namespace this plugin process serves. */
  namespace: string;
  /** The proxy's version, from `Initialize`. */
  proxyVersion: string;
  /** The plugin's logger (`component: "plugin"`, `plugin`, `namespace`). */
  log: Logger;
  /** The plugin's metrics registry: what the proxy's `/metrics` serves for this namespace. */
  metrics: MetricsRegistry;
}

/**
 * A plugin's backend, created by `Initialize`. `create()` must not fail
 * because the backend is unreachable: it connects in the background, its
 * health checks report `UNHEALTHY`, and its handlers fail `UNAVAILABLE`
 * until the backend is back.
 *
 * @example
 * ```ts
 * import type { PluginInstance } from "./plugin.ts";
 * const store = new Map<string, Uint8Array>();
 * const instance: PluginInstance = {
 *   unary: {
 *     "/prism.interfaces.keyvalue.KeyValueBasicInterface/Exists": (r: { key: string }) => ({
 *       exists: store.has(r.key),
 *     }),
 *   },
 *   close: () => store.clear(),
 * };
 * console.log(Object.keys(instance.unary).length); // 1
 * ```
 */
export interface PluginInstance {
  /** Unary handlers by method path (`/<service>/<Method>`). */
  unary: Readonly<Record<string, UnaryHandler>>;
  /** Server-streaming handlers by method path. */
  streams?: Readonly<Record<string, StreamHandler>>;
  /** Checks composed into `HealthCheck` (worst wins). */
  healthChecks?: readonly HealthCheck[];
  /**
   * Resolves once the backend is reachable (its first connection is up).
   * `Start` waits for it up to a bound (`STARTUP_WAIT_MS`) and then starts
   * anyway — a backend that is down never fails Start — so that the first
   * calls after a start do not fail only because a connection was still
   * being made.
   */
  connected?: () => Promise<void>;
  /** Maps backend errors the SDK does not know (e.g. Redis `WRONGTYPE`). */
  mapError?: ErrorMapper;
  /** Releases the backend (called once, on Stop or exit). */
  close(): void | Promise<void>;
}

/**
 * A plugin: its identity, the interfaces it serves, its config schema, and
 * how to make its backend from a loaded config.
 *
 * @example
 * ```ts
 * import { defineSchema } from "./config.ts";
 * import type { PluginDefinition } from "./plugin.ts";
 * const schema = defineSchema({ greeting: { type: "string", default: "hi", description: "text" } });
 * const plugin: PluginDefinition<typeof schema> = {
 *   name: "demo",
 *   version: "0.1.0",
 *   interfaces: ["prism.interfaces.keyvalue.KeyValueBasicInterface"],
 *   configSchema: schema,
 *   create: (config) => ({ unary: {}, close() {}, healthChecks: [], mapError: () => undefined }),
 * };
 * console.log(plugin.name);
 * ```
 */
export interface PluginDefinition<S extends ConfigSchema = ConfigSchema> {
  /** The plugin's name (`redis`): its log field, env prefix (`PRISM_REDIS_*`) and metadata name. */
  name: string;
  /** The plugin's version, reported by `Initialize`. */
  version: string;
  /** The data interfaces it serves (full service names). */
  interfaces: readonly ServiceName[];
  /** Its config block's settings. */
  configSchema: S;
  /** Makes the backend for a namespace. */
  create(config: ConfigOf<S>, ctx: PluginContext): PluginInstance | Promise<PluginInstance>;
  /** Decides whether a call may proceed (default: every call). */
  authorize?: Authorizer;
  /** Extra interceptors, run inside the SDK's logging, error mapping and auth. */
  interceptors?: readonly Interceptor[];
}
