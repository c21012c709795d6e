import assert from "node:assert/strict";
import { COMMANDS, DEFAULT_LIMIT, parseCtlArgs, USAGE, UsageError } from "./flags.ts";

const noEnv = () => undefined;
const parse = (args: string[], env: (n: string) => string | undefined = noEnv) =>
  parseCtlArgs(args, env);

/** The usage error `args` cause (asserting there is one). */
function usage(args: string[], env: (n: string) => string | undefined = noEnv): string {
  try {
    parse(args, env);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  assert.fail(`no usage error for ${JSON.stringify(args)}`);
}

Deno.test("flags: defaults", () => {
  const inv = parse(["get", "k"]);
  assert.equal(inv.command, "get");
  assert.deepEqual(inv.args, ["k"]);
  assert.deepEqual(inv.options, {
    target: "127.0.0.1:8980",
    admin: "127.0.0.1:9980",
    namespace: "default",
    json: false,
  });
  assert.equal(inv.help, false);
  assert.equal(inv.limit, DEFAULT_LIMIT);
  assert.equal(inv.max, DEFAULT_LIMIT);
  assert.equal(inv.from, 0);
  assert.equal(inv.ttl, undefined);
});

Deno.test("flags: global options anywhere, in every spelling", () => {
  for (
    const args of [
      ["--target", "10.0.0.1:81", "-n", "cache", "--json", "get", "k"],
      ["get", "k", "--target=10.0.0.1:81", "--namespace=cache", "--json"],
      ["--json", "get", "-ncache", "k", "--target", "10.0.0.1:81"],
      ["-n=cache", "get", "--target", "10.0.0.1:81", "k", "--json"],
    ]
  ) {
    const inv = parse(args);
    assert.equal(inv.command, "get", args.join(" "));
    assert.deepEqual(inv.args, ["k"]);
    assert.equal(inv.options.target, "10.0.0.1:81");
    assert.equal(inv.options.namespace, "cache");
    assert.equal(inv.options.json, true);
  }
  assert.equal(parse(["--admin", "[::1]:9000", "status"]).options.admin, "[::1]:9000");
});

Deno.test("flags: command flags and positional values", () => {
  const set = parse(["set", "k", "v", "--ttl", "60"]);
  assert.deepEqual([set.command, set.args, set.ttl], ["set", ["k", "v"], 60]);
  assert.equal(parse(["set", "k", "", "--ttl=0"]).ttl, 0, "empty values are values");
  assert.deepEqual(parse(["set", "k", "-5"]).args, ["k", "-5"], "negative numbers are values");
  assert.deepEqual(parse(["set", "k", "-"]).args, ["k", "-"]);
  assert.deepEqual(parse(["set", "--", "-k", "--json"]).args, ["-k", "--json"]);
  assert.equal(parse(["set", "--", "-k", "--json"]).options.json, false);
  assert.deepEqual(parse(["scan"]).args, [], "PREFIX is optional");
  assert.equal(parse(["scan", "user:", "--limit", "0"]).limit, 0);
  assert.equal(parse(["scan", "--limit", "2147483647"]).limit, 2147483647);
  const read = parse(["read", "s", "--from", "9007199254740991", "--max=3"]);
  assert.deepEqual([read.from, read.max], [Number.MAX_SAFE_INTEGER, 3]);
  // push appends and pop takes the first unless told otherwise (a queue).
  assert.equal(parse(["push", "q", "v"]).side, "right");
  assert.equal(parse(["push", "q", "v", "--left"]).side, "left");
  assert.equal(parse(["push", "q", "v", "--right"]).side, "right");
  assert.equal(parse(["pop", "q"]).side, "left");
  assert.equal(parse(["pop", "q", "--right"]).side, "right");
  assert.equal(parse(["pop", "q", "--left"]).side, "left");
  for (const name of Object.keys(COMMANDS)) assert.ok(USAGE.includes(`  ${name}`), name);
});

Deno.test("flags: help wins over everything else", () => {
  assert.equal(parse(["-h"]).help, true);
  assert.equal(parse(["--help"]).help, true);
  assert.equal(parse(["get", "--frob", "--help"]).help, true);
  assert.equal(parse(["set", "k", "--", "--help"]).help, false, "a value after --");
  const inv = parse(["--target", "nope", "--help"]);
  assert.equal(inv.help, true);
  assert.equal(inv.command, undefined);
});

Deno.test("flags: tokens from the flag or the environment, never echoed", () => {
  assert.equal(parse(["--token", "abc.def", "len", "q"]).options.token, "abc.def");
  const env = (n: string) =>
    ({ TOK: " xyz.1\n", EMPTY: "", BAD: "a b" } as Record<string, string>)[n];
  assert.equal(parse(["--token-env", "TOK", "len", "q"], env).options.token, "xyz.1", "trimmed");
  assert.equal(
    usage(["--token-env", "NOPE", "len", "q"], env),
    '--token-env: environment variable "NOPE" is not set or empty',
  );
  assert.match(usage(["--token-env", "EMPTY", "len", "q"], env), /"EMPTY" is not set or empty/);
  const bad = usage(["--token-env", "BAD", "len", "q"], env);
  assert.match(bad, /--token-env: the value of "BAD" is not a token/);
  assert.ok(!bad.includes("a b"));
  const secret = usage(["--token", "s3cr\u00e9t", "len", "q"]);
  assert.match(secret, /^--token: the token is not a token/);
  assert.ok(!secret.includes("s3cr"));
  assert.match(usage(["--token", "", "len", "q"]), /^--token: /);
  assert.match(
    usage(["--token-env", "1X", "len", "q"]),
    /--token-env: not an environment variable name: "1X"/,
  );
  assert.match(
    usage(["--token", "a", "--token-env", "TOK", "len", "q"], env),
    /--token: cannot be combined with --token-env/,
  );
  // The process environment by default.
  Deno.env.set("PRISM_CTL_FLAGS_TEST_TOKEN", "from-env");
  try {
    assert.equal(
      parseCtlArgs(["--token-env", "PRISM_CTL_FLAGS_TEST_TOKEN", "len", "q"]).options.token,
      "from-env",
    );
  } finally {
    Deno.env.delete("PRISM_CTL_FLAGS_TEST_TOKEN");
  }
});

Deno.test("flags: bad usage names the flag or argument and the value", () => {
  const cases: [string[], string | RegExp][] = [
    [[], "missing COMMAND (see prism ctl --help)"],
    [["--json"], "missing COMMAND (see prism ctl --help)"],
    [["frob"], /^unknown command "frob" \(expected status, get, set, /],
    [["toString"], /^unknown command "toString"/],
    [["--frob", "get", "k"], 'unknown flag "--frob" (see prism ctl --help)'],
    [["get", "k", "-x"], 'unknown flag "-x" (see prism ctl --help)'],
    [["get", "k", "--frob=1"], 'unknown flag "--frob" (see prism ctl --help)'],
    [["get"], "get: missing KEY (usage: prism ctl get KEY)"],
    [["set", "k"], "set: missing VALUE (usage: prism ctl set KEY VALUE [--ttl S])"],
    [["read"], "read: missing STREAM (usage: prism ctl read STREAM [--from N] [--max M])"],
    [["get", "a", "b"], 'get: unexpected argument "b" (usage: prism ctl get KEY)'],
    [["status", "x"], 'status: unexpected argument "x" (usage: prism ctl status)'],
    [["get", ""], "get: KEY must not be empty"],
    [["push", "", "v"], "push: LIST must not be empty"],
    [["publish", "", "p"], "publish: TOPIC must not be empty"],
    [["read", ""], "read: STREAM must not be empty"],
    [["get", "k", "--ttl", "5"], '--ttl: not a flag of "get" (only of set)'],
    [["get", "k", "--left"], '--left: not a flag of "get" (only of push, pop)'],
    [["scan", "--max", "5"], '--max: not a flag of "scan" (only of read)'],
    [["set", "k", "v", "--ttl", "x"], /^--ttl: must be a whole number of seconds .*: "x"$/],
    [["set", "k", "v", "--ttl", "-1"], /^--ttl: must be .*: "-1"$/],
    [["set", "k", "v", "--ttl", "1.5"], /^--ttl: must be .*: "1.5"$/],
    [["set", "k", "v", "--ttl", ""], /^--ttl: must be .*: ""$/],
    [["set", "k", "v", "--ttl", "99999999999999999999"], /^--ttl: must be /],
    [
      ["scan", "--limit", "2147483648"],
      /^--limit: must be a whole number from 0 .*: "2147483648"$/,
    ],
    [["read", "s", "--from", "-3"], /^--from: must be an offset .*: "-3"$/],
    [["read", "s", "--max", "1e3"], /^--max: must be .*: "1e3"$/],
    [
      ["get", "k", "--target", "nowhere"],
      '--target: invalid address "nowhere" (expected HOST:PORT)',
    ],
    [["status", "--admin", "h:99999"], '--admin: invalid address "h:99999" (expected HOST:PORT)'],
    [["get", "k", "--target"], "--target: missing value"],
    [["get", "k", "--target", "--json"], "--target: missing value"],
    [["get", "k", "-n"], "-n: missing value"],
    [["get", "k", "-n", ""], '--namespace: must not be empty: ""'],
    [["get", "k", "--namespace="], '--namespace: must not be empty: ""'],
    [["get", "k", "-n", "a", "--namespace", "b"], "--namespace: given twice"],
    [["get", "k", "--json=true"], '--json: takes no value: "--json=true"'],
    [["push", "q", "v", "--left", "--right"], "--left: cannot be combined with --right (give one)"],
    [["get", "k", "--tls-ca", ""], '--tls-ca: must name a file: ""'],
  ];
  for (const [args, expected] of cases) {
    const message = usage(args);
    if (typeof expected === "string") assert.equal(message, expected, args.join(" "));
    else assert.match(message, expected, args.join(" "));
  }
});
