/**
 * A baseline: a grpc-js server on Deno serving `KeyValueBasicInterface`
 * with handlers that do no work — requests are not decoded, responses are
 * constant bytes (as `empty_server_node.cjs` does on Node). This is what
 * the proxy's own transport replaced (`node:http2` under grpc-js);
 * benchmarks report the proxy against it in the same run.
 *
 * Run: `deno run -A tasks/bench/empty_server.ts [HOST:PORT]` — prints
 * `listening <port>` on stdout once bound.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";

// Set → { success: true }; Get → { value: 100 × "a", found: true }: serialized once.
const SET_OK_BYTES = Buffer.from([0x08, 0x01]);
const GET_HIT_BYTES = Buffer.concat([
  Buffer.from([0x0a, 100]),
  Buffer.alloc(100, 0x61),
  Buffer.from([0x10, 0x01]),
]);
const identity = (b: Buffer) => b;

/** The service with codecs that pass bytes through. */
function rawDefinition() {
  const def = serviceDefinition(SERVICE_NAMES.keyvalueBasic);
  return Object.fromEntries(
    Object.entries(def).map(([name, m]) => [name, {
      ...m,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    }]),
  );
}

type Callback = (e: null, r: unknown) => void;

/** Handlers that answer at once with constant responses (messages, for the protobuf codecs). */
export const EMPTY_HANDLERS: UntypedServiceImplementation = {
  Set: (_call: unknown, cb: Callback) => cb(null, { success: true }),
  Get: (_call: unknown, cb: Callback) =>
    cb(null, { value: new Uint8Array(100).fill(0x61), found: true }),
  Delete: (_call: unknown, cb: Callback) => cb(null, { found: true }),
  Exists: (_call: unknown, cb: Callback) => cb(null, { exists: true }),
};

/** The same answers as constant bytes: the baseline does no protobuf work at all. */
const RAW_HANDLERS: UntypedServiceImplementation = {
  Set: (_call: unknown, cb: Callback) => cb(null, SET_OK_BYTES),
  Get: (_call: unknown, cb: Callback) => cb(null, GET_HIT_BYTES),
  Delete: (_call: unknown, cb: Callback) => cb(null, SET_OK_BYTES),
  Exists: (_call: unknown, cb: Callback) => cb(null, SET_OK_BYTES),
};

/**
 * Starts the empty server; resolves with it and its port. With `raw`,
 * requests are not decoded and answers are constant bytes (the benchmark
 * baseline); without, messages go through the protobuf codecs.
 */
export async function startEmptyServer(
  address = "127.0.0.1:0",
  raw = false,
): Promise<{ server: Server; port: number }> {
  const server = new Server();
  if (raw) server.addService(rawDefinition() as never, RAW_HANDLERS);
  else server.addService(serviceDefinition(SERVICE_NAMES.keyvalueBasic), EMPTY_HANDLERS);
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
  const { port } = await startEmptyServer(Deno.args[0] ?? "127.0.0.1:0", true);
  console.log(`listening ${port}`);
  const stop = () => Deno.exit(0);
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
