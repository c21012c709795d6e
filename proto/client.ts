/**
 * Typed grpc-js clients for Prism's services, for tests, benchmarks, the load
 * tester and the plugin supervisor. Built from the embedded descriptor set.
 *
 * @module
 */
import {
  type CallOptions,
  type ChannelOptions,
  type Client,
  type ClientUnaryCall,
  credentials,
  loadPackageDefinition,
  Metadata,
  type requestCallback,
  type ServiceError,
} from "@grpc/grpc-js";
import { packageDefinition } from "./definitions.ts";
import type { ProtoGrpcType as KeyValueBasic } from "./gen/keyvalue_basic.ts";
import type { ProtoGrpcType as KeyValueScan } from "./gen/keyvalue_scan.ts";
import type { ProtoGrpcType as KeyValueTtl } from "./gen/keyvalue_ttl.ts";
import type { ProtoGrpcType as ListBasic } from "./gen/list_basic.ts";
import type { ProtoGrpcType as PubSubBasic } from "./gen/pubsub_basic.ts";
import type { ProtoGrpcType as StreamBasic } from "./gen/stream_basic.ts";
import type { ProtoGrpcType as Lifecycle } from "./gen/lifecycle.ts";
import type { KeyValueBasicInterfaceClient } from "./gen/prism/interfaces/keyvalue/KeyValueBasicInterface.ts";
import type { KeyValueScanInterfaceClient } from "./gen/prism/interfaces/keyvalue/KeyValueScanInterface.ts";
import type { KeyValueTTLInterfaceClient } from "./gen/prism/interfaces/keyvalue/KeyValueTTLInterface.ts";
import type { ListBasicInterfaceClient } from "./gen/prism/interfaces/list/ListBasicInterface.ts";
import type { PubSubBasicInterfaceClient } from "./gen/prism/interfaces/pubsub/PubSubBasicInterface.ts";
import type { StreamBasicInterfaceClient } from "./gen/prism/interfaces/stream/StreamBasicInterface.ts";
import type { LifecycleInterfaceClient } from "./gen/prism/interfaces/lifecycle/LifecycleInterface.ts";

type Prism =
  & KeyValueBasic
  & KeyValueScan
  & KeyValueTtl
  & ListBasic
  & PubSubBasic
  & StreamBasic
  & Lifecycle;

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

let prism: Prism["prism"] | undefined;

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
export function connect(address: string, options: ChannelOptions = {}): PrismClients {
  prism ??= (loadPackageDefinition(packageDefinition()) as unknown as Prism).prism;
  const i = prism.interfaces;
  const keyvalue = new i.keyvalue.KeyValueBasicInterface(
    address,
    credentials.createInsecure(),
    options,
  );
  const channelOverride = keyvalue.getChannel();
  const shared = { ...options, channelOverride };
  const creds = credentials.createInsecure();
  return {
    keyvalue,
    scan: new i.keyvalue.KeyValueScanInterface(address, creds, shared),
    ttl: new i.keyvalue.KeyValueTTLInterface(address, creds, shared),
    list: new i.list.ListBasicInterface(address, creds, shared),
    pubsub: new i.pubsub.PubSubBasicInterface(address, creds, shared),
    stream: new i.stream.StreamBasicInterface(address, creds, shared),
    lifecycle: new i.lifecycle.LifecycleInterface(address, creds, shared),
    close: () => keyvalue.close(),
  };
}

// Generated clients declare each unary method with several overloads; type
// inference sees the last one, `(argument, callback)`.
type UnaryMethods<C> = {
  [K in keyof C]: C[K] extends (req: infer _Q, cb: requestCallback<infer _R>) => ClientUnaryCall
    ? K
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
