import assert from "node:assert/strict";
import { formatGrpcTimeout, parseGrpcTimeout } from "./grpc_timeout.ts";

Deno.test("grpc-timeout: parsing", () => {
  assert.equal(parseGrpcTimeout("1H"), 3_600_000);
  assert.equal(parseGrpcTimeout("100u"), 0.1);
  assert.equal(parseGrpcTimeout("123456789m"), undefined, "at most 8 digits");
  assert.equal(parseGrpcTimeout("5s"), undefined);
  assert.equal(parseGrpcTimeout("m"), undefined);
  assert.equal(parseGrpcTimeout("1x"), undefined);
});

Deno.test("grpc-timeout: written in at most 8 digits in the finest unit that fits, never shorter", () => {
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
