/**
 * The plugin's standard streams:
 *
 * - stdout carries the handshake line and nothing else
 *   ({@linkcode writeStdout}, {@linkcode redirectConsoleToStderr});
 * - stdin is a pipe the proxy never writes: when it reaches EOF the proxy
 *   is gone, and the plugin exits ({@linkcode watchForEof}).
 *
 * @module
 */

/** Something with Deno's `read()`: `Deno.stdin`, or a fake in tests.
 *
 * @example
 * ```ts
 * import type { ByteReader } from "./stdio.ts";
 * const empty: ByteReader = { read: () => Promise.resolve(null) };
 * console.log(typeof empty.read);
 * ```
 */
export interface ByteReader {
  read(p: Uint8Array): Promise<number | null>;
  close?(): void;
}

/**
 * Reads the first line of `reader` (at most `maxBytes`, within `timeoutMs`)
 * and leaves the reader at the byte after it: the plugin reads its channel
 * token this way, then watches the same stdin for EOF. Rejects with a
 * message saying what went wrong.
 *
 * @example
 * ```ts
 * import { readFirstLine } from "./stdio.ts";
 * const bytes = new TextEncoder().encode("token\nthe rest");
 * let at = 0;
 * const reader = {
 *   read: (p: Uint8Array) => Promise.resolve(at < bytes.length ? (p[0] = bytes[at++], 1) : null),
 * };
 * console.log(await readFirstLine(reader, 1000)); // "token"
 * console.log(at); // 6
 * ```
 */
export async function readFirstLine(
  reader: ByteReader,
  timeoutMs: number,
  maxBytes = 256,
): Promise<string> {
  const one = new Uint8Array(1);
  const bytes: number[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no line on stdin within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    // One byte at a time: nothing after the line is consumed.
    for (;;) {
      const n = await Promise.race([reader.read(one), timeout]);
      if (n === null) throw new Error("stdin ended before its first line");
      if (n === 0) continue;
      if (one[0] === 0x0a) return new TextDecoder().decode(new Uint8Array(bytes)).trim();
      bytes.push(one[0]);
      if (bytes.length > maxBytes) {
        throw new Error(`the first line of stdin is over ${maxBytes} bytes`);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A running EOF watch.
 *
 * @example
 * ```ts
 * import type { EofWatch } from "./stdio.ts";
 * const w: EofWatch = { stop() {} };
 * w.stop();
 * ```
 */
export interface EofWatch {
  /** Stops watching (the callback will not be called). */
  stop(): void;
}

/**
 * Reads `reader` in the background, discarding what arrives, and calls
 * `onEof` once when it ends or fails (both mean the parent is gone).
 *
 * @example
 * ```ts
 * import { watchForEof } from "./stdio.ts";
 * const ended = new Promise<string>((resolve) =>
 *   watchForEof({ read: () => Promise.resolve(null) }, resolve)
 * );
 * console.log(await ended); // "stdin reached EOF"
 * ```
 */
export function watchForEof(reader: ByteReader, onEof: (why: string) => void): EofWatch {
  let active = true;
  const buf = new Uint8Array(1024);
  (async () => {
    let why = "stdin reached EOF";
    try {
      while (active && (await reader.read(buf)) !== null) { /* discard */ }
    } catch (err) {
      why = `stdin failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (active) {
      active = false;
      onEof(why);
    }
  })();
  return {
    stop() {
      if (!active) return;
      active = false;
      try {
        reader.close?.();
      } catch { /* already closed */ }
    },
  };
}

const encoder = new TextEncoder();

/**
 * Writes `text` to stdout completely (synchronously, so it is out before
 * anything else happens).
 *
 * @example
 * ```ts
 * import { writeStdout } from "./stdio.ts";
 * const chunks: Uint8Array[] = [];
 * writeStdout("1|1|tcp|127.0.0.1:1|grpc\n", { writeSync: (p) => (chunks.push(p), p.length) });
 * console.log(chunks.length); // 1
 * ```
 */
export function writeStdout(
  text: string,
  out: { writeSync(p: Uint8Array): number } = Deno.stdout,
): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

/**
 * Sends `console.log`/`info`/`debug`/`table`/`dir`/`dirxml` (which write to stdout)
 * to stderr instead, so that nothing but the handshake ever reaches
 * stdout. Returns a function that restores them.
 *
 * @example
 * ```ts
 * import { redirectConsoleToStderr } from "./stdio.ts";
 * const restore = redirectConsoleToStderr();
 * console.log("this line goes to stderr");
 * restore();
 * ```
 */
export function redirectConsoleToStderr(): () => void {
  const c = console as unknown as Record<string, (...args: unknown[]) => void>;
  const names = ["log", "info", "debug", "table", "dir", "dirxml"] as const;
  const saved = names.map((n) => c[n]);
  const toStderr = (...args: unknown[]) => console.error(...args);
  for (const n of names) c[n] = toStderr;
  return () => names.forEach((n, i) => (c[n] = saved[i]));
}
