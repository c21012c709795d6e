/**
 * Test harness: a real proxy (in this process, so coverage sees it) on an
 * ephemeral loopback port, with real grpc-js clients.
 *
 * @module
 */
import { connect, type PrismClients } from "../proto/client.ts";
import type { ProxyConfig } from "../proxy/config/config.ts";
import { parseConfig } from "../proxy/config/load.ts";
import { Logger } from "../proto/log/logger.ts";
import { Proxy } from "../proxy/server.ts";

/** A running proxy with clients. */
export interface TestProxy {
  proxy: Proxy;
  address: string;
  clients: PrismClients;
  /** Log lines the proxy wrote (JSON). */
  logs: string[];
  stop(): Promise<void>;
}

/** Options for {@linkcode startTestProxy}. */
export interface TestProxyOptions {
  clock?: () => number;
  /** Bound on a call forwarded to a plugin without a client deadline (default 30 s). */
  pluginCallTimeoutMs?: number;
  /** The admin listener (default: an ephemeral loopback port; "" turns it off). */
  admin?: string;
}

/** Starts a proxy from YAML text or a config object on 127.0.0.1:0. */
export async function startTestProxy(
  config: string | ProxyConfig,
  options: TestProxyOptions = {},
): Promise<TestProxy> {
  const logs: string[] = [];
  const log = new Logger({}, "debug", (line) => logs.push(line));
  const cfg = typeof config === "string" ? parseConfig(config, "test.yaml") : config;
  const proxy = await Proxy.start({
    config: cfg,
    listen: "127.0.0.1:0",
    admin: options.admin ?? "127.0.0.1:0",
    log,
    clock: options.clock,
    pluginCallTimeoutMs: options.pluginCallTimeoutMs,
  });
  const address = `127.0.0.1:${proxy.port}`;
  const clients = connect(address);
  return {
    proxy,
    address,
    clients,
    logs,
    stop: async () => {
      clients.close();
      await proxy.shutdown("test finished");
    },
  };
}
