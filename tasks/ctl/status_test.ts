import assert from "node:assert/strict";
import { runCtlCaptured } from "./_testing.ts";
import {
  fetchStatus,
  notServing,
  type ProxyStatus,
  renderStatus,
  StatusUnavailableError,
} from "./status.ts";

/** The `/status` document of the admin endpoint's contract. */
const STATUS: ProxyStatus = {
  version: "0.1.0",
  uptime_seconds: 12.3,
  listen: "127.0.0.1:8980",
  admin: "127.0.0.1:9980",
  tls: false,
  auth: "none",
  in_flight: 0,
  namespaces: [
    {
      name: "default",
      backend: "memstore",
      health: "SERVING",
      message: "",
      in_flight: 0,
      interfaces: ["prism.interfaces.keyvalue.KeyValueBasicInterface"],
    },
    {
      name: "cache",
      backend: "redis",
      health: "NOT_SERVING",
      message: "redis unreachable",
      in_flight: 2,
      interfaces: ["prism.interfaces.keyvalue.KeyValueBasicInterface"],
      plugin: {
        pid: 1234,
        uptime_seconds: 5.2,
        restarts: 1,
        health: "UNHEALTHY",
        message: "PING failed",
      },
    },
  ],
};

const ALL_SERVING: ProxyStatus = {
  ...STATUS,
  uptime_seconds: 192,
  tls: true,
  auth: "jwt",
  in_flight: 1,
  namespaces: [
    STATUS.namespaces[0],
    {
      ...STATUS.namespaces[1],
      health: "SERVING",
      message: "",
      in_flight: 1,
      plugin: { pid: 4321, uptime_seconds: 3725, restarts: 0, health: "HEALTHY", message: "" },
    },
  ],
};

/** An admin endpoint (the in-test stand-in for the proxy's) that answers `/status` with `body`. */
function adminServer(handler: (path: string) => Response) {
  const paths: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    paths.push(path);
    return handler(path);
  });
  return {
    address: `127.0.0.1:${server.addr.port}`,
    paths,
    stop: () => server.shutdown(),
  };
}

const serving = (body: unknown) => (path: string) =>
  path === "/status" ? Response.json(body) : new Response("not found\n", { status: 404 });

Deno.test("status: the contract's document, rendered as a table", async () => {
  const admin = adminServer(serving(STATUS));
  try {
    const status = await fetchStatus(admin.address);
    assert.deepEqual(status, STATUS);
    assert.deepEqual(notServing(status), ["cache"]);
    assert.equal(
      renderStatus(status),
      "prism 0.1.0, up 12s, gRPC on 127.0.0.1:8980 (plaintext, auth: none), admin on 127.0.0.1:9980, 0 calls in flight\n" +
        "NAMESPACE   BACKEND    HEALTH        PID    UPTIME   RESTARTS   IN-FLIGHT   MESSAGE\n" +
        "default     memstore   SERVING       -      -        -          0\n" +
        "cache       redis      NOT_SERVING   1234   5s       1          2           redis unreachable; plugin UNHEALTHY: PING failed\n",
    );
    assert.deepEqual(admin.paths, ["/status"]);
  } finally {
    await admin.stop();
  }
});

Deno.test("status: prism ctl status exits 0 when every namespace serves, 1 otherwise", async () => {
  const good = adminServer(serving(ALL_SERVING));
  const bad = adminServer(serving(STATUS));
  try {
    const ok = await runCtlCaptured(["status", "--admin", good.address]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, "");
    assert.equal(
      ok.stdout,
      "prism 0.1.0, up 3m12s, gRPC on 127.0.0.1:8980 (TLS, auth: jwt), admin on 127.0.0.1:9980, 1 call in flight\n" +
        "NAMESPACE   BACKEND    HEALTH    PID    UPTIME   RESTARTS   IN-FLIGHT\n" +
        "default     memstore   SERVING   -      -        -          0\n" +
        "cache       redis      SERVING   4321   1h2m     0          1\n",
      "no MESSAGE column when there is nothing to say",
    );
    const json = await runCtlCaptured(["--json", "--admin", good.address, "status"]);
    assert.equal(json.code, 0);
    assert.equal(json.stdout.split("\n").length, 2, "one line");
    assert.deepEqual(JSON.parse(json.stdout), ALL_SERVING);

    const down = await runCtlCaptured(["status", "--admin", bad.address]);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /^cache +redis +NOT_SERVING +1234 /m);
    assert.equal(down.stderr, "prism ctl: status: 1 namespace is not SERVING: cache\n");
    const downJson = await runCtlCaptured(["status", "--json", "--admin", bad.address]);
    assert.equal(downJson.code, 1);
    assert.deepEqual(JSON.parse(downJson.stdout), STATUS);
  } finally {
    await good.stop();
    await bad.stop();
  }
});

