/**
 * A real single-node Apache Kafka broker (KRaft: one process is broker and
 * controller) for tests and development, run from the jars on Maven Central
 * (`tasks/kafka/pom.xml`; no Docker, no downloads from kafka.apache.org).
 *
 * - {@linkcode ensureKafka} fetches the jars with Maven into
 *   `.cache/kafka/<version>/libs` once.
 * - Two versions: {@linkcode KAFKA_VERSION} (3.9, `pom.xml`, log4j 1 via
 *   reload4j) by default, and the current 4.x (`pom-4.xml`, log4j2); the
 *   `version` option or `PRISM_KAFKA_VERSION` picks one.
 * - {@linkcode startKafka} formats a data folder, starts `kafka.Kafka` on free
 *   loopback ports and resolves once the broker answers a real Kafka request.
 *
 * As a program it runs a broker in the foreground for development:
 *
 * ```sh
 * deno task kafka              # 127.0.0.1:9092, data in .cache/kafka/dev-data
 * deno task kafka --port 19092
 * deno task kafka --kafka-version 4.4.0
 * ```
 *
 * Needs Java 11+ (`java`) and, the first time, Maven (`mvn`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { findExecutable } from "../tools.ts";

/**
 * The versions the harness runs: the pom listing each one's jars (its
 * `kafka.version` must be the key) and whether it logs with log4j2 (4.x)
 * rather than log4j 1 (3.x, through reload4j).
 */
const VERSIONS = {
  // The newest 3.9.x on Maven Central.
  "3.9.2": { pom: "pom.xml", log4j2: false },
  // The newest release on Maven Central.
  "4.4.0": { pom: "pom-4.xml", log4j2: true },
} as const;

/**
 * A Kafka version the harness runs.
 *
 * @example
 * ```ts
 * import type { KafkaVersion } from "./broker.ts";
 * const v: KafkaVersion = "4.4.0";
 * console.log(v);
 * ```
 */
export type KafkaVersion = keyof typeof VERSIONS;

/**
 * Every version the harness runs, oldest first.
 *
 * @example
 * ```ts
 * import { KAFKA_VERSIONS } from "./broker.ts";
 * console.log(KAFKA_VERSIONS); // ["3.9.2", "4.4.0"]
 * ```
 */
export const KAFKA_VERSIONS = Object.keys(VERSIONS) as KafkaVersion[];

/**
 * The version brokers run unless told otherwise (the newest 3.9.x).
 *
 * @example
 * ```ts
 * import { KAFKA_VERSION } from "./broker.ts";
 * console.log(KAFKA_VERSION); // "3.9.2"
 * ```
 */
export const KAFKA_VERSION: KafkaVersion = "3.9.2";

/**
 * Checks a version asked for; without one, `PRISM_KAFKA_VERSION` or
 * {@linkcode KAFKA_VERSION}.
 *
 * @throws {Error} naming the version when the harness does not run it.
 *
 * @example
 * ```ts
 * import { kafkaVersion } from "./broker.ts";
 * console.log(kafkaVersion("4.4.0")); // "4.4.0"
 * ```
 */
export function kafkaVersion(version?: string): KafkaVersion {
  const from = version === undefined ? "PRISM_KAFKA_VERSION" : "version";
  const asked = version ?? Deno.env.get("PRISM_KAFKA_VERSION") ?? KAFKA_VERSION;
  if (!(asked in VERSIONS)) {
    throw new Error(
      `Cannot run Kafka as '${from}' is not a version the harness knows: current value is ` +
        `${JSON.stringify(asked)} (known: ${KAFKA_VERSIONS.join(", ")})`,
    );
  }
  return asked as KafkaVersion;
}

/** Ready within this long, or `startKafka` fails with the broker's log tail. */
const READY_TIMEOUT_MS = 60_000;
/** A clean stop (SIGTERM) that takes longer than this ends with SIGKILL. */
const STOP_TIMEOUT_MS = 30_000;
/** Lines of broker output kept for `logs()` and error messages. */
const LOG_LINES = 200;
const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"];

const REPO = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** Where a version's pom, jars and class archives are. */
function pathsOf(version: KafkaVersion) {
  const cache = `${REPO}/.cache/kafka/${version}`;
  return {
    pom: fileURLToPath(new URL(`./${VERSIONS[version].pom}`, import.meta.url)),
    cache,
    libs: `${cache}/libs`,
    /** Written last by {@linkcode ensureKafka}: lists the jars of a complete download. */
    marker: `${cache}/libs/.complete.json`,
  };
}

/**
 * JVM flags, measured on a 2-core machine. startKafka() to ready, including
 * the storage format (a JVM of its own): median 2.3 s with class-data
 * sharing, 3.9 s without (7.0 s vs 4.0 s while other tests load the CPU).
 *
 * - `-Xms128m -Xmx768m`: small footprint, enough headroom for load tests.
 * - `-XX:+UseSerialGC`: no GC worker threads competing with the tests on 2
 *   cores; young collections of this small heap take a few ms. G1 started no
 *   faster and used ~10 MB more.
 * - `-XX:TieredStopAtLevel=1` is NOT used: ~15% faster start without
 *   class-data sharing, no gain with it, and C1-only code hurts throughput.
 * - `-XX:-UsePerfData`: no hsperfdata file in /tmp.
 * - `-XX:+IgnoreUnrecognizedVMOptions`: the CDS flags below need Java 13+;
 *   an older JVM ignores them instead of refusing to start.
 * - AppCDS (`-XX:ArchiveClassesAtExit` / `-XX:SharedArchiveFile`): the first
 *   clean stop dumps the loaded Kafka/Scala classes to
 *   `.cache/kafka/<version>/cds/`; later starts map them instead of loading
 *   and verifying thousands of classes: 1-3 s less per start. The dump
 *   makes that first stop ~2 s slower. `PRISM_KAFKA_CDS=0` turns it off. A
 *   stale archive (another JVM, re-fetched jars) is ignored by the JVM,
 *   silently thanks to `-Xlog:cds=off`.
 */
