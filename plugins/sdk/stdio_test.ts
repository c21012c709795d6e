import assert from "node:assert/strict";
import { redirectConsoleToStderr, watchForEof, writeStdout } from "./stdio.ts";

Deno.test("stdio: EOF and read errors end the watch once", async () => {
  let reads = 0;
  const chunks = [3, 2];
  const why = await new Promise<string>((resolve) =>
    watchForEof(
      { read: () => Promise.resolve(reads++ < chunks.length ? chunks[reads - 1] : null) },
      resolve,
    )
  );
  assert.equal(why, "stdin reached EOF");
  assert.equal(reads, 3, "data before EOF is discarded");
  const failed = await new Promise<string>((resolve) =>
    watchForEof({ read: () => Promise.reject(new Error("bad fd")) }, resolve)
  );
  assert.equal(failed, "stdin failed: bad fd");
});

Deno.test("stdio: a stopped watch does not call back and closes the reader", async () => {
  let release!: (n: number | null) => void;
  let closed = 0;
  let called = false;
  const w = watchForEof({
    read: () => new Promise((r) => (release = r)),
    close: () => {
      closed++;
      throw new Error("already closed");
    },
  }, () => (called = true));
  w.stop();
  w.stop();
  release(null);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(called, false);
  assert.equal(closed, 1);
});

Deno.test("stdio: writeStdout writes everything, even in pieces", () => {
  const got: number[] = [];
  writeStdout("hello\n", {
    writeSync: (p) => {
      got.push(p[0]);
      return 1; // one byte at a time
    },
  });
  assert.equal(new TextDecoder().decode(new Uint8Array(got)), "hello\n");
});

Deno.test("stdio: console output that would go to stdout goes to stderr", () => {
  const errors: unknown[][] = [];
  const savedError = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  const savedLog = console.log;
  const restore = redirectConsoleToStderr();
  try {
    console.log("a", 1);
    console.info("b");
    console.debug("c");
  } finally {
    restore();
    console.error = savedError;
  }
  assert.deepEqual(errors, [["a", 1], ["b"], ["c"]]);
  assert.equal(console.log, savedLog, "restored");
});
