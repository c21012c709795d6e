/**
 * Installs the external tools the tests need when they are missing, from the
 * package registries only (the machine reaches nothing else):
 *
 * - `grpcurl` (pinned) with `go install`: the reflection test uses it; it is
 *   skipped with a message where Go is not installed.
 *
 * - `h2load` (Debian's nghttp2-client) with apt-get when running as root:
 *   the connection-churn test and the benchmarks drive HTTP/2 load with it.
 *
 * - `redis-server` (Debian's redis-server) with apt-get when running as root:
 *   the redis plugin's tests run a real Redis (`tests/_redis.ts`).
 *
 * - `ghz` (pinned) with `go install`: the load tester's cross-check
 *   (`tests/load_ghz_test.ts`) and the interop tests; skipped with a message
 *   where Go is missing.
 *
 * - `h2spec` (pinned) with `go install`: the HTTP/2 conformance suite run
 *   against the proxy and a plugin (`tests/h2spec_test.ts`).
 *
 * - `promtool` (pinned) with `go install`: Prometheus's own check of the
 *   proxy's `/metrics` exposition (`tests/metrics_test.ts`).
 *
 * - Python's `grpcio` (pinned) with pip: an independent gRPC client for the
 *   interop tests (`tests/interop_test.ts`); skipped where Python is missing.
 *
 * - the newest Deno the registries carry ({@linkcode NEWEST_DENO}, the
 *   `deno` wheel on PyPI) into `.cache/`: `deno task test` runs the
 *   transport's hostile-client tests on it too (the project pins an older
 *   one; see the README).
 *
 * - `chromium` (Debian's chromium) with apt-get when running as root: the
 *   load tester's HTML report is opened headless (`tests/load_html_test.ts`).
 *
 * - `kcat` (Debian's kcat) with apt-get when running as root: a Kafka
 *   command-line client, for poking at the test broker by hand.
 *
 * - Apache Kafka's jars, of every version the harness runs (`tasks/kafka/pom.xml`,
 *   `pom-4.xml`), with Maven into
 *   `.cache/kafka/`: the kafka plugin's tests run a real broker
 *   (`tests/_kafka.ts`). Where mvn or java is missing this says so, and the
 *   tests that need Kafka fail with the same message.
 *
 * Idempotent and quick when everything is present. `deno task test` runs it.
 *
 * @module
 */
import { findExecutable, goBinDirs } from "./tools.ts";
import { ensureKafka, KAFKA_VERSIONS } from "./kafka/broker.ts";

/** Go tools and their pinned versions. */
export const GO_TOOLS = {
  grpcurl: "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3",
  ghz: "github.com/bojand/ghz/cmd/ghz@v0.121.0",
  h2spec: "github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible",
  promtool: "github.com/prometheus/prometheus/cmd/promtool@v0.316.0",
} as const;

/** Python packages the tests use (pip), pinned. */
export const PYTHON_PACKAGES = { grpc: "grpcio==1.85.3" } as const;

/**
 * The newest Deno on the registries (PyPI's `deno` wheel; npm's stops at
 * 2.9.6).
 *
 * @example
 * ```ts
 * import { NEWEST_DENO } from "./ensure_tools.ts";
 * console.log(NEWEST_DENO); // "2.9.8"
 * ```
 */
export const NEWEST_DENO = "2.9.8";

const NEWEST_DENO_BIN = new URL(`../.cache/deno-${NEWEST_DENO}/deno`, import.meta.url).pathname;

/**
 * Puts Deno {@linkcode NEWEST_DENO} into `.cache/` from PyPI's wheel (pip
 * downloads it; the binary is one file in it) unless it is there; resolves
 * with its path, or undefined (with a message) when Python or pip cannot.
 */