const JVM_FLAGS = [
  "-Xms128m",
  "-Xmx768m",
  "-XX:+UseSerialGC",
  "-XX:-UsePerfData",
  "-XX:+ExitOnOutOfMemoryError",
  "-XX:+IgnoreUnrecognizedVMOptions",
  "-Xlog:cds=off,cds+dynamic=off",
  "-Djava.awt.headless=true",
];

/**
 * A running single-node Kafka broker (see {@linkcode startKafka}).
 *
 * @example
 * ```ts ignore
 * import { type KafkaBroker, startKafka } from "./broker.ts";
 * const kafka: KafkaBroker = await startKafka();
 * try {
 *   await kafka.kill(); // a crash
 *   await kafka.restart(); // back on the same port with the acknowledged data
 * } catch (err) {
 *   throw new Error(`${err}\n${kafka.logs()}`);
 * } finally {
 *   await kafka.stop();
 * }
 * ```
 */
export interface KafkaBroker {
  /** The PLAINTEXT (client) port on 127.0.0.1. */
  readonly port: number;
  /** The KRaft controller port on 127.0.0.1 (clients never need it). */
  readonly controllerPort: number;
  /** Bootstrap address for clients: `127.0.0.1:<port>`. */
  readonly brokers: string;
  /** The SASL_SSL listener's bootstrap address, when started with `saslSsl`. */
  readonly saslSslBrokers?: string;
  /** The mutual-TLS listener's bootstrap address, when started with `mutualTls`. */
  readonly mutualTlsBrokers?: string;
  /** The broker's log folder (`log.dirs`): the data that survives `restart()`. */
  readonly dataDir: string;
  /** The pid of the broker's java process (changes on restart); 0 once stopped. */
  readonly pid: number;
  /** The Kafka version it runs. */
  readonly version: KafkaVersion;
  /** Stops it cleanly (SIGTERM) and waits for the exit (SIGKILL after 30 s). Idempotent. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL), as a crash would, and waits for the exit. Idempotent. */
  kill(): Promise<void>;
  /**
   * Stops it cleanly (if running) and starts it again on the same ports with
   * the same data, so acknowledged records survive; resolves once it answers
   * requests again. Also brings it back after `stop()` or `kill()`.
   */
  restart(): Promise<void>;
  /** The last lines the broker printed (WARN and above by default), for error messages. */
  logs(): string;
}

/**
 * Options of {@linkcode startKafka}.
 *
 * @example
 * ```ts ignore
 * import { startKafka, type StartKafkaOptions } from "./broker.ts";
 * const options: StartKafkaOptions = { port: 19092, dataDir: "/tmp/kafka-data", logLevel: "INFO" };
 * const kafka = await startKafka(options);
 * await kafka.stop();
 * ```
 */
export interface StartKafkaOptions {
  /** The client port; default: a free one (the controller port is always picked free). */
  port?: number;
  /**
   * The data folder; formatted unless it already holds a Kafka node
   * (`meta.properties`), and kept. Default: a temporary folder, removed when
   * this process exits (or by a later startKafka() when it was killed).
   */
  dataDir?: string;
  /** The broker's log4j level: TRACE, DEBUG, INFO, WARN (default), ERROR, FATAL or OFF. */
  logLevel?: string;
  /** Called with each line the broker prints (besides keeping it for `logs()`). */
  onLog?: (line: string) => void;
  /**
   * A second client listener, SASL_SSL, on a free port: TLS with this
   * certificate (PEM files; the key unencrypted) and SASL PLAIN,
   * SCRAM-SHA-256 and SCRAM-SHA-512 for these users (name → password).
   */
  saslSsl?: { certFile: string; keyFile: string; users: Record<string, string> };
  /**
   * A client listener, SSL, on a free port that demands a client
   * certificate signed by `caFile` (mutual TLS), serving with this
   * certificate (PEM files; the key unencrypted).
   */
  mutualTls?: { certFile: string; keyFile: string; caFile: string };
  /** The Kafka version (default: `PRISM_KAFKA_VERSION`, else {@linkcode KAFKA_VERSION}). */
  version?: string;
}

/** The SSL listener of a broker started with `mutualTls`. */
interface MutualTlsListener {
  port: number;
  keystore: string;
  truststore: string;
}

