/**
 * The benchmark's peer baselines, run in the same session as the proxy:
 * an empty grpc-js handler on Deno (what the proxy's transport replaced)
 * and one on Node.js (what users who pick grpc-js get at best). Both answer
 * constant bytes without decoding requests: no server can do less per call
 * with grpc-js.
 *
 * @module
 */
import { findExecutable } from "../tools.ts";
import { type Server, spawnServer } from "./server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** The grpc-js the Node baseline runs, the same version the project pins. */
const GRPC_JS = "@grpc/grpc-js@1.14.7";
const NODE_PREFIX = `${ROOT}.cache/node-grpc-js`;

/**
 * Installs grpc-js for Node from the npm registry into `.cache/` (once);
 * resolves with its folder, or undefined when Node or npm is missing.
 */
export async function ensureNodeGrpcJs(): Promise<string | undefined> {
  const dir = `${NODE_PREFIX}/node_modules/@grpc/grpc-js`;
  try {
    await Deno.stat(`${dir}/package.json`);
    return dir;
  } catch { /* not yet */ }
  const npm = await findExecutable("npm");
  if (!npm || !(await findExecutable("node"))) return undefined;
  const out = await new Deno.Command(npm, {
    args: ["install", "--prefix", NODE_PREFIX, "--no-save", "--no-audit", "--no-fund", GRPC_JS],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    console.error(`bench: npm install ${GRPC_JS} failed: ${new TextDecoder().decode(out.stderr)}`);
    return undefined;
  }
  return dir;
}

/** Starts the empty grpc-js handler on Deno. */
export function spawnDenoEmpty(): Promise<Server> {
  return spawnServer(["run", "-A", "tasks/bench/empty_server.ts"], /listening (\d+)/, "stdout");
}

/** Starts the empty grpc-js handler on Node.js; undefined when Node or grpc-js is unavailable. */
export async function spawnNodeEmpty(): Promise<Server | undefined> {
  const grpcJs = await ensureNodeGrpcJs();
  const node = await findExecutable("node");
  if (!grpcJs || !node) return undefined;
  return await spawnServer(
    ["tasks/bench/empty_server_node.cjs", "127.0.0.1:0"],
    /listening (\d+)/,
    "stdout",
    { cmd: node, env: { PRISM_GRPC_JS: grpcJs } },
  );
}