export async function ensureNewestDeno(): Promise<string | undefined> {
  if (await Deno.stat(NEWEST_DENO_BIN).then((i) => i.isFile, () => false)) return NEWEST_DENO_BIN;
  const python = await findExecutable("python3");
  if (!python) {
    console.log(`deno ${NEWEST_DENO}: Python is missing; the tests on it are skipped`);
    return undefined;
  }
  const dir = await Deno.makeTempDir({ prefix: "prism-deno-wheel-" });
  try {
    console.log(`deno ${NEWEST_DENO}: downloading PyPI's wheel with pip ...`);
    const script = [
      "import glob, os, sys, zipfile",
      "wheel = glob.glob(os.path.join(sys.argv[1], '*.whl'))[0]",
      "with zipfile.ZipFile(wheel) as z:",
      "    name = next(n for n in z.namelist() if n.endswith('/scripts/deno'))",
      "    data = z.read(name)",
      "os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)",
      "tmp = sys.argv[2] + '.partial'",
      "open(tmp, 'wb').write(data)",
      "os.chmod(tmp, 0o755)",
      "os.replace(tmp, sys.argv[2])",
    ].join("\n");
    for (
      const args of [
        [
          "-m",
          "pip",
          "download",
          `deno==${NEWEST_DENO}`,
          "--no-deps",
          "--only-binary=:all:",
          "--quiet",
          "--disable-pip-version-check",
          "-d",
          dir,
        ],
        ["-c", script, dir, NEWEST_DENO_BIN],
      ]
    ) {
      const out = await new Deno.Command(python, { args, stdout: "inherit", stderr: "inherit" })
        .output();
      if (!out.success) {
        console.log(`deno ${NEWEST_DENO}: python exited ${out.code}; the tests on it are skipped`);
        return undefined;
      }
    }
    return NEWEST_DENO_BIN;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Installs a pinned Python package unless `import <module>` already works;
 * false when Python or pip is missing.
 */
export async function ensurePythonPackage(module: keyof typeof PYTHON_PACKAGES): Promise<boolean> {
  const python = await findExecutable("python3");
  if (!python) {
    console.log(`${PYTHON_PACKAGES[module]}: Python is missing; tests that need it are skipped`);
    return false;
  }
  const probe = await new Deno.Command(python, {
    args: ["-c", `import ${module}`],
    stdout: "null",
    stderr: "null",
  }).output();
  if (probe.success) return true;
  console.log(`${PYTHON_PACKAGES[module]}: installing with pip ...`);
  const out = await new Deno.Command(python, {
    args: [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      PYTHON_PACKAGES[module],
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    console.log(
      `${PYTHON_PACKAGES[module]}: pip exited ${out.code}; tests that need it are skipped`,
    );
    return false;
  }
  return true;
}

/** Installs a pinned Go tool unless it is already there; false when Go is missing. */
export async function ensureGoTool(name: keyof typeof GO_TOOLS): Promise<boolean> {
  if (await findExecutable(name, goBinDirs())) return true;
  const go = await findExecutable("go", ["/usr/local/go/bin"]);
  if (!go) {
    console.log(`${name}: not installed and Go is missing; tests that need it are skipped`);
    return false;
  }
  console.log(`${name}: installing ${GO_TOOLS[name]} with go install ...`);
  const out = await new Deno.Command(go, {
    args: ["install", GO_TOOLS[name]],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Cannot install ${name}: 'go install' exited ${out.code}`);
  return true;
}

/** Debian packages the tests use, by the executable they provide. */
export const DEBIAN_TOOLS = {
  h2load: "nghttp2-client",
  "redis-server": "redis-server",
  chromium: "chromium",
  kcat: "kcat",
} as const;

let aptUpdated = false;

/**
 * Installs a Debian package for `binary` unless it is already on PATH; false
 * when it cannot (no apt-get, or not root).
 */
export async function ensureDebianTool(binary: keyof typeof DEBIAN_TOOLS): Promise<boolean> {
  if (await findExecutable(binary)) return true;
  const apt = await findExecutable("apt-get");
  if (!apt || Deno.uid() !== 0) {
    console.log(
      `${binary}: not installed (apt-get install ${
        DEBIAN_TOOLS[binary]
      }); tests that need it are skipped`,
    );
    return false;
  }
  const run = async (args: string[]) => {
    const out = await new Deno.Command(apt, {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!out.success) {
      throw new Error(
        `Cannot install ${DEBIAN_TOOLS[binary]}: 'apt-get ${args.join(" ")}' exited ${out.code}`,
      );
    }
  };
  console.log(`${binary}: installing Debian package ${DEBIAN_TOOLS[binary]} ...`);
  if (!aptUpdated) {
    await run(["update", "-qq"]);
    aptUpdated = true;
  }
  await run(["install", "-y", "-qq", DEBIAN_TOOLS[binary]]);
  return true;
}

if (import.meta.main) {
  for (const name of Object.keys(GO_TOOLS) as (keyof typeof GO_TOOLS)[]) await ensureGoTool(name);
  for (const name of Object.keys(PYTHON_PACKAGES) as (keyof typeof PYTHON_PACKAGES)[]) {
    await ensurePythonPackage(name);
  }
  await ensureNewestDeno();
  for (const name of Object.keys(DEBIAN_TOOLS) as (keyof typeof DEBIAN_TOOLS)[]) {
    await ensureDebianTool(name);
  }
  for (const version of KAFKA_VERSIONS) {
    try {
      await ensureKafka(version);
    } catch (err) {
      console.log(
        `kafka: Apache Kafka ${version} is not available (${
          (err as Error).message
        }); tests that need a Kafka ${version} broker fail`,
      );
    }
  }
}
