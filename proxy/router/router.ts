/**
 * The router: serves every client-facing data service (CONTRACT §2), resolves
 * each call's namespace to its backend, validates the request and dispatches
 * it, mapping failures to the contract's gRPC statuses. It also tracks calls
 * in flight so that shutdown can drain them (CONTRACT §5).
 *
 * @module
 */
import {
  DATA_SERVICES,
  LONG_LIVED_METHODS,
  type MethodDefinition,
  serviceDefinition,
  type ServiceName,
} from "../../proto/definitions.ts";
import {
  type GrpcServer,
  RAW,
  type ServerCall,
  type ServerWriter,
} from "../../proto/transport/grpc_server.ts";
import type { Backend } from "../backend/backend.ts";
import type { Limits } from "../config/config.ts";
import type { Logger } from "../../proto/log/logger.ts";
import { status, StatusError, statusName } from "../../proto/status.ts";
import { type DrainResult, InFlight } from "../../proto/transport/inflight.ts";
import { type Validator, validatorFor } from "./_validate.ts";
import type { JwtVerifier, Principal } from "../auth/jwt.ts";
import type { AuditLog } from "../auth/audit.ts";
import { authorize } from "../auth/scopes.ts";
import { readField1String } from "../../proto/wire.ts";
import type { CallStats, ProxyMetrics } from "../metrics/metrics.ts";
import { ObservedCall, requestIdOf } from "../trace/observed_call.ts";
import type { Tracer } from "../../proto/trace/tracer.ts";
import { parseTraceparent } from "../../proto/trace/traceparent.ts";

/** Short interface names used in UNIMPLEMENTED messages. */
const SHORT_NAMES: Record<string, string> = {
  "prism.interfaces.keyvalue.KeyValueBasicInterface": "keyvalue basic",
  "prism.interfaces.keyvalue.KeyValueScanInterface": "keyvalue scan",
  "prism.interfaces.keyvalue.KeyValueTTLInterface": "keyvalue ttl",
  "prism.interfaces.list.ListBasicInterface": "list",
  "prism.interfaces.pubsub.PubSubBasicInterface": "pubsub",
  "prism.interfaces.stream.StreamBasicInterface": "stream",
};

/** A writer that encodes a decoded backend's messages onto a byte stream. */
class EncodingWriter implements ServerWriter<unknown> {
  readonly #call: ServerWriter<unknown>;
  readonly #encode: (message: unknown) => Uint8Array;
  constructor(call: ServerWriter<unknown>, encode: (message: unknown) => Uint8Array) {
    this.#call = call;
    this.#encode = encode;
  }
  get method() {
    return this.#call.method;
  }
  get metadata() {
    return this.#call.metadata;
  }
  get deadline() {
    return this.#call.deadline;
  }
  get peer() {
    return this.#call.peer;
  }
  get cancelled() {
    return this.#call.cancelled;
  }
  get signal() {
    return this.#call.signal;
  }
  onCancel(listener: (reason: StatusError) => void) {
    return this.#call.onCancel(listener);
  }
  abort(reason: StatusError) {
    this.#call.abort(reason);
  }
  sendHeaders(headers: Record<string, string>) {
    this.#call.sendHeaders(headers);
  }
  get startedAt() {
    return this.#call.startedAt;
  }
  get tag() {
    return this.#call.tag;
  }
  set tag(value: unknown) {
    this.#call.tag = value;
  }
  write(message: unknown): boolean {
    return this.#call.write(this.#encode(message));
  }
  drain(): Promise<void> {
    return this.#call.drain();
  }
}

/**
 * Routes data calls to backends by namespace.
 *
 * @example
 * ```ts ignore
 * import { GrpcServer } from "../../proto/transport/grpc_server.ts";
 * import { Router } from "./router.ts";
 * const router = new Router(backends, { max_key_bytes: 4096, max_value_bytes: 1048576 }, log);
 * router.addTo(new GrpcServer());
 * ```
 */
export class Router {
  readonly #backends: Map<string, Backend>;
  readonly #limits: Limits;
  readonly #log: Logger;
  readonly #calls = new InFlight();
  readonly #auth: { verifier: JwtVerifier; audit: AuditLog } | undefined;
  readonly #metrics: ProxyMetrics | undefined;
  readonly #tracer: Tracer | undefined;
  /** Whether each call gets an {@linkcode ObservedCall} (tracing or the access log is on). */
  readonly #observe: boolean;
  #draining = false;

  /**
   * `options.auth`, when set: every data call must carry a bearer token
   * that verifies, with the scope its namespace and method need (CONTRACT
   * §7); refusals go to the audit log. `options.metrics`, when set: each
   * call is tagged with the counters of its namespace and method as soon as
   * its namespace is known. `options.tracer` or `options.observe`: each
   * call is tagged with an {@linkcode ObservedCall} (request id, span, the
   * counters) instead.
   */
  constructor(
    backends: Map<string, Backend>,
    limits: Limits,
    log: Logger,
    options: {
      auth?: { verifier: JwtVerifier; audit: AuditLog };
      metrics?: ProxyMetrics;
      tracer?: Tracer;
      observe?: boolean;
    } = {},
  ) {
    this.#backends = backends;
    this.#limits = limits;
    this.#log = log.child({ component: "router" });
    this.#auth = options.auth;
    this.#metrics = options.metrics;
    this.#tracer = options.tracer;
    this.#observe = options.tracer !== undefined || (options.observe ?? false);
  }

