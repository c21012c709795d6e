/**
 * The load tester's operations (CONTRACT §6): which RPC each op calls and
 * the requests it sends, encoded once per key and reused.
 *
 * Keys are `load:<i>` for `i` in `[0, keys)`; list ops use lists
 * `load:list:<i % 64>`; `publish` uses topic `load.topic`; `append`/`read`
 * use stream `load.stream` (names every backend accepts, Kafka included). `scan` asks for 10 keys with prefix `load:`,
 * `count` counts that prefix, `read` reads 10 records from offset 0.
 *
 * @module
 */
import { SERVICE_NAMES, serviceDefinition, type ServiceName } from "../../proto/definitions.ts";
import { grpcFrame } from "../../proto/transport/h2_client.ts";

/**
 * Every op the tester knows, in CONTRACT §6 order.
 *
 * @example
 * ```ts
 * import { OP_NAMES } from "./ops.ts";
 * console.log(OP_NAMES.includes("get")); // true
 * ```
 */
export const OP_NAMES = [
  "set",
  "get",
  "delete",
  "exists",
  "scan",
  "count",
  "expire",
  "ttl",
  "push",
  "pop",
  "length",
  "publish",
  "append",
  "read",
] as const;

/**
 * An op's name.
 *
 * @example
 * ```ts
 * import type { OpName } from "./ops.ts";
 * const op: OpName = "scan";
 * console.log(op);
 * ```
 */
export type OpName = typeof OP_NAMES[number];

/** What an op needs to exist on the server before the run to do real work. */
export type Seed = "keys" | "lists" | "stream" | "none";

/**
 * How an op is called.
 *
 * @example
 * ```ts
 * import { OPS } from "./ops.ts";
 * console.log(OPS.get.method, OPS.scan.streaming); // "Get" true
 * ```
 */
export interface OpSpec {
  service: ServiceName;
  method: string;
  /** Server-streaming RPC (the call ends when the stream does). */
  streaming: boolean;
  seed: Seed;
  /** The request message for key number `i`. */
  request(namespace: string, i: number, value: Uint8Array): Record<string, unknown>;
}

/** Lists the list ops spread over. */
export const LIST_COUNT = 64;

const key = (i: number) => `load:${i}`;
const list = (i: number) => `load:list:${i % LIST_COUNT}`;
const KV = SERVICE_NAMES.keyvalueBasic;

/**
 * The op table.
 *
 * @example
 * ```ts
 * import { OPS } from "./ops.ts";
 * console.log(OPS.set.request("default", 7, new Uint8Array(1)).key); // "load:7"
 * ```
 */
