/**
 * The router: serves every client-facing data service (CONTRACT §2), resolves
 * each call's namespace to its backend, validates the request and dispatches
 * it, mapping failures to the contract's gRPC statuses. It also tracks calls
 * in flight so that shutdown can drain them (CONTRACT §5).
 *
 * @module
 */
import {
  type sendUnaryData,
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  DATA_SERVICES,
  LONG_LIVED_METHODS,
  serviceDefinition,
  type ServiceName,
} from "../../proto/definitions.ts";
import type { Backend } from "../backend/backend.ts";
import type { Limits } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { StatusError, toServiceError } from "../../proto/status.ts";
import { type Validator, validatorFor } from "./_validate.ts";

/** Short interface names used in UNIMPLEMENTED messages. */
const SHORT_NAMES: Record<string, string> = {
  "prism.interfaces.keyvalue.KeyValueBasicInterface": "keyvalue basic",
  "prism.interfaces.keyvalue.KeyValueScanInterface": "keyvalue scan",
  "prism.interfaces.keyvalue.KeyValueTTLInterface": "keyvalue ttl",
  "prism.interfaces.list.ListBasicInterface": "list",
  "prism.interfaces.pubsub.PubSubBasicInterface": "pubsub",
  "prism.interfaces.stream.StreamBasicInterface": "stream",
};

type Request = Record<string, unknown> & { namespace: string };

interface Pending {
  fail(err: StatusError): void;
  /** A call with no natural end (a subscription): a drain ends it at once. */
  longLived?: boolean;
}

/**
 * Routes data calls to backends by namespace.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@grpc/grpc-js";
 * import { Router } from "./router.ts";
 * const router = new Router(backends, { max_key_bytes: 4096, max_value_bytes: 1048576 }, log);
 * router.addTo(new Server());
 * ```
 */
export class Router {
  readonly #backends: Map<string, Backend>;
  readonly #limits: Limits;
  readonly #log: Logger;
  readonly #pending = new Set<Pending>();
  #draining = false;
  #idle: (() => void) | undefined;

  constructor(backends: Map<string, Backend>, limits: Limits, log: Logger) {
    this.#backends = backends;
    this.#limits = limits;
    this.#log = log.child({ component: "router" });
  }

