import assert from "node:assert/strict";
import { grpcTarget, parseHandshake } from "./handshake.ts";

Deno.test("parseHandshake accepts the protocol line", () => {
  assert.deepEqual(parseHandshake("1|1|tcp|127.0.0.1:41234|grpc"), {
    network: "tcp",
    address: "127.0.0.1:41234",
  });
  assert.deepEqual(parseHandshake("1|1|tcp|[::1]:5|grpc\n"), {
    network: "tcp",
    address: "[::1]:5",
  });
  assert.deepEqual(parseHandshake("1|1|unix|/tmp/p.sock|grpc"), {
    network: "unix",
    address: "/tmp/p.sock",
  });
  assert.equal(grpcTarget({ network: "tcp", address: "127.0.0.1:1" }), "127.0.0.1:1");
  assert.equal(grpcTarget({ network: "unix", address: "/tmp/p.sock" }), "unix:/tmp/p.sock");
});

Deno.test("parseHandshake names what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["hello", /must have 5 '\|'-separated fields: current value is "hello"/],
    ["2|1|tcp|127.0.0.1:1|grpc", /core protocol version must be 1: current value is 2/],
    ["1|9|tcp|127.0.0.1:1|grpc", /app protocol version must be 1: current value is 9/],
    ["1|1|udp|127.0.0.1:1|grpc", /network must be tcp or unix: current value is udp/],
    ["1|1|tcp|10.0.0.1:1|grpc", /must listen on loopback: current address is 10\.0\.0\.1:1/],
    ["1|1|tcp|127.0.0.1:1|netrpc", /protocol must be grpc: current value is netrpc/],
  ];
  for (const [line, message] of cases) assert.throws(() => parseHandshake(line), message, line);
});
