/**
 * `prism ctl` in this process against a real proxy (memstore namespaces,
 * TLS, JWT auth): every data command that memstore serves, with and
 * without --json, failed calls, and the exit codes. The subprocess, kafka
 * and redis runs are in tests/ctl_test.ts.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { SERVICE_NAMES, serviceDefinition } from "../../proto/definitions.ts";
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { startTestProxy, type TestProxy } from "../../tests/_harness.ts";
import { makeCertificates } from "../../tests/_tls.ts";
import { runCtlCaptured } from "./_testing.ts";
import { CallFailed, runCommand } from "./commands.ts";
import { parseCtlArgs, USAGE } from "./flags.ts";
import { runCtl } from "./main.ts";

const lines = (text: string) => text.trimEnd().split("\n");
const json = (text: string) => lines(text).map((l) => JSON.parse(l));

/** Writes a value the CLI cannot type (binary) with the project's client. */
async function setRaw(h: TestProxy, namespace: string, key: string, value: Uint8Array) {
  const client = new GrpcClient(h.address);
  try {
    await client.unary(serviceDefinition(SERVICE_NAMES.keyvalueBasic).Set, {
      namespace,
      key,
      value,
    });
  } finally {
    client.close();
  }
}

Deno.test(
  { name: "ctl: key-value, scan, ttl and list commands, human and --json" },
  async () => {
    const h = await startTestProxy(`
namespaces:
  - { name: default, backend: memstore }
  - { name: other, backend: memstore }
`);
    const ctl = (...args: string[]) => runCtlCaptured(["--target", h.address, ...args]);
    try {
      // set / get, as text and JSON; a missing key is "(not found)" and exit 1.
      assert.deepEqual(await ctl("set", "greeting", "hello world"), {
        code: 0,
        stdout: "OK\n",
        stderr: "",
      });
      assert.deepEqual(await ctl("get", "greeting"), {
        code: 0,
        stdout: "hello world\n",
        stderr: "",
      });
      assert.deepEqual(await ctl("get", "greeting", "--json"), {
        code: 0,
        stdout: '{"key":"greeting","found":true,"value":"hello world"}\n',
        stderr: "",
      });
      assert.deepEqual(await ctl("get", "nope"), { code: 1, stdout: "(not found)\n", stderr: "" });
      assert.deepEqual(await ctl("--json", "get", "nope"), {
        code: 1,
        stdout: '{"key":"nope","found":false}\n',
        stderr: "",
      });
      assert.deepEqual(await ctl("--json", "set", "k", "v"), {
        code: 0,
        stdout: '{"key":"k","ok":true,"ttl_seconds":0}\n',
        stderr: "",
      });
      // Empty values are values; values that look like flags go after --.
      assert.equal((await ctl("set", "empty", "")).code, 0);
      assert.deepEqual(await ctl("get", "empty"), { code: 0, stdout: "\n", stderr: "" });
      assert.equal((await ctl("set", "dash", "--", "--not-a-flag")).code, 0);
      assert.equal((await ctl("get", "dash")).stdout, "--not-a-flag\n");
      assert.equal((await ctl("set", "neg", "-5")).code, 0);
      assert.equal((await ctl("get", "neg")).stdout, "-5\n");
      // UTF-8 as it is; binary and terminal controls as base64 (value_base64 in JSON).
      assert.equal((await ctl("set", "ü", "✓ ok\nline 2")).code, 0);
      assert.equal((await ctl("get", "ü")).stdout, "✓ ok\nline 2\n");
      await setRaw(h, "default", "bin", new Uint8Array([0, 1, 0xff]));
      assert.equal((await ctl("get", "bin")).stdout, "base64:AAH/\n");
      assert.deepEqual(json((await ctl("get", "bin", "--json")).stdout), [
        { key: "bin", found: true, value_base64: "AAH/" },
      ]);
      await setRaw(h, "default", "esc", new TextEncoder().encode("\x1b[2Jboo"));
      assert.equal((await ctl("get", "esc")).stdout, "base64:G1sySmJvbw==\n");
      assert.deepEqual(json((await ctl("get", "esc", "--json")).stdout), [
        { key: "esc", found: true, value: "\x1b[2Jboo" },
      ]);

      // Namespaces.
      assert.equal((await ctl("-n", "other", "set", "greeting", "hi other")).code, 0);
      assert.equal((await ctl("get", "greeting", "--namespace", "other")).stdout, "hi other\n");
      assert.equal((await ctl("get", "greeting")).stdout, "hello world\n");

      // ttl: seconds left, "no expiry", "(not found)" with exit 1.
      assert.deepEqual(await ctl("set", "session", "s", "--ttl", "100"), {
        code: 0,
        stdout: "OK (expires in 1m40s)\n",
        stderr: "",
      });
      assert.match((await ctl("ttl", "session")).stdout, /^(99|100)s \(1m(39|40)s\)\n$/);
      assert.equal((await ctl("set", "short", "s", "--ttl", "30")).code, 0);
      assert.match((await ctl("ttl", "short")).stdout, /^(29|30)s\n$/);
      const [t] = json((await ctl("ttl", "session", "--json")).stdout);
      assert.equal(t.key, "session");
      assert.equal(t.found, true);
      assert.ok(t.ttl_seconds === 100 || t.ttl_seconds === 99);
      assert.deepEqual(await ctl("ttl", "greeting"), {
        code: 0,
        stdout: "no expiry\n",
        stderr: "",
      });
      assert.deepEqual(await ctl("ttl", "greeting", "--json"), {
        code: 0,
        stdout: '{"key":"greeting","found":true,"ttl_seconds":-1}\n',
        stderr: "",
      });
      assert.deepEqual(await ctl("ttl", "nope"), { code: 1, stdout: "(not found)\n", stderr: "" });
      assert.deepEqual(await ctl("ttl", "nope", "--json"), {
        code: 1,
        stdout: '{"key":"nope","found":false,"ttl_seconds":-2}\n',
        stderr: "",
      });
      // --ttl 0: no expiry.
      assert.deepEqual(await ctl("--json", "set", "session", "s2", "--ttl=0"), {
        code: 0,
        stdout: '{"key":"session","ok":true,"ttl_seconds":0}\n',
        stderr: "",
      });
      assert.equal((await ctl("ttl", "session")).stdout, "no expiry\n");

      // scan: a table sorted by key; JSON lines; --limit with a note when more match.
      for (const k of ["user:3", "user:1", "user:2"]) await ctl("set", k, `name of ${k}`);
      await setRaw(h, "default", "user:bin", new Uint8Array([0xfe]));
      await ctl("set", "user:long", "x".repeat(100));
      await ctl("set", "user:nl", "a\nb");
      const scan = await ctl("scan", "user:");
      assert.equal(scan.code, 0);
      assert.equal(scan.stderr, "");
      assert.deepEqual(lines(scan.stdout), [
        "KEY         VALUE",
        "user:1      name of user:1",
        "user:2      name of user:2",
        "user:3      name of user:3",
        "user:bin    base64:/g==",
        `user:long   ${"x".repeat(79)}…`,
        "user:nl     base64:YQpi",
      ]);
      const scanJson = await ctl("scan", "user:", "--json");
      assert.equal(scanJson.code, 0);
      const entries = json(scanJson.stdout).sort((a, b) => a.key < b.key ? -1 : 1);
      assert.equal(entries.length, 6);
      assert.deepEqual(entries[0], { key: "user:1", value: "name of user:1" });
      assert.deepEqual(entries[3], { key: "user:bin", value_base64: "/g==" });
      assert.deepEqual(entries[4], { key: "user:long", value: "x".repeat(100) });
      const limited = await ctl("scan", "user:", "--limit", "2");
      assert.equal(limited.code, 0);
      assert.equal(lines(limited.stdout).length, 3);
      assert.equal(
        limited.stderr,
        "prism ctl: scan: showing the first 2 keys; more match (--limit 0 shows all)\n",
      );
      const one = await ctl("scan", "user:", "--limit=1", "--json");
      assert.equal(json(one.stdout).length, 1);
      assert.match(one.stderr, /showing the first 1 key; more match/);
      const exact = await ctl("scan", "user:", "--limit", "6");
      assert.equal(exact.stderr, "", "no note when exactly the limit matched");
      assert.equal(lines((await ctl("scan", "user:", "--limit", "0")).stdout).length, 7);
      assert.equal(lines((await ctl("scan")).stdout).length > 10, true, "no prefix: every key");
      assert.deepEqual(await ctl("scan", "none:"), {
        code: 0,
        stdout: "",
        stderr: 'No keys with prefix "none:" in namespace "default".\n',
      });
      assert.deepEqual(await ctl("scan", "none:", "--json"), { code: 0, stdout: "", stderr: "" });

      // del: "deleted", then "(not found)" (still exit 0: the key is gone either way).
      assert.deepEqual(await ctl("del", "user:1"), { code: 0, stdout: "deleted\n", stderr: "" });
      assert.deepEqual(await ctl("del", "user:1"), {
        code: 0,
        stdout: "(not found)\n",
        stderr: "",
      });
      assert.deepEqual(await ctl("del", "user:2", "--json"), {
        code: 0,
        stdout: '{"key":"user:2","deleted":true}\n',
        stderr: "",
      });
      assert.deepEqual(await ctl("del", "user:2", "--json"), {
        code: 0,
        stdout: '{"key":"user:2","deleted":false}\n',
        stderr: "",
      });

      // Lists: push appends (--left prepends), pop takes the first (--right the last).
      assert.deepEqual(await ctl("push", "q", "a"), { code: 0, stdout: "length 1\n", stderr: "" });
      assert.deepEqual(await ctl("push", "q", "b", "--json"), {
        code: 0,
        stdout: '{"list":"q","length":2}\n',
        stderr: "",
      });
      assert.equal((await ctl("push", "q", "first", "--left")).stdout, "length 3\n");
      assert.equal((await ctl("push", "q", "last", "--right")).stdout, "length 4\n");
      assert.deepEqual(await ctl("len", "q"), { code: 0, stdout: "4\n", stderr: "" });
      assert.equal((await ctl("len", "q", "--json")).stdout, '{"list":"q","length":4}\n');
      assert.equal((await ctl("len", "missing")).stdout, "0\n");
      assert.deepEqual(await ctl("pop", "q"), { code: 0, stdout: "first\n", stderr: "" });
      assert.deepEqual(await ctl("pop", "q", "--right"), { code: 0, stdout: "last\n", stderr: "" });
      assert.deepEqual(await ctl("pop", "q", "--json"), {
        code: 0,
        stdout: '{"list":"q","found":true,"value":"a"}\n',
        stderr: "",
      });
      assert.equal((await ctl("pop", "q", "--left")).stdout, "b\n");
      assert.deepEqual(await ctl("pop", "q"), { code: 1, stdout: "(empty)\n", stderr: "" });
      assert.deepEqual(await ctl("pop", "q", "--json"), {
        code: 1,
        stdout: '{"list":"q","found":false}\n',
        stderr: "",
      });
    } finally {
      await h.stop();
    }
  },
);

