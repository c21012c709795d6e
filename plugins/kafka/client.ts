/**
 * One namespace's connection to a Kafka cluster: the kafkajs client with
 * the namespace's timeouts, its logs bridged into the plugin's logger, one
 * admin client (metadata, topic creation, offsets, trims), and the
 * consumers that subscriptions and stream reads create.
 *
 * @module
 */
import { type Consumer, Kafka, type LogEntry, logLevel, type SASLOptions } from "kafkajs";
import { PluginConfigError } from "../sdk/config.ts";
import { readTlsFiles } from "../sdk/tls.ts";
import type { Logger } from "../../proto/log/logger.ts";
import type { KafkaConfig } from "./config.ts";
import { patchKafkajs } from "./_kafkajs_patch.ts";
import protocolErrors from "kafkajs/src/protocol/error.js";

/**
 * Kafka's retriable error messages: kafkajs logs each such response as an
 * error and retries it — a coordinator still loading after a broker start,
 * a leader election — so they are debug lines; one that persists fails the
 * operation, which the plugin reports.
 */
const RETRIABLE = new Set(
  (protocolErrors as { errorCodes: { retriable: boolean; message: string }[] }).errorCodes
    .filter((e) => e.retriable).map((e) => e.message),
);

patchKafkajs();

/** The kafkajs log level for the plugin's level: kafkajs is chatty at INFO. */
function kafkaLogLevel(log: Logger): logLevel {
  return log.enabled("debug") ? logLevel.INFO : logLevel.WARN;
}

/** A repeated kafkajs warning or error is written once per this long, with a count. */
const EPISODE_MS = 60_000;

/**
 * A kafkajs `logCreator` writing into `log` (kafkajs ERROR → error, WARN →
 * warn, the rest → debug), with kafkajs's namespace as `kafka_component`.
 * kafkajs logs every retry of every failing request: a warning or error
 * whose text was already written in the last minute is counted instead,
 * and the count goes out with its next line (`repeated`), so a broker that
 * is down for a minute costs two lines, not hundreds. Stack traces are
 * kept for debug only.
 *
 * @example
 * ```ts ignore
 * import { Kafka } from "kafkajs";
 * import { bridgeLogs } from "./client.ts";
 * const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logCreator: bridgeLogs(log) });
 * ```
 */
export function bridgeLogs(
  log: Logger,
  clock: () => number = Date.now,
): () => (entry: LogEntry) => void {
  const episodes = new Map<string, { since: number; repeated: number }>();
  return () => ({ namespace, level, log: entry }) => {
    const { message, timestamp: _t, logger: _l, stack, ...fields } = entry as
      & LogEntry["log"]
      & { logger?: unknown; stack?: string };
    // A response kafkajs retries, or a CreateTopics answer (a topic that
    // already exists, or a setting the cluster refuses): the plugin maps
    // and reports what the operation ends with.
    const retried = namespace === "Connection" && message.startsWith("Response ") &&
      (RETRIABLE.has(String((fields as { error?: unknown }).error)) ||
        message.startsWith("Response CreateTopics"));
    if ((level !== logLevel.ERROR && level !== logLevel.WARN) || retried) {
      log.debug(`kafka: ${message}`, { kafka_component: namespace, ...fields, stack });
      return;
    }
    const key = `${namespace}\0${message}\0${(fields as { error?: unknown }).error ?? ""}`;
    const now = clock();
    const episode = episodes.get(key);
    if (episode !== undefined && now - episode.since < EPISODE_MS) {
      episode.repeated++;
      return;
    }
    episodes.set(key, { since: now, repeated: 0 });
    if (episodes.size > 1000) episodes.delete(episodes.keys().next().value!);
    const line = {
      kafka_component: namespace,
      ...fields,
      ...(episode?.repeated ? { repeated: episode.repeated } : {}),
      ...(log.enabled("debug") && stack ? { stack } : {}),
    };
    if (level === logLevel.ERROR) log.error(`kafka: ${message}`, line);
    else log.warn(`kafka: ${message}`, line);
  };
}

/**
 * The kafkajs client of a namespace.
 *
 * @example
 * ```ts ignore
 * import { KafkaClient } from "./client.ts";
 * const client = new KafkaClient(config, "events", log);
 * console.log(await client.admin.listTopics());
 * await client.close();
 * ```
 */
export class KafkaClient {
  readonly kafka: Kafka;
  readonly admin: ReturnType<Kafka["admin"]>;
  readonly config: KafkaConfig;
  readonly namespace: string;
  readonly log: Logger;
  #adminConnected: Promise<void> | undefined;

