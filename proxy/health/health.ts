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
import {
  type sendUnaryData,
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  status,
} from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";

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
type Watcher = ServerWritableStream<Request, { status: ServingStatus }>;

/**
 * Health statuses by service name, served over `grpc.health.v1.Health`.
 *
 * @example
 * ```ts
 * import { Server } from "@grpc/grpc-js";
 * import { HealthService } from "./health.ts";
 * const health = new HealthService({ "": "SERVING" });
 * health.addTo(new Server());
 * health.set("default", "NOT_SERVING");
 * console.log(health.get("default")); // "NOT_SERVING"
 * ```
 */
export class HealthService {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Map<string, Set<Watcher>>();

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
  addTo(server: Server): void {
    server.addService(serviceDefinition(SERVICE_NAMES.health), {
      Check: (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) => {
        const s = this.#statuses.get(call.request.service);
        if (s === undefined) {
          callback({
            code: status.NOT_FOUND,
            details: `unknown service "${call.request.service}"`,
          });
        } else callback(null, { status: s });
      },
      Watch: (call: Watcher) => {
        const service = call.request.service;
        call.write({ status: this.#statuses.get(service) ?? "SERVICE_UNKNOWN" });
        let set = this.#watchers.get(service);
        if (!set) this.#watchers.set(service, set = new Set());
        set.add(call);
        call.on("cancelled", () => set.delete(call));
      },
    });
  }
}