/** The SASL_SSL listener of a broker started with `saslSsl`. */
interface SaslSslListener {
  port: number;
  keystore: string;
  users: Record<string, string>;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** `java`: `$JAVA_HOME/bin/java` first, then PATH. */
async function findJava(): Promise<string> {
  const home = Deno.env.get("JAVA_HOME");
  const fromHome = home ? `${home}/bin/java` : undefined;
  const java = fromHome && (await Deno.stat(fromHome).then((i) => i.isFile, () => false))
    ? fromHome
    : await findExecutable("java");
  if (!java) {
    throw new Error(
      "Kafka needs Java 11+, but 'java' is neither on PATH nor in $JAVA_HOME/bin " +
        "(Debian: apt-get install openjdk-17-jre-headless)",
    );
  }
  return java;
}

/** The jar list of a complete download, or undefined when it is missing or partial. */
async function completeJars(version: KafkaVersion): Promise<string[] | undefined> {
  const { marker, libs } = pathsOf(version);
  let jars: unknown;
  try {
    jars = JSON.parse(await Deno.readTextFile(marker)).jars;
  } catch {
    return undefined;
  }
  if (!Array.isArray(jars) || jars.length === 0) return undefined;
  for (const jar of jars) {
    if (typeof jar !== "string" || !(await exists(`${libs}/${jar}`))) return undefined;
  }
  return jars as string[];
}

async function checkPomVersion(version: KafkaVersion): Promise<void> {
  const { pom } = pathsOf(version);
  const inPom = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(await Deno.readTextFile(pom))?.[1];
  if (inPom !== version) {
    throw new Error(
      `${pom} has kafka.version ${JSON.stringify(inPom)} but broker.ts lists it for ` +
        `"${version}": make them the same`,
    );
  }
}

async function fetchJars(version: KafkaVersion): Promise<string[]> {
  await checkPomVersion(version);
  const { pom, cache, libs } = pathsOf(version);
  const mvn = await findExecutable("mvn");
  if (!mvn) {
    throw new Error(
      `Kafka ${version}'s jars are not in ${libs} and 'mvn' is not on PATH to fetch them ` +
        "(Debian: apt-get install maven; then run `deno run -A tasks/ensure_tools.ts`)",
    );
  }
  await findJava(); // Maven needs it too; fail with the clearer message
  // A fresh folder that replaces the old one only when complete: a download
  // cut short (or a concurrent one in another process) never leaves a
  // half-filled libs/ that looks usable.
  await Deno.mkdir(cache, { recursive: true });
  const partial = await Deno.makeTempDir({ dir: cache, prefix: "libs.partial-" });
  await Deno.chmod(partial, 0o755);
  try {
    console.log(`kafka: fetching Apache Kafka ${version} jars from Maven Central ...`);
    const started = Date.now();
    const out = await new Deno.Command(mvn, {
      args: [
        "-q",
        "-B",
        "-f",
        pom,
        "dependency:copy-dependencies",
        `-DoutputDirectory=${partial}`,
        "-DincludeScope=runtime",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      throw new Error(
        `Cannot fetch Kafka's jars: mvn exited ${out.code}:\n${
          text.split("\n").slice(-30).join("\n")
        }`,
      );
    }
    const jars: string[] = [];
    for await (const entry of Deno.readDir(partial)) {
      if (entry.isFile && entry.name.endsWith(".jar")) jars.push(entry.name);
    }
    jars.sort();
    if (!jars.includes(`kafka_2.13-${version}.jar`)) {
      throw new Error(`mvn did not fetch kafka_2.13-${version}.jar into ${partial}`);
    }
    await Deno.writeTextFile(
      `${partial}/.complete.json`,
      JSON.stringify({ version, jars }, null, 1) + "\n",
    );
    // An incomplete libs/ (and class archives made from older jars) goes.
    await Deno.remove(libs, { recursive: true }).catch(() => {});
    await Deno.remove(`${cache}/cds`, { recursive: true }).catch(() => {});
    try {
      await Deno.rename(partial, libs);
    } catch (err) {
      const done = await completeJars(version); // another process finished first
      if (done) return done;
      throw err;
    }
    console.log(`kafka: ${jars.length} jars in ${libs} (${Date.now() - started} ms)`);
    return jars;
  } finally {
    await Deno.remove(partial, { recursive: true }).catch(() => {});
  }
}

const ensuring = new Map<KafkaVersion, Promise<{ classpath: string }>>();

/**
 * Makes sure the jars of Kafka `version` (default: see {@linkcode kafkaVersion})
 * are in `.cache/kafka/<version>/libs`, fetching them
 * with `mvn dependency:copy-dependencies` when the folder is missing or
 * incomplete (a marker file is written last), and returns the classpath.
 *
 * @throws {Error} when `mvn` (needed only to fetch) or `java` is missing, or mvn fails.
 *
 * @example
 * ```ts ignore
 * import { ensureKafka } from "./broker.ts";
 * const { classpath } = await ensureKafka();
 * console.log(classpath.split(":").length > 10); // true
 * ```
 */
export function ensureKafka(version?: string): Promise<{ classpath: string }> {
  const v = kafkaVersion(version);
  let result = ensuring.get(v);
  if (result === undefined) {
    result = (async () => {
      const jars = (await completeJars(v)) ?? (await fetchJars(v));
      await findJava();
      return { classpath: jars.map((jar) => `${pathsOf(v).libs}/${jar}`).join(":") };
    })();
    const mine = result;
    ensuring.set(v, mine);
    mine.catch(() => {
      if (ensuring.get(v) === mine) ensuring.delete(v); // let a later call try again
    });
  }
  return result;
}

/** A loopback port that is free right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function checkPort(port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`startKafka: port ${JSON.stringify(port)} is not an integer in 1..65535`);
  }
  return port;
}

function checkLogLevel(level: unknown): string {
  const upper = typeof level === "string" ? level.toUpperCase() : "";
  if (!LOG_LEVELS.includes(upper)) {
    throw new Error(
      `startKafka: logLevel ${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(", ")}`,
    );
  }
  return upper;
}

/** A node of a multi-node cluster: its id, every controller, the replication to use. */
interface ClusterNode {
  nodeId: number;
  /** `controller.quorum.voters`: `1@127.0.0.1:<port>,2@...`. */
  voters: string;
  /** Replicas of internal topics and the default of new ones. */
  replication: number;
  /** `min.insync.replicas` by default. */
  minInsync: number;
}

function serverProperties(
  port: number,
  controllerPort: number,
  dataDir: string,
  sasl?: SaslSslListener,
  node?: ClusterNode,
  mtls?: MutualTlsListener,
): string {
  const saslListener = (sasl ? `,SASL_SSL://127.0.0.1:${sasl.port}` : "") +
    (mtls ? `,SSL://127.0.0.1:${mtls.port}` : "");
  const replication = node?.replication ?? 1;
  const props: Record<string, string | number> = {
    "process.roles": "broker,controller",
    "node.id": node?.nodeId ?? 1,
    "controller.quorum.voters": node?.voters ?? `1@127.0.0.1:${controllerPort}`,
    "listeners":
      `PLAINTEXT://127.0.0.1:${port}${saslListener},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${port}${saslListener}`,
    "controller.listener.names": "CONTROLLER",
    "listener.security.protocol.map": `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${
      sasl ? ",SASL_SSL:SASL_SSL" : ""
    }${mtls ? ",SSL:SSL" : ""}`,
    ...(sasl ? saslProperties(sasl) : {}),
    ...(mtls
      ? {
        "listener.name.ssl.ssl.keystore.type": "PEM",
        "listener.name.ssl.ssl.keystore.location": mtls.keystore,
        "listener.name.ssl.ssl.truststore.type": "PEM",
        "listener.name.ssl.ssl.truststore.location": mtls.truststore,
        "listener.name.ssl.ssl.client.auth": "required",
      }
      : {}),
    "inter.broker.listener.name": "PLAINTEXT",
    "log.dirs": dataDir,
    "num.partitions": 1,
    "default.replication.factor": replication,
    "min.insync.replicas": node?.minInsync ?? 1,
    "auto.create.topics.enable": "false",
    "offsets.topic.replication.factor": replication,
    "transaction.state.log.replication.factor": replication,
    "transaction.state.log.min.isr": node?.minInsync ?? 1,
    // The first consumer group creates __consumer_offsets: 1 partition, not 50.
    "offsets.topic.num.partitions": 1,
    "transaction.state.log.num.partitions": 1,
    // A group's first rebalance does not wait 3 s for more members.
    "group.initial.rebalance.delay.ms": 0,
    // The log cleaner allocates its dedupe buffer up front (default 128 MB of
    // heap); 16 MB is plenty for a test broker and cuts ~130 MB of RSS.
    "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024,
    "log.cleaner.threads": 1,
    // After a crash (kill()) the restarted broker cannot register until the
    // old incarnation's session expires, counted from controller start: 9 s
    // by default. Heartbeats stay within the JVM, so a 3 s session (4 beats)
    // is still far from fencing a live broker.
    "broker.heartbeat.interval.ms": 750,
    "broker.session.timeout.ms": 3_000,
    // Fewer idle threads on a 2-core machine (defaults: 3 and 8).
    "num.network.threads": 2,
    "num.io.threads": 4,
    "num.recovery.threads.per.data.dir": 1,
  };
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

/** The logging configuration files (log4j 1 and log4j2) for `level`, by file name. */
function loggingFiles(level: string): Record<string, string> {
  return {
    "log4j.properties": log4jProperties(level),
    "log4j2.properties": log4j2Properties(level),
  };
}

/** The JVM flag that points a version's logging at its file in `configDir`. */
function loggingFlag(version: KafkaVersion, configDir: string): string {
  return VERSIONS[version].log4j2
    ? `-Dlog4j2.configurationFile=file:${configDir}/log4j2.properties`
    : `-Dlog4j.configuration=file:${configDir}/log4j.properties`;
}

/** Writes the logging configuration files into `configDir`. */
async function writeLogging(configDir: string, level: string): Promise<void> {
  for (const [name, text] of Object.entries(loggingFiles(level))) {
    await Deno.writeTextFile(`${configDir}/${name}`, text);
  }
}

function log4j2Properties(level: string): string {
  return [
    "status = error",
    `rootLogger.level = ${level}`,
    "rootLogger.appenderRef.stdout.ref = STDOUT",
    "appender.stdout.type = Console",
    "appender.stdout.name = STDOUT",
    "appender.stdout.layout.type = PatternLayout",
    "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
    // Printed at WARN on every clean shutdown; not a problem.
    ...(level === "WARN"
      ? [
        "logger.network.name = org.apache.kafka.clients.NetworkClient",
        "logger.network.level = ERROR",
      ]
      : []),
    "",
  ].join("\n");
}

function log4jProperties(level: string): string {
  return [
    `log4j.rootLogger=${level}, stdout`,
    "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
    "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
    "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
    // Printed at WARN on every clean shutdown; not a problem.
    ...(level === "WARN" ? ["log4j.logger.org.apache.kafka.clients.NetworkClient=ERROR"] : []),
    "",
  ].join("\n");
}

const TEMP_PREFIX = "prism-kafka-";
let swept = false;

/**
 * Removes the temporary folders of brokers whose Deno process is gone
 * without its unload handler running (killed): each holds `owner.pid`.
 */
async function sweepTempDirs(ours: string): Promise<void> {
  if (swept) return;
  swept = true;
  const base = ours.slice(0, ours.lastIndexOf("/"));
  try {
    for await (const entry of Deno.readDir(base)) {
      if (!entry.isDirectory || !entry.name.startsWith(TEMP_PREFIX)) continue;
      const dir = `${base}/${entry.name}`;
      let owner: number;
      try {
        owner = Number((await Deno.readTextFile(`${dir}/owner.pid`)).trim());
      } catch {
        continue; // not ours to judge
      }
      if (owner > 0 && owner !== Deno.pid && !(await processAlive(owner))) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  } catch { /* best effort */ }
}

/** Whether `pid` runs (a zombie, which a container's init may never reap, does not). */
async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    return true; // no /proc or no access: assume it runs
  }
}

/** Temporary folders of brokers started here: deleted when this process exits normally. */
const tempDirs = new Set<string>();
/** Java pids of brokers still running, with whether their data is temporary. */
const running = new Map<number, boolean>();
let unloadRegistered = false;

function registerUnload(): void {
  if (unloadRegistered) return;
  unloadRegistered = true;
  // Backup for the stdin watchdog in WRAPPER: on a normal exit, brokers whose
  // data is temporary are killed outright (their folder is deleted next);
  // the others get SIGTERM (the watchdog would send it too).
  globalThis.addEventListener("unload", () => {
    for (const [pid, temporary] of running) {
      try {
        Deno.kill(pid, temporary ? "SIGKILL" : "SIGTERM");
      } catch { /* gone */ }
    }
    for (const dir of tempDirs) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* still in use, or gone */ }
    }
  });
}

/**
 * Runs java (`$@`) so that it dies with this Deno process, however that ends.
 *
 * Deno SIGKILLs its direct children when it exits normally or on an uncaught
 * error, but not when it is itself killed (SIGKILL, OOM); and a SIGKILLed
 * parent cannot pass anything on. So java is not the direct child: bash is,
 * and it starts java plus a separate watchdog subshell that reads the
 * wrapper's stdin, a pipe whose only writer is this Deno process. Whenever
 * this process is gone the kernel closes the pipe, `cat` sees EOF and the
 * watchdog (which outlives a SIGKILLed bash) sends java SIGTERM: a clean
 * shutdown. When java exits first (stop(), kill(), a crash), bash kills the
 * watchdog and exits with java's status; stop() then closes the pipe so the
 * orphaned `cat` ends too. The first line printed is java's pid, so stop()
 * and kill() signal java directly. SIGINT is ignored (as background jobs of
 * a script do anyway): Ctrl-C in a terminal reaches Deno only, which stops
 * the broker in order. The unload handler above is a second line of defence.
 */
const WRAPPER = `
trap '' INT
exec 3<&0 </dev/null
"$@" 3<&- &
jpid=$!
echo "prism-kafka-java-pid $jpid"
( cat <&3; kill -TERM "$jpid" ) >/dev/null 2>&1 &
wpid=$!
exec 3<&-
wait "$jpid"
status=$?
kill "$wpid" 2>/dev/null
exit $status
`;

/** One run of the broker's java process under WRAPPER. */
interface Run {
  child: Deno.ChildProcess;
  javaPid: Promise<number>;
  status: Promise<Deno.CommandStatus>;
  /** Resolves when stdout and stderr are drained. */
  drained: Promise<void>;
}

class Broker implements KafkaBroker {
  readonly brokers: string;
  readonly saslSslBrokers?: string;
  readonly mutualTlsBrokers?: string;
  #run: Run | undefined;
  #pid = 0;
  #ending: Promise<void> | undefined;
  #lines: string[] = [];
  #archiveTmp: string | undefined;

