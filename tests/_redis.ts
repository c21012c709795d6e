/**
 * Test harness: a real `redis-server` (Debian's package) on a free loopback
 * port, without persistence, for the redis plugin's tests and the
 * conformance suites. `deno task test` installs it when it is missing
 * (`tasks/ensure_tools.ts`).
 *
 * @module
 */
import { connect as tcpConnect } from "node:net";

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
export async function startRedis(): Promise<TestRedis> {
  const bin = await findRedisServer();
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = freePort();
    try {
      return await launch(bin, port);
    } catch (err) {
      lastError = err; // most likely the port was taken meanwhile: try another
    }
  }
  throw new Error(`Cannot start redis-server: ${(lastError as Error)?.message}`);
}

async function launch(bin: string, port: number): Promise<TestRedis> {
  let child: Deno.ChildProcess | undefined;
  let output: Promise<string> = Promise.resolve("");
  const spawn = async () => {
    child = new Deno.Command(bin, {
      args: [
        "--port",
        String(port),
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
        if ((await command(port, "PING")) === "+PONG") return;
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
