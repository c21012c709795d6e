/**
 * `prism ctl` end to end, as operators run it: the CLI as a subprocess
 * against a real proxy whose namespaces are served by memstore, by the redis
 * plugin on a real redis-server and by the kafka plugin on a real Kafka
 * broker; subscriptions ended with SIGINT; a proxy with JWT auth; and
 * `status` read from the proxy's admin endpoint.
 *
 * @module
 */
import { SignJWT } from "jose";
import { SERVICE_NAMES, serviceDefinition } from "../proto/definitions.ts";
import { GrpcClient } from "../proto/transport/grpc_client.ts";
import { assert, sleep } from "./_assert.ts";
import { startTestProxy, type TestProxy } from "./_harness.ts";
import { type KafkaBroker, startKafka } from "./_kafka.ts";
import { type PrismProcess, runPrism, spawnPrism } from "./_process.ts";
import { startRedis, type TestRedis } from "./_redis.ts";

type Run = { code: number; stdout: string; stderr: string };

const lines = (text: string) => text.trimEnd().split("\n").filter((l) => l !== "");
const json = (text: string) => lines(text).map((l) => JSON.parse(l));

/** `prism ctl --target <proxy> <args>` as a subprocess. */
function ctlAt(address: string, env: Record<string, string> = {}) {
  return (...args: string[]): Promise<Run> => runPrism(["ctl", "--target", address, ...args], env);
}

