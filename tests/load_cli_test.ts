/**
 * `prism load` as users run it: bad flags exit 2 with one line naming the
 * flag; an unreachable target fails (exit 1) with a clear message in well
 * under 5 s; the error rate against `--max-error-rate` decides the exit
 * code; progress goes to stderr, the summary to stdout, `--out` to a file.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runLoadCaptured, runLoadJson } from "../tasks/load/_testing.ts";
import { runPrism } from "./_process.ts";
import { startTestProxy } from "./_harness.ts";

const MEMSTORE = "namespaces: [{ name: default, backend: memstore }]\n";
const T = ["--target", "127.0.0.1:8980"];

Deno.test("prism load: bad flags exit 2 with one line naming the flag", async () => {
  const cases: [string[], RegExp][] = [
    [["--op", "get"], /^prism load: --target: required/],
    [[...T], /^prism load: --op: required/],
    [["--target", "nowhere", "--op", "get"], /^prism load: --target: invalid address "nowhere"/],
    [[...T, "--op", "gte"], /^prism load: --op: unknown op "gte"/],
    [[...T, "--op", "mixed:set=80,gte=20"], /^prism load: --op: unknown op "gte"/],
    [[...T, "--op", "mixed:set"], /^prism load: --op: invalid mix entry "set"/],
    [[...T, "--op", "mixed:set=1,set=2"], /^prism load: --op: op "set" appears twice/],
    [[...T, "--op", "mixed:set=0"], /^prism load: --op: mix .* has no op with a positive weight/],
    [
      [...T, "--op", "get", "--concurrency", "0"],
      /^prism load: --concurrency: must be a positive integer: "0"/,
    ],
    [[...T, "--op", "get", "--concurrency", "x"], /^prism load: --concurrency: /],
    [
      [...T, "--op", "get", "--duration", "10 parsecs"],
      /^prism load: --duration: invalid duration "10 parsecs"/,
    ],
    [[...T, "--op", "get", "--duration", "0s"], /^prism load: --duration: must be longer than 0/],
    [
      [...T, "--op", "get", "--duration", "1s", "--requests", "5"],
      /^prism load: --duration: cannot be combined with --requests/,
    ],
    [[...T, "--op", "get", "--requests", "-5"], /^prism load: --requests: /],
    [
      [...T, "--op", "get", "--rps", "fast"],
      /^prism load: --rps: must be a positive number: "fast"/,
    ],
    [[...T, "--op", "get", "--value-size", "1e3"], /^prism load: --value-size: /],
    [[...T, "--op", "get", "--value-size", "999999999"], /^prism load: --value-size: at most/],
    [[...T, "--op", "get", "--keys", "0"], /^prism load: --keys: /],
    [[...T, "--op", "get", "--connections", "0"], /^prism load: --connections: /],
    [[...T, "--op", "get", "--workers", "many"], /^prism load: --workers: /],
    [[...T, "--op", "get", "--warmup", "soon"], /^prism load: --warmup: invalid duration "soon"/],
    [
      [...T, "--op", "get", "--profile", "sine"],
      /^prism load: --profile: must be one of constant, ramp, spike: "sine"/,
    ],
    [
      [...T, "--op", "get", "--format", "pdf"],
      /^prism load: --format: must be one of text, json, html: "pdf"/,
    ],
    [[...T, "--op", "get", "--out", ""], /^prism load: --out: must name a file/],
    [
      [...T, "--op", "get", "--max-error-rate", "2"],
      /^prism load: --max-error-rate: must be a number from 0 to 1: "2"/,
    ],
    [[...T, "--op", "get", "--namespace", ""], /^prism load: --namespace: must not be empty/],
    [
      [...T, "--op", "get", "--requests", "5", "--profile", "ramp"],
      /^prism load: --profile: ramp needs --duration/,
    ],
    [[...T, "--op", "get", "--bogus", "1"], /^prism load: unknown flag "--bogus"/],
    [[...T, "--op", "get", "stray"], /^prism load: unexpected argument "stray"/],
    [[...T, "--op", "get", "--rps"], /^prism load: --rps: missing value/],
    [[...T, "--op", "get", "--op", "set"], /^prism load: --op: given twice/],
    [[...T, "--op", "get", "--quiet=yes"], /^prism load: --quiet: takes no value/],
  ];
  for (const [args, expected] of cases) {
    const { code, stderr, stdout } = await runLoadCaptured(args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, expected, args.join(" "));
    assert.equal(stderr.trimEnd().split("\n").length, 1, `one line: ${stderr}`);
    assert.equal(stdout, "");
  }
  const help = await runLoadCaptured(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--max-error-rate/);
});

Deno.test("prism load (subprocess): exit 2 for bad flags, fast exit 1 for an unreachable target", async () => {
  const bad = await runPrism(["load", "--target", "127.0.0.1:1", "--op", "get", "--rps", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rps: must be a positive number: "0"/);

  // A port nobody listens on: refused at once.
  const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (free.addr as Deno.NetAddr).port;
  free.close();
  const t0 = performance.now();
  const refused = await runPrism([
    "load",
    "--target",
    `127.0.0.1:${port}`,
    "--op",
    "get",
    "--duration",
    "30s",
  ]);
  const took = performance.now() - t0;
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    new RegExp(`prism load: cannot connect to 127\\.0\\.0\\.1:${port}: `),
  );
  assert.ok(took < 5000, `took ${took} ms`);
});

Deno.test("prism load: a target that accepts but never speaks HTTP/2 fails within 5 s", async () => {
  // Accepts connections and says nothing.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of silent) held.push(c);
  })();
  // Answers like an HTTP/1.1 server.
  const http1 = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of http1) {
      await c.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n")).catch(() => {});
      held.push(c);
    }
  })();
  try {
    const t0 = performance.now();
    const a = await runLoadCaptured([
      "--target",
      `127.0.0.1:${(silent.addr as Deno.NetAddr).port}`,
      "--op",
      "get",
    ]);
    const took = performance.now() - t0;
    assert.equal(a.code, 1);
    assert.match(
      a.stderr,
      /cannot connect to 127\.0\.0\.1:\d+: no HTTP\/2 handshake within 3000 ms/,
    );
    assert.ok(took < 5000, `took ${took} ms`);
    const b = await runLoadCaptured([
      "--target",
      `127.0.0.1:${(http1.addr as Deno.NetAddr).port}`,
      "--op",
      "get",
    ]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /did not answer with HTTP\/2 SETTINGS/);
  } finally {
    silent.close();
    http1.close();
    for (const c of held) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }
});

Deno.test("prism load: the error rate decides the exit code", async () => {
  const t = await startTestProxy(MEMSTORE);
  try {
    const args = [
      "--target",
      t.address,
      "--namespace",
      "nope",
      "--op",
      "get",
      "--requests",
      "30",
      "--warmup",
      "0s",
    ];
    // Every call fails: NOT_FOUND (namespace not configured); seeding warns.
    const failing = await runLoadCaptured(args);
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /warning: cannot seed keys with Set: NOT_FOUND: /);
    assert.match(failing.stderr, /error rate 100\.00% is over --max-error-rate 1%/);
    assert.match(failing.stdout, /NOT_FOUND\s+30 {2}e\.g\. "/);
    // Tolerated when the limit allows it.
    const tolerated = await runLoadJson([...args, "--max-error-rate", "1"]);
    assert.equal(tolerated.code, 0);
    assert.deepEqual(tolerated.report.errors, { NOT_FOUND: 30 });
    assert.equal(tolerated.report.error_rate, 1);
    // A healthy run exits 0.
    const ok = await runLoadCaptured([
      "--target",
      t.address,
      "--op",
      "set",
      "--requests",
      "30",
      "--warmup",
      "0s",
    ]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await t.stop();
  }
});

Deno.test(
  "prism load: progress on stderr (in place on a TTY), summary on stdout, --out",
  async () => {
    const t = await startTestProxy(MEMSTORE);
    const dir = await Deno.makeTempDir({ prefix: "prism-load-" });
    try {
      const base = [
        "--target",
        t.address,
        "--op",
        "mixed:set=50,get=50",
        "--duration",
        "2s",
        "--warmup",
        "500ms",
        "--concurrency",
        "2",
      ];
      const plain = await runLoadCaptured(base);
      assert.equal(plain.code, 0, plain.stderr);
      const lines = plain.stderr.trimEnd().split("\n");
      assert.ok(lines.length >= 2, plain.stderr);
      assert.match(plain.stderr, /^\[warm-up\] warming up/m);
      assert.match(
        plain.stderr,
        /^\[ {3}1s\] [\d,]+ req\/s {2}errors 0 {2}p99 [\d.]+ ms {2}total [\d,]+$/m,
      );
      assert.ok(!plain.stderr.includes("\r"));
      assert.match(
        plain.stdout,
        /prism load: mixed:set=50,get=50 on 127\.0\.0\.1:\d+ namespace default/,
      );
      assert.match(plain.stdout, /throughput {2}[\d,.]+ req\/s/);
      assert.match(plain.stdout, /^ {2}set {7}/m);
      assert.match(plain.stdout, /^ {2}get {7}/m);

      const out = `${dir}/report.json`;
      const tty = await runLoadCaptured([
        ...base.slice(0, 4),
        "--duration",
        "1500ms",
        "--warmup",
        "0s",
        "--format",
        "json",
        "--out",
        out,
      ], true);
      assert.equal(tty.code, 0, tty.stderr);
      assert.ok(tty.stderr.includes("\r\x1b[2K[   1s] "), JSON.stringify(tty.stderr));
      assert.match(tty.stderr, /wrote the json report to /);
      assert.match(tty.stdout, /throughput/);
      const report = JSON.parse(await Deno.readTextFile(out));
      assert.equal(report.op, "mixed:set=50,get=50");

      const unwritable = await runLoadCaptured([
        ...base.slice(0, 4),
        "--requests",
        "5",
        "--out",
        `${dir}/no/such/dir/r.txt`,
      ]);
      assert.equal(unwritable.code, 1);
      assert.match(unwritable.stderr, /--out: cannot write /);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await t.stop();
    }
  },
);
