import assert from "node:assert/strict";
import { ghzBinary, ghzEnv } from "./ghz.ts";

const GiB = 2 ** 30;

Deno.test("ghzEnv turns ghz's collector off in a fixed-rate run, with a limit sized to the run", () => {
  const env = ghzEnv({ rps: 1000, durationS: 10 }, 24 * GiB);
  assert.equal(env.GOGC, "off");
  // 10,000 calls at 64 KiB, plus 256 MiB.
  assert.equal(Number(env.GOMEMLIMIT), 10_000 * 64 * 1024 + 256 * 2 ** 20);
});

Deno.test("ghzEnv caps the limit at a quarter of the machine's memory", () => {
  const env = ghzEnv({ rps: 5000, durationS: 600 }, 8 * GiB);
  assert.equal(Number(env.GOMEMLIMIT), 2 * GiB);
});

Deno.test("ghzEnv leaves the collector on in a closed loop or when asked", () => {
  assert.deepEqual(ghzEnv({ durationS: 10 }, 24 * GiB), {});
  assert.deepEqual(ghzEnv({ rps: 1000, durationS: 10, clientGc: true }, 24 * GiB), {});
});

Deno.test("ghzBinary prefixes a message with its varint length", () => {
  assert.deepEqual([...ghzBinary(new Uint8Array(200))].slice(0, 2), [0xc8, 0x01]);
  assert.equal(ghzBinary(new Uint8Array(200)).length, 202);
});
