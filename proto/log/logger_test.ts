import assert from "node:assert/strict";
import { Logger } from "./logger.ts";

Deno.test("Logger writes JSON lines with bound fields above the threshold", () => {
  const lines: string[] = [];
  const log = new Logger({ component: "proxy" }, "info", (l) => lines.push(l));
  log.debug("hidden");
  log.info("shown", { n: 1 });
  const child = log.child({ namespace: "default" });
  child.warn("careful");
  child.error("failed", { error: new Error("boom") });
  assert.equal(lines.length, 3);
  const [a, b, c] = lines.map((l) => JSON.parse(l));
  assert.equal(a.msg, "shown");
  assert.equal(a.level, "info");
  assert.equal(a.component, "proxy");
  assert.equal(a.n, 1);
  assert.ok(!Number.isNaN(Date.parse(a.ts)));
  assert.equal(b.namespace, "default");
  assert.equal(b.level, "warn");
  assert.match(c.error, /Error: boom/);
  assert.equal(log.enabled("debug"), false);
  assert.equal(log.enabled("error"), true);
  assert.equal(child.level, "info");
});

Deno.test("Logger reads PRISM_LOG_LEVEL and rejects bad values", () => {
  const before = Deno.env.get("PRISM_LOG_LEVEL");
  try {
    Deno.env.set("PRISM_LOG_LEVEL", "debug");
    assert.equal(new Logger({}, undefined, () => {}).level, "debug");
    Deno.env.set("PRISM_LOG_LEVEL", "");
    assert.equal(new Logger({}, undefined, () => {}).level, "info");
    Deno.env.set("PRISM_LOG_LEVEL", "loud");
    assert.throws(
      () => new Logger({}, undefined, () => {}),
      /'PRISM_LOG_LEVEL' must be one of debug, info, warn, error: current value is "loud"/,
    );
  } finally {
    if (before === undefined) Deno.env.delete("PRISM_LOG_LEVEL");
    else Deno.env.set("PRISM_LOG_LEVEL", before);
  }
});