Deno.test({
  name: "ctl: a failed call is one line naming the method and status; exit 1",
}, async () => {
  const h = await startTestProxy(`namespaces: [{ name: default, backend: memstore }]\n`);
  const ctl = (...args: string[]) => runCtlCaptured(["--target", h.address, ...args]);
  try {
    const cases: [string[], RegExp][] = [
      [["publish", "t", "p"], /^prism ctl: Publish: UNIMPLEMENTED: .*memstore.*pubsub/],
      [["subscribe", "t"], /^prism ctl: Subscribe: UNIMPLEMENTED: .*memstore/],
      [["append", "s", "p"], /^prism ctl: Append: UNIMPLEMENTED: .*memstore.*stream/],
      [["read", "s"], /^prism ctl: Read: UNIMPLEMENTED: /],
      [
        ["-n", "nope", "get", "k"],
        /^prism ctl: Get: NOT_FOUND: namespace "nope" is not configured \(configured: default\)$/,
      ],
      [["-n", "nope", "scan"], /^prism ctl: Scan: NOT_FOUND: /],
      [["set", "k".repeat(5000), "v"], /^prism ctl: Set: INVALID_ARGUMENT: .*key/],
      [["push", "plain", "v"], /^prism ctl: PushRight: FAILED_PRECONDITION: /],
      [["pop", "plain", "--right"], /^prism ctl: PopRight: FAILED_PRECONDITION: /],
      [["len", "plain"], /^prism ctl: Length: FAILED_PRECONDITION: /],
    ];
    assert.equal((await ctl("set", "plain", "v")).code, 0);
    for (const [args, expected] of cases) {
      for (const extra of [[], ["--json"]]) {
        const r = await ctl(...args, ...extra);
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
        assert.equal(r.stdout, "");
        assert.match(r.stderr.trimEnd(), expected);
        assert.equal(lines(r.stderr).length, 1, r.stderr);
      }
    }
  } finally {
    await h.stop();
  }

  // Nothing listens: UNAVAILABLE, saying how to point --target elsewhere.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const free = `127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
  l.close();
  for (const args of [["get", "k"], ["scan"], ["subscribe", "t"]]) {
    const r = await runCtlCaptured(["--target", free, ...args]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(
        `^prism ctl: (Get|Scan|Subscribe): UNAVAILABLE: cannot connect to ${free}: .*` +
          `\\(is the proxy running at ${free}\\? --target HOST:PORT sets the address\\)\\n$`,
      ),
    );
  }
});

