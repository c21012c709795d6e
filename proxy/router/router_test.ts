/**
 * Router logic with a scripted in-memory backend (pure dispatch logic: the
 * real backends are covered by the conformance suites through the proxy).
 */
import assert from "node:assert/strict";
import { status } from "../../proto/status.ts";
import { GrpcServer } from "../../proto/transport/grpc_server.ts";
import { collect, connect, unary } from "../../proto/client.ts";
import { SERVICE_NAMES } from "../../proto/definitions.ts";
import type { Backend, StreamHandler, UnaryHandler } from "../backend/backend.ts";
import { Logger } from "../../proto/log/logger.ts";
import { Router } from "./router.ts";
import { StatusError } from "../../proto/status.ts";

const KV = `/${SERVICE_NAMES.keyvalueBasic}/`;
const SCAN = `/${SERVICE_NAMES.keyvalueScan}/`;

function scripted(
  unaryHandlers: Record<string, UnaryHandler>,
  streams: Record<string, StreamHandler>,
): Backend {
  return {
    kind: "memstore",
    wire: false,
    namespace: "default",
    services: new Set([SERVICE_NAMES.keyvalueBasic, SERVICE_NAMES.keyvalueScan]),
    unary: unaryHandlers,
    streams,
    health: () => ({ serving: true, message: "" }),
    close: () => Promise.resolve(),
  };
}

async function serve(backend: Backend) {
  const lines: string[] = [];
  const router = new Router(
    new Map([["default", backend]]),
    { max_key_bytes: 100, max_value_bytes: 100 },
    new Logger({}, "debug", (l) => lines.push(l)),
  );
  const server = new GrpcServer();
  router.addTo(server);
  const { port } = await server.listen({ hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
  const clients = connect(`127.0.0.1:${port}`);
  return {
    router,
    clients,
    lines,
    stop: () => {
      clients.close();
      return server.close();
    },
  };
}

const never = new Promise<never>(() => {});
Deno.test({ name: "router: async handlers, error mapping and logging" }, async () => {
  const s = await serve(scripted({
    [`${KV}Get`]: () => Promise.resolve({ value: new Uint8Array([1]), found: true }),
    [`${KV}Set`]: () => Promise.reject(new StatusError(status.UNAVAILABLE, "backend down")),
    [`${KV}Delete`]: () => Promise.reject(new Error("boom")),
    [`${KV}Exists`]: () => {
      throw new TypeError("sync bug");
    },
  }, {
    [`${SCAN}ScanKeys`]: async (_req, call) => {
      call.write({ key: "a" });
      await Promise.resolve();
      call.write({ key: "b" });
    },
    [`${SCAN}Scan`]: () => Promise.reject(new StatusError(status.RESOURCE_EXHAUSTED, "too much")),
  }));
  try {
    assert.equal((await unary(s.clients.keyvalue, "Get", { key: "k" })).found, true);
    await assert.rejects(
      unary(s.clients.keyvalue, "Set", { key: "k" }),
      (e: { code: number; details: string }) =>
        e.code === status.UNAVAILABLE && e.details === "backend down",
    );
    await assert.rejects(
      unary(s.clients.keyvalue, "Delete", { key: "k" }),
      (e: { code: number; details: string }) =>
        e.code === status.INTERNAL && /request id [0-9a-f-]{36}\): boom/.test(e.details),
    );
    await assert.rejects(
      unary(s.clients.keyvalue, "Exists", { key: "k" }),
      (e: { code: number }) => e.code === status.INTERNAL,
    );
    const logged = s.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "backend call failed");
    assert.equal(logged.length, 2);
    assert.ok(
      logged[0].request_id && logged[0].method.endsWith("/Delete"),
      JSON.stringify(logged[0]),
    );
    assert.deepEqual((await collect(s.clients.scan.ScanKeys({ prefix: "" }))).map((e) => e.key), [
      "a",
      "b",
    ]);
    await assert.rejects(
      collect(s.clients.scan.Scan({ prefix: "" })),
      (e: { code: number }) => e.code === status.RESOURCE_EXHAUSTED,
    );
  } finally {
    await s.stop();
  }
});

Deno.test({
  name: "router: drain waits for calls in flight, then cuts them off with UNAVAILABLE",
}, async () => {
  let release!: () => void;
  const slow = new Promise<void>((r) => release = r);
  const s = await serve(scripted({
    [`${KV}Get`]: async () => {
      await slow;
      return { value: new Uint8Array(0), found: false };
    },
    [`${KV}Set`]: () => never,
  }, {
    [`${SCAN}ScanKeys`]: (_req, call) => {
      call.write({ key: "first" });
      return never;
    },
  }));
  try {
    const finishing = unary(s.clients.keyvalue, "Get", { key: "k" });
    const stuck = unary(s.clients.keyvalue, "Set", { key: "k" });
    const stream = s.clients.scan.ScanKeys({ prefix: "" });
    const streamed = collect(stream);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.router.inFlight, 3);
    const drain = s.router.drain(300);
    await new Promise((r) => setTimeout(r, 50));
    release();
    assert.equal((await finishing).found, false, "a call that finishes within the drain completes");
    assert.deepEqual(await drain, { drained: 1, aborted: 2 });
    await assert.rejects(stuck, (e: { code: number }) => e.code === status.UNAVAILABLE);
    await assert.rejects(streamed, (e: { code: number }) => e.code === status.UNAVAILABLE);
    assert.equal(s.router.inFlight, 0);
    assert.equal(s.router.draining, true);
  } finally {
    await s.stop();
  }
});
