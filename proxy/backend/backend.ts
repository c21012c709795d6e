/**
 * The backend abstraction the router dispatches to. In-process backends
 * (memstore, a WASM module) and subprocess plugins (redis, kafka) implement
 * the same interface: a table of handlers keyed by gRPC method path. A
 * backend either takes decoded messages (memstore) or, when
 * {@linkcode Backend.wire} is set, the serialized request as the client sent
 * it and answers with serialized responses (a plugin: forwarded as they are).
 *
 * @module
 */
import type { ServerCall, ServerWriter } from "../../proto/transport/grpc_server.ts";
import type { ServiceName } from "../../proto/definitions.ts";
import type { BackendKind } from "../config/config.ts";

/**
 * Handles one unary call. Returns the response, or a promise of it for
 * backends that do I/O; throws (or rejects with) a `StatusError` for an
 * error a client should see. Synchronous backends should answer
 * synchronously: it saves a microtask and a promise per call.
 *
 * @example
 * ```ts
 * import type { UnaryHandler } from "./backend.ts";
 * const exists: UnaryHandler = () => ({ exists: false });
 * console.log(exists({}, {} as never));
 * ```
 */
export type UnaryHandler = (
  request: unknown,
  call: ServerCall,
) => unknown | Promise<unknown>;

/**
 * Handles one server-streaming call by writing messages to `call` (honouring
 * `call.write()` backpressure — wait for `call.drain()` when it returns
 * false — and `call.cancelled`). The router ends the call when the returned
 * promise settles: OK on resolve, the error's status on reject.
 *
 * @example
 * ```ts
 * import type { StreamHandler } from "./backend.ts";
 * const scanKeys: StreamHandler = (_req, call) => {
 *   call.write({ key: "a" });
 * };
 * console.log(typeof scanKeys);
 * ```
 */
export type StreamHandler = (
  request: unknown,
  call: ServerWriter<unknown>,
) => void | Promise<void>;

/** A backend's health, as `grpc.health.v1` reports it per namespace.
 *
 * @example
 * ```ts
 * import type { BackendHealth } from "./backend.ts";
 * const h: BackendHealth = { serving: true, message: "ok" };
 * console.log(h.serving);
 * ```
 */
export interface BackendHealth {
  serving: boolean;
  message: string;
}

/**
 * A backend serving one namespace.
 *
 * @example
 * ```ts
 * import type { Backend } from "./backend.ts";
 * function describe(b: Backend): string {
 *   return `${b.namespace} on ${b.kind}: ${[...b.services].join(", ")}`;
 * }
 * console.log(typeof describe);
 * ```
 */
export interface Backend {
  /** The backend kind from the config. */
  readonly kind: BackendKind;
  /** The namespace it serves. */
  readonly namespace: string;
  /** The data services (interfaces) it declares. */
  readonly services: ReadonlySet<ServiceName>;
  /**
   * Whether its handlers take serialized requests (`Uint8Array`, as the
   * client sent them) and answer with serialized messages. A wire backend's
   * unary handlers reject with `StatusError` only: the router passes their
   * promise to the transport as it is.
   */
  readonly wire: boolean;
  /** Unary handlers by method path, e.g. `/prism.interfaces.keyvalue.KeyValueBasicInterface/Get`. */
  readonly unary: Readonly<Record<string, UnaryHandler>>;
  /** Server-streaming handlers by method path. */
  readonly streams: Readonly<Record<string, StreamHandler>>;
  /** Current health. */
  health(): BackendHealth;
  /** Releases the backend's resources. */
  close(): Promise<void>;
}