  /** Number of calls in flight (asynchronous unary calls and open streams). */
  get inFlight(): number {
    return this.#calls.size;
  }

  /** Whether the router refuses new calls because it is draining. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Registers every data service on `server`. */
  addTo(server: GrpcServer): void {
    for (const name of DATA_SERVICES) {
      for (const def of Object.values(serviceDefinition(name))) {
        const validate = validatorFor(def.path, this.#limits);
        if (def.responseStream) {
          server.addServerStream(def.path, RAW, this.#streamHandler(name, def, validate));
        } else {
          server.addUnary(def.path, RAW, this.#unaryHandler(name, def, validate));
        }
      }
    }
  }

  /**
   * Stops taking new calls (they get UNAVAILABLE) and waits up to
   * `timeoutMs` for calls in flight; those still running then are ended with
   * UNAVAILABLE. Subscriptions end at once. A call ended here is cancelled
   * for its backend too (a plugin's upstream call is reset). Resolves with
   * how many completed and how many were cut off.
   */
  drain(timeoutMs: number): Promise<DrainResult> {
    this.#draining = true;
    return this.#calls.drain(timeoutMs, {
      longLived: () =>
        new StatusError(
          status.UNAVAILABLE,
          "the proxy is shutting down; subscribe again elsewhere",
        ),
      timedOut: () =>
        new StatusError(status.UNAVAILABLE, "the proxy is shutting down; retry elsewhere"),
    });
  }

  /** Tracks a call until `work` settles (a stream: until its upstream has ended); returns `work`. */
  #track<T>(call: ServerCall, work: Promise<T>, longLived = false): Promise<T> {
    const entry = this.#calls.admit((err) => call.abort(err), longLived);
    const release = () => this.#calls.release(entry);
    work.then(release, release);
    return work;
  }