  constructor(
    readonly port: number,
    readonly controllerPort: number,
    readonly dataDir: string,
    readonly temporary: boolean,
    private readonly configDir: string,
    private readonly classpath: string,
    private readonly java: string,
    private readonly bash: string,
    private readonly onLog?: (line: string) => void,
    saslSslPort?: number,
    readonly nodeId = 1,
    readonly version: KafkaVersion = KAFKA_VERSION,
    mutualTlsPort?: number,
  ) {
    this.brokers = `127.0.0.1:${port}`;
    if (saslSslPort !== undefined) this.saslSslBrokers = `127.0.0.1:${saslSslPort}`;
    if (mutualTlsPort !== undefined) this.mutualTlsBrokers = `127.0.0.1:${mutualTlsPort}`;
  }

  get pid(): number {
    return this.#pid;
  }

  logs(): string {
    return this.#lines.join("\n");
  }

  #log(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > LOG_LINES) this.#lines.splice(0, this.#lines.length - LOG_LINES);
    this.onLog?.(line);
  }

  /** Starts java and resolves once the broker answers; rejects (and kills it) otherwise. */
  async start(): Promise<void> {
    if (this.#run) return;
    const cds = await cdsFlags(this.java, this.version);
    this.#archiveTmp = cds.dumpTo;
    const args = [
      "-c",
      WRAPPER,
      "prism-kafka",
      this.java,
      ...JVM_FLAGS,
      ...cds.flags,
      loggingFlag(this.version, this.configDir),
      "-cp",
      this.classpath,
      "kafka.Kafka",
      `${this.configDir}/server.properties`,
    ];
    const child = new Deno.Command(this.bash, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let gotPid: (pid: number) => void = () => {};
    const javaPid = new Promise<number>((resolve) => gotPid = resolve);
    const drained = Promise.all([
      this.#readLines(child.stdout, (line) => {
        const m = /^prism-kafka-java-pid (\d+)$/.exec(line);
        if (m) {
          gotPid(Number(m[1]));
          return true;
        }
        return false;
      }),
      this.#readLines(child.stderr),
    ]).then(() => gotPid(0));
    const run: Run = { child, javaPid, status: child.status, drained };
    this.#run = run;
    this.#pid = await javaPid;
    if (this.#pid > 0) running.set(this.#pid, this.temporary);
    try {
      await this.#waitReady(run);
    } catch (err) {
      await this.#end("SIGKILL");
      throw err;
    }
  }

  async #readLines(
    stream: ReadableStream<Uint8Array>,
    special?: (line: string) => boolean,
  ): Promise<void> {
    let buffer = "";
    const emit = (line: string) => {
      if (!special?.(line)) this.#log(line);
    };
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          emit(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      }
    } catch { /* the stream broke: the process is gone */ }
    if (buffer !== "") emit(buffer);
  }

  async #waitReady(run: Run): Promise<void> {
    const exited = run.status.then((s) => s);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const attempt = answers(this.brokers, this.nodeId);
      const outcome = await Promise.race([
        attempt.then((ok) => ({ ok })),
        exited.then((status) => ({ status })),
      ]);
      if ("status" in outcome) {
        await run.child.stdin.close().catch(() => {});
        await run.drained;
        throw new Error(
          `Kafka broker on ${this.brokers} exited (code ${outcome.status.code}) while starting:\n` +
            this.logs(),
        );
      }
      if (outcome.ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `Kafka broker on ${this.brokers} did not answer within ${READY_TIMEOUT_MS / 1000} s:\n` +
        this.logs(),
    );
  }

  /** Ends the running java (SIGTERM waits for a clean shutdown, SIGKILL up to 30 s on). */
  #end(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    this.#ending ??= (async () => {
      const run = this.#run;
      if (!run) return;
      const pid = await run.javaPid;
      const send = (sig: Deno.Signal) => {
        try {
          if (pid > 0) Deno.kill(pid, sig);
        } catch { /* already gone */ }
      };
      send(signal);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(resolve, STOP_TIMEOUT_MS, "timeout");
      });
      const first = await Promise.race([run.status, timeout]);
      clearTimeout(timer);
      if (first === "timeout") send("SIGKILL");
      await run.status;
      await run.child.stdin.close().catch(() => {});
      await run.drained;
      running.delete(pid);
      await this.#keepArchive(signal === "SIGTERM" && first !== "timeout");
      this.#run = undefined;
      this.#pid = 0;
    })();
    const ending = this.#ending;
    return ending.finally(() => {
      if (this.#ending === ending) this.#ending = undefined;
    });
  }

  /** Publishes the class archive a clean exit dumped (see JVM_FLAGS); drops a partial one. */
  async #keepArchive(clean: boolean): Promise<void> {
    const tmp = this.#archiveTmp;
    if (!tmp) return;
    this.#archiveTmp = undefined;
    const archive = tmp.replace(/\.tmp-[^/]*$/, "");
    try {
      if (clean && (await Deno.stat(tmp)).size > 0 && !(await exists(archive))) {
        await Deno.rename(tmp, archive);
        return;
      }
    } catch { /* not dumped */ }
    await Deno.remove(tmp).catch(() => {});
  }

  stop(): Promise<void> {
    return this.#end("SIGTERM");
  }

  /** Resolves with the exit status when the current java process exits on its own or is ended. */
  async exited(): Promise<Deno.CommandStatus | undefined> {
    return await this.#run?.status;
  }

  kill(): Promise<void> {
    return this.#end("SIGKILL");
  }

  async restart(): Promise<void> {
    await this.#end("SIGTERM");
    await this.start();
  }
}

