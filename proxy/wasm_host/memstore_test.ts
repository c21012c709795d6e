import assert from "node:assert/strict";
import { ensureMemstoreWasm } from "../../tasks/build_wasm.ts";
import { MemStore, MemStoreError } from "./memstore.ts";
import { bytesOf, manualClock, newStore, utf8 } from "./_test_util.ts";

const MIB = 1 << 20;

function assertCode(fn: () => unknown, code: string, message?: RegExp): MemStoreError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MemStoreError, `expected MemStoreError, got ${err}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected MemStoreError ${code}`);
}

Deno.test("memstore module imports only its memory and exports the ABI", async () => {
  const path = await ensureMemstoreWasm({ log: () => {} });
  const bytes = await Deno.readFile(path);
  const module = await WebAssembly.compile(bytes);
  assert.deepEqual(WebAssembly.Module.imports(module), [
    { module: "env", name: "memory", kind: "memory" },
  ]);
  const exports = WebAssembly.Module.exports(module);
  assert.ok(exports.every((e) => e.kind === "function"), "only functions are exported");
  const names = exports.map((e) => e.name).sort();
  for (const name of ["set", "get", "del", "push", "pop", "sweep", "debugTrap", "init"]) {
    assert.ok(names.includes(name), `exports ${name}`);
  }
  assert.ok(bytes.length < 64 * 1024, `module is ${bytes.length} bytes`);
});

Deno.test("MemStore memory is created with the cap as its maximum", async () => {
  const { store } = await newStore({ maxMemoryMb: 2, maxKeyBytes: 64, maxValueBytes: 4096 });
  const stats = store.stats();
  assert.equal(stats.capacityBytes, 2 * MIB);
  assert.ok(stats.memoryPages >= 1 && stats.memoryPages <= 32);
  assert.ok(stats.usedBytes > 0);
  assert.equal(stats.keys, 0);
  store.close();
});

Deno.test("MemStore set/get/delete/exists", async () => {
  const { store } = await newStore();
  assert.equal(store.get("a"), undefined);
  assert.equal(store.exists("a"), false);
  assert.equal(store.delete("a"), false);
  store.set("a", utf8("one"));
  assert.deepEqual(store.get("a"), utf8("one"));
  assert.equal(store.exists("a"), true);
  store.set("a", utf8("a much longer second value that does not fit in place"));
  assert.deepEqual(store.get("a"), utf8("a much longer second value that does not fit in place"));
  store.set("a", utf8("2"));
  assert.deepEqual(store.get("a"), utf8("2"));
  assert.equal(store.stats().keys, 1);
  assert.equal(store.delete("a"), true);
  assert.equal(store.get("a"), undefined);
  assert.equal(store.exists("a"), false);
  assert.equal(store.stats().keys, 0);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore empty values are values", async () => {
  const { store } = await newStore();
  store.set("empty", new Uint8Array());
  const v = store.get("empty");
  assert.ok(v instanceof Uint8Array);
  assert.equal(v.length, 0);
  assert.equal(store.exists("empty"), true);
  assert.equal(store.pushRight("l", new Uint8Array()), 1);
  assert.deepEqual(store.popLeft("l"), new Uint8Array());
  assert.equal(store.exists("l"), false);
  store.close();
});

Deno.test("MemStore values are binary-safe copies", async () => {
  const { store } = await newStore();
  const all = new Uint8Array(256).map((_, i) => i);
  store.set("bin", all);
  const back = store.get("bin")!;
  assert.deepEqual(back, all);
  back[0] = 99;
  all[1] = 99;
  assert.deepEqual(store.get("bin"), new Uint8Array(256).map((_, i) => i));
  // A value that is a view into a larger buffer.
  const big = bytesOf(7, 1000);
  store.set("view", big.subarray(100, 200));
  assert.deepEqual(store.get("view"), big.slice(100, 200));
  // Every single-byte value, and a large one.
  for (let b = 0; b < 256; b++) store.set(`b${b}`, new Uint8Array([b]));
  for (let b = 0; b < 256; b++) assert.deepEqual(store.get(`b${b}`), new Uint8Array([b]));
  const large = bytesOf(3, MIB);
  store.set("large", large);
  assert.deepEqual(store.get("large"), large);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore keys are byte-exact UTF-8, including non-ASCII and emoji", async () => {
  const { store } = await newStore({ maxKeyBytes: 64 });
  const keys = [
    "",
    "a",
    "ab",
    "abc",
    "é",
    "e\u0301",
    "日本語",
    "🙂",
    "🙂🙃",
    "a\u0000b",
    "A",
    "key ",
  ];
  keys.forEach((k, i) => store.set(k, new Uint8Array([i])));
  keys.forEach((k, i) => assert.deepEqual(store.get(k), new Uint8Array([i]), `key ${k}`));
  assert.equal(store.stats().keys, keys.length);
  const scanned = store.scan("", 0, false).map((e) => e.key).sort();
  assert.deepEqual(scanned, [...keys].sort());
  assert.equal(store.count("🙂"), 2);
  assert.deepEqual(store.scan("日", 0, true), [{ key: "日本語", value: new Uint8Array([6]) }]);
  // Long non-ASCII keys decode through TextDecoder.
  const long = "ключ-".repeat(6);
  store.set(long, new Uint8Array([1]));
  assert.deepEqual(store.scan("ключ", 0, false), [{ key: long }]);
  store.close();
});