  /** Number of calls in flight (asynchronous unary calls and open streams). */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Whether the router refuses new calls because it is draining. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Registers every data service on `server`. */
  addTo(server: Server): void {
    for (const name of DATA_SERVICES) {
      const definition = serviceDefinition(name);
      const impl: UntypedServiceImplementation = {};
      for (const [method, def] of Object.entries(definition)) {
        const validate = validatorFor(def.path, this.#limits);
        impl[method] = def.responseStream
          ? this.#streamHandler(name, def.path, validate)
          : this.#unaryHandler(name, def.path, validate);
      }
      server.addService(definition, impl);
    }
  }

  /**
   * Stops taking new calls (they get UNAVAILABLE) and waits up to
   * `timeoutMs` for calls in flight; those still running then are ended with
   * UNAVAILABLE. Resolves with how many completed and how many were cut off.
   */
  async drain(timeoutMs: number): Promise<{ drained: number; aborted: number }> {
    this.#draining = true;
    const before = this.#pending.size;
    // Subscriptions never finish by themselves: end them now, so that the
    // bounded wait is spent on calls that do finish.
    for (const p of [...this.#pending]) {
      if (!p.longLived) continue;
      p.fail(
        new StatusError(
          status.UNAVAILABLE,
          "the proxy is shutting down; subscribe again elsewhere",
        ),
      );
      this.#settle(p);
    }
    if (this.#pending.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idle = resolve),
        new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs)),
      ]);
      clearTimeout(timer);
      this.#idle = undefined;
    }
    const aborted = this.#pending.size;
    for (const p of [...this.#pending]) {
      p.fail(new StatusError(status.UNAVAILABLE, "the proxy is shutting down; retry elsewhere"));
    }
    this.#pending.clear();
    return { drained: before - aborted, aborted };
  }

  #settle(p: Pending): void {
    this.#pending.delete(p);
    if (this.#pending.size === 0) this.#idle?.();
  }

  /** Resolves the backend for a call, or the status error the client gets. */
  #resolve(service: ServiceName, namespace: string): Backend | StatusError {
    if (this.#draining) {
      return new StatusError(status.UNAVAILABLE, "the proxy is shutting down; retry elsewhere");
    }
    const name = namespace === "" ? "default" : namespace;
    const backend = this.#backends.get(name);
    if (backend === undefined) {
      return new StatusError(
        status.NOT_FOUND,
        `namespace "${name}" is not configured (configured: ${
          [...this.#backends.keys()].join(", ")
        })`,
      );
    }
    if (!backend.services.has(service)) {
      return new StatusError(
        status.UNIMPLEMENTED,
        `namespace "${name}" is served by backend "${backend.kind}", which does not implement the ${
          SHORT_NAMES[service]
        } interface (${service})`,
      );
    }
    return backend;
  }

  #toStatus(err: unknown, path: string, request: Request): StatusError {
    if (err instanceof StatusError) return err;
    const requestId = crypto.randomUUID();
    this.#log.error("backend call failed", {
      request_id: requestId,
      method: path,
      namespace: request.namespace || "default",
      error: err,
    });
    return new StatusError(
      status.INTERNAL,
      `internal error in ${path} (request id ${requestId}): ${(err as Error)?.message ?? err}`,
    );
  }

  #unaryHandler(service: ServiceName, path: string, validate: Validator | undefined) {
    return (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) => {
      const request = call.request;
      const backend = this.#resolve(service, request.namespace);
      if (backend instanceof StatusError) return callback(toServiceError(backend));
      const handler = backend.unary[path];
      if (validate !== undefined) {
        const invalid = validate(request);
        if (invalid !== undefined) {
          return callback({ code: status.INVALID_ARGUMENT, details: invalid });
        }
      }
      let result: unknown;
      try {
        result = handler(request, call as ServerUnaryCall<unknown, unknown>);
      } catch (err) {
        return callback(toServiceError(this.#toStatus(err, path, request)));
      }
      if (!(result instanceof Promise)) return callback(null, result);
      let done = false;
      const pending: Pending = {
        fail: (err) => {
          if (done) return;
          done = true;
          callback(toServiceError(err));
        },
      };
      this.#pending.add(pending);
      result.then(
        (response) => {
          if (!done) {
            done = true;
            callback(null, response);
          }
        },
        (err) => pending.fail(this.#toStatus(err, path, request)),
      ).finally(() => this.#settle(pending));
    };
  }

  #streamHandler(service: ServiceName, path: string, validate: Validator | undefined) {
    return (call: ServerWritableStream<Request, unknown>) => {
      const request = call.request;
      const backend = this.#resolve(service, request.namespace);
      if (backend instanceof StatusError) return call.emit("error", toServiceError(backend));
      if (validate !== undefined) {
        const invalid = validate(request);
        if (invalid !== undefined) {
          return call.emit("error", { code: status.INVALID_ARGUMENT, details: invalid });
        }
      }
      const handler = backend.streams[path];
      let done = false;
      const pending: Pending = {
        fail: (err) => {
          if (done) return;
          done = true;
          if (!call.cancelled) call.emit("error", toServiceError(err));
        },
        longLived: LONG_LIVED_METHODS.has(path),
      };
      this.#pending.add(pending);
      const finish = () => {
        if (done) return;
        done = true;
        if (!call.cancelled) call.end();
      };
      let result: void | Promise<void>;
      try {
        result = handler(request, call as ServerWritableStream<unknown, unknown>);
      } catch (err) {
        pending.fail(this.#toStatus(err, path, request));
        this.#settle(pending);
        return;
      }
      if (!(result instanceof Promise)) {
        finish();
        this.#settle(pending);
        return;
      }
      result.then(finish, (err) => pending.fail(this.#toStatus(err, path, request)))
        .finally(() => this.#settle(pending));
    };
  }
}
