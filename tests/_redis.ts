/**
 * Test harness: a real `redis-server` (Debian's package) on a free loopback
 * port, without persistence, for the redis plugin's tests and the
 * conformance suites. `deno task test` installs it when it is missing
 * (`tasks/ensure_tools.ts`).
 *
 * @module
 */
import { connect as tcpConnect } from "node:net";
import type { TestCertificates } from "./_tls.ts";

/** A running Redis. */
export interface TestRedis {
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Stops it (SIGTERM) and waits for the exit. Idempotent. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL), as a crash would, and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence) and waits until it answers PING. */
  restart(): Promise<void>;
}

const MISSING =
  "redis-server is not installed: run `deno run -A tasks/ensure_tools.ts` (as root it installs Debian's redis-server; or `apt-get install redis-server`)";

async function findRedisServer(): Promise<string> {
  const dirs = [
    ...(Deno.env.get("PATH") ?? "").split(":"),
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
  ];
  for (const dir of dirs.filter((d) => d !== "")) {
    try {
      const info = await Deno.stat(`${dir}/redis-server`);
      if (info.isFile) return `${dir}/redis-server`;
    } catch { /* not here */ }
  }
  throw new Error(MISSING);
}

/** A loopback port that is free right now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Sends one inline command and resolves with the first reply line (or rejects). */
function command(port: number, cmd: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${cmd} within ${timeoutMs} ms`));
    }, timeoutMs);
    let buf = "";
    socket.on("connect", () => socket.write(`${cmd}\r\n`));
    socket.on("data", (d) => {
      buf += d.toString();
      const nl = buf.indexOf("\r\n");
      if (nl >= 0) {
        clearTimeout(timer);
        socket.end();
        resolve(buf.slice(0, nl));
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Starts `redis-server` on a free loopback port (`--save "" --appendonly no
 * --bind 127.0.0.1`) and waits until it answers PING.
 *
 * @throws {Error} pointing at `tasks/ensure_tools.ts` when redis-server is missing.
 */
export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const bin = await findRedisServer();
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? freePort();
    try {
      return await launch(bin, port, options);
    } catch (err) {
      lastError = err; // most likely the port was taken meanwhile: try another
    }
  }
  throw new Error(`Cannot start redis-server: ${(lastError as Error)?.message}`);
}

/** Options of {@linkcode startRedis}. */
export interface RedisOptions {
  /** The port (default: a free one). */
  port?: number;
  /** More `redis-server` arguments (`--cluster-enabled yes`, `--user ...`). */
  args?: string[];
  /** Serve TLS only, with these certificates (`--port 0 --tls-port <port>`). */
  tls?: TestCertificates;
  /** How to check that it answers (default: a plaintext PING). */
  ready?: (port: number) => Promise<boolean>;
}

async function launch(bin: string, port: number, options: RedisOptions = {}): Promise<TestRedis> {
  const tls = options.tls;
  const portArgs = tls === undefined ? ["--port", String(port)] : [
    "--port",
    "0",
    "--tls-port",
    String(port),
    "--tls-cert-file",
    tls.certFile,
    "--tls-key-file",
    tls.keyFile,
    "--tls-ca-cert-file",
    tls.caFile,
    "--tls-auth-clients",
    "no",
  ];
  const ready = options.ready ?? (async (p: number) => (await command(p, "PING")) === "+PONG");
  let child: Deno.ChildProcess | undefined;
  let output: Promise<string> = Promise.resolve("");
  const spawn = async () => {
    child = new Deno.Command(bin, {
      args: [
        ...portArgs,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        ...(options.args ?? []),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const c = child;
    output = Promise.all([new Response(c.stdout).text(), new Response(c.stderr).text()])
      .then(([o, e]) => o + e);
    const exited = c.status.then((s) => s);
    for (const t0 = Date.now(); Date.now() - t0 < 10_000;) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 20, null))]);
      if (early !== null) {
        throw new Error(
          `redis-server exited (${(early as Deno.CommandStatus).code}): ${await output}`,
        );
      }
      try {
        if (await ready(port)) return;
      } catch { /* not yet */ }
    }
    c.kill("SIGKILL");
    throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
  };
  const end = async (signal: Deno.Signal) => {
    const c = child;
    if (c === undefined) return;
    child = undefined;
    try {
      c.kill(signal);
    } catch { /* already gone */ }
    await c.status;
    await output;
  };
  await spawn();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    restart: async () => {
      await end("SIGKILL");
      await spawn();
    },
  };
}

/** Runs `redis-cli` with `args`; resolves with its output (rejects when it fails). */
export async function redisCli(args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`redis-cli ${args.join(" ")}: ${text}${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/** A running Redis Cluster on loopback. */
export interface TestRedisCluster {
  /** Every node, `127.0.0.1:<port>`. */
  nodes: string[];
  /** The node servers, by port. */
  servers: Map<number, TestRedis>;
  /** Ports of the current masters (from CLUSTER NODES). */
  masters(): Promise<number[]>;
  /** Resolves once every live node reports `cluster_state:ok`. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of `masters` masters with `replicas` replicas each
 * (`redis-cli --cluster create`), on free loopback ports, without
 * persistence, and waits until it is healthy.
 */
export async function startRedisCluster(masters = 3, replicas = 1): Promise<TestRedisCluster> {
  const dir = await Deno.makeTempDir({ prefix: "prism-redis-cluster-" });
  const servers = new Map<number, TestRedis>();
  const count = masters * (1 + replicas);
  try {
    for (let i = 0; i < count; i++) {
      const port = freePort();
      servers.set(
        port,
        await startRedis({
          port,
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `${dir}/nodes-${port}.conf`,
            "--cluster-node-timeout",
            "1000",
            // A replica's first sync starts at once (Redis waits 5 s by
            // default, for more replicas to share the transfer).
            "--repl-diskless-sync-delay",
            "0",
            "--dir",
            dir,
          ],
        }),
      );
    }
  } catch (err) {
    await Promise.all([...servers.values()].map((s) => s.kill()));
    throw err;
  }
  const nodes = [...servers.keys()].map((p) => `127.0.0.1:${p}`);
  const first = [...servers.keys()][0];
  const cluster: TestRedisCluster = {
    nodes,
    servers,
    masters: async () => {
      for (const port of servers.keys()) {
        try {
          const text = await redisCli(["-p", String(port), "cluster", "nodes"]);
          return text.split("\n").filter((l) => {
            const flags = (l.split(" ")[2] ?? "").split(",");
            return flags.includes("master") && !flags.some((f) => f.startsWith("fail"));
          }).map((l) => Number(l.split(" ")[1].split("@")[0].split(":").at(-1)));
        } catch { /* that node is down: ask another */ }
      }
      throw new Error("no cluster node answers");
    },
    waitHealthy: async (timeoutMs = 20_000) => {
      const t0 = Date.now();
      for (;;) {
        let ok = true;
        for (const port of servers.keys()) {
          try {
            const info = await redisCli(["-p", String(port), "cluster", "info"]);
            if (!/cluster_state:ok/.test(info)) ok = false;
          } catch { /* down: not counted */ }
        }
        if (ok) return;
        if (Date.now() - t0 > timeoutMs) {
          throw new Error("the Redis Cluster did not become healthy");
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  try {
    await redisCli([
      "--cluster",
      "create",
      ...nodes,
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    await cluster.waitHealthy();
    // Every node knows every other (the replicas have synced their masters' slots).
    await redisCli(["--cluster", "check", `127.0.0.1:${first}`]);
    // Every replica has finished its first sync: until then it cannot take
    // over ("Disconnected from master for longer than allowed").
    await waitReplicasSynced([...servers.keys()]);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Resolves once every replica among `ports` reports its link to its master up. */
async function waitReplicasSynced(ports: number[], timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  for (const port of ports) {
    for (;;) {
      const info = await redisCli(["-p", String(port), "info", "replication"]);
      if (!/role:slave/.test(info) || /master_link_status:up/.test(info)) break;
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(`the replica on port ${port} did not finish its first sync`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A master, its replica and a Sentinel watching them. */
export interface TestRedisSentinel {
  /** The master's name in Sentinel. */
  name: string;
  master: TestRedis;
  replica: TestRedis;
  /** The Sentinel's node, `127.0.0.1:<port>`. */
  sentinel: string;
  /** The port Sentinel names as the master now. */
  currentMaster(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a master, a replica of it and one Sentinel (quorum 1, down after
 * 1 s) on free loopback ports.
 */
export async function startRedisSentinel(): Promise<TestRedisSentinel> {
  const dir = await Deno.makeTempDir({ prefix: "prism-redis-sentinel-" });
  const name = "prism";
  const master = await startRedis({ args: ["--repl-diskless-sync-delay", "0"] });
  const replica = await startRedis({ args: ["--replicaof", "127.0.0.1", String(master.port)] });
  const port = freePort();
  const conf = `${dir}/sentinel.conf`;
  await Deno.writeTextFile(
    conf,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      "",
    ].join("\n"),
  );
  const bin = await findRedisServer();
  const child = new Deno.Command(bin, {
    args: [conf, "--sentinel"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const currentMaster = async () => {
    const text = await redisCli(["-p", String(port), "sentinel", "get-master-addr-by-name", name]);
    return Number(text.trim().split("\n")[1]);
  };
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await Promise.all([master.stop(), replica.stop()]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const t0 = Date.now();
    for (;;) {
      try {
        if ((await currentMaster()) === master.port) {
          // The replica is in sync before the test relies on it.
          const info = await redisCli(["-p", String(replica.port), "info", "replication"]);
          if (/master_link_status:up/.test(info)) break;
        }
      } catch { /* not up yet */ }
      if (Date.now() - t0 > 15_000) throw new Error("Sentinel did not come up");
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, master, replica, sentinel: `127.0.0.1:${port}`, currentMaster, stop };
}