Deno.test("ctl: usage errors exit 2 with one line; help exits 0", async () => {
  const help = await runCtlCaptured(["--help"]);
  assert.deepEqual(help, { code: 0, stdout: USAGE + "\n", stderr: "" });
  assert.equal((await runCtlCaptured(["get", "-h"])).code, 0);
  for (
    const [args, message] of [
      [[], "missing COMMAND (see prism ctl --help)"],
      [["frob"], 'unknown command "frob"'],
      [["get", "k", "--frob"], 'unknown flag "--frob"'],
      [["set", "k", "v", "--ttl", "soon"], "--ttl: must be a whole number of seconds"],
      [["get"], "get: missing KEY"],
      [
        ["--token-env", "PRISM_CTL_NOT_SET", "get", "k"],
        '--token-env: environment variable "PRISM_CTL_NOT_SET"',
      ],
      [
        ["--tls-ca", "/nonexistent/ca.pem", "get", "k"],
        '--tls-ca: cannot read "/nonexistent/ca.pem"',
      ],
    ] as [string[], string][]
  ) {
    const r = await runCtlCaptured(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    assert.ok(r.stderr.startsWith(`prism ctl: ${message}`), r.stderr);
    assert.equal(lines(r.stderr).length, 1);
  }
  const notPem = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(notPem, "not a certificate\n");
    const r = await runCtlCaptured(["--tls-ca", notPem, "get", "k"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `prism ctl: --tls-ca: no PEM certificate in "${notPem}"\n`);
  } finally {
    await Deno.remove(notPem);
  }
  // The default environment is the process's.
  const missing = await runCtl(["--token-env", "PRISM_CTL_NOT_SET_EITHER", "get", "k"], {
    stdout: () => {},
    stderr: () => {},
  });
  assert.equal(missing, 2);
});

Deno.test(
  { name: "ctl: --tls-ca calls a TLS proxy, trusting only that CA" },
  async () => {
    const certs = await makeCertificates();
    const h = await startTestProxy(
      `tls: { cert_file: "${certs.certFile}", key_file: "${certs.keyFile}" }\nnamespaces: [{ name: default, backend: memstore }]\n`,
    );
    const port = h.address.split(":")[1];
    try {
      for (const target of [h.address, `localhost:${port}`]) {
        const ctl = (...args: string[]) =>
          runCtlCaptured(["--target", target, "--tls-ca", certs.caFile, ...args]);
        assert.deepEqual(await ctl("set", "k", "over tls"), {
          code: 0,
          stdout: "OK\n",
          stderr: "",
        });
        assert.equal((await ctl("get", "k")).stdout, "over tls\n");
        assert.equal(lines((await ctl("scan")).stdout).length, 2);
        // A call that fails on the server is an ordinary status.
        const r = await ctl("-n", "nope", "get", "k");
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^prism ctl: Get: NOT_FOUND: /);
      }
      // Another CA's certificate is refused before any call.
      const other = await makeCertificates();
      try {
        const r = await runCtlCaptured([
          "--target",
          h.address,
          "--tls-ca",
          other.caFile,
          "get",
          "k",
        ]);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(
          r.stderr,
          new RegExp(`^prism ctl: cannot connect to ${h.address} over TLS: .*certificate`),
        );
      } finally {
        await other.remove();
      }
      // Plaintext to a TLS port fails (exit 1), and TLS to a plaintext port too.
      const plain = await runCtlCaptured(["--target", h.address, "get", "k"]);
      assert.equal(plain.code, 1);
      assert.match(plain.stderr, /^prism ctl: Get: UNAVAILABLE: /);
    } finally {
      await h.stop();
    }
    const p = await startTestProxy(`namespaces: [{ name: default, backend: memstore }]\n`);
    try {
      const r = await runCtlCaptured(["--target", p.address, "--tls-ca", certs.caFile, "get", "k"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^prism ctl: cannot connect to ${p.address} over TLS: `));
      // Nothing listening.
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const free = `127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
      l.close();
      const none = await runCtlCaptured(["--target", free, "--tls-ca", certs.caFile, "get", "k"]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, new RegExp(`^prism ctl: cannot connect to ${free} over TLS: `));
    } finally {
      await p.stop();
      await certs.remove();
    }
  },
);

Deno.test({ name: "ctl: --token and --token-env send a bearer token" }, async () => {
  const secretText = "a development secret of at least 32 bytes";
  Deno.env.set("PRISM_CTL_TEST_JWT_SECRET", secretText);
  const h = await startTestProxy(
    `auth: { jwt: { issuer: "https://id.test", audience: prism, hs256_secret_env: PRISM_CTL_TEST_JWT_SECRET } }\nnamespaces: [{ name: default, backend: memstore }]\n`,
  );
  const sign = (scope: string) =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://id.test")
      .setAudience("prism")
      .setSubject("operator")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(secretText));
  try {
    const writer = await sign("prism:default:write");
    const reader = await sign("prism:default:read");
    const env = { WRITER: writer, READER: reader };
    const ctl = (...args: string[]) => runCtlCaptured(["--target", h.address, ...args], { env });
    const anonymous = await ctl("get", "k");
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /^prism ctl: Get: UNAUTHENTICATED: .*missing bearer token/);
    assert.deepEqual(await ctl("--token-env", "WRITER", "set", "k", "v"), {
      code: 0,
      stdout: "OK\n",
      stderr: "",
    });
    assert.equal((await ctl("--token", writer, "get", "k")).stdout, "v\n");
    assert.equal((await ctl("--token-env", "READER", "get", "k")).stdout, "v\n");
    const denied = await ctl("--token-env", "READER", "del", "k");
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^prism ctl: Delete: PERMISSION_DENIED: .*prism:default:write/);
    const bad = await ctl("--token", "not.a.jwt", "get", "k");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^prism ctl: Get: UNAUTHENTICATED: /);
    assert.ok(!bad.stderr.includes("not.a.jwt"), "the token is never echoed");
  } finally {
    await h.stop();
    Deno.env.delete("PRISM_CTL_TEST_JWT_SECRET");
  }
});

