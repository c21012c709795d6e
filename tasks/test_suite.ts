/**
 * `deno task test`: everything a contributor needs to pass (CONTRACT §1).
 *
 * 0. installs missing test tools (`tasks/ensure_tools.ts`);
 * 1. builds the memstore WebAssembly module when its source is newer;
 * 2. checks that `proto/gen/` matches the .proto files;
 * 3. `deno fmt --check`, `deno lint`, `deno check`;
 * 4. runs every test with coverage (subprocesses spawned by tests add their
 *    own coverage through `PRISM_COVERAGE_DIR`), then the kafka suites again
 *    on each other Kafka version the harness runs (4.x), and the transport's
 *    hostile-client tests on the newest Deno;
 * 5. enforces the coverage gates on the lcov report.
 *
 * Extra arguments are passed to `deno test` (e.g. `deno task test --filter memstore`);
 * `--no-gate` skips the gates (useful with a filter).
 *
 * @module
 */
import { checkCoverage, type Gate } from "./coverage_gate.ts";
import { KAFKA_VERSION, KAFKA_VERSIONS } from "./kafka/broker.ts";
import { ensureNewestDeno, NEWEST_DENO } from "./ensure_tools.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const COVERAGE_RAW = `${ROOT}coverage/raw`;
const LCOV = `${ROOT}coverage/lcov.info`;

/** What `deno check` covers (AssemblyScript under wasm/ is checked by its compiler). */
const TYPE_CHECKED = ["prism.ts", "proxy", "proto", "tasks", "tests", "plugins"];

/** Coverage gates; a gate applies once its component's folder exists. */
const GATES: (Gate & { folder: string })[] = [
  { name: "proxy", folder: "proxy", prefixes: ["proxy/"], minPercent: 85 },
  {
    name: "memstore host",
    folder: "proxy/wasm_host",
    prefixes: ["proxy/wasm_host/"],
    minPercent: 85,
  },
  { name: "plugin SDK", folder: "plugins/sdk", prefixes: ["plugins/sdk/"], minPercent: 85 },
  { name: "redis plugin", folder: "plugins/redis", prefixes: ["plugins/redis/"], minPercent: 80 },
  { name: "kafka plugin", folder: "plugins/kafka", prefixes: ["plugins/kafka/"], minPercent: 80 },
  { name: "load tester", folder: "tasks/load", prefixes: ["tasks/load/"], minPercent: 80 },
  { name: "operator CLI", folder: "tasks/ctl", prefixes: ["tasks/ctl/"], minPercent: 80 },
  // The gRPC transport: the proxy's and every plugin's server, their client, the load tester's.
  {
    name: "gRPC transport",
    folder: "proto/transport",
    prefixes: ["proto/transport/"],
    minPercent: 85,
  },
  // What the proxy and the plugins share (the SDK's gate covered the plugin
  // protocol, the proxy's the logger and tracing, before they moved here).
  {
    name: "shared (proto)",
    folder: "proto/plugin",
    prefixes: [
      "proto/plugin/",
      "proto/log/",
      "proto/trace/",
      "proto/metrics/",
      "proto/definitions.ts",
      "proto/status.ts",
      "proto/wire.ts",
      "proto/options.ts",
    ],
    minPercent: 85,
  },
];

