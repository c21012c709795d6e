/**
 * The plugin process protocol (CONTRACT §4, after HashiCorp go-plugin): how
 * a plugin knows the proxy started it, and the one handshake line it writes
 * on stdout once it serves.
 *
 * - The proxy sets `PRISM_PLUGIN_MAGIC_COOKIE=prism-plugin-v1` in the
 *   plugin's environment; without it the plugin refuses to run (exit 1).
 * - The plugin serves gRPC on `127.0.0.1:<ephemeral port>` and writes
 *   `1|1|tcp|127.0.0.1:<port>|grpc\n` on stdout (core protocol version | app
 *   protocol version | network | address | protocol). Nothing else is ever
 *   written to stdout.
 *
 * The proxy's side (`proxy/supervisor/handshake.ts`) parses the same line.
 *
 * @module
 */

/**
 * Version of the handshake and process protocol itself.
 *
 * @example
 * ```ts
 * import { CORE_PROTOCOL_VERSION } from "./protocol.ts";
 * console.log(CORE_PROTOCOL_VERSION); // 1
 * ```
 */
export const CORE_PROTOCOL_VERSION = 1;

/**
 * Version of the lifecycle and data interfaces a plugin speaks.
 *
 * @example
 * ```ts
 * import { APP_PROTOCOL_VERSION } from "./protocol.ts";
 * console.log(APP_PROTOCOL_VERSION); // 1
 * ```
 */
export const APP_PROTOCOL_VERSION = 1;

/**
 * Environment variable the proxy sets so that a plugin knows a proxy started it.
 *
 * @example
 * ```ts
 * import { MAGIC_COOKIE_KEY } from "./protocol.ts";
 * console.log(MAGIC_COOKIE_KEY); // "PRISM_PLUGIN_MAGIC_COOKIE"
 * ```
 */
export const MAGIC_COOKIE_KEY = "PRISM_PLUGIN_MAGIC_COOKIE";

/**
 * The value of {@linkcode MAGIC_COOKIE_KEY}.
 *
 * @example
 * ```ts
 * import { MAGIC_COOKIE_VALUE } from "./protocol.ts";
 * console.log(MAGIC_COOKIE_VALUE); // "prism-plugin-v1"
 * ```
 */
export const MAGIC_COOKIE_VALUE = "prism-plugin-v1";

/**
 * What a plugin prints on stderr (before exiting 1) when run without the cookie.
 *
 * @example
 * ```ts
 * import { NOT_BY_HAND_MESSAGE } from "./protocol.ts";
 * console.log(NOT_BY_HAND_MESSAGE.startsWith("This is a Prism plugin")); // true
 * ```
 */
export const NOT_BY_HAND_MESSAGE =
  "This is a Prism plugin; the proxy starts it (prism proxy). It is not meant to be run by hand.";

/**
 * Whether the environment carries the proxy's magic cookie. A lookup that
 * throws (no `--allow-env`) counts as "no cookie".
 *
 * @example
 * ```ts
 * import { hasMagicCookie } from "./protocol.ts";
 * console.log(hasMagicCookie(() => "prism-plugin-v1")); // true
 * console.log(hasMagicCookie(() => undefined)); // false
 * ```
 */
export function hasMagicCookie(
  getEnv: (name: string) => string | undefined = (name) => Deno.env.get(name),
): boolean {
  try {
    return getEnv(MAGIC_COOKIE_KEY) === MAGIC_COOKIE_VALUE;
  } catch {
    return false;
  }
}

/**
 * The handshake line (with its newline) for a plugin serving gRPC on a
 * loopback TCP port.
 *
 * @example
 * ```ts
 * import { handshakeLine } from "./protocol.ts";
 * console.log(handshakeLine("127.0.0.1", 41234)); // "1|1|tcp|127.0.0.1:41234|grpc\n"
 * ```
 */
export function handshakeLine(host: string, port: number): string {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RangeError(`Cannot write the handshake as the port must be 1-65535: got ${port}`);
  }
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|${host}:${port}|grpc\n`;
}

/**
 * The request header that carries the per-launch channel token: the proxy
 * writes a fresh random token as the first line of the plugin's stdin (a
 * pipe only the proxy holds: the token is in no environment, argument list
 * or file), and the plugin refuses every call that does not carry it.
 *
 * @example
 * ```ts
 * import { CHANNEL_TOKEN_HEADER } from "./protocol.ts";
 * console.log(CHANNEL_TOKEN_HEADER); // "prism-plugin-token"
 * ```
 */
export const CHANNEL_TOKEN_HEADER = "prism-plugin-token";

/**
 * A fresh channel token: 32 random bytes, hex.
 *
 * @example
 * ```ts
 * import { newChannelToken } from "./protocol.ts";
 * console.log(newChannelToken().length); // 64
 * ```
 */
export function newChannelToken(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * Compares two tokens in time that does not depend on where they differ.
 *
 * @example
 * ```ts
 * import { tokensEqual } from "./protocol.ts";
 * console.log(tokensEqual("abc", "abc"), tokensEqual("abc", "abd"), tokensEqual("a", "ab")); // true false false
 * ```
 */
export function tokensEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) {
    diff |= a.charCodeAt(i % Math.max(1, a.length)) ^ b.charCodeAt(i);
  }
  return diff === 0;
}