/** Asserts a run's exit code, showing its output when it differs. */
function expectCode(run: Run, code: number, what: string): Run {
  assert.equal(
    run.code,
    code,
    `${what}: exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
  );
  return run;
}

/** Whether each spawned process has exited (so that waiting for its output stops at once). */
const exitedProcesses = new WeakSet<PrismProcess>();

function spawnCtl(args: string[]): PrismProcess {
  const p = spawnPrism(["ctl", ...args]);
  p.exited.then(() => exitedProcesses.add(p));
  return p;
}

/** Waits until `ready()`, failing after `ms` or as soon as `p` exits without it. */
async function waitFor(p: PrismProcess, ready: () => boolean, what: string, ms = 30_000) {
  const t0 = Date.now();
  while (!ready()) {
    const gone = exitedProcesses.has(p);
    if (gone || Date.now() - t0 > ms) {
      throw new Error(
        `${what}: ${gone ? "the process exited first" : `not within ${ms} ms`}\nstdout: ${
          p.stdout.join("\n")
        }\nstderr: ${p.stderr.join("\n")}`,
      );
    }
    await sleep(50);
  }
}

/** Resolves with the first line `p` printed on `stream` that matches. */
async function waitForLine(
  p: PrismProcess,
  stream: "stdout" | "stderr",
  pattern: RegExp,
): Promise<string> {
  await waitFor(
    p,
    () => p[stream].some((l) => pattern.test(l)),
    `a ${stream} line like ${pattern}`,
  );
  return p[stream].find((l) => pattern.test(l))!;
}

/** Resolves with `p`'s stdout once it has at least `n` lines. */
async function waitForStdout(p: PrismProcess, n: number): Promise<string[]> {
  await waitFor(p, () => p.stdout.length >= n, `${n} lines on stdout`);
  return p.stdout;
}

/** Writes a binary value (which the CLI cannot type) with the project's client. */
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

Deno.test({
  name: "ctl: every command against memstore, redis and kafka namespaces",
}, async (t) => {
  let redis: TestRedis | undefined;
  let kafka: KafkaBroker | undefined;
  let h: TestProxy | undefined;
  try {
    [redis, kafka] = await Promise.all([startRedis(), startKafka()]);
    h = await startTestProxy(`
namespaces:
  - { name: default, backend: memstore }
  - { name: cache, backend: redis, config: { url: "${redis.url}" } }
  - { name: events, backend: kafka, config: { brokers: ["${kafka.brokers}"] } }
`);
    const proxy = h;
    const ctl = ctlAt(proxy.address);

    for (const ns of ["default", "cache"]) {
      // memstore without -n (the default namespace), redis with it.
      const n = ns === "default" ? [] : ["-n", ns];
      await t.step(`key-value, scan and ttl on ${ns}`, async () => {
        expectCode(await ctl(...n, "set", "greeting", "hello world"), 0, "set");
        const get = expectCode(await ctl(...n, "get", "greeting"), 0, "get");
        assert.equal(get.stdout, "hello world");
        const getJson = expectCode(await ctl(...n, "get", "greeting", "--json"), 0, "get --json");
        assert.deepEqual(json(getJson.stdout), [
          { key: "greeting", found: true, value: "hello world" },
        ]);
        const missing = expectCode(await ctl(...n, "get", "absent"), 1, "get of a missing key");
        assert.equal(missing.stdout, "(not found)");
        assert.equal(missing.stderr, "");
        const missingJson = expectCode(await ctl(...n, "--json", "get", "absent"), 1, "get --json");
        assert.deepEqual(json(missingJson.stdout), [{ key: "absent", found: false }]);

        await setRaw(proxy, ns, "blob", new Uint8Array([0, 0xff, 0x10]));
        assert.equal((await ctl(...n, "get", "blob")).stdout, "base64:AP8Q");
        assert.deepEqual(json((await ctl(...n, "get", "blob", "--json")).stdout), [
          { key: "blob", found: true, value_base64: "AP8Q" },
        ]);

        assert.equal(
          expectCode(await ctl(...n, "set", "session", "s", "--ttl", "90"), 0, "set --ttl").stdout,
          "OK (expires in 1m30s)",
        );
        assert.match((await ctl(...n, "ttl", "session")).stdout, /^(89|90)s \(1m(29|30)s\)$/);
        const ttlJson = json((await ctl(...n, "ttl", "session", "--json")).stdout)[0];
        assert.ok(ttlJson.found && ttlJson.ttl_seconds >= 89 && ttlJson.ttl_seconds <= 90);
        assert.equal((await ctl(...n, "ttl", "greeting")).stdout, "no expiry");
        const noKey = expectCode(await ctl(...n, "ttl", "absent"), 1, "ttl of a missing key");
        assert.equal(noKey.stdout, "(not found)");
        assert.deepEqual(json((await ctl(...n, "ttl", "absent", "--json")).stdout), [
          { key: "absent", found: false, ttl_seconds: -2 },
        ]);

        for (const i of [3, 1, 2]) {
          expectCode(await ctl(...n, "set", `user:${i}`, `u${i}`), 0, "set");
        }
        const scan = expectCode(await ctl(...n, "scan", "user:"), 0, "scan");
        assert.deepEqual(lines(scan.stdout), [
          "KEY      VALUE",
          "user:1   u1",
          "user:2   u2",
          "user:3   u3",
        ]);
        const scanJson = json(
          expectCode(await ctl(...n, "scan", "user:", "--json"), 0, "scan").stdout,
        );
        assert.deepEqual(
          scanJson.sort((a, b) => a.key < b.key ? -1 : 1),
          [1, 2, 3].map((i) => ({ key: `user:${i}`, value: `u${i}` })),
        );
        const limited = expectCode(
          await ctl(...n, "scan", "user:", "--limit", "2"),
          0,
          "scan --limit",
        );
        assert.equal(lines(limited.stdout).length, 3);
        assert.match(
          limited.stderr,
          /showing the first 2 keys; more match \(--limit 0 shows all\)/,
        );
        const all = expectCode(await ctl(...n, "scan"), 0, "scan without a prefix");
        assert.ok(lines(all.stdout).some((l) => l.startsWith("blob ")), all.stdout);

        assert.equal(expectCode(await ctl(...n, "del", "user:1"), 0, "del").stdout, "deleted");
        assert.equal(
          expectCode(await ctl(...n, "del", "user:1"), 0, "del again").stdout,
          "(not found)",
        );
        assert.deepEqual(json((await ctl(...n, "del", "user:2", "--json")).stdout), [
          { key: "user:2", deleted: true },
        ]);
        assert.equal((await ctl(...n, "get", "user:1")).code, 1);
      });

      await t.step(`lists on ${ns}`, async () => {
        assert.equal(
          expectCode(await ctl(...n, "push", "jobs", "a"), 0, "push").stdout,
          "length 1",
        );
        assert.deepEqual(json((await ctl(...n, "push", "jobs", "b", "--json")).stdout), [
          { list: "jobs", length: 2 },
        ]);
        assert.equal((await ctl(...n, "push", "jobs", "z", "--left")).stdout, "length 3");
        assert.equal((await ctl(...n, "len", "jobs")).stdout, "3");
        assert.deepEqual(json((await ctl(...n, "len", "jobs", "--json")).stdout), [
          { list: "jobs", length: 3 },
        ]);
        assert.equal((await ctl(...n, "pop", "jobs")).stdout, "z");
        assert.equal((await ctl(...n, "pop", "jobs", "--right")).stdout, "b");
        assert.deepEqual(json((await ctl(...n, "pop", "jobs", "--json")).stdout), [
          { list: "jobs", found: true, value: "a" },
        ]);
        const empty = expectCode(await ctl(...n, "pop", "jobs"), 1, "pop of an empty list");
        assert.equal(empty.stdout, "(empty)");
        assert.deepEqual(
          json(expectCode(await ctl(...n, "pop", "jobs", "--json"), 1, "pop").stdout),
          [
            { list: "jobs", found: false },
          ],
        );
        assert.equal((await ctl(...n, "len", "jobs")).stdout, "0");
        // A list operation on a plain value: the server's error, one line, exit 1.
        const wrong = expectCode(await ctl(...n, "push", "greeting", "x"), 1, "push on a value");
        assert.match(wrong.stderr, /^prism ctl: PushRight: FAILED_PRECONDITION: .+$/);
      });

      await t.step(`pub/sub and streams are UNIMPLEMENTED on ${ns}`, async () => {
        for (
          const [args, method] of [
            [["publish", "t", "p"], "Publish"],
            [["subscribe", "t"], "Subscribe"],
            [["append", "s", "p"], "Append"],
            [["read", "s", "--json"], "Read"],
          ] as const
        ) {
          const r = expectCode(await ctl(...n, ...args), 1, args[0]);
          assert.equal(r.stdout, "");
          assert.match(r.stderr, new RegExp(`^prism ctl: ${method}: UNIMPLEMENTED: [^\\n]+$`));
        }
      });
    }

    await t.step(
      "kafka: subscribe prints what publish sends and ends with exit 0 on SIGINT",
      async () => {
        const sub = (...extra: string[]) =>
          spawnCtl([
            "--target",
            proxy.address,
            "-n",
            "events",
            "subscribe",
            "orders",
            ...extra,
          ]);
        const human = sub();
        const machine = sub("--json");
        try {
          // Subscribers are positioned when the headers arrive, which they say on stderr.
          const said = await waitForLine(human, "stderr", /^subscribed to "orders"/);
          assert.match(said, /^subscribed to "orders" in namespace "events" as \S+; Ctrl-C ends$/);
          await waitForLine(machine, "stderr", /^subscribed to "orders"/);

          const first = expectCode(
            await ctl("-n", "events", "publish", "orders", "first order"),
            0,
            "publish",
          );
          assert.match(first.stdout, /^published events\.orders\/\d+\/\d+$/);
          const second = expectCode(
            await ctl("-n", "events", "publish", "orders", "second order", "--json"),
            0,
            "publish --json",
          );
          const [{ topic, message_id }] = json(second.stdout);
          assert.equal(topic, "orders");
          assert.match(message_id, /^events\.orders\/\d+\/\d+$/);

          const shown = await waitForStdout(human, 2);
          assert.match(
            shown[0],
            /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}events\.orders\/\d+\/\d+ {2}first order$/,
          );
          assert.match(shown[1], / {2}second order$/);
          const got = (await waitForStdout(machine, 2)).map((l) => JSON.parse(l));
          assert.deepEqual(got.map((m) => m.payload), ["first order", "second order"]);
          assert.equal(got[1].message_id, message_id);
          assert.equal(got[1].topic, "orders");
          assert.ok(got[1].timestamp_ms > Date.now() - 120_000);
          assert.deepEqual(got[1].metadata, {});

          for (const p of [human, machine]) p.child.kill("SIGINT");
          const [a, b] = await Promise.all([human.exited, machine.exited]);
          assert.equal(a.code, 0, human.stderr.join("\n"));
          assert.equal(b.code, 0, machine.stderr.join("\n"));
          assert.equal(human.stderr.at(-1), "unsubscribed after 2 messages");
          assert.equal(human.stdout.length, 2);
        } finally {
          for (const p of [human, machine]) {
            try {
              p.child.kill("SIGKILL");
            } catch { /* exited */ }
            await p.exited;
          }
        }
      },
    );

    await t.step("kafka: append and read a stream", async () => {
      const ev = (...args: string[]) => ctl("-n", "events", ...args);
      const a0 = expectCode(await ev("append", "ledger", "entry 0"), 0, "append");
      const m = /^offset (\d+)$/.exec(a0.stdout);
      assert.ok(m, a0.stdout);
      const base = Number(m[1]);
      const a1 = expectCode(await ev("append", "ledger", "entry 1", "--json"), 0, "append --json");
      assert.deepEqual(json(a1.stdout), [{ stream: "ledger", offset: base + 1 }]);
      expectCode(await ev("append", "ledger", "entry 2"), 0, "append");

      const read = expectCode(await ev("read", "ledger", "--from", String(base)), 0, "read");
      const rows = lines(read.stdout);
      assert.match(rows[0], /^OFFSET +TIME +PAYLOAD$/);
      assert.equal(rows.length, 4, read.stdout);
      assert.match(rows[1], new RegExp(`^${base} +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z +entry 0$`));
      assert.match(rows[3], / entry 2$/);

      const some = expectCode(
        await ev("read", "ledger", "--from", String(base + 1), "--max", "1", "--json"),
        0,
        "read --max --json",
      );
      const [r] = json(some.stdout);
      assert.equal(lines(some.stdout).length, 1);
      assert.deepEqual({ ...r, timestamp_ms: 0 }, {
        stream: "ledger",
        offset: base + 1,
        timestamp_ms: 0,
        payload: "entry 1",
        metadata: {},
      });
      assert.match(
        some.stderr,
        new RegExp(`showing 1 record; more follow \\(--from ${base + 2}\\)`),
      );
      const tail = expectCode(
        await ev("read", "ledger", "--from", String(base + 3)),
        0,
        "read at the tail",
      );
      assert.equal(tail.stdout, "");
      assert.equal(tail.stderr, `No records in stream "ledger" from offset ${base + 3}.`);

      // Key-value commands on the kafka namespace: UNIMPLEMENTED.
      const kv = expectCode(await ev("get", "k"), 1, "get on kafka");
      assert.match(kv.stderr, /^prism ctl: Get: UNIMPLEMENTED: [^\n]*kafka/);
    });

    await t.step(
      "exit codes: bad usage (2) names the flag; an unreachable proxy is 1",
      async () => {
        const usage: [string[], RegExp][] = [
          [["get", "k", "--frob"], /^prism ctl: unknown flag "--frob" \(see prism ctl --help\)$/],
          [
            ["set", "k"],
            /^prism ctl: set: missing VALUE \(usage: prism ctl set KEY VALUE \[--ttl S\]\)$/,
          ],
          [
            ["scan", "--limit", "many"],
            /^prism ctl: --limit: must be a whole number [^\n]*: "many"$/,
          ],
          [["read", "s", "--from", "-1"], /^prism ctl: --from: must be an offset [^\n]*: "-1"$/],
          [
            ["set", "k", "v", "--ttl", "1h"],
            /^prism ctl: --ttl: must be a whole number of seconds [^\n]*: "1h"$/,
          ],
          [
            ["len", "q", "--right"],
            /^prism ctl: --right: not a flag of "len" \(only of push, pop\)$/,
          ],
          [["nope"], /^prism ctl: unknown command "nope"/],
          [
            ["--token-env", "PRISM_CTL_UNSET_VAR", "get", "k"],
            /^prism ctl: --token-env: environment variable "PRISM_CTL_UNSET_VAR" is not set or empty$/,
          ],
        ];
        for (const [args, expected] of usage) {
          const r = expectCode(await ctl(...args), 2, args.join(" "));
          assert.equal(r.stdout, "");
          assert.match(r.stderr, expected);
        }
        assert.equal((await runPrism(["ctl"])).code, 2);
        const help = expectCode(await runPrism(["ctl", "--help"]), 0, "help");
        assert.match(help.stdout, /^Usage: prism ctl /);

        const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const free = `127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
        l.close();
        for (const args of [["get", "k"], ["--json", "scan"], ["publish", "t", "p"]]) {
          const r = expectCode(
            await runPrism(["ctl", "--target", free, ...args]),
            1,
            args.join(" "),
          );
          assert.match(
            r.stderr,
            /^prism ctl: \w+: UNAVAILABLE: cannot connect to [^\n]+ --target HOST:PORT sets the address\)$/,
          );
        }
        // A namespace nobody configured: the server's NOT_FOUND, listing those that are.
        const r = expectCode(await ctl("-n", "nope", "get", "k"), 1, "unknown namespace");
        assert.match(
          r.stderr,
          /^prism ctl: Get: NOT_FOUND: namespace "nope" is not configured \(configured: [^\n]*cache/,
        );
      },
    );

    await t.step(
      "status reads the admin endpoint; a backend down is exit 1 and UNAVAILABLE",
      async () => {
        const admin = (proxy.proxy as { adminAddress?: string }).adminAddress;
        assert.ok(
          admin,
          "the proxy has no admin endpoint (CONTRACT §8 admin_listen): status needs it",
        );
        const status = expectCode(await runPrism(["ctl", "status", "--admin", admin]), 0, "status");
        const rows = lines(status.stdout);
        assert.match(
          rows[0],
          /^prism \d+\.\d+\.\d+, up \w+, gRPC on 127\.0\.0\.1:\d+ \(plaintext, auth: none\)/,
        );
        assert.match(rows[1], /^NAMESPACE +BACKEND +HEALTH +PID +UPTIME +RESTARTS +IN-FLIGHT\b/);
        assert.match(
          rows.find((l) => l.startsWith("default "))!,
          /^default +memstore +SERVING +- +- +- +0\b/,
        );
        assert.match(
          rows.find((l) => l.startsWith("cache "))!,
          /^cache +redis +SERVING +\d+ +\w+ +0 +\d+\b/,
        );
        assert.match(
          rows.find((l) => l.startsWith("events "))!,
          /^events +kafka +SERVING +\d+ +\w+ +0 +\d+\b/,
        );
        const doc = json(
          expectCode(
            await runPrism(["ctl", "--json", "--admin", admin, "status"]),
            0,
            "status --json",
          ).stdout,
        );
        assert.equal(doc.length, 1);
        assert.deepEqual(doc[0].namespaces.map((n: { name: string }) => n.name).sort(), [
          "cache",
          "default",
          "events",
        ]);
        assert.ok(
          doc[0].namespaces.find((n: { name: string }) => n.name === "cache").plugin.pid > 0,
        );

        // Redis goes away: its calls fail at once with UNAVAILABLE, status says NOT_SERVING.
        await redis!.stop();
        const failed = expectCode(
          await ctl("-n", "cache", "get", "greeting"),
          1,
          "get with redis down",
        );
        assert.match(failed.stderr, /^prism ctl: Get: UNAVAILABLE: [^\n]+$/);
        let down: Run | undefined;
        const t0 = Date.now();
        while (Date.now() - t0 < 30_000) {
          down = await runPrism(["ctl", "status", "--admin", admin]);
          if (down.code !== 0) break;
          await sleep(250);
        }
        expectCode(down!, 1, "status with redis down");
        assert.match(down!.stdout, /^cache +redis +NOT_SERVING\b/m);
        assert.match(down!.stdout, /^default +memstore +SERVING\b/m);
        assert.equal(down!.stderr, "prism ctl: status: 1 namespace is not SERVING: cache");

        // No admin endpoint where --admin points: exit 1, saying how to set it.
        const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const free = `127.0.0.1:${(l.addr as Deno.NetAddr).port}`;
        l.close();
        const none = expectCode(
          await runPrism(["ctl", "status", "--admin", free]),
          1,
          "no admin endpoint",
        );
        assert.match(
          none.stderr,
          new RegExp(
            `^prism ctl: status: cannot reach the admin endpoint at ${free} \\(connection refused\\): .*--admin HOST:PORT`,
          ),
        );
      },
    );
  } finally {
    await h?.stop();
    await Promise.all([redis?.stop(), kafka?.stop()]);
  }
});

