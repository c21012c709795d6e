/**
 * Assertions for tests (JSR's `@std/assert` is not reachable here, so tests
 * use `node:assert/strict` plus these gRPC helpers).
 *
 * @module
 */
import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";

export { assert };

/**
 * Asserts that `promise` rejects with gRPC status `code`; returns the error
 * so the test can check its message.
 */
export async function assertStatus(
  promise: Promise<unknown>,
  code: status,
  messageIncludes?: string,
): Promise<Error & { code: number; details: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { code: number; details: string };
    assert.equal(
      e.code,
      code,
      `expected ${status[code]}, got ${status[e.code] ?? e.code}: ${e.details ?? e.message}`,
    );
    if (messageIncludes !== undefined) {
      assert.ok(
        e.details.includes(messageIncludes),
        `expected the message to include ${JSON.stringify(messageIncludes)}: ${e.details}`,
      );
    }
    return e;
  }
  assert.fail(`expected ${status[code]}, but the call succeeded`);
}

/** Bytes of a string. */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Asserts two byte arrays are equal (compares as plain arrays for a readable diff). */
export function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, msg?: string) {
  assert.ok(actual !== undefined, msg ?? "expected bytes, got undefined");
  assert.equal(actual.length, expected.length, msg ?? "byte length differs");
  assert.deepEqual(Array.from(actual), Array.from(expected), msg ?? "bytes differ");
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Retries `fn` every 100 ms until it resolves or `ms` pass; resolves with
 * the milliseconds it took, or fails naming `what` and the last error.
 */
export async function eventually(
  fn: () => Promise<unknown>,
  ms: number,
  what: string,
): Promise<number> {
  const t0 = performance.now();
  let last: unknown;
  while (performance.now() - t0 < ms) {
    try {
      await fn();
      return performance.now() - t0;
    } catch (err) {
      last = err;
      await sleep(100);
    }
  }
  assert.fail(`${what} did not happen within ${ms} ms: ${(last as Error)?.message}`);
}
