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

Deno.test("v8 flags: this Deno's V8 knows every one of them", async () => {
  // V8 warns about a flag it does not know and goes on without it: a renamed
  // flag would silently stop applying.
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", v8FlagsArg(), "console.log('ok')"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "ok");
  assert.doesNotMatch(stderr, /unrecognized|unknown|error/i);
});