async function step(name: string, args: string[], env: Record<string, string> = {}) {
  const t0 = performance.now();
  console.log(`\n== ${name}: deno ${args.join(" ")}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  console.log(
    `== ${name}: ${code === 0 ? "ok" : `FAILED (exit ${code})`} in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    }s`,
  );
  return code;
}

/** Runs `deno test`, echoing its output, and reads its closing summary. */
async function runTests(args: string[], env: Record<string, string>, deno = Deno.execPath()) {
  console.log(`\n== tests: deno ${args.join(" ")}`);
  const t0 = performance.now();
  const child = new Deno.Command(deno, {
    args,
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    output += decoder.decode(chunk, { stream: true });
  }
  const { code } = await child.status;
  // deno test's summary reads e.g. "ok | 12 passed (40 steps) | 0 failed (2s)"
  // (a coverage table may follow it).
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = [...plain.matchAll(/(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g)].at(-1);
  const passed = m ? Number(m[1]) : 0;
  const failed = m ? Number(m[2]) : (code === 0 ? 0 : 1);
  console.log(
    `== tests: ${code === 0 ? "ok" : `FAILED (exit ${code})`} in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    }s`,
  );
  return { code, passed, failed };
}

/** The modules whose JSDoc examples run: every non-test module outside `proto/gen/` and `tests/`. */
async function documentedModules(): Promise<string[]> {
  const out = ["prism.ts"];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) {
        if (path !== "proto/gen" && e.name !== "node_modules") await walk(path);
      } else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(path);
    }
  };
  for (const dir of ["proxy", "plugins", "proto", "tasks"]) await walk(dir);
  return out.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const extra = Deno.args.filter((a) => a !== "--no-gate");
  const gate = !Deno.args.includes("--no-gate");

  if (await step("tools", ["run", "-A", "tasks/ensure_tools.ts"]) !== 0) return 1;
  if (await step("build wasm", ["run", "-A", "tasks/build_wasm.ts"]) !== 0) return 1;
  if (await step("proto up to date", ["run", "-A", "tasks/gen_proto.ts", "--check"]) !== 0) {
    return 1;
  }
  if (await step("format", ["fmt", "--check"]) !== 0) return 1;
  if (await step("lint", ["lint"]) !== 0) return 1;
  if (await step("type check", ["check", ...TYPE_CHECKED]) !== 0) return 1;
  // Every `@example` is type-checked and run (those marked `ignore` need a
  // live backend or a process of their own).
  if (await step("doc examples", ["test", "-A", "--doc", ...await documentedModules()]) !== 0) {
    return 1;
  }

  await Deno.remove(`${ROOT}coverage`, { recursive: true }).catch(() => {});
  // DENO_COVERAGE_DIR makes every Deno subprocess the tests start (the proxy
  // as a process, plugin processes) add its coverage too.
  const tests = await runTests(["test", "-A", `--coverage=${COVERAGE_RAW}`, ...extra], {
    PRISM_COVERAGE_DIR: COVERAGE_RAW,
    DENO_COVERAGE_DIR: COVERAGE_RAW,
  });
  // The kafka plugin's suites once more on each other Kafka version the
  // harness runs (the run above used the default, 3.9): its own tests, the
  // proxy's, SASL_SSL, and the conformance suites on a broker and a cluster.
  // Skipped when arguments narrow the run.
  if (extra.length === 0 && tests.code === 0) {
    for (const version of KAFKA_VERSIONS.filter((v) => v !== KAFKA_VERSION)) {
      const env = { PRISM_KAFKA_VERSION: version };
      for (
        const args of [
          ["plugins/kafka/kafka_test.ts", "tests/kafka_test.ts", "tests/kafka_security_test.ts"],
          ["--filter", "conformance: kafka", "tests/conformance/conformance_test.ts"],
        ]
      ) {
        console.log(`\n== tests on Kafka ${version}: deno test -A ${args.join(" ")}`);
        const more = await runTests(["test", "-A", ...args], env);
        tests.passed += more.passed;
        tests.failed += more.failed;
        if (more.code !== 0) tests.code = more.code;
      }
    }
  }
  // The transport's tests against hostile and careless clients once more on
  // the newest Deno (the pin is older, for a crash in node:http2's client
  // that the tests' grpc-js clients would meet; the servers are the
  // project's own and must hold on both). Skipped when arguments narrow the run.
  if (extra.length === 0 && tests.code === 0) {
    const newest = await ensureNewestDeno();
    if (newest !== undefined) {
      const args = [
        "tests/connection_churn_test.ts",
        "tests/h2spec_test.ts",
        "tests/slow_reader_test.ts",
        "proto/transport/",
      ];
      console.log(`\n== tests on Deno ${NEWEST_DENO}: deno test -A ${args.join(" ")}`);
      const more = await runTests(["test", "-A", ...args], {}, newest);
      tests.passed += more.passed;
      tests.failed += more.failed;
      if (more.code !== 0) tests.code = more.code;
    }
  }
  // The plain closing line CI reads, whatever the runner prints.
  console.log(`\ntests: ${tests.passed} passed, ${tests.failed} failed`);
  if (tests.code !== 0) return 1;
  if (!gate) return 0;

  const cov = await new Deno.Command(Deno.execPath(), {
    args: [
      "coverage",
      COVERAGE_RAW,
      "--lcov",
      `--output=${LCOV}`,
      // Task scripts are tooling, except the load tester and the operator CLI, which are product.
      "--exclude=proto/gen/|tests/|_test\\.ts$|tasks/bench/|tasks/[^/]+\\.ts$|_testing\\.ts$",
    ],
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!cov.success) {
    console.error("coverage report failed");
    return 1;
  }
  const gates = [];
  for (const g of GATES) if (await exists(`${ROOT}${g.folder}`)) gates.push(g);
  let results;
  try {
    results = await checkCoverage(LCOV, gates, ROOT);
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
  console.log("\n== coverage gates (line coverage)");
  for (const r of results) {
    console.log(
      `${r.pass ? "ok  " : "FAIL"} ${r.name.padEnd(14)} ${r.percent.toFixed(1).padStart(5)}% ` +
        `(${r.hit}/${r.found} lines, gate ${r.minPercent}%)`,
    );
    if (!r.pass) {
      for (
        const f of r.files.filter((f) => f.hit < f.found).sort((a, b) =>
          a.hit / a.found - b.hit / b.found
        )
      ) {
        console.log(`       ${f.path}: ${f.hit}/${f.found}`);
      }
    }
  }
  return results.every((r) => r.pass) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
