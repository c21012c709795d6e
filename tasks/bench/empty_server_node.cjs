// The peer baseline: an empty grpc-js handler on Node.js — what users who
// pick grpc-js on Node get at best. `KeyValueBasicInterface` with handlers
// that do no work: requests are not decoded, responses are constant bytes
// (the same as `empty_server.ts` on Deno). Prints `listening <port>`.
//
// Run: PRISM_GRPC_JS=<path to @grpc/grpc-js> node tasks/bench/empty_server_node.cjs [HOST:PORT]
"use strict";
const grpc = require(process.env.PRISM_GRPC_JS || "@grpc/grpc-js");

const SERVICE = "prism.interfaces.keyvalue.KeyValueBasicInterface";
const identity = (b) => b;
// Set → { success: true }; Get → { value: 100 × "a", found: true }.
const SET_OK = Buffer.from([0x08, 0x01]);
const GET_HIT = Buffer.concat([
  Buffer.from([0x0a, 100]),
  Buffer.alloc(100, 0x61),
  Buffer.from([0x10, 0x01]),
]);
const method = (name) => ({
  path: `/${SERVICE}/${name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const server = new grpc.Server();
server.addService(
  { Set: method("Set"), Get: method("Get"), Delete: method("Delete"), Exists: method("Exists") },
  {
    Set: (_call, cb) => cb(null, SET_OK),
    Get: (_call, cb) => cb(null, GET_HIT),
    Delete: (_call, cb) => cb(null, Buffer.from([0x08, 0x01])),
    Exists: (_call, cb) => cb(null, Buffer.from([0x08, 0x01])),
  },
);
server.bindAsync(
  process.argv[2] || "127.0.0.1:0",
  grpc.ServerCredentials.createInsecure(),
  (err, port) => {
    if (err) {
      console.error(err.message);
      process.exit(1);
    }
    console.log(`listening ${port}`);
  },
);
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
