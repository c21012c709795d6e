/**
 * Runs every interface's conformance suite against every backend that
 * declares the interface, through a real proxy with real gRPC clients.
 * Backends that need external servers join this table as they land.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { unary } from "../../proto/client.ts";
import { DATA_SERVICES, SERVICE_NAMES, type ServiceName } from "../../proto/definitions.ts";
import { assert, assertStatus, bytes } from "../_assert.ts";
import { startTestProxy } from "../_harness.ts";
import { keyvalueBasicSuite } from "./keyvalue_basic.ts";
import { keyvalueScanSuite } from "./keyvalue_scan.ts";
import { keyvalueTtlSuite } from "./keyvalue_ttl.ts";
import { listBasicSuite } from "./list_basic.ts";
import { pubsubBasicSuite } from "./pubsub_basic.ts";
import { streamBasicSuite } from "./stream_basic.ts";
import type { Suite, Target } from "./target.ts";
import { GrpcClient } from "../../proto/transport/grpc_client.ts";
import { startRedis, startRedisCluster } from "../_redis.ts";
import { kafkaVersion, startKafka, startKafkaCluster } from "../_kafka.ts";

const SUITES: Partial<Record<ServiceName, Suite>> = {
  [SERVICE_NAMES.keyvalueBasic]: keyvalueBasicSuite,
  [SERVICE_NAMES.keyvalueScan]: keyvalueScanSuite,
  [SERVICE_NAMES.keyvalueTtl]: keyvalueTtlSuite,
  [SERVICE_NAMES.list]: listBasicSuite,
  [SERVICE_NAMES.pubsub]: pubsubBasicSuite,
  [SERVICE_NAMES.stream]: streamBasicSuite,
};

/** One representative call per service, to check UNIMPLEMENTED for undeclared ones. */
function probe(target: Target, service: ServiceName): Promise<unknown> {
  const c = target.clients;
  const namespace = target.namespace;
  switch (service) {
    case SERVICE_NAMES.keyvalueBasic:
      return unary(c.keyvalue, "Get", { namespace, key: "k" });
    case SERVICE_NAMES.keyvalueScan:
      return unary(c.scan, "Count", { namespace, prefix: "" });
    case SERVICE_NAMES.keyvalueTtl:
      return unary(c.ttl, "GetTTL", { namespace, key: "k" });
    case SERVICE_NAMES.list:
      return unary(c.list, "Length", { namespace, list_key: "k" });
    case SERVICE_NAMES.pubsub:
      return unary(c.pubsub, "Publish", { namespace, topic: "t", payload: bytes("x") });
    default:
      return unary(c.stream, "Append", { namespace, stream: "s", payload: bytes("x") });
  }
}

async function runConformance(t: Deno.TestContext, target: Target): Promise<void> {
  for (const service of DATA_SERVICES) {
    const suite = SUITES[service];
    if (target.interfaces.has(service)) {
      if (suite !== undefined) await t.step(service, (t) => suite(t, target));
    } else {
      await t.step(`${service} is UNIMPLEMENTED`, async () => {
        await assertStatus(probe(target, service), status.UNIMPLEMENTED, target.backend);
      });
    }
  }
}

/** What memstore and redis declare (CONTRACT §4). */
const KEY_VALUE_AND_LIST = [
  SERVICE_NAMES.keyvalueBasic,
  SERVICE_NAMES.keyvalueScan,
  SERVICE_NAMES.keyvalueTtl,
  SERVICE_NAMES.list,
];

/** Runs the suites against `namespace` of a proxy, checking its declared interfaces first. */
async function conformanceOf(
  t: Deno.TestContext,
  h: Awaited<ReturnType<typeof startTestProxy>>,
  backend: string,
  namespace: string,
  expected: ServiceName[],
): Promise<void> {
  const declared = h.proxy.namespaces().find((n) => n.name === namespace)!.services;
  assert.deepEqual(
    [...declared].sort(),
    [...expected].sort(),
    `${backend} declares ${expected.join(", ")} (CONTRACT §4)`,
  );
  const raw = new GrpcClient(h.address);
  try {
    await runConformance(t, {
      backend,
      namespace,
      clients: h.clients,
      interfaces: new Set(declared as ServiceName[]),
      runId: `run-${crypto.randomUUID().slice(0, 8)}`,
      raw,
    });
  } finally {
    raw.close();
  }
}

Deno.test(
  { name: "conformance: redis (plugin process → real redis-server)" },
  async (t) => {
    const redis = await startRedis();
    const h = await startTestProxy(`
namespaces:
  - name: cache
    backend: redis
    config: { url: "${redis.url}" }
`);
    try {
      await conformanceOf(t, h, "redis", "cache", [
        SERVICE_NAMES.keyvalueBasic,
        SERVICE_NAMES.keyvalueScan,
        SERVICE_NAMES.keyvalueTtl,
        SERVICE_NAMES.list,
      ]);
    } finally {
      await h.stop();
      await redis.stop();
    }
  },
);

Deno.test(
  { name: "conformance: redis cluster (plugin process → 3 masters with a replica each)" },
  async (t) => {
    const cluster = await startRedisCluster(3, 1);
    const h = await startTestProxy(`
namespaces:
  - name: cache
    backend: redis
    config: { cluster: { nodes: ["${cluster.nodes[0]}"] } }
`);
    try {
      await conformanceOf(t, h, "redis", "cache", KEY_VALUE_AND_LIST);
    } finally {
      await h.stop();
      await cluster.stop();
    }
  },
);

Deno.test(
  { name: `conformance: kafka (plugin process → real Kafka ${kafkaVersion()} broker)` },
  async (t) => {
    const kafka = await startKafka();
    const h = await startTestProxy(`
namespaces:
  - name: events
    backend: kafka
    config: { brokers: ["${kafka.brokers}"] }
`);
    try {
      await conformanceOf(t, h, "kafka", "events", [SERVICE_NAMES.pubsub, SERVICE_NAMES.stream]);
    } finally {
      await h.stop();
      await kafka.stop();
    }
  },
);

Deno.test(
  {
    name:
      `conformance: kafka cluster (3 Kafka ${kafkaVersion()} brokers, replication factor 3, min.insync.replicas 2)`,
  },
  async (t) => {
    const kafka = await startKafkaCluster(3);
    const h = await startTestProxy(`
namespaces:
  - name: events
    backend: kafka
    config:
      brokers: ${JSON.stringify(kafka.brokers.split(","))}
      replication_factor: 3
      min_insync_replicas: 2
`);
    try {
      await conformanceOf(t, h, "kafka", "events", [SERVICE_NAMES.pubsub, SERVICE_NAMES.stream]);
    } finally {
      await h.stop();
      await kafka.stop();
    }
  },
);

Deno.test({ name: "conformance: memstore" }, async (t) => {
  const h = await startTestProxy(`
namespaces:
  - name: default
    backend: memstore
    config: { max_memory_mb: 64 }
`);
  try {
    await conformanceOf(t, h, "memstore", "default", KEY_VALUE_AND_LIST);
  } finally {
    await h.stop();
  }
});
