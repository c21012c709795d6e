/**
 * A small in-memory plugin for the SDK's tests (in-process and as a
 * subprocess: `deno run plugins/sdk/_test_plugin.ts`). Keys with special
 * names make its handlers misbehave on purpose:
 *
 * - `slow:<ms>` — Get waits that long (for drain tests);
 * - `boom` — Get throws a plain Error (INTERNAL);
 * - `down` — Get throws BackendUnavailableError (UNAVAILABLE);
 * - `stuck` — Get never answers until aborted.
 *
 * @module
 */
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import { defineSchema } from "./config.ts";
import { BackendUnavailableError } from "./errors.ts";
import type { HealthStatus } from "./health.ts";
import type { PluginDefinition } from "./plugin.ts";
import { runPlugin } from "./serve.ts";

const KV = `/${SERVICE_NAMES.keyvalueBasic}/`;
const SCAN = `/${SERVICE_NAMES.keyvalueScan}/`;

/** The fixture's config schema.
 *
 * @example
 * ```ts
 * import { TEST_SCHEMA } from "./_test_plugin.ts";
 * console.log(TEST_SCHEMA.health.default); // "HEALTHY"
 * ```
 */
export const TEST_SCHEMA = defineSchema({
  health: {
    type: "string",
    default: "HEALTHY",
    check: (v) =>
      ["HEALTHY", "DEGRADED", "UNHEALTHY"].includes(v)
        ? undefined
        : "must be HEALTHY, DEGRADED or UNHEALTHY",
    description: "what the health check reports",
  },
  entries: { type: "integer", default: 0, min: 0, description: "keys created at start" },
  close_ms: { type: "integer", default: 0, min: 0, description: "how long close() takes" },
});

/** Counters the tests look at.
 *
 * @example
 * ```ts
 * import { testState } from "./_test_plugin.ts";
 * console.log(testState.closed >= 0); // true
 * ```
 */
export const testState = { closed: 0, created: 0, chatty: false };

/** The fixture plugin.
 *
 * @example
 * ```ts
 * import { testPlugin } from "./_test_plugin.ts";
 * console.log(testPlugin.name); // "testkv"
 * ```
 */
export const testPlugin: PluginDefinition<typeof TEST_SCHEMA> = {
  name: "testkv",
  version: "9.9.9",
  interfaces: [SERVICE_NAMES.keyvalueBasic, SERVICE_NAMES.keyvalueScan],
  configSchema: TEST_SCHEMA,
  create(config, ctx) {
    testState.created++;
    // Must never reach stdout (runPlugin sends console.log to stderr).
    if (testState.chatty) console.log("a stray console.log from the plugin");
    const store = new Map<string, Uint8Array>();
    for (let i = 0; i < config.entries; i++) store.set(`k${i}`, new Uint8Array([i & 255]));
    ctx.log.info("test plugin created", { namespace: ctx.namespace });
    return {
      unary: {
        [`${KV}Set`]: (r: { key: string; value: Uint8Array }) => {
          store.set(r.key, r.value);
          return { success: true };
        },
        [`${KV}Get`]: async (r: { key: string }, call) => {
          if (r.key === "boom") throw new Error("kaboom");
          if (r.key === "down") throw new BackendUnavailableError("the test backend is down");
          if (r.key === "stuck") {
            await new Promise((resolve) => call.signal.addEventListener("abort", resolve));
          }
          if (r.key.startsWith("slow:")) {
            await new Promise((resolve) => setTimeout(resolve, Number(r.key.slice(5))));
          }
          const value = store.get(r.key);
          return value === undefined ? { value: new Uint8Array(), found: false } : {
            value,
            found: true,
          };
        },
        [`${KV}Delete`]: (r: { key: string }) => ({ found: store.delete(r.key) }),
        [`${KV}Exists`]: (r: { key: string }) => ({ exists: store.has(r.key) }),
        [`${SCAN}Count`]: (r: { prefix: string }) => ({
          count: [...store.keys()].filter((k) => k.startsWith(r.prefix)).length,
        }),
      },
      streams: {
        [`${SCAN}Scan`]: async (r: { prefix: string }, out) => {
          for (const [key, value] of store) {
            if (key.startsWith(r.prefix) && !(await out.write({ key, value }))) return;
          }
        },
        [`${SCAN}ScanKeys`]: async (r: { prefix: string }, out) => {
          for (const key of store.keys()) {
            if (key.startsWith(r.prefix) && !(await out.write({ key }))) return;
          }
        },
      },
      healthChecks: [{
        name: "store",
        check: () => ({
          status: config.health as HealthStatus,
          message: `${store.size} keys`,
          details: { keys: store.size },
        }),
      }],
      mapError: () => undefined,
      async close() {
        if (config.close_ms > 0) await new Promise((r) => setTimeout(r, config.close_ms));
        testState.closed++;
        store.clear();
      },
    };
  },
};

if (import.meta.main) {
  testState.chatty = true;
  Deno.exit(await runPlugin(testPlugin, Deno.args));
}
