/**
 * Typed grpc-js clients for Prism's services, for tests, benchmarks, the load
 * tester and the plugin supervisor. Built from the embedded descriptor set.
 *
 * @module
 */
import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientUnaryCall,
  credentials,
  InterceptingCall,
  type Interceptor,
  makeGenericClientConstructor,
  Metadata,
  type requestCallback,
  type ServiceError,
} from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition, type ServiceName } from "./definitions.ts";
import type { KeyValueBasicInterfaceClient } from "./gen/prism/interfaces/keyvalue/KeyValueBasicInterface.ts";
import type { KeyValueScanInterfaceClient } from "./gen/prism/interfaces/keyvalue/KeyValueScanInterface.ts";
import type { KeyValueTTLInterfaceClient } from "./gen/prism/interfaces/keyvalue/KeyValueTTLInterface.ts";
import type { ListBasicInterfaceClient } from "./gen/prism/interfaces/list/ListBasicInterface.ts";
import type { PubSubBasicInterfaceClient } from "./gen/prism/interfaces/pubsub/PubSubBasicInterface.ts";
import type { StreamBasicInterfaceClient } from "./gen/prism/interfaces/stream/StreamBasicInterface.ts";
import type { LifecycleInterfaceClient } from "./gen/prism/interfaces/lifecycle/LifecycleInterface.ts";

/** One client per Prism service, all sharing one channel.
 *
 * @example
 * ```ts ignore
 * import { connect } from "./client.ts";
 * const c = connect("127.0.0.1:8980");
 * c.close();
 * ```
 */
export interface PrismClients {
  keyvalue: KeyValueBasicInterfaceClient;
  scan: KeyValueScanInterfaceClient;
  ttl: KeyValueTTLInterfaceClient;
  list: ListBasicInterfaceClient;
  pubsub: PubSubBasicInterfaceClient;
  stream: StreamBasicInterfaceClient;
  lifecycle: LifecycleInterfaceClient;
  /** Closes the shared channel. */
  close(): void;
}

type Constructor = new (
  address: string,
  creds: ChannelCredentials,
  options?: ChannelOptions,
) => Client;
const constructors = new Map<ServiceName, Constructor>();

function clientClass(name: ServiceName): Constructor {
  let ctor = constructors.get(name);
  if (!ctor) {
    ctor = makeGenericClientConstructor(serviceDefinition(name), name) as unknown as Constructor;
    constructors.set(name, ctor);
  }
  return ctor;
}

/**
 * Connects (lazily) to a Prism proxy or plugin at `address` (`host:port`,
 * or `unix:/path`). All clients share one channel.
 *
 * @example
 * ```ts ignore
 * import { connect, unary } from "./client.ts";
 * const c = connect("127.0.0.1:8980");
 * await unary(c.keyvalue, "Set", { key: "a", value: new Uint8Array([1]) });
 * c.close();
 * ```
 */
export function connect(
  address: string,
  options: ChannelOptions = {},
  creds: ChannelCredentials = credentials.createInsecure(),
  metadata: [string, string][] = [],
): PrismClients {
  // Metadata every call carries (e.g. a plugin's channel token), by an interceptor.
  const withMetadata: Interceptor = (callOptions, nextCall) =>
    new InterceptingCall(nextCall(callOptions), {
      start(md, listener, next) {
        for (const [k, v] of metadata) md.set(k, v);
        next(md, listener);
      },
    });
  const clientOptions = metadata.length > 0
    ? { ...options, interceptors: [withMetadata] }
    : options;
  const keyvalue = new (clientClass(SERVICE_NAMES.keyvalueBasic))(address, creds, clientOptions);
  const shared = { ...clientOptions, channelOverride: keyvalue.getChannel() };
  const make = <T>(name: ServiceName) => new (clientClass(name))(address, creds, shared) as T;
  return {
    keyvalue: keyvalue as KeyValueBasicInterfaceClient,
    scan: make(SERVICE_NAMES.keyvalueScan),
    ttl: make(SERVICE_NAMES.keyvalueTtl),
    list: make(SERVICE_NAMES.list),
    pubsub: make(SERVICE_NAMES.pubsub),
    stream: make(SERVICE_NAMES.stream),
    lifecycle: make(SERVICE_NAMES.lifecycle),
    close: () => keyvalue.close(),
  };
}

// Generated clients declare each unary method with several overloads; type
// inference sees the last one, `(argument, callback)`.
type UnaryMethods<C> = {
  [K in keyof C]: C[K] extends (req: infer _Q, cb: requestCallback<infer _R>) => ClientUnaryCall ? K
    : never;
}[keyof C];
type ReqOf<F> = F extends (req: infer Q, cb: requestCallback<infer _R>) => ClientUnaryCall ? Q
  : never;
type ResOf<F> = F extends (req: infer _Q, cb: requestCallback<infer R>) => ClientUnaryCall ? R
  : never;

/**
 * Calls a unary method and returns a promise of its response; rejects with
 * the grpc-js `ServiceError` (with `.code`) on failure.
 *
 * @example
 * ```ts ignore
 * import { connect, unary } from "./client.ts";
 * const c = connect("127.0.0.1:8980");
 * const { found } = await unary(c.keyvalue, "Get", { key: "a" }, { deadline: Date.now() + 1000 });
 * ```
 */
export function unary<C extends Client, M extends UnaryMethods<C>>(
  client: C,
  method: M,
  request: ReqOf<C[M]>,
  options: CallOptions = {},
  metadata: Metadata = new Metadata(),
): Promise<NonNullable<ResOf<C[M]>>> {
  return new Promise((resolve, reject) => {
    (client[method] as (...args: unknown[]) => unknown).call(
      client,
      request,
      metadata,
      options,
      (err: ServiceError | null, res: unknown) => err ? reject(err) : resolve(res as never),
    );
  });
}

/**
 * Reads a server stream to its end; rejects with the stream's error.
 *
 * @example
 * ```ts ignore
 * import { collect, connect } from "./client.ts";
 * const c = connect("127.0.0.1:8980");
 * const keys = await collect(c.scan.ScanKeys({ prefix: "user:" }));
 * ```
 */
export function collect<T>(stream: AsyncIterable<T> & NodeJS.EventEmitter): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on("data", (m: T) => out.push(m));
    stream.on("error", reject);
    stream.on("end", () => resolve(out));
  });
}
