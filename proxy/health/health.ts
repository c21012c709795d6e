/**
 * `grpc.health.v1.Health` for the proxy: the overall status under service
 * `""` and one status per namespace under its name (CONTRACT §2).
 *
 * Hand-written rather than taken from `grpc-health-check` because that
 * package reads its .proto file from disk when imported (≈30 ms of the
 * proxy's start-up, measured) and cannot be bundled or compiled without its
 * files; this one uses the descriptors embedded by `deno task proto`.
 *
 * @module
 */
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { status, StatusError } from "../../proto/status.ts";
import type { GrpcServer } from "../../proto/transport/grpc_server.ts";

/** A status as the protocol names it.
 *
 * @example
 * ```ts
 * import type { ServingStatus } from "./health.ts";
 * const s: ServingStatus = "SERVING";
 * console.log(s);
 * ```
 */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

type Request = { service: string };
/** An open Watch: where status changes go, and how it is ended. */
interface WatchStream {
  write(message: { status: ServingStatus }): void;
  end(): void;
}

/**
 * Health statuses by service name, served over `grpc.health.v1.Health`.
 *
 * @example
 * ```ts
 * import { GrpcServer } from "../../proto/transport/grpc_server.ts";
 * import { HealthService } from "./health.ts";
 * const health = new HealthService({ "": "SERVING" });
 * health.addTo(new GrpcServer());
 * health.set("default", "NOT_SERVING");
 * console.log(health.get("default")); // "NOT_SERVING"
 * ```
 */
export class HealthService {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Map<string, Set<WatchStream>>();

  constructor(initial: Record<string, ServingStatus> = {}) {
    for (const [service, s] of Object.entries(initial)) this.#statuses.set(service, s);
  }

  /** The current status of `service`, or undefined when it is unknown. */
  get(service: string): ServingStatus | undefined {
    return this.#statuses.get(service);
  }

  /** Sets the status of `service` and tells its watchers when it changed. */
  set(service: string, next: ServingStatus): void {
    if (this.#statuses.get(service) === next) return;
    this.#statuses.set(service, next);
    for (const w of this.#watchers.get(service) ?? []) w.write({ status: next });
  }

  /** Ends every Watch stream (on shutdown). */
  close(): void {
    for (const set of this.#watchers.values()) for (const w of set) w.end();
    this.#watchers.clear();
  }

  /** Registers the service on `server`. */
  addTo(server: GrpcServer): void {
    const def = serviceDefinition(SERVICE_NAMES.health);
    const codec = (m: typeof def.Check) => ({
      decode: m.requestDeserialize as (b: Uint8Array) => Request,
      encode: m.responseSerialize,
    });
    server.addUnary(def.Check.path, codec(def.Check), (req) => {
      const s = this.#statuses.get(req.service);
      if (s === undefined) {
        throw new StatusError(status.NOT_FOUND, `unknown service "${req.service}"`);
      }
      return { status: s };
    });
    server.addServerStream(def.Watch.path, codec(def.Watch), (req, call) => {
      const service = req.service;
      call.write({ status: this.#statuses.get(service) ?? "SERVICE_UNKNOWN" });
      let set = this.#watchers.get(service);
      if (!set) this.#watchers.set(service, set = new Set());
      const done = Promise.withResolvers<void>();
      const watcher: WatchStream = { write: (m) => call.write(m), end: () => done.resolve() };
      set.add(watcher);
      call.onCancel(() => done.resolve());
      return done.promise.finally(() => set.delete(watcher));
    });
  }
}
