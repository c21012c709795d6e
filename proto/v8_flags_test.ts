import assert from "node:assert/strict";
import { V8_FLAGS, v8FlagsArg } from "./v8_flags.ts";

Deno.test("v8 flags: `deno task proxy` runs with them", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const command: string = config.tasks.proxy.command;
  assert.ok(
    command.split(" ").includes(v8FlagsArg()),
    `deno.json's proxy task must pass ${v8FlagsArg()}: current value is "${command}"`,
  );
});

Deno.test("v8 flags: extra flags follow the product's, comma-separated", () => {
  assert.equal(v8FlagsArg(), `--v8-flags=${V8_FLAGS}`);
  assert.equal(
    v8FlagsArg("--trace-gc", "--expose-gc"),
    `--v8-flags=${V8_FLAGS},--trace-gc,--expose-gc`,
  );
});
