/**
 * What a conformance suite runs against: a namespace served through a real
 * proxy, reached with real gRPC clients. Backends declare the interfaces
 * they implement; the runner runs each declared interface's suite against
 * them (the way Dapr's components-contrib conformance tests do).
 *
 * @module
 */
import type { PrismClients } from "../../proto/client.ts";
import type { GrpcClient } from "../../proto/transport/grpc_client.ts";
import type { ServiceName } from "../../proto/definitions.ts";

/** A backend under test, through the proxy. */
export interface Target {
  /** Backend kind, for test names. */
  backend: string;
  /** The namespace (on the proxy) that the backend serves. */
  namespace: string;
  /** Clients connected to the proxy. */
  clients: PrismClients;
  /** The interfaces the backend declares. */
  interfaces: ReadonlySet<ServiceName>;
  /** A prefix unique to this run, so that suites on shared backends never collide. */
  runId: string;
  /**
   * A byte-level client to the proxy, for requests no generated client can
   * make (bytes that are not UTF-8 in a string field); absent when a suite
   * runs against a plugin's own port, where the proxy's checks are not.
   */
  raw?: GrpcClient;
}

/** A conformance suite: test steps for one interface. */
export type Suite = (t: Deno.TestContext, target: Target) => Promise<void>;

/** Unique key under the target's run prefix. */
export function key(target: Target, name: string): string {
  return `${target.runId}:${name}`;
}

/** Deadline option a few seconds ahead: no conformance call may hang. */
export function deadline(seconds = 5): { deadline: number } {
  return { deadline: Date.now() + seconds * 1000 };
}