/**
 * Whether the broker answers: a kafkajs admin client reads the cluster
 * (ApiVersions + Metadata) and finds the node (`nodeId`) registered.
 */
async function answers(brokers: string, nodeId = 1): Promise<boolean> {
  const { Kafka, logLevel } = await import("kafkajs");
  const kafka = new Kafka({
    clientId: "prism-kafka-ready",
    brokers: [brokers],
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.some((b) => b.nodeId === nodeId)) return false;
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * AppCDS flags (see JVM_FLAGS): use the archive made for this JVM, or dump
 * one at exit to a temporary name that a clean stop publishes.
 */
async function cdsFlags(
  java: string,
  version: KafkaVersion,
): Promise<{ flags: string[]; dumpTo?: string }> {
  if (Deno.env.get("PRISM_KAFKA_CDS") === "0") return { flags: [] };
  // One archive per JVM build: the JVM rejects (silently) an archive from another.
  const real = await Deno.realPath(java);
  const info = await Deno.stat(real);
  const key = `${real}:${info.size}:${info.mtime?.getTime()}`;
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
  );
  const hex = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const dir = `${pathsOf(version).cache}/cds`;
  const archive = `${dir}/kafka-${hex}.jsa`;
  if (await exists(archive)) return { flags: [`-XX:SharedArchiveFile=${archive}`] };
  await Deno.mkdir(dir, { recursive: true });
  const dumpTo = `${archive}.tmp-${crypto.randomUUID()}`;
  return { flags: [`-XX:ArchiveClassesAtExit=${dumpTo}`], dumpTo };
}

/** The SASL_SSL listener's settings: a PEM keystore, PLAIN users in JAAS, SCRAM from the metadata log. */
function saslProperties(sasl: SaslSslListener): Record<string, string> {
  const prefix = "listener.name.sasl_ssl.";
  const plainUsers = Object.entries(sasl.users).map(([u, p]) => `user_${u}="${p}"`).join(" ");
  return {
    "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
    [`${prefix}ssl.keystore.type`]: "PEM",
    [`${prefix}ssl.keystore.location`]: sasl.keystore,
    [`${prefix}plain.sasl.jaas.config`]:
      `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    [`${prefix}scram-sha-256.sasl.jaas.config`]:
      "org.apache.kafka.common.security.scram.ScramLoginModule required;",
    [`${prefix}scram-sha-512.sasl.jaas.config`]:
      "org.apache.kafka.common.security.scram.ScramLoginModule required;",
  };
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (as `random-uuid` prints). */
function clusterId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Formats `dataDir` for a new single-node cluster unless it already holds one. */
async function formatStorage(
  java: string,
  version: KafkaVersion,
  classpath: string,
  configDir: string,
  dataDir: string,
  scramUsers: Record<string, string> = {},
  id: string = clusterId(),
): Promise<void> {
  if (await exists(`${dataDir}/meta.properties`)) return;
  const cds = await cdsFlags(java, version);
  const out = await new Deno.Command(java, {
    args: [
      ...JVM_FLAGS,
      ...(cds.dumpTo ? [] : cds.flags), // only an existing archive: the broker run dumps one
      loggingFlag(version, configDir),
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      // "=": an id may start with "-", which would read as an option
      `--cluster-id=${id}`,
      "-c",
      `${configDir}/server.properties`,
      // SCRAM credentials live in the metadata log: written at format time.
      ...Object.entries(scramUsers).flatMap(([name, password]) =>
        ["SCRAM-SHA-256", "SCRAM-SHA-512"].flatMap((m) => [
          "--add-scram",
          `${m}=[name=${name},password=${password}]`,
        ])
      ),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    throw new Error(`Cannot format Kafka storage in ${dataDir} (exit ${out.code}):\n${text}`);
  }
}

/**
 * Starts a single-node Kafka broker (KRaft, broker and controller in one
 * JVM) on 127.0.0.1 and resolves once it answers a Kafka request (60 s at
 * most). The java process also ends when this Deno process ends, however it
 * ends. Topics are not auto-created (`auto.create.topics.enable=false`).
 *
 * @throws {Error} naming the bad option; when Java or the jars (and mvn) are
 *   missing; or with the broker's log tail when it exits or is not ready in time.
 *
 * @example
 * ```ts ignore
 * import { startKafka } from "./broker.ts";
 * const kafka = await startKafka();
 * console.log(kafka.brokers); // e.g. "127.0.0.1:40123"
 * await kafka.restart(); // same port, same data
 * await kafka.stop();
 * ```
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const fixedPort = options.port === undefined ? undefined : checkPort(options.port);
  const level = checkLogLevel(options.logLevel ?? "WARN");
  if (options.dataDir !== undefined && (typeof options.dataDir !== "string" || !options.dataDir)) {
    throw new Error(`startKafka: dataDir ${JSON.stringify(options.dataDir)} is not a folder path`);
  }
  if (fixedPort !== undefined) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port: fixedPort }).close();
    } catch (err) {
      throw new Error(`startKafka: port ${fixedPort} is in use (${errorText(err)})`);
    }
  }
  const version = kafkaVersion(options.version);
  const { classpath } = await ensureKafka(version);
  const java = await findJava();
  const bash = await findExecutable("bash", ["/bin", "/usr/bin"]);
  if (!bash) throw new Error("startKafka needs bash (java runs under a small bash wrapper)");
  registerUnload();

  const configDir = await Deno.makeTempDir({ prefix: TEMP_PREFIX });
  tempDirs.add(configDir);
  await Deno.writeTextFile(`${configDir}/owner.pid`, `${Deno.pid}\n`);
  await sweepTempDirs(configDir);
  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? `${configDir}/data` : absolute(options.dataDir!);
  await Deno.mkdir(dataDir, { recursive: true });
  await writeLogging(configDir, level);

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? freePort();
    let controllerPort = freePort();
    while (controllerPort === port) controllerPort = freePort();
    let sasl: SaslSslListener | undefined;
    if (options.saslSsl !== undefined) {
      let saslPort = freePort();
      while (saslPort === port || saslPort === controllerPort) saslPort = freePort();
      const keystore = `${configDir}/keystore.pem`;
      await Deno.writeTextFile(
        keystore,
        (await Deno.readTextFile(options.saslSsl.keyFile)) +
          (await Deno.readTextFile(options.saslSsl.certFile)),
      );
      sasl = { port: saslPort, keystore, users: options.saslSsl.users };
    }
    let mtls: MutualTlsListener | undefined;
    if (options.mutualTls !== undefined) {
      const taken = [port, controllerPort, sasl?.port];
      let mtlsPort = freePort();
      while (taken.includes(mtlsPort)) mtlsPort = freePort();
      const keystore = `${configDir}/mtls-keystore.pem`;
      await Deno.writeTextFile(
        keystore,
        (await Deno.readTextFile(options.mutualTls.keyFile)) +
          (await Deno.readTextFile(options.mutualTls.certFile)),
      );
      const truststore = `${configDir}/mtls-truststore.pem`;
      await Deno.copyFile(options.mutualTls.caFile, truststore);
      mtls = { port: mtlsPort, keystore, truststore };
    }
    await Deno.writeTextFile(
      `${configDir}/server.properties`,
      serverProperties(port, controllerPort, dataDir, sasl, undefined, mtls),
    );
    await formatStorage(java, version, classpath, configDir, dataDir, sasl?.users);
    const broker = new Broker(
      port,
      controllerPort,
      dataDir,
      temporary,
      configDir,
      classpath,
      java,
      bash,
      options.onLog,
      sasl?.port,
      1,
      version,
      mtls?.port,
    );
    try {
      await broker.start();
      return broker;
    } catch (err) {
      lastError = err;
      // A port taken between picking and binding: try others (unless fixed).
      const taken = /Address already in use|BindException/.test(errorText(err));
      if (!taken) break;
      if (fixedPort !== undefined && errorText(err).includes(`:${fixedPort}`)) {
        lastError = new Error(`startKafka: port ${fixedPort} is in use\n${errorText(err)}`);
        break;
      }
    }
  }
  throw lastError;
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/** `deno run -A tasks/kafka/broker.ts [--port 9092]`: a broker in the foreground. */
async function main(args: string[]): Promise<number> {
  let port = 9092;
  let version: KafkaVersion;
  try {
    version = kafkaVersion();
  } catch (err) {
    console.error(errorText(err));
    return 2;
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const asked = arg.startsWith("--kafka-version=")
      ? arg.slice("--kafka-version=".length)
      : arg === "--kafka-version"
      ? args[++i]
      : null;
    if (asked !== null) {
      try {
        version = kafkaVersion(asked ?? "");
      } catch (err) {
        console.error(errorText(err));
        return 2;
      }
      continue;
    }
    const value = arg.startsWith("--port=") ? arg.slice(7) : arg === "--port" ? args[++i] : null;
    if (value !== null) {
      port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        console.error(`--port ${JSON.stringify(value)} is not an integer in 1..65535`);
        return 2;
      }
    } else if (arg === "--help" || arg === "-h") {
      console.log(
        `Usage: deno task kafka [--port 9092] [--kafka-version ${KAFKA_VERSIONS.join("|")}]` +
          "   (data in .cache/kafka/dev-data/<version>)",
      );
      return 0;
    } else {
      console.error(
        `Unknown argument ${
          JSON.stringify(arg)
        } (usage: deno task kafka [--port N] [--kafka-version V])`,
      );
      return 2;
    }
  }
  // One data folder per version: 3.9 cannot read what 4.x wrote.
  const dataDir = `${REPO}/.cache/kafka/dev-data/${version}`;
  const started = Date.now();
  const broker = await startKafka({ port, dataDir, version, onLog: (line) => console.log(line) });
  console.log(
    `Kafka ${version} ready in ${Date.now() - started} ms: bootstrap ${broker.brokers} ` +
      `(data in ${dataDir}); Ctrl-C stops it`,
  );
  const stopped = Promise.withResolvers<void>();
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    console.log("stopping Kafka ...");
    broker.stop().then(stopped.resolve, stopped.reject);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const status = await Promise.race([stopped.promise, (broker as Broker).exited()]);
  if (!stopping) {
    console.error(`Kafka exited on its own (code ${status?.code})`);
    await broker.stop();
    return 1;
  }
  await stopped.promise;
  console.log("Kafka stopped");
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(errorText(err));
    Deno.exit(1);
  }
}

/** A running multi-node Kafka cluster (see {@linkcode startKafkaCluster}). */
export interface KafkaCluster {
  /** Bootstrap addresses of every node, comma-separated. */
  readonly brokers: string;
  /** The nodes; `nodes[i]` has node id `i + 1`. */
  readonly nodes: readonly KafkaBroker[];
  /** Stops every node. */
  stop(): Promise<void>;
}

/**
 * Starts a Kafka cluster of `size` nodes (KRaft, each broker and controller
 * in one JVM, every node a voter) on 127.0.0.1, with internal topics and
 * new topics replicated `size` times and `min.insync.replicas` of
 * `size - 1`; resolves once every node answers.
 *
 * @example
 * ```ts ignore
 * import { startKafkaCluster } from "./broker.ts";
 * const cluster = await startKafkaCluster(3);
 * console.log(cluster.brokers); // "127.0.0.1:41001,127.0.0.1:41003,127.0.0.1:41005"
 * await cluster.nodes[0].kill(); // the others keep serving
 * await cluster.stop();
 * ```
 */
export async function startKafkaCluster(
  size = 3,
  options: { logLevel?: string; version?: string } = {},
): Promise<KafkaCluster> {
  if (!Number.isInteger(size) || size < 1 || size > 9) {
    throw new Error(`startKafkaCluster: size ${size} is not an integer in 1..9`);
  }
  const level = checkLogLevel(options.logLevel ?? "WARN");
  const version = kafkaVersion(options.version);
  const { classpath } = await ensureKafka(version);
  const java = await findJava();
  const bash = await findExecutable("bash", ["/bin", "/usr/bin"]);
  if (!bash) throw new Error("startKafkaCluster needs bash (java runs under a small bash wrapper)");
  registerUnload();
  const used = new Set<number>();
  const pick = () => {
    let p = freePort();
    while (used.has(p)) p = freePort();
    used.add(p);
    return p;
  };
  const ports = Array.from({ length: size }, () => ({ client: pick(), controller: pick() }));
  const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.controller}`).join(",");
  const id = clusterId();
  const nodes: Broker[] = [];
  for (const [i, p] of ports.entries()) {
    const configDir = await Deno.makeTempDir({ prefix: TEMP_PREFIX });
    tempDirs.add(configDir);
    await Deno.writeTextFile(`${configDir}/owner.pid`, `${Deno.pid}\n`);
    await sweepTempDirs(configDir);
    const dataDir = `${configDir}/data`;
    await Deno.mkdir(dataDir, { recursive: true });
    await writeLogging(configDir, level);
    await Deno.writeTextFile(
      `${configDir}/server.properties`,
      serverProperties(p.client, p.controller, dataDir, undefined, {
        nodeId: i + 1,
        voters,
        replication: size,
        minInsync: Math.max(1, size - 1),
      }),
    );
    await formatStorage(java, version, classpath, configDir, dataDir, {}, id);
    nodes.push(
      new Broker(
        p.client,
        p.controller,
        dataDir,
        true,
        configDir,
        classpath,
        java,
        bash,
        undefined,
        undefined,
        i + 1,
        version,
      ),
    );
  }
  // Together: a node cannot serve before the controllers have a quorum.
  const started = await Promise.allSettled(nodes.map((n) => n.start()));
  const failed = started.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
  if (failed !== undefined) {
    await Promise.all(nodes.map((n) => n.kill()));
    throw failed.reason;
  }
  return {
    brokers: nodes.map((n) => n.brokers).join(","),
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
