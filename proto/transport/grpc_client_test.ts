import assert from "node:assert/strict";
import { formatGrpcTimeout, GrpcClient } from "./grpc_client.ts";
import { GrpcServer, parseGrpcTimeout, RAW } from "./grpc_server.ts";

Deno.test("grpc client: grpc-timeout is at most 8 digits in the finest unit that fits, never shorter", () => {
  const samples = [0, 1, 999, 99_999_999, 100_000_000, 123_456_789_012, 6e12, 3.6e14, 1e18];
  for (let ms = 1; ms < 1e18; ms *= 7.3) samples.push(Math.round(ms));
  for (const ms of samples) {
    const value = formatGrpcTimeout(ms);
    assert.match(value, /^\d{1,8}[mSMH]$/, `${ms} ms → ${value}`);
    const back = parseGrpcTimeout(value)!;
    if (ms <= 99_999_999 * 3_600_000) {
      assert.ok(back >= ms, `${ms} ms sent as ${value} (${back} ms): shorter`);
      assert.ok(back - ms < 3_600_000, `${ms} ms sent as ${value}: more than a unit longer`);
    } else assert.equal(value, "99999999H");
  }
  assert.equal(formatGrpcTimeout(250), "250m");
  assert.equal(formatGrpcTimeout(100_000_000), "100000S");
  assert.throws(
    () => formatGrpcTimeout(-1),
    /'ms' must be a non-negative number: current value is -1/,
  );
});

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