Deno.test({ name: "ctl: a closed stdout ends the command quietly" }, async () => {
  const h = await startTestProxy(`namespaces: [{ name: default, backend: memstore }]\n`);
  try {
    for (let i = 0; i < 5; i++) await runCtlCaptured(["--target", h.address, "set", `k${i}`, "v"]);
    let writes = 0;
    let stderr = "";
    const code = await runCtl(["--target", h.address, "--json", "scan"], {
      stdout: () => {
        writes++;
        throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
      },
      stderr: (t) => (stderr += t),
    });
    assert.equal(code, 0);
    assert.equal(writes, 1, "nothing more is written once the pipe is closed");
    assert.equal(stderr, "");
    // Other write errors are not swallowed.
    await assert.rejects(
      runCtl(["--target", h.address, "get", "k0"], {
        stdout: () => {
          throw new Error("disk full");
        },
        stderr: () => {},
      }),
      /disk full/,
    );
  } finally {
    await h.stop();
  }
});

Deno.test({ name: "ctl: commands refuse what is not a data command" }, () => {
  const client = new GrpcClient("127.0.0.1:1");
  try {
    const ctx = {
      client,
      namespace: "default",
      json: false,
      out: () => {},
      err: () => {},
      interrupt: new AbortController().signal,
    };
    assert.throws(() => runCommand(parseCtlArgs(["status"]), ctx), /not a data command: status/);
  } finally {
    client.close();
  }
  const failed = new CallFailed("Get", 14, "down", true);
  assert.equal(failed.message, "Get: UNAVAILABLE: down");
  assert.equal(failed.transport, true);
  assert.equal(new CallFailed("Get", 99, "odd").message, "Get: CODE_99: odd");
});
