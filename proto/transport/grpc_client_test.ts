import assert from "node:assert/strict";
import { GrpcClient } from "./grpc_client.ts";
import { GrpcServer, RAW } from "./grpc_server.ts";

Deno.test("grpc client: a call with a deadline years away reaches the server", async () => {
  const path = "/t.Echo/Echo";
  const server = new GrpcServer({});
  let seen = "";
  server.addUnary(path, RAW, (req, call) => {
    seen = String(Math.round((call.deadline - Date.now()) / 86_400_000));
    return req;
  });
  const addr = await server.listen({ hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
  const client = new GrpcClient(`127.0.0.1:${addr.port}`);
  try {
    const deadline = Date.now() + 5 * 365 * 86_400_000;
    const res = await client.unaryRaw(path, new Uint8Array([1, 2, 3]), { deadline });
    assert.deepEqual([...res], [1, 2, 3]);
    assert.equal(seen, String(5 * 365), "the server's deadline, in days");
  } finally {
    client.close();
    await server.close();
  }
});