Deno.test("MemStore rejects keys over maxKeyBytes in UTF-8 bytes", async () => {
  const { store } = await newStore({ maxKeyBytes: 8 });
  store.set("12345678", new Uint8Array());
  assert.throws(() => store.set("123456789", new Uint8Array()), RangeError);
  store.set("ééé", new Uint8Array()); // 6 bytes
  assert.throws(() => store.get("éééé🙂"), /longer than maxKeyBytes/);
  assert.equal(store.count("123456789"), 0);
  assert.deepEqual(store.scan("éééé🙂", 0, true), []);
  assert.throws(() => store.set("k", new Uint8Array(2 * MIB)), /longer than maxValueBytes/);
  assert.throws(() => store.set("k", "nope" as unknown as Uint8Array), TypeError);
  assert.throws(() => store.pushLeft("k", new Uint8Array(2 * MIB)), RangeError);
  store.close();
});

Deno.test("MemStore scan and count by literal prefix", async () => {
  const { store } = await newStore();
  const keys = [
    "user",
    "user:",
    "user:1",
    "user:10",
    "user:2",
    "users",
    "*",
    "*a",
    "a*",
    "a?",
    "[a]",
    "a[b",
  ];
  for (const k of keys) store.set(k, utf8(`v-${k}`));
  store.pushRight("user:list", utf8("not a string"));
  const keysOf = (prefix: string, limit = 0) =>
    store.scan(prefix, limit, false).map((e) => e.key).sort();
  assert.deepEqual(keysOf("user:"), ["user:", "user:1", "user:10", "user:2"]);
  assert.deepEqual(keysOf("user:1"), ["user:1", "user:10"]);
  assert.deepEqual(keysOf("user"), ["user", "user:", "user:1", "user:10", "user:2", "users"]);
  assert.deepEqual(keysOf("*"), ["*", "*a"]);
  assert.deepEqual(keysOf("a*"), ["a*"]);
  assert.deepEqual(keysOf("a?"), ["a?"]);
  assert.deepEqual(keysOf("[a"), ["[a]"]);
  assert.deepEqual(keysOf("a["), ["a[b"]);
  assert.deepEqual(keysOf("nothing"), []);
  assert.equal(keysOf("").length, keys.length);
  assert.equal(store.count(""), keys.length);
  assert.equal(store.count("user:"), 4);
  assert.equal(store.count("*"), 2);
  assert.equal(store.count("?"), 0);
  // Values, limits, no value property without values.
  const withValues = store.scan("user:1", 0, true).sort((a, b) => a.key.localeCompare(b.key));
  assert.deepEqual(withValues, [
    { key: "user:1", value: utf8("v-user:1") },
    { key: "user:10", value: utf8("v-user:10") },
  ]);
  assert.equal(store.scan("user", 3, true).length, 3);
  assert.equal(store.scan("user", 1, false).length, 1);
  assert.equal(store.scan("user", -5, false).length, 6);
  assert.ok(!("value" in store.scan("user:1", 1, false)[0]));
  store.close();
});

