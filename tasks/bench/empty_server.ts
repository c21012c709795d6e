/**
 * The ceiling baseline: a grpc-js server on the same runtime serving
 * `KeyValueBasicInterface` with handlers that do no work (constant
 * responses). The proxy cannot be faster than this; benchmarks report the
 * proxy's throughput as a fraction of it, measured in the same run.
 *
 * Run: `deno run -A tasks/bench/empty_server.ts [HOST:PORT]` — prints
 * `listening <port>` on stdout once bound.
 *
 * @module
 */
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";

const SET_OK = { success: true };
const GET_HIT = { value: new Uint8Array(100).fill(0x61), found: true };

/** Handlers that answer at once with constant responses. */
export const EMPTY_HANDLERS: UntypedServiceImplementation = {
  Set: (_call: unknown, cb: (e: null, r: unknown) => void) => cb(null, SET_OK),
  Get: (_call: unknown, cb: (e: null, r: unknown) => void) => cb(null, GET_HIT),
  Delete: (_call: unknown, cb: (e: null, r: unknown) => void) => cb(null, { found: true }),
  Exists: (_call: unknown, cb: (e: null, r: unknown) => void) => cb(null, { exists: true }),
};

/** Starts the empty server; resolves with it and its port. */
export async function startEmptyServer(
  address = "127.0.0.1:0",
): Promise<{ server: Server; port: number }> {
  const server = new Server();
  server.addService(serviceDefinition(SERVICE_NAMES.keyvalueBasic), EMPTY_HANDLERS);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      address,
      ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  return { server, port };
}

if (import.meta.main) {
  const { port } = await startEmptyServer(Deno.args[0] ?? "127.0.0.1:0");
  console.log(`listening ${port}`);
  const stop = () => Deno.exit(0);
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
