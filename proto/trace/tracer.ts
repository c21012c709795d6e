/**
 * Spans exported over OTLP/HTTP (CONTRACT §8), with the OpenTelemetry JS
 * SDK (`@opentelemetry/api`, `@opentelemetry/sdk-trace`, the OTLP/HTTP
 * exporter), for the proxy and each plugin.
 *
 * Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; then the SDK loads (not
 * before: it is not part of a start without tracing) and exports batches of
 * spans in the background, honouring the standard `OTEL_*` variables
 * (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SDK_DISABLED`,
 * `OTEL_TRACES_EXPORTER=none`, `OTEL_TRACES_SAMPLER[_ARG]`,
 * `OTEL_BSP_SCHEDULE_DELAY`). A span continues the
 * client's `traceparent` (sampled or not as the client decided; a call
 * without one starts a sampled trace).
 *
 * @module
 */
import type { SpanRef } from "./traceparent.ts";

/** Reads an environment variable (tests pass their own). */
export type Env = (name: string) => string | undefined;

const processEnv: Env = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env
  }
};

/**
 * Where spans go: the OTLP/HTTP traces URL the standard variables give, or
 * undefined when tracing is off.
 *
 * @example
 * ```ts
 * import { otlpTracesUrl } from "./tracer.ts";
 * const env = (n: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" } as Record<string, string>)[n];
 * console.log(otlpTracesUrl(env)); // "http://collector:4318/v1/traces"
 * console.log(otlpTracesUrl(() => undefined)); // undefined
 * ```
 */
export function otlpTracesUrl(read: Env = processEnv): string | undefined {
  const env: Env = (name) => {
    try {
      return read(name);
    } catch {
      return undefined; // not allowed to read it: as if unset
    }
  };
  if (env("OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined;
  if (env("OTEL_TRACES_EXPORTER")?.toLowerCase() === "none") return undefined;
  const traces = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (traces) return traces;
  const base = env("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (!base) return undefined;
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * The sampler `OTEL_TRACES_SAMPLER` (and `OTEL_TRACES_SAMPLER_ARG`) name:
 * `parentbased_always_on` (the default: a client's decision is kept, a new
 * trace is sampled), `parentbased_traceidratio`, `parentbased_always_off`,
 * `always_on`, `always_off`, `traceidratio`.
 */
function samplerFromEnv(
  sdk: typeof import("@opentelemetry/sdk-trace"),
  env: Env,
): import("@opentelemetry/sdk-trace").Sampler {
  const name = (env("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on").toLowerCase();
  const arg = Number(env("OTEL_TRACES_SAMPLER_ARG") ?? "1");
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  const root = name.endsWith("always_off")
    ? new sdk.AlwaysOffSampler()
    : name.endsWith("traceidratio")
    ? new sdk.TraceIdRatioBasedSampler(ratio)
    : new sdk.AlwaysOnSampler();
  return name.startsWith("parentbased_") ? new sdk.ParentBasedSampler({ root }) : root;
}

/** A span in progress.
 *
 * @example
 * ```ts
 * import type { ActiveSpan } from "./tracer.ts";
 * const finish = (span: ActiveSpan) => span.end(0);
 * console.log(typeof finish);
 * ```
 */
export interface ActiveSpan {
  /** This span's place in the trace: what a child's `traceparent` names as its parent. */
  readonly ref: SpanRef;
  /** Adds an attribute. */
  set(key: string, value: string | number | boolean): void;
  /** Ends the span with a gRPC status code (non-zero: an error, with `message`). */
  end(code: number, message?: string): void;
}

/** What the SDK gives {@linkcode Tracer} (kept behind a lazy import). */
interface Sdk {
  tracer: import("@opentelemetry/api").Tracer;
  api: typeof import("@opentelemetry/api");
  shutdown(): Promise<void>;
}

/**
 * Starts spans and exports them.
 *
 * @example
 * ```ts ignore
 * import { Tracer } from "./tracer.ts";
 * const tracer = await Tracer.fromEnv("prism-proxy");
 * const span = tracer?.startServer("prism.Get", undefined, { "rpc.method": "Get" });
 * span?.end(0);
 * await tracer?.shutdown();
 * ```
 */
export class Tracer {
  readonly #sdk: Sdk;
  /** The OTLP/HTTP URL spans are sent to. */
  readonly url: string;

  private constructor(sdk: Sdk, url: string) {
    this.#sdk = sdk;
    this.url = url;
  }

  /**
   * A tracer when the environment turns tracing on, else undefined.
   * `service` is the default `service.name` (`OTEL_SERVICE_NAME` wins).
   */
  static async fromEnv(
    service: string,
    options: { env?: Env; version?: string } = {},
  ): Promise<Tracer | undefined> {
    const env = options.env ?? processEnv;
    const url = otlpTracesUrl(env);
    if (url === undefined) return undefined;
    const api = await import("@opentelemetry/api");
    const sdk = await import("@opentelemetry/sdk-trace");
    const { TracerProvider, BatchSpanProcessor } = sdk;
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    const { resourceFromAttributes } = await import("@opentelemetry/resources");
    const provider = new TracerProvider({
      sampler: samplerFromEnv(sdk, env),
      resource: resourceFromAttributes({
        "service.name": env("OTEL_SERVICE_NAME") || service,
        ...(options.version ? { "service.version": options.version } : {}),
      }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url }),
          scheduledDelayMillis: Number(env("OTEL_BSP_SCHEDULE_DELAY")) || 1000,
        }),
      ],
    });
    const tracer = provider.getTracer("prism", options.version);
    return new Tracer({ tracer, api, shutdown: () => provider.shutdown() }, url);
  }

  /**
   * Starts a server span named `name`, the child of `parent` (the client's
   * span) or, without one, the root of a new trace.
   */
  startServer(
    name: string,
    parent: SpanRef | undefined,
    attributes: Record<string, string | number | boolean>,
  ): ActiveSpan {
    const { api, tracer } = this.#sdk;
    const context = parent === undefined
      ? api.ROOT_CONTEXT
      : api.trace.setSpanContext(api.ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.spanId,
        traceFlags: parent.flags,
        isRemote: true,
      });
    const span = tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes }, context);
    const sc = span.spanContext();
    return {
      ref: { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags },
      set: (key, value) => span.setAttribute(key, value),
      end: (code, message) => {
        span.setAttribute("rpc.grpc.status_code", code);
        if (code !== 0) span.setStatus({ code: api.SpanStatusCode.ERROR, message });
        span.end();
      },
    };
  }

  /** Exports what is left and stops. */
  async shutdown(): Promise<void> {
    await this.#sdk.shutdown();
  }
}
