import assert from "node:assert/strict";
import { AccessLog } from "./access.ts";
import { Logger } from "../../proto/log/logger.ts";

const entry = {
  requestId: "r1",
  namespace: "default",
  method: "Get",
  code: 0,
  durationMs: 0.123456,
  bytesIn: 10,
  bytesOut: 20,
  peer: "127.0.0.1:1",
};

Deno.test("access log: every field, failed calls always, successful ones sampled", () => {
  const lines: string[] = [];
  let r = 0;
  const access = new AccessLog(new Logger({}, "info", (l) => lines.push(l)), 0.5, () => r);
  access.write(entry); // 0 < 0.5: kept
  r = 0.7;
  access.write(entry); // dropped
  access.write({ ...entry, code: 14, traceId: "t" }); // a failure: kept
  assert.equal(lines.length, 2);
  const first = JSON.parse(lines[0]);
  assert.equal(first.msg, "access");
  assert.equal(first.component, "access");
  assert.equal(first.code, "OK");
  assert.equal(first.duration_ms, 0.123);
  assert.equal(first.bytes_in, 10);
  assert.equal(first.bytes_out, 20);
  assert.equal(first.trace_id, undefined);
  const failed = JSON.parse(lines[1]);
  assert.equal(failed.code, "UNAVAILABLE");
  assert.equal(failed.trace_id, "t");
  assert.throws(
    () => new AccessLog(new Logger(), 0),
    /'sample' must be in \(0, 1\]: current value is 0/,
  );
  assert.throws(() => new AccessLog(new Logger(), 1.5), /current value is 1.5/);
});
