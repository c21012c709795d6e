import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { grpcFrame } from "../../proto/h2/h2.ts";
import { StatusError } from "../../proto/status.ts";
import { decodeResponse } from "./plugin.ts";

const GET = serviceDefinition(SERVICE_NAMES.keyvalueBasic).Get;
const method = {
  path: GET.path,
  responseDeserialize: (b: Uint8Array) => GET.responseDeserialize(b as never),
};

Deno.test("decodeResponse: the one message of a unary response", () => {
  const body = grpcFrame(GET.responseSerialize({ value: new Uint8Array([7]), found: true }));
  const res = decodeResponse(method, body, "redis") as { value: Uint8Array; found: boolean };
  assert.equal(res.found, true);
  assert.deepEqual([...res.value], [7]);
  // An empty message (all defaults) is a message.
  assert.equal(
    (decodeResponse(method, grpcFrame(new Uint8Array()), "redis") as { found: boolean }).found,
    false,
  );
});

Deno.test("decodeResponse: a bad body is INTERNAL, naming the plugin and what is wrong", () => {
  const cases: [Uint8Array | undefined, RegExp][] = [
    [undefined, /plugin redis sent a bad response: no response message/],
    [new Uint8Array([0, 0, 0]), /no response message/],
    [new Uint8Array([1, 0, 0, 0, 1, 8]), /compressed message/],
    [new Uint8Array([0, 0, 0, 0, 9, 8, 1]), /cut short \(2 of 9 bytes\)/],
    [grpcFrame(new Uint8Array([0x0a, 0xff])), /Get response does not decode/],
  ];
  for (const [body, want] of cases) {
    assert.throws(
      () => decodeResponse(method, body, "redis"),
      (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.equal(err.code, status.INTERNAL);
        assert.match(err.message, want);
        return true;
      },
    );
  }
});