export const OPS: Record<OpName, OpSpec> = {
  set: {
    service: KV,
    method: "Set",
    streaming: false,
    seed: "none",
    request: (namespace, i, value) => ({ namespace, key: key(i), value }),
  },
  get: {
    service: KV,
    method: "Get",
    streaming: false,
    seed: "keys",
    request: (namespace, i) => ({ namespace, key: key(i) }),
  },
  delete: {
    service: KV,
    method: "Delete",
    streaming: false,
    seed: "keys",
    request: (namespace, i) => ({ namespace, key: key(i) }),
  },
  exists: {
    service: KV,
    method: "Exists",
    streaming: false,
    seed: "keys",
    request: (namespace, i) => ({ namespace, key: key(i) }),
  },
  scan: {
    service: SERVICE_NAMES.keyvalueScan,
    method: "Scan",
    streaming: true,
    seed: "keys",
    request: (namespace) => ({ namespace, prefix: "load:", limit: 10 }),
  },
  count: {
    service: SERVICE_NAMES.keyvalueScan,
    method: "Count",
    streaming: false,
    seed: "keys",
    request: (namespace) => ({ namespace, prefix: "load:" }),
  },
  expire: {
    service: SERVICE_NAMES.keyvalueTtl,
    method: "Expire",
    streaming: false,
    seed: "keys",
    request: (namespace, i) => ({ namespace, key: key(i), ttl_seconds: 3600 }),
  },
  ttl: {
    service: SERVICE_NAMES.keyvalueTtl,
    method: "GetTTL",
    streaming: false,
    seed: "keys",
    request: (namespace, i) => ({ namespace, key: key(i) }),
  },
  push: {
    service: SERVICE_NAMES.list,
    method: "PushRight",
    streaming: false,
    seed: "none",
    request: (namespace, i, value) => ({ namespace, list_key: list(i), value }),
  },
  pop: {
    service: SERVICE_NAMES.list,
    method: "PopLeft",
    streaming: false,
    seed: "lists",
    request: (namespace, i) => ({ namespace, list_key: list(i) }),
  },
  length: {
    service: SERVICE_NAMES.list,
    method: "Length",
    streaming: false,
    seed: "lists",
    request: (namespace, i) => ({ namespace, list_key: list(i) }),
  },
  publish: {
    service: SERVICE_NAMES.pubsub,
    method: "Publish",
    streaming: false,
    seed: "none",
    request: (namespace, _i, value) => ({ namespace, topic: "load.topic", payload: value }),
  },
  append: {
    service: SERVICE_NAMES.stream,
    method: "Append",
    streaming: false,
    seed: "none",
    request: (namespace, _i, value) => ({ namespace, stream: "load.stream", payload: value }),
  },
  read: {
    service: SERVICE_NAMES.stream,
    method: "Read",
    streaming: true,
    seed: "stream",
    request: (namespace) => ({
      namespace,
      stream: "load.stream",
      from_offset: 0,
      max_messages: 10,
    }),
  },
};

/**
 * Whether `name` is an op.
 *
 * @example
 * ```ts
 * import { isOpName } from "./ops.ts";
 * console.log(isOpName("get"), isOpName("gte")); // true false
 * ```
 */
export function isOpName(name: string): name is OpName {
  return (OP_NAMES as readonly string[]).includes(name);
}

/**
 * The gRPC path of an op, e.g. `/prism.interfaces.keyvalue.KeyValueBasicInterface/Get`.
 *
 * @example
 * ```ts
 * import { opPath } from "./ops.ts";
 * console.log(opPath("ttl")); // "/prism.interfaces.keyvalue.KeyValueTTLInterface/GetTTL"
 * ```
 */
export function opPath(op: OpName): string {
  return `/${OPS[op].service}/${OPS[op].method}`;
}

/** Bytes of encoded requests a {@linkcode RequestCache} keeps at most. */
const CACHE_BUDGET = 64 * 1024 * 1024;

/**
 * Encodes each op's request for each key once (while the encoded requests
 * fit in 64 MiB; beyond that, on every call).
 *
 * @example
 * ```ts
 * import { RequestCache } from "./ops.ts";
 * const cache = new RequestCache("default", 100, 1000);
 * const body = cache.body("get", 3);
 * console.log(body[0], body.length > 5); // 0 true
 * ```
 */
export class RequestCache {
  readonly namespace: string;
  readonly keys: number;
  #value: Uint8Array;
  #cache = new Map<OpName, (Uint8Array | undefined)[]>();
  #bytes = 0;

  constructor(namespace: string, valueSize: number, keys: number) {
    this.namespace = namespace;
    this.keys = keys;
    this.#value = new Uint8Array(valueSize).fill(0x78);
  }

  /** The framed request body of `op` for key `i`. */
  body(op: OpName, i: number): Uint8Array {
    let perKey = this.#cache.get(op);
    if (!perKey) {
      perKey = [];
      this.#cache.set(op, perKey);
    }
    const known = perKey[i];
    if (known) return known;
    const spec = OPS[op];
    const msg = serviceDefinition(spec.service)[spec.method].requestSerialize(
      spec.request(this.namespace, i, this.#value),
    );
    const framed = grpcFrame(msg);
    if (this.#bytes + framed.length <= CACHE_BUDGET) {
      perKey[i] = framed;
      this.#bytes += framed.length;
    }
    return framed;
  }
}