  constructor(config: KafkaConfig, namespace: string, log: Logger) {
    this.config = config;
    this.namespace = namespace;
    this.log = log;
    this.kafka = new Kafka({
      clientId: config.client_id,
      brokers: config.brokers,
      ...securityOf(config),
      connectionTimeout: config.connect_timeout_ms,
      requestTimeout: config.request_timeout_ms,
      // Bounded retries for metadata and admin requests: the call's deadline
      // and the SDK's policy decide the rest.
      retry: { retries: config.retry_attempts, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: kafkaLogLevel(log),
      logCreator: bridgeLogs(log),
    });
    this.admin = this.kafka.admin();
  }

  /** Connects the admin client (once; again after a failed attempt). */
  async connectAdmin(): Promise<void> {
    this.#adminConnected ??= this.admin.connect().catch((err) => {
      this.#adminConnected = undefined;
      throw err;
    });
    await this.#adminConnected;
  }

  /**
   * A consumer in a group of its own (`prism.<namespace>.<purpose>.<uuid>`)
   * that restarts after crashes (kafkajs rejoins and the caller's offsets
   * filter redeliveries) while `restart()` says so.
   */
  consumer(
    purpose: "sub" | "read",
    restart: () => boolean = () => true,
  ): { consumer: Consumer; groupId: string } {
    const groupId = `prism.${this.namespace}.${purpose}.${crypto.randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.config.session_timeout_ms,
      heartbeatInterval: Math.max(100, Math.floor(this.config.session_timeout_ms / 5)),
      maxWaitTimeInMs: this.config.fetch_max_wait_ms,
      allowAutoTopicCreation: false,
      retry: {
        retries: 5,
        initialRetryTime: 100,
        maxRetryTime: 1000,
        restartOnFailure: () => Promise.resolve(restart()),
      },
    });
    return { consumer, groupId };
  }

  /** Deletes an (empty) consumer group, best effort: its committed offsets go with it. */
  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.connectAdmin();
      await this.admin.deleteGroups([groupId]);
    } catch (err) {
      this.log.debug("could not delete consumer group", {
        group: groupId,
        error: (err as Error).message,
      });
    }
  }

  /** Disconnects the admin client. */
  async close(): Promise<void> {
    try {
      await this.admin.disconnect();
    } catch { /* closing anyway */ }
  }
}

/**
 * kafkajs's `ssl` and `sasl` options from a config: TLS files read, the SASL
 * password taken from the variable `password_env` names or read from
 * `password_file` (exactly one; one trailing newline dropped). Throws a
 * {@linkcode PluginConfigError} naming the file or variable (never the
 * secret) when one cannot be read.
 *
 * @example
 * ```ts
 * import { securityOf } from "./client.ts";
 * const s = securityOf(
 *   {
 *     tls: undefined,
 *     sasl: { mechanism: "scram-sha-256", username: "app", password_env: "PW", password_file: undefined },
 *   },
 *   (name) => name === "PW" ? "s3cret" : undefined,
 * );
 * console.log(s.sasl?.mechanism, s.ssl); // "scram-sha-256" undefined
 * ```
 */
export function securityOf(
  config: Pick<KafkaConfig, "tls" | "sasl">,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): { ssl?: KafkaSsl; sasl?: SASLOptions } {
  const out: { ssl?: KafkaSsl; sasl?: SASLOptions } = {};
  if (config.tls !== undefined) {
    const { ca, ...clientCert } = readTlsFiles("kafka", config.tls);
    out.ssl = { ...(ca !== undefined ? { ca: [ca] } : {}), ...clientCert };
  }
  if (config.sasl !== undefined) {
    const { mechanism, username, password_env, password_file } = config.sasl;
    if ((password_env === undefined) === (password_file === undefined)) {
      throw new PluginConfigError(
        "sasl",
        `Cannot configure kafka as 'sasl' must name exactly one of password_env and password_file: current value names ${
          password_env === undefined ? "neither" : "both"
        }`,
      );
    }
    let password: string | undefined;
    if (password_env !== undefined) {
      password = env(password_env);
      if (password === undefined) {
        throw new PluginConfigError(
          "sasl.password_env",
          `Cannot configure kafka as 'sasl.password_env' names ${password_env}, which is not set in the plugin's environment`,
        );
      }
    } else {
      try {
        password = Deno.readTextFileSync(password_file!).replace(/\r?\n$/, "");
      } catch (err) {
        throw new PluginConfigError(
          "sasl.password_file",
          `Cannot configure kafka as 'sasl.password_file' cannot be read (${password_file}): ${
            (err as Error).message
          }`,
        );
      }
    }
    out.sasl = { mechanism, username, password } as SASLOptions;
  }
  return out;
}

/** kafkajs's TLS options (a subset of node:tls's). */
type KafkaSsl = { ca?: string[]; cert?: string; key?: string };