Deno.test("MemStore scan returns each of many keys exactly once, in chunks, as a snapshot", async () => {
  const { store } = await newStore({ maxMemoryMb: 64 });
  const n = 20_000; // more than one scan-area chunk
  for (let i = 0; i < n; i++) store.set(`k:${i}`, utf8(String(i)));
  for (let i = 0; i < 100; i++) store.set(`other:${i}`, utf8("x"));
  const entries = store.scan("k:", 0, true);
  assert.equal(entries.length, n);
  const seen = new Set<string>();
  for (const e of entries) {
    assert.ok(!seen.has(e.key), `duplicate ${e.key}`);
    seen.add(e.key);
    assert.deepEqual(e.value, utf8(e.key.slice(2)));
  }
  assert.equal(store.scan("k:", 5000, false).length, 5000);
  assert.equal(store.scan("k:", 4096, false).length, 4096);
  assert.equal(store.scan("k:", 4097, false).length, 4097);
  // The result is a copy: later writes do not change it.
  const snapshot = store.scan("k:1", 0, true);
  for (let i = 0; i < n; i++) store.delete(`k:${i}`);
  assert.equal(snapshot.length, 1 + 10 + 100 + 1000 + 10000);
  assert.deepEqual(snapshot.find((e) => e.key === "k:1")?.value, utf8("1"));
  assert.equal(store.count("k:"), 0);
  assert.equal(store.count(""), 100);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore TTL: getTTL, rounding, lazy expiry, overwrite resets", async () => {
  const { store, clock } = await newStore();
  assert.equal(store.getTTL("missing"), -2);
  store.set("plain", utf8("x"));
  assert.equal(store.getTTL("plain"), -1);
  store.set("t", utf8("x"), 10);
  assert.equal(store.getTTL("t"), 10);
  clock.now += 1499; // 8501 ms left
  assert.equal(store.getTTL("t"), 9);
  clock.now += 2; // 8499 ms left
  assert.equal(store.getTTL("t"), 8);
  clock.now += 8498; // 1 ms left
  assert.equal(store.getTTL("t"), 0);
  assert.deepEqual(store.get("t"), utf8("x"));
  clock.now += 1; // expired
  assert.equal(store.get("t"), undefined);
  assert.equal(store.exists("t"), false);
  assert.equal(store.getTTL("t"), -2);
  assert.equal(store.stats().keys, 1);
  // Set overwrites and resets the TTL; ttl 0 or absent means none.
  store.set("r", utf8("1"), 5);
  store.set("r", utf8("2"));
  assert.equal(store.getTTL("r"), -1);
  store.set("r", utf8("3"), 5);
  store.set("r", utf8("4"), 0);
  assert.equal(store.getTTL("r"), -1);
  store.set("r", utf8("5"), 5);
  store.set("r", utf8("a longer value that needs a new record, with a TTL"), 7);
  assert.equal(store.getTTL("r"), 7);
  store.set("r", utf8("6"), 3);
  assert.equal(store.getTTL("r"), 3);
  clock.now += 3000;
  assert.equal(store.get("r"), undefined);
  // Fractional TTLs are ms-precise.
  store.set("f", utf8("x"), 0.25);
  clock.now += 249;
  assert.equal(store.exists("f"), true);
  clock.now += 1;
  assert.equal(store.exists("f"), false);
  assert.throws(() => store.set("neg", utf8("x"), -1), /non-negative number of seconds/);
  assert.throws(() => store.set("nan", utf8("x"), NaN), RangeError);
  assert.throws(() => store.expire("plain", Infinity), RangeError);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore expire and persist", async () => {
  const { store, clock } = await newStore();
  assert.equal(store.expire("missing", 10), false);
  assert.equal(store.persist("missing"), false);
  store.set("k", utf8("v"));
  assert.equal(store.persist("k"), false);
  assert.equal(store.expire("k", 10), true);
  assert.equal(store.getTTL("k"), 10);
  assert.equal(store.expire("k", 20), true);
  assert.equal(store.getTTL("k"), 20);
  assert.equal(store.persist("k"), true);
  assert.equal(store.getTTL("k"), -1);
  assert.equal(store.persist("k"), false);
  clock.now += 100_000;
  assert.deepEqual(store.get("k"), utf8("v"));
  // Expire 0 deletes (Redis semantics) and reports that the key existed.
  assert.equal(store.expire("k", 0), true);
  assert.equal(store.exists("k"), false);
  assert.equal(store.expire("k", 0), false);
  // Expired keys cannot be revived by expire/persist.
  store.set("gone", utf8("v"), 1);
  clock.now += 1000;
  assert.equal(store.expire("gone", 10), false);
  assert.equal(store.persist("gone"), false);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore reads the clock only when a key has an expiry", async () => {
  let reads = 0;
  const time = { now: 1_000_000 };
  const { store } = await newStore({
    clock: () => {
      reads++;
      return time.now;
    },
  });
  store.set("plain", utf8("v"));
  store.pushRight("list", utf8("v"));
  assert.deepEqual(store.get("plain"), utf8("v"));
  assert.equal(store.exists("plain"), true);
  assert.equal(store.getTTL("plain"), -1);
  assert.equal(store.persist("plain"), false);
  assert.equal(store.length("list"), 1);
  assert.equal(store.get("missing"), undefined);
  assert.equal(reads, 0);
  store.set("ttl", utf8("v"), 10);
  assert.equal(reads, 1);
  assert.deepEqual(store.get("ttl"), utf8("v"));
  assert.equal(store.exists("ttl"), true);
  assert.equal(store.getTTL("ttl"), 10);
  assert.equal(reads, 4);
  // Every operation that meets an expired key with the time unread asks for it.
  store.expire("list", 1);
  time.now += 1000;
  reads = 0;
  assert.equal(store.pushRight("list", utf8("new")), 1);
  assert.equal(reads, 1);
  store.expire("list", 1);
  time.now += 1000;
  assert.equal(store.popLeft("list"), undefined);
  store.pushRight("list", utf8("a"));
  store.expire("list", 1);
  time.now += 1000;
  assert.equal(store.popRight("list"), undefined);
  store.pushRight("list", utf8("a"));
  store.expire("list", 1);
  time.now += 1000;
  assert.equal(store.length("list"), 0);
  store.set("d", utf8("v"), 1);
  time.now += 1000;
  assert.equal(store.delete("d"), false);
  store.set("p", utf8("v"), 1);
  assert.equal(store.persist("p"), true);
  store.set("p", utf8("v"), 1);
  time.now += 1000;
  assert.equal(store.persist("p"), false);
  // Set without a TTL replaces an expired key without reading the clock.
  store.set("s", utf8("old"), 1);
  time.now += 1000;
  reads = 0;
  store.set("s", utf8("new"));
  assert.equal(reads, 0);
  assert.deepEqual(store.get("s"), utf8("new"));
  assert.equal(store.getTTL("s"), -1);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore sweep removes expired keys earliest first within the budget", async () => {
  const { store, clock } = await newStore();
  const t0 = clock.now;
  for (let i = 0; i < 100; i++) store.set(`e${i}`, utf8("x"), 1 + (i % 10));
  for (let i = 0; i < 50; i++) store.set(`p${i}`, utf8("x"));
  for (let i = 0; i < 5; i++) store.pushRight(`l${i}`, utf8("x"));
  for (let i = 0; i < 5; i++) store.expire(`l${i}`, 2);
  assert.equal(store.sweep(), 0);
  clock.now = t0 + 2000; // e with ttl 1 and 2 (20 keys) and the 5 lists
  assert.equal(store.sweep(7), 7);
  assert.equal(store.sweep(100), 18);
  assert.equal(store.sweep(), 0);
  assert.equal(store.sweep(0), 0);
  assert.equal(store.sweep(-3), 0);
  assert.equal(store.sweep(NaN), 0);
  assert.equal(store.stats().keys, 100 + 50 + 5 - 25);
  clock.now = t0 + 1_000_000;
  assert.equal(store.sweep(1e12), 80);
  assert.equal(store.stats().keys, 50);
  assert.equal(store.count(""), 50);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore counts keys removed by their expiry, on access and by the sweep", async () => {
  const { store, clock } = await newStore();
  store.set("a", utf8("x"), 1);
  store.set("b", utf8("x"), 1);
  store.set("c", utf8("x"), 1);
  store.set("kept", utf8("x"), 100);
  store.set("d", utf8("x"), 1);
  store.delete("d");
  assert.equal(store.stats().expiredKeys, 0, "a delete is not an expiry");
  clock.now += 1000;
  assert.equal(store.get("a"), undefined);
  assert.equal(store.stats().expiredKeys, 1, "removed on access");
  assert.equal(store.sweep(), 2);
  assert.equal(store.stats().expiredKeys, 3, "removed by the sweep");
  store.close();
});