Deno.test({ name: "ctl: --token-env against a proxy with JWT auth" }, async () => {
  const secret = "a development secret of at least 32 bytes, for ctl";
  Deno.env.set("PRISM_CTL_E2E_JWT_SECRET", secret);
  const h = await startTestProxy(
    `auth: { jwt: { issuer: "https://id.test", audience: prism, hs256_secret_env: PRISM_CTL_E2E_JWT_SECRET } }\n` +
      `namespaces: [{ name: default, backend: memstore }]\n`,
  );
  try {
    const token = await new SignJWT({ scope: "prism:default:write" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://id.test")
      .setAudience("prism")
      .setSubject("operator")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(secret));
    const ctl = ctlAt(h.address, { PRISM_TOKEN: token });
    const anonymous = expectCode(await ctl("get", "k"), 1, "no token");
    assert.match(anonymous.stderr, /^prism ctl: Get: UNAUTHENTICATED: [^\n]+$/);
    expectCode(
      await ctl("--token-env", "PRISM_TOKEN", "set", "k", "with a token"),
      0,
      "set with a token",
    );
    assert.equal(
      expectCode(await ctl("get", "k", "--token-env", "PRISM_TOKEN"), 0, "get with a token").stdout,
      "with a token",
    );
    const wrong = expectCode(await ctl("--token", "x.y.z", "get", "k"), 1, "a bad token");
    assert.match(wrong.stderr, /^prism ctl: Get: UNAUTHENTICATED: /);
  } finally {
    await h.stop();
    Deno.env.delete("PRISM_CTL_E2E_JWT_SECRET");
  }
});
