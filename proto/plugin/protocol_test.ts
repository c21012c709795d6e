import assert from "node:assert/strict";
import * as supervisor from "../../proxy/supervisor/handshake.ts";
import {
  APP_PROTOCOL_VERSION,
  CORE_PROTOCOL_VERSION,
  handshakeLine,
  hasMagicCookie,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
} from "./protocol.ts";

Deno.test("protocol: handshake line format", () => {
  assert.equal(handshakeLine("127.0.0.1", 41234), "1|1|tcp|127.0.0.1:41234|grpc\n");
  assert.throws(() => handshakeLine("127.0.0.1", 0), RangeError);
  assert.throws(() => handshakeLine("127.0.0.1", 70000), RangeError);
});

Deno.test("protocol: the magic cookie", () => {
  assert.equal(MAGIC_COOKIE_KEY, "PRISM_PLUGIN_MAGIC_COOKIE");
  assert.equal(MAGIC_COOKIE_VALUE, "prism-plugin-v1");
  assert.equal(
    hasMagicCookie((n) => (n === MAGIC_COOKIE_KEY ? MAGIC_COOKIE_VALUE : undefined)),
    true,
  );
  assert.equal(hasMagicCookie(() => "prism-plugin-v0"), false);
  assert.equal(hasMagicCookie(() => undefined), false);
  assert.equal(
    hasMagicCookie(() => {
      throw new Error("NotCapable");
    }),
    false,
  );
});

Deno.test("protocol: agrees with the proxy's supervisor", () => {
  assert.equal(supervisor.CORE_PROTOCOL_VERSION, CORE_PROTOCOL_VERSION);
  assert.equal(supervisor.APP_PROTOCOL_VERSION, APP_PROTOCOL_VERSION);
  assert.equal(supervisor.MAGIC_COOKIE_KEY, MAGIC_COOKIE_KEY);
  assert.equal(supervisor.MAGIC_COOKIE_VALUE, MAGIC_COOKIE_VALUE);
  const parsed = supervisor.parseHandshake(handshakeLine("127.0.0.1", 5000));
  assert.deepEqual(parsed, { network: "tcp", address: "127.0.0.1:5000" });
});