  /**
   * Resolves a call's backend (after its namespace and checks), or throws
   * the status error the client gets.
   */
  #resolve(
    service: ServiceName,
    bytes: Uint8Array,
    validate: Validator,
    call: ServerCall,
    stats: Map<Backend, CallStats> | undefined,
  ): Backend {
    if (this.#draining) {
      throw new StatusError(status.UNAVAILABLE, "the proxy is shutting down; retry elsewhere");
    }
    let namespace: string;
    let invalid: StatusError | undefined;
    try {
      namespace = validate(bytes);
    } catch (err) {
      invalid = err as StatusError;
      namespace = (err as { namespace?: string }).namespace ?? "";
    }
    const name = namespace === "" ? "default" : namespace;
    const backend = this.#backends.get(name);
    if (backend === undefined) {
      if (invalid?.code === status.INTERNAL) throw invalid;
      throw new StatusError(
        status.NOT_FOUND,
        `namespace "${name}" is not configured (configured: ${
          [...this.#backends.keys()].join(", ")
        })`,
      );
    }
    // A call already over (cancelled while its token was verified) was counted as it ended.
    if (!call.cancelled) {
      let st: CallStats | undefined;
      if (stats !== undefined) {
        st = stats.get(backend);
        if (st === undefined) {
          st = this.#metrics!.stats(backend.namespace, call.method);
          stats.set(backend, st);
        }
        st.inFlight++;
      }
      call.tag = this.#observe ? this.#observation(service, backend.namespace, call, st) : st;
    }
    if (!backend.services.has(service)) {
      throw new StatusError(
        status.UNIMPLEMENTED,
        `namespace "${name}" is served by backend "${backend.kind}", which does not implement the ${
          SHORT_NAMES[service]
        } interface (${service})`,
      );
    }
    if (invalid !== undefined) throw invalid;
    return backend;
  }

  /** The call's request id and span (a child of the client's `traceparent`, when it sent one). */
  #observation(
    service: ServiceName,
    namespace: string,
    call: ServerCall,
    stats: CallStats | undefined,
  ): ObservedCall {
    const method = call.method.slice(call.method.lastIndexOf("/") + 1);
    const requestId = requestIdOf(call.metadata.get("x-request-id"));
    const parent = call.metadata.get("traceparent");
    const span = this.#tracer?.startServer(`${service}/${method}`, parseTraceparent(parent), {
      "rpc.system": "grpc",
      "rpc.service": service,
      "rpc.method": method,
      "prism.namespace": namespace,
      "prism.request_id": requestId,
    });
    return new ObservedCall(namespace, method, stats, requestId, span, parent);
  }

  /**
   * The backend of a call that may proceed: authenticated and authorized
   * when auth is on (a promise while a token is verified the first time),
   * resolved and checked; throws (or rejects with) the status the client gets.
   */
  #admit(
    service: ServiceName,
    method: string,
    bytes: Uint8Array,
    call: ServerCall,
    validate: Validator,
    stats: Map<Backend, CallStats> | undefined,
  ): Backend | Promise<Backend> {
    const auth = this.#auth;
    if (auth === undefined) return this.#resolve(service, bytes, validate, call, stats);
    let principal: Principal | Promise<Principal>;
    try {
      principal = auth.verifier.verify(call.metadata.get("authorization"));
    } catch (err) {
      throw this.#refused(err as StatusError, "", method, bytes, call);
    }
    const admitted = (p: Principal) => {
      const backend = this.#resolve(service, bytes, validate, call, stats);
      try {
        authorize(p, backend.namespace, method);
      } catch (err) {
        throw this.#refused(err as StatusError, p.subject, method, bytes, call);
      }
      return backend;
    };
    if (principal instanceof Promise) {
      return principal.then(admitted, (err) => {
        throw this.#refused(err as StatusError, "", method, bytes, call);
      });
    }
    return admitted(principal);
  }

  /** Writes a refusal to the audit log; returns the error. */
  #refused(
    err: StatusError,
    subject: string,
    method: string,
    bytes: Uint8Array,
    call: ServerCall,
  ): StatusError {
    this.#auth?.audit.refused({
      subject,
      namespace: readField1String(bytes) || "default",
      method,
      code: statusName(err.code),
      reason: err.message,
      peer: call.peer,
    });
    return err;
  }

  #toStatus(err: unknown, path: string, call: ServerCall): StatusError {
    if (err instanceof StatusError) return err;
    const observed = call.tag instanceof ObservedCall ? call.tag : undefined;
    const requestId = observed?.requestId ?? requestIdOf(call.metadata.get("x-request-id"));
    this.#log.error("backend call failed", {
      request_id: requestId,
      ...(observed?.traceId ? { trace_id: observed.traceId } : {}),
      method: path,
      error: err,
    });
    return new StatusError(
      status.INTERNAL,
      `internal error in ${path} (request id ${requestId}): ${(err as Error)?.message ?? err}`,
    );
  }

  #unaryHandler(service: ServiceName, def: MethodDefinition, validate: Validator) {
    const path = def.path;
    const decode = def.requestDeserialize;
    const encode = def.responseSerialize;
    const method = path.slice(path.lastIndexOf("/") + 1);
    const stats = this.#metrics ? new Map<Backend, CallStats>() : undefined;
    const run = (backend: Backend, bytes: Uint8Array, call: ServerCall) => {
      const handler = backend.unary[path];
      let result: unknown;
      try {
        result = handler(backend.wire ? bytes : decode(bytes), call);
      } catch (err) {
        throw this.#toStatus(err, path, call);
      }
      if (result instanceof Promise) {
        // A plugin's answer is forwarded as it came, and it fails with
        // StatusError only: no step between it and the client.
        if (backend.wire) return this.#track(call, result as Promise<Uint8Array>);
        return this.#track(
          call,
          result.then(encode, (err) => {
            throw this.#toStatus(err, path, call);
          }),
        );
      }
      return backend.wire ? result as Uint8Array : encode(result);
    };
    return (bytes: Uint8Array, call: ServerCall): Uint8Array | Promise<Uint8Array> => {
      const admitted = this.#admit(service, method, bytes, call, validate, stats);
      if (admitted instanceof Promise) return admitted.then((b) => run(b, bytes, call));
      return run(admitted, bytes, call);
    };
  }

  #streamHandler(service: ServiceName, def: MethodDefinition, validate: Validator) {
    const path = def.path;
    const decode = def.requestDeserialize;
    const encode = def.responseSerialize;
    const longLived = LONG_LIVED_METHODS.has(path);
    const method = path.slice(path.lastIndexOf("/") + 1);
    const stats = this.#metrics ? new Map<Backend, CallStats>() : undefined;
    const run = (backend: Backend, bytes: Uint8Array, call: ServerWriter<Uint8Array>) => {
      const handler = backend.streams[path];
      const out = call as ServerWriter<unknown>;
      let result: void | Promise<void>;
      try {
        result = backend.wire
          ? handler(bytes, out)
          : handler(decode(bytes), new EncodingWriter(out, encode));
      } catch (err) {
        throw this.#toStatus(err, path, call);
      }
      if (!(result instanceof Promise)) return;
      return this.#track(
        call,
        result.catch((err) => {
          throw this.#toStatus(err, path, call);
        }),
        longLived,
      );
    };
    return (bytes: Uint8Array, call: ServerWriter<Uint8Array>): Promise<void> | void => {
      const admitted = this.#admit(service, method, bytes, call, validate, stats);
      if (admitted instanceof Promise) return admitted.then((b) => run(b, bytes, call));
      return run(admitted, bytes, call);
    };
  }
}