Deno.test("status: several namespaces down, a plugin without a process, odd values", async () => {
  const odd = {
    ...STATUS,
    version: undefined,
    uptime_seconds: -1,
    admin: "",
    in_flight: undefined,
    namespaces: [
      {
        ...STATUS.namespaces[1],
        name: "a",
        plugin: { ...STATUS.namespaces[1].plugin, pid: null, message: "" },
      },
      { ...STATUS.namespaces[0], name: "b\u001b[31m", health: "UNKNOWN", message: "starting" },
    ],
  };
  const admin = adminServer(serving(odd));
  try {
    const r = await runCtlCaptured(["status", "--admin", admin.address]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "prism ctl: status: 2 namespaces are not SERVING: a, b\u001b[31m\n");
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "prism -, up -, gRPC on 127.0.0.1:8980 (plaintext, auth: none)");
    assert.match(lines[2], /^a +redis +NOT_SERVING +- +5s +1 +2 +redis unreachable$/);
    assert.ok(lines[3].startsWith('"b\\u001b[31m"'), "a name with controls is quoted");
    assert.match(lines[3], /UNKNOWN .* starting$/);
  } finally {
    await admin.stop();
  }
});

Deno.test("status: an admin endpoint that cannot be read is a runtime failure saying how to fix it", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const free = `127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
  l.close();
  const refused = await runCtlCaptured(["status", "--admin", free]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, "");
  assert.equal(
    refused.stderr,
    `prism ctl: status: cannot reach the admin endpoint at ${free} (connection refused): ` +
      `is the proxy running with its admin endpoint there? --admin HOST:PORT sets the address ` +
      `(the proxy's admin_listen or its --admin)\n`,
  );
  assert.equal(refused.stderr.split("\n").length, 2, "one line");

  const cases: [(path: string) => Response, RegExp][] = [
    [
      () => new Response("nope\n", { status: 404 }),
      /\/status answered 404 Not Found \(is that the proxy's admin endpoint\?\): nope$/,
    ],
    [
      () => new Response("boom", { status: 500 }),
      /\/status answered 500 Internal Server Error: boom$/,
    ],
    [() => new Response("", { status: 502 }), /answered 502 Bad Gateway: \(empty body\)$/],
    [() => new Response("x".repeat(500), { status: 500 }), /: x{200}…$/],
    [() => new Response("<html>\n</html>"), /\/status did not answer with JSON: <html> <\/html>$/],
    [() => Response.json([1]), /answered an unexpected status: not an object$/],
    [() => Response.json(null), /answered an unexpected status: not an object$/],
    [() => Response.json({ namespaces: {} }), /"namespaces" is not a list$/],
    [() => Response.json({ namespaces: [1] }), /namespaces\[0\] is not an object$/],
    [
      () => Response.json({ namespaces: [{ health: "SERVING" }] }),
      /namespaces\[0\]\.name is not a string$/,
    ],
    [
      () => Response.json({ namespaces: [{ name: "a" }] }),
      /namespaces\[0\]\.health is not a string$/,
    ],
  ];
  for (const [handler, expected] of cases) {
    const admin = adminServer(handler);
    try {
      const r = await runCtlCaptured(["status", "--admin", admin.address]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      assert.ok(r.stderr.startsWith(`prism ctl: status: http://${admin.address}/status `));
      assert.match(r.stderr.trimEnd(), expected);
      assert.equal(r.stderr.split("\n").length, 2, "one line");
    } finally {
      await admin.stop();
    }
  }

  // Something that is not HTTP at all (a gRPC port: HTTP/2 only).
  const h2 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of h2) {
      await c.write(new Uint8Array([0, 0, 0, 4, 0, 0, 0, 0, 0])).catch(() => {});
      c.close();
    }
  })().catch(() => {});
  try {
    const address = `127.0.0.1:${(h2.addr as Deno.NetAddr).port}`;
    const r = await runCtlCaptured(["status", "--admin", address]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `prism ctl: status: http://${address}/status: not an HTTP response: is ${address} the proxy's ` +
        `admin endpoint? --admin HOST:PORT sets the address (the proxy's admin_listen or its --admin)\n`,
    );
  } finally {
    h2.close();
  }
  assert.equal(new StatusUnavailableError("x").name, "StatusUnavailableError");
});
