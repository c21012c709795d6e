/**
 * The proxy's side of the plugin handshake (CONTRACT §4, after HashiCorp
 * go-plugin; its constants are `proto/plugin/protocol.ts`, shared with the plugins): the first line
 * a plugin writes on stdout, `CORE|APP|NETWORK|ADDRESS|PROTOCOL`, e.g.
 * `1|1|tcp|127.0.0.1:41234|grpc`, parsed and checked.
 *
 * @module
 */

import { APP_PROTOCOL_VERSION, CORE_PROTOCOL_VERSION } from "../../proto/plugin/protocol.ts";

// The constants of the protocol are defined once, in proto/ (both sides import them).
export {
  APP_PROTOCOL_VERSION,
  CORE_PROTOCOL_VERSION,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
} from "../../proto/plugin/protocol.ts";

/** A parsed handshake.
 *
 * @example
 * ```ts
 * import type { Handshake } from "./handshake.ts";
 * const h: Handshake = { network: "tcp", address: "127.0.0.1:4000" };
 * console.log(h.address);
 * ```
 */
export interface Handshake {
  network: "tcp" | "unix";
  /** `host:port` for tcp, a socket path for unix. */
  address: string;
}

/**
 * Parses and checks a handshake line.
 *
 * @throws {Error} naming what is wrong with the line.
 *
 * @example
 * ```ts
 * import { parseHandshake } from "./handshake.ts";
 * console.log(parseHandshake("1|1|tcp|127.0.0.1:41234|grpc").address); // "127.0.0.1:41234"
 * ```
 */
export function parseHandshake(line: string): Handshake {
  const parts = line.trim().split("|");
  if (parts.length !== 5) {
    throw new Error(
      `Cannot read the plugin handshake as it must have 5 '|'-separated fields: current value is ${
        JSON.stringify(line.slice(0, 200))
      }`,
    );
  }
  const [core, app, network, address, protocol] = parts;
  if (Number(core) !== CORE_PROTOCOL_VERSION) {
    throw new Error(
      `Cannot use the plugin as its core protocol version must be ${CORE_PROTOCOL_VERSION}: current value is ${core}`,
    );
  }
  if (Number(app) !== APP_PROTOCOL_VERSION) {
    throw new Error(
      `Cannot use the plugin as its app protocol version must be ${APP_PROTOCOL_VERSION}: current value is ${app}`,
    );
  }
  if (network !== "tcp" && network !== "unix") {
    throw new Error(
      `Cannot use the plugin as its network must be tcp or unix: current value is ${network}`,
    );
  }
  if (network === "tcp" && !/^(127\.\d+\.\d+\.\d+|\[::1\]|localhost):\d{1,5}$/.test(address)) {
    throw new Error(
      `Cannot use the plugin as it must listen on loopback: current address is ${address}`,
    );
  }
  if (protocol !== "grpc") {
    throw new Error(
      `Cannot use the plugin as its protocol must be grpc: current value is ${protocol}`,
    );
  }
  return { network, address };
}

/** The address to give grpc-js for a handshake.
 *
 * @example
 * ```ts
 * import { grpcTarget } from "./handshake.ts";
 * console.log(grpcTarget({ network: "unix", address: "/tmp/p.sock" })); // "unix:/tmp/p.sock"
 * ```
 */
export function grpcTarget(h: Handshake): string {
  return h.network === "unix" ? `unix:${h.address}` : h.address;
}