Deno.test("MemStore sweeps only while some key has an expiry (an idle store never wakes)", async () => {
  const { store, clock } = await newStore({ sweepIntervalMs: 5 });
  store.set("plain", utf8("x"));
  store.pushRight("list", utf8("x"));
  assert.equal(store.sweeping, false, "no key with an expiry: no timer");
  store.set("short", utf8("x"), 1);
  assert.equal(store.sweeping, true);
  clock.now += 1000;
  const deadline = Date.now() + 5000;
  while (store.sweeping && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(store.sweeping, false, "the last expiring key gone: the timer stops");
  assert.equal(store.exists("short"), false);
  assert.equal(store.exists("plain"), true);
  assert.equal(store.expire("missing", 5), false);
  assert.equal(store.sweeping, false, "an expire that set nothing starts nothing");
  assert.equal(store.expire("plain", 5), true);
  assert.equal(store.sweeping, true, "an expire starts it again");
  assert.equal(store.persist("plain"), true);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(store.sweeping, false, "persist removed the last expiry: it stops at its next tick");
  store.close();
});

Deno.test("MemStore sweep timer expires keys actively without holding the process", async () => {
  const { store, clock } = await newStore({ sweepIntervalMs: 5, sweepBudget: 10 });
  for (let i = 0; i < 50; i++) store.set(`k${i}`, utf8("x"), 1);
  clock.now += 1000;
  const deadline = Date.now() + 5000;
  while (store.stats().keys > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(store.stats().keys, 0);
  store.close();
  assert.throws(() => store.sweep(), /closed/);

  // A store left open does not keep a process alive (the timer is unref'ed).
  const script = `
    import { MemStore } from ${JSON.stringify(new URL("./memstore.ts", import.meta.url).href)};
    const s = await MemStore.create({ maxMemoryMb: 2, maxKeyBytes: 64, maxValueBytes: 1024 });
    s.set("k", new Uint8Array([1]), 60);
    console.log("ok");
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(15_000),
  }).output();
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.equal(out.code, 0);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "ok");
});

Deno.test("MemStore lists: FIFO, LIFO, both ends, emptied lists vanish", async () => {
  const { store } = await newStore();
  assert.equal(store.length("q"), 0);
  assert.equal(store.popLeft("q"), undefined);
  assert.equal(store.popRight("q"), undefined);
  for (let i = 0; i < 5; i++) assert.equal(store.pushRight("q", new Uint8Array([i])), i + 1);
  assert.equal(store.length("q"), 5);
  assert.equal(store.exists("q"), true);
  for (let i = 0; i < 5; i++) assert.deepEqual(store.popLeft("q"), new Uint8Array([i])); // FIFO
  assert.equal(store.exists("q"), false);
  assert.equal(store.length("q"), 0);
  assert.equal(store.stats().keys, 0);
  for (let i = 0; i < 5; i++) store.pushRight("s", new Uint8Array([i]));
  for (let i = 4; i >= 0; i--) assert.deepEqual(store.popRight("s"), new Uint8Array([i])); // LIFO
  assert.equal(store.popRight("s"), undefined);
  store.pushLeft("d", utf8("b"));
  store.pushLeft("d", utf8("a"));
  store.pushRight("d", utf8("c"));
  assert.deepEqual(store.popLeft("d"), utf8("a"));
  assert.deepEqual(store.popRight("d"), utf8("c"));
  assert.deepEqual(store.popRight("d"), utf8("b"));
  assert.equal(store.exists("d"), false);
  // Binary values, large values, a long list.
  const big = bytesOf(9, 300_000);
  store.pushRight("b", big);
  store.pushRight("b", new Uint8Array(256).map((_, i) => 255 - i));
  assert.deepEqual(store.popLeft("b"), big);
  assert.deepEqual(store.popLeft("b"), new Uint8Array(256).map((_, i) => 255 - i));
  for (let i = 0; i < 100_000; i++) store.pushRight("long", bytesOf(i, i % 40));
  assert.equal(store.length("long"), 100_000);
  for (let i = 0; i < 100_000; i++) assert.deepEqual(store.popLeft("long"), bytesOf(i, i % 40));
  assert.equal(store.exists("long"), false);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore lists: TTL, delete, overwrite by set", async () => {
  const { store, clock } = await newStore();
  store.pushRight("l", utf8("a"));
  store.pushRight("l", utf8("b"));
  assert.equal(store.getTTL("l"), -1);
  assert.equal(store.expire("l", 5), true);
  assert.equal(store.getTTL("l"), 5);
  assert.equal(store.pushRight("l", utf8("c")), 3); // push keeps the TTL
  assert.equal(store.getTTL("l"), 5);
  clock.now += 5000;
  assert.equal(store.length("l"), 0);
  assert.equal(store.exists("l"), false);
  assert.equal(store.pushRight("l", utf8("new")), 1);
  assert.equal(store.getTTL("l"), -1);
  assert.equal(store.expire("l", 5), true);
  assert.equal(store.persist("l"), true);
  assert.equal(store.delete("l"), true);
  assert.equal(store.length("l"), 0);
  // Set replaces a list (like Redis SET), TTL included.
  store.pushRight("x", utf8("1"));
  store.pushRight("x", utf8("2"));
  store.expire("x", 9);
  store.set("x", utf8("string now"));
  assert.deepEqual(store.get("x"), utf8("string now"));
  assert.equal(store.getTTL("x"), -1);
  store.pushRight("y", utf8("1"));
  store.expire("y", 9);
  store.set("y", utf8("s"), 4);
  assert.equal(store.getTTL("y"), 4);
  // Emptying a list with a TTL removes it from the expiry index too.
  store.pushRight("z", utf8("1"));
  store.expire("z", 9);
  store.popLeft("z");
  assert.equal(store.getTTL("z"), -2);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore WRONG_TYPE between strings and lists", async () => {
  const { store } = await newStore();
  store.set("s", utf8("v"));
  store.pushRight("l", utf8("v"));
  assertCode(() => store.get("l"), "WRONG_TYPE", /"l".*list/);
  assertCode(() => store.pushLeft("s", utf8("x")), "WRONG_TYPE", /"s".*string/);
  assertCode(() => store.pushRight("s", utf8("x")), "WRONG_TYPE");
  assertCode(() => store.popLeft("s"), "WRONG_TYPE");
  assertCode(() => store.popRight("s"), "WRONG_TYPE");
  assertCode(() => store.length("s"), "WRONG_TYPE");
  assert.deepEqual(store.get("s"), utf8("v"));
  assert.equal(store.length("l"), 1);
  assert.equal(store.exists("l"), true);
  assert.equal(store.count(""), 1); // scans cover strings only
  assert.deepEqual(store.scan("", 0, false), [{ key: "s" }]);
  store.close();
});

Deno.test("MemStore memory cap: writes fail cleanly, data stays intact, deletes free memory", async () => {
  const { store } = await newStore({ maxMemoryMb: 2, maxKeyBytes: 256, maxValueBytes: 65536 });
  const written = new Map<string, Uint8Array>();
  let err: MemStoreError | undefined;
  for (let i = 0; i < 100_000 && !err; i++) {
    const key = `key:${i}`;
    const value = bytesOf(i, (i * 37) % 3000);
    try {
      store.set(key, value, i % 2 === 0 ? 3600 : undefined);
      written.set(key, value);
    } catch (e) {
      err = e as MemStoreError;
    }
  }
  assert.ok(err instanceof MemStoreError);
  assert.equal(err.code, "RESOURCE_EXHAUSTED");
  assert.match(err.message, /max_memory_mb/);
  assert.ok(written.size > 500, `stored ${written.size}`);
  const stats = store.stats();
  assert.equal(stats.memoryPages, 32);
  assert.ok(stats.usedBytes > 0.9 * 2 * MIB, `used ${stats.usedBytes}`);
  assert.equal(store.debugCheck(), 0);
  for (const [k, v] of written) assert.deepEqual(store.get(k), v, k);
  // Overwriting with a bigger value fails and keeps the old value.
  const [firstKey, firstValue] = written.entries().next().value!;
  assertCode(() => store.set(firstKey, new Uint8Array(60_000)), "RESOURCE_EXHAUSTED");
  assert.deepEqual(store.get(firstKey), firstValue);
  // Lists at the cap: push fails, the list is intact, pops always work.
  assertCode(() => store.pushRight("newlist", new Uint8Array(60_000)), "RESOURCE_EXHAUSTED");
  assert.equal(store.exists("newlist"), false);
  // Delete a quarter of the keys; writes succeed again.
  let i = 0;
  for (const k of [...written.keys()]) {
    if (i++ % 4 === 0) {
      assert.equal(store.delete(k), true);
      written.delete(k);
    }
  }
  store.set("after", bytesOf(1, 2000));
  assert.deepEqual(store.get("after"), bytesOf(1, 2000));
  // A large write needs contiguous memory: free a run of consecutive keys.
  const keys = [...written.keys()];
  for (const k of keys.slice(1, keys.length / 3)) {
    store.delete(k);
    written.delete(k);
  }
  store.set(firstKey, new Uint8Array(60_000));
  written.set(firstKey, new Uint8Array(60_000));
  let pushed = 0;
  try {
    for (;; pushed++) store.pushRight("list", bytesOf(pushed, 500));
  } catch (e) {
    assert.equal((e as MemStoreError).code, "RESOURCE_EXHAUSTED");
  }
  assert.ok(pushed > 10);
  assert.equal(store.length("list"), pushed);
  assert.equal(store.debugCheck(), 0);
  for (const [k, v] of written) assert.deepEqual(store.get(k), v, k);
  for (let j = 0; j < pushed; j++) assert.deepEqual(store.popLeft("list"), bytesOf(j, 500));
  assert.equal(store.exists("list"), false);
  store.set("after2", bytesOf(2, 2000));
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore memory cap: freed memory coalesces for larger writes", async () => {
  const { store } = await newStore({ maxMemoryMb: 2, maxKeyBytes: 64, maxValueBytes: 512 * 1024 });
  let n = 0;
  try {
    for (;; n++) store.set(`small:${n}`, bytesOf(n, 40));
  } catch (e) {
    assert.equal((e as MemStoreError).code, "RESOURCE_EXHAUSTED");
  }
  assert.ok(n > 10_000, `stored ${n} small keys`);
  for (let i = 0; i < n; i++) assert.deepEqual(store.get(`small:${i}`), bytesOf(i, 40));
  assert.equal(store.debugCheck(), 0);
  assertCode(() => store.set("big", new Uint8Array(512 * 1024)), "RESOURCE_EXHAUSTED");
  for (let i = 0; i < n; i++) store.delete(`small:${i}`);
  assert.equal(store.stats().keys, 0);
  store.set("big", bytesOf(5, 512 * 1024));
  store.set("big2", bytesOf(6, 512 * 1024));
  assert.deepEqual(store.get("big"), bytesOf(5, 512 * 1024));
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore memory cap: expire fails cleanly when the expiry index cannot grow", async () => {
  const { store } = await newStore({ maxMemoryMb: 2, maxKeyBytes: 64, maxValueBytes: 4096 });
  let n = 0;
  try {
    for (;; n++) store.set(`k${n}`, bytesOf(n, 24));
  } catch (e) {
    assert.equal((e as MemStoreError).code, "RESOURCE_EXHAUSTED");
  }
  let expired = 0;
  let failed: MemStoreError | undefined;
  for (; expired < n && !failed; expired++) {
    try {
      store.expire(`k${expired}`, 100);
    } catch (e) {
      failed = e as MemStoreError;
    }
  }
  assert.equal(failed?.code, "RESOURCE_EXHAUSTED");
  const failedKey = `k${expired - 1}`;
  assert.equal(store.getTTL(failedKey), -1);
  assert.equal(store.getTTL("k0"), 100);
  assert.equal(store.debugCheck(), 0);
  for (let i = n - 1; i > n - 200; i--) store.delete(`k${i}`);
  assert.equal(store.expire(failedKey, 100), true);
  assert.equal(store.getTTL(failedKey), 100);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore re-creates its views after memory grows in any operation", async () => {
  const { store } = await newStore({ maxMemoryMb: 64 });
  const n = 150_000;
  for (let i = 0; i < n; i++) store.set(`k${i}`, utf8("v"));
  // Expire grows the expiry heap (and memory) without writing through the host's views,
  // so the next call must notice the detached buffer.
  let growths = 0;
  let pages = store.stats().memoryPages;
  for (let i = 0; i < n; i++) {
    store.expire(`k${i}`, 100);
    if (store.stats().memoryPages !== pages) {
      pages = store.stats().memoryPages;
      growths++;
      if (growths === 1) assert.equal(store.count("k1"), 1 + 10 + 100 + 1000 + 10000 + 50000);
      else assert.deepEqual(store.get(`k${i}`), utf8("v"));
    }
  }
  assert.ok(growths >= 2, `memory grew ${growths} times`);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore holds 200k keys across table growth", async () => {
  const { store, clock } = await newStore({ maxMemoryMb: 64 });
  const n = 200_000;
  const value = bytesOf(1, 16);
  for (let i = 0; i < n; i++) store.set(`key:${i}`, value, i % 5 === 0 ? 10 : undefined);
  assert.equal(store.stats().keys, n);
  assert.equal(store.debugCheck(), 0);
  for (let i = 0; i < n; i += 7) assert.deepEqual(store.get(`key:${i}`), value);
  assert.equal(store.count("key:1"), 1 + 10 + 100 + 1000 + 10000 + 100000);
  for (let i = 0; i < n; i += 2) assert.equal(store.delete(`key:${i}`), true);
  assert.equal(store.stats().keys, n / 2);
  clock.now += 10_000;
  assert.equal(store.sweep(n), n / 10);
  assert.equal(store.stats().keys, n / 2 - n / 10);
  assert.equal(store.count(""), n / 2 - n / 10);
  assert.equal(store.debugCheck(), 0);
  store.close();
});

Deno.test("MemStore trap fails the call with INTERNAL, is logged, and the store keeps serving", async () => {
  const traps: Array<[Error, string]> = [];
  const { store } = await newStore({ onTrap: (err, op) => traps.push([err, op]) });
  store.set("k", utf8("v"));
  const err = assertCode(() => store.debugTrap(), "INTERNAL", /trapped.*consistency check passed/);
  assert.ok(err.cause instanceof WebAssembly.RuntimeError);
  assert.equal(traps.length, 1);
  assert.equal(traps[0][1], "debugTrap");
  assert.ok(traps[0][0] instanceof WebAssembly.RuntimeError);
  assert.deepEqual(store.get("k"), utf8("v"));
  store.set("k2", utf8("v2"));
  assert.deepEqual(store.get("k2"), utf8("v2"));
  assert.equal(store.debugCheck(), 0);
  store.close();

  // The default handler logs one JSON line; a throwing handler does not hide the error.
  const original = console.error;
  const lines: string[] = [];
  console.error = (line: string) => lines.push(line);
  try {
    const { store: s2 } = await newStore();
    assertCode(() => s2.debugTrap(), "INTERNAL");
    s2.close();
    const { store: s3 } = await newStore({
      onTrap: () => {
        throw new Error("logger down");
      },
    });
    assertCode(() => s3.debugTrap(), "INTERNAL");
    assert.equal(s3.exists("x"), false);
    s3.close();
  } finally {
    console.error = original;
  }
  assert.equal(lines.length, 1);
  const logged = JSON.parse(lines[0]);
  assert.equal(logged.level, "error");
  assert.equal(logged.op, "debugTrap");
  assert.match(logged.error, /RuntimeError/);
});

/** Creates a store whose wasm exports throw a RuntimeError while `fault.on` names them (or is "*"). */
async function faultyStore(): Promise<{ store: MemStore; fault: { on: string } }> {
  const path = await ensureMemstoreWasm({ log: () => {} });
  const module = await WebAssembly.compile(await Deno.readFile(path));
  const fault = { on: "" };
  const RealInstance = WebAssembly.Instance;
  class FaultyInstance {
    readonly exports: WebAssembly.Exports;
    constructor(m: WebAssembly.Module, imports?: WebAssembly.Imports) {
      const real = new RealInstance(m, imports);
      const wrapped: Record<string, unknown> = {};
      for (const [name, fn] of Object.entries(real.exports)) {
        wrapped[name] = typeof fn !== "function" ? fn : (...args: unknown[]) => {
          if (fault.on === name || fault.on === "*") {
            throw new WebAssembly.RuntimeError(`injected fault in ${name}`);
          }
          return (fn as (...a: unknown[]) => unknown)(...args);
        };
      }
      this.exports = wrapped as WebAssembly.Exports;
    }
  }
  WebAssembly.Instance = FaultyInstance as unknown as typeof WebAssembly.Instance;
  try {
    const store = MemStore.createFromModule(module, {
      maxMemoryMb: 4,
      maxKeyBytes: 64,
      maxValueBytes: 1024,
      sweepIntervalMs: 0,
      onTrap: () => {},
    });
    return { store, fault };
  } finally {
    WebAssembly.Instance = RealInstance;
  }
}

Deno.test("MemStore wraps a trap in any operation as INTERNAL and keeps serving", async () => {
  const { store, fault } = await faultyStore();
  const ops: Array<[string, () => unknown]> = [
    ["set", () => store.set("k", utf8("v"))],
    ["get", () => store.get("k")],
    ["del", () => store.delete("k")],
    ["exists", () => store.exists("k")],
    ["scanFill", () => store.scan("k", 0, true)],
    ["count", () => store.count("k")],
    ["expire", () => store.expire("k", 1)],
    ["ttl", () => store.getTTL("k")],
    ["persist", () => store.persist("k")],
    ["push", () => store.pushLeft("k2", utf8("v"))],
    ["pop", () => store.popRight("k2")],
    ["llen", () => store.length("k2")],
    ["sweep", () => store.sweep()],
    ["debugCheck", () => store.debugCheck()],
  ];
  fault.on = "*";
  assertCode(() => store.get("k"), "INTERNAL", /consistency check trapped too/);
  // The O(n) check runs at most once a minute.
  assertCode(() => store.get("k"), "INTERNAL", /consistency check skipped/);
  for (const [name, call] of ops) {
    fault.on = name;
    const err = assertCode(call, "INTERNAL", new RegExp(`injected fault in ${name}`));
    assert.ok(err.cause instanceof WebAssembly.RuntimeError);
    fault.on = "*";
    assertCode(call, "INTERNAL", /injected fault/);
    fault.on = "";
  }
  store.set("k", utf8("v"));
  assert.deepEqual(store.get("k"), utf8("v"));
  // The sweep timer swallows (already reported) traps.
  fault.on = "sweep";
  store.close();
});

Deno.test("MemStore sweep timer survives traps", async () => {
  const { store, fault } = await faultyStore();
  void store;
  fault.on = "";
  store.close();
  const traps: string[] = [];
  const path = await ensureMemstoreWasm({ log: () => {} });
  const module = await WebAssembly.compile(await Deno.readFile(path));
  const RealInstance = WebAssembly.Instance;
  let sweeps = 0;
  WebAssembly.Instance = class {
    readonly exports: WebAssembly.Exports;
    constructor(m: WebAssembly.Module, imports?: WebAssembly.Imports) {
      const real = new RealInstance(m, imports).exports;
      this.exports = {
        ...real,
        sweep: () => {
          sweeps++;
          throw new WebAssembly.RuntimeError("sweep fault");
        },
      };
    }
  } as unknown as typeof WebAssembly.Instance;
  let s: MemStore;
  try {
    s = MemStore.createFromModule(module, {
      maxMemoryMb: 2,
      maxKeyBytes: 64,
      maxValueBytes: 1024,
      sweepIntervalMs: 2,
      onTrap: (_err, op) => traps.push(op),
    });
  } finally {
    WebAssembly.Instance = RealInstance;
  }
  // A key with an expiry starts the sweep.
  s.set("k", new Uint8Array([1]), 60);
  const deadline = Date.now() + 5000;
  while (sweeps < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  s.close();
  assert.ok(sweeps >= 3);
  assert.ok(traps.length >= 3 && traps.every((op) => op === "sweep"));
});

Deno.test("MemStore.createFromModule fails clearly when the module cannot set up its I/O block", async () => {
  const path = await ensureMemstoreWasm({ log: () => {} });
  const module = await WebAssembly.compile(await Deno.readFile(path));
  const RealInstance = WebAssembly.Instance;
  WebAssembly.Instance = class {
    readonly exports: WebAssembly.Exports;
    constructor(m: WebAssembly.Module, imports?: WebAssembly.Imports) {
      this.exports = { ...new RealInstance(m, imports).exports, init: () => 0 };
    }
  } as unknown as typeof WebAssembly.Instance;
  try {
    assert.throws(
      () =>
        MemStore.createFromModule(module, { maxMemoryMb: 2, maxKeyBytes: 64, maxValueBytes: 1024 }),
      /'maxMemoryMb' \(max_memory_mb\) is too small for its I\/O buffer: current value is 2/,
    );
  } finally {
    WebAssembly.Instance = RealInstance;
  }
});

Deno.test("MemStore options are validated with messages naming the value", async () => {
  await ensureMemstoreWasm({ log: () => {} });
  const base = { maxMemoryMb: 4, maxKeyBytes: 64, maxValueBytes: 1024, sweepIntervalMs: 0 };
  await assert.rejects(
    MemStore.create({ ...base, maxMemoryMb: 0 }),
    /'maxMemoryMb' must be a positive integer: current value is 0/,
  );
  await assert.rejects(MemStore.create({ ...base, maxMemoryMb: 1.5 }), /current value is 1.5/);
  await assert.rejects(MemStore.create({ ...base, maxMemoryMb: 4096 }), /at most 2048/);
  await assert.rejects(MemStore.create({ ...base, maxKeyBytes: -1 }), /'maxKeyBytes'/);
  await assert.rejects(MemStore.create({ ...base, maxValueBytes: NaN }), /'maxValueBytes'/);
  await assert.rejects(
    MemStore.create({ ...base, sweepIntervalMs: -5 }),
    /'sweepIntervalMs' must be a non-negative integer/,
  );
  await assert.rejects(MemStore.create({ ...base, sweepBudget: 0 }), /'sweepBudget'/);
  await assert.rejects(
    MemStore.create({ ...base, maxMemoryMb: 1, maxValueBytes: 1 << 20 }),
    /'maxMemoryMb' \(max_memory_mb\) is too small.*current value is 1, at least 2/,
  );
  await assert.rejects(
    MemStore.create({ ...base, wasmPath: "/nonexistent/memstore.wasm" }),
    /'\/nonexistent\/memstore.wasm' does not exist: build it with `deno task build:wasm`/,
  );
});

Deno.test("MemStore closed store throws on every call; close is idempotent", async () => {
  const { store } = await newStore();
  store.close();
  store.close();
  assert.throws(() => store.get("k"), /Cannot get "k" as the MemStore is closed/);
  assert.throws(() => store.set("k", utf8("v")), /closed/);
  assert.throws(() => store.scan("", 0, false), /closed/);
  assert.throws(() => store.count(""), /closed/);
  assert.throws(() => store.stats(), /closed/);
  assert.throws(() => store.debugCheck(), /closed/);
  assert.throws(() => store.debugTrap(), /closed/);
});

Deno.test("MemStore.create reads and compiles the module once per path", async () => {
  const path = await ensureMemstoreWasm({ log: () => {} });
  const original = Deno.readFile;
  let reads = 0;
  Deno.readFile = ((...args: Parameters<typeof Deno.readFile>) => {
    reads++;
    return original(...args);
  }) as typeof Deno.readFile;
  try {
    const opts = { maxMemoryMb: 2, maxKeyBytes: 64, maxValueBytes: 1024, sweepIntervalMs: 0 };
    const url = new URL(`file://${path}?cache-test`);
    const stores = await Promise.all(
      [1, 2, 3].map(() => MemStore.create({ ...opts, wasmPath: url })),
    );
    stores.push(await MemStore.create({ ...opts, wasmPath: url }));
    assert.equal(reads, 1);
    // Each store has its own memory.
    stores[0].set("k", utf8("a"));
    assert.equal(stores[1].get("k"), undefined);
    for (const s of stores) s.close();
  } finally {
    Deno.readFile = original;
  }
});

Deno.test("MemStore.createFromModule creates stores synchronously", async () => {
  const path = await ensureMemstoreWasm({ log: () => {} });
  const module = await WebAssembly.compile(await Deno.readFile(path));
  const clock = manualClock();
  const store = MemStore.createFromModule(module, {
    maxMemoryMb: 2,
    maxKeyBytes: 64,
    maxValueBytes: 1024,
    clock,
    sweepIntervalMs: 0,
  });
  store.set("k", utf8("v"), 1);
  clock.now += 1000;
  assert.equal(store.get("k"), undefined);
  store.close();
  assert.throws(
    () =>
      MemStore.createFromModule(
        new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])),
        {
          maxMemoryMb: 2,
          maxKeyBytes: 64,
          maxValueBytes: 1024,
        },
      ),
    /does not export 'init'/,
  );
});
