import assert from "node:assert/strict";
import { v8FlagsArg } from "../../proto/v8_flags.ts";
import { pluginCommand } from "./factory.ts";

Deno.test("factory: a plugin started from source runs with the product's V8 flags", async () => {
  const { args } = await pluginCommand("redis", { url: "redis://127.0.0.1:6379" });
  assert.equal(args[0], "run");
  assert.equal(args[1], v8FlagsArg());
  assert.deepEqual(args.slice(-2), ["plugin", "redis"]);
});
