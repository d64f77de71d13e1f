/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`).
 * The SDK is loaded lazily, so a gateway without tracing never loads it.
 *
 * Spans are recorded after the fact, with explicit start and end times: one SERVER span per GraphQL
 * operation (from the request reaching the gateway to its result) and one CLIENT span per upstream
 * attempt. No context propagation runs on the request path (no AsyncLocalStorage, no resolver
 * wrapping): instead the operation span's ids are decided when its request arrives
 * (`operationIds`: the trace of a valid incoming W3C `traceparent`, else a new one), the request's
 * upstream calls carry them explicitly (`CallOrigin.parentSpan`) and their spans are made its
 * children, and the operation span is created with exactly those ids when the operation ends.
 * Attributes hold labels only (operation label, route template, request id, caller name): never
 * argument values, ids from paths, or headers.
 *
 * Sampling: upstream spans are made before their operation span exists, so the sampler's decision
 * for the operation is taken when its request arrives (`operationIds`) and carried in the trace
 * flags its upstream spans get as their parent's. The standard samplers (`OTEL_TRACES_SAMPLER`)
 * decide from the parent's flags and the trace id alone, so the operation span, started at the end
 * with the same ids and parent, gets the same decision: a trace is exported whole or not at all.
 *
 * Exporter: OTLP over HTTP (JSON) to `<endpoint>/v1/traces`, through a batch span processor;
 * `OTEL_EXPORTER_OTLP_HEADERS` and the other standard OTLP variables are honoured by the exporter.
 */
import { createRequire } from 'node:module';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import type { IdGenerator, Sampler } from '@opentelemetry/sdk-trace-base';

/** The standard `OTEL_TRACES_SAMPLER` values. */
export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSamplerName = (typeof TRACES_SAMPLERS)[number];

export interface TracesSampler {
  name: TracesSamplerName;
  /** The share of new traces sampled, for the `traceidratio` samplers (`OTEL_TRACES_SAMPLER_ARG`). Default 1. */
  ratio?: number;
}

export interface TracingOptions {
  /** OTLP/HTTP base URL, e.g. `http://otel-collector:4318`; `/v1/traces` is appended unless present. */
  endpoint: string;
  /** Which traces are recorded. Default `parentbased_always_on`: every new trace, and a caller's when it is sampled. */
  sampler?: TracesSampler;
  /** `service.name` of the resource. Default `reseller-gateway`. */
  serviceName?: string;
  /** Batch export delay. Default 5000 ms (the SDK's default). */
  scheduledDelayMillis?: number;
}

/** A span's place in a trace, as W3C trace context and `CallOrigin.parentSpan` state it. */
export interface SpanIds {
  traceId: string;
  spanId: string;
  /** W3C trace flags; bit 0: sampled. */
  traceFlags: number;
  /** W3C `tracestate` (vendors' entries), passed on from the caller to the spans of its trace. */
  traceState?: string;
}

/** The ids of an operation's SERVER span, decided when its request arrives. */
export interface OperationSpanIds extends SpanIds {
  /** The caller's span, from a valid incoming `traceparent`: the operation span's remote parent. */
  caller?: SpanIds;
}

export interface OperationSpanInfo {
  /** From `operationIds` at the request's arrival; new ids when absent. */
  ids: OperationSpanIds | undefined;
  operation: string;
  type: string;
  requestId: string | undefined;
  caller: string | undefined;
  callerKind: string | undefined;
  outcome: 'success' | 'error';
  errorCodes: string[];
  /** `performance.now()` values. */
  start: number;
  end: number;
}

export interface UpstreamSpanInfo {
  upstream: string;
  method: string;
  route: string;
  status: number | undefined;
  failure: string | undefined;
  attempt: number | undefined;
  durationMs: number;
  /** The operation the call was made for; the span is a root without it. */
  parent: SpanIds | undefined;
}

export interface Tracing {
  /**
   * The ids the operation span of a request arriving now will have: the trace id of a valid
   * `traceparent` header (then the caller's span is its parent, and its `tracestate` is kept), else
   * a new one; a new span id; and the sampler's decision as its flags.
   */
  operationIds(traceparent: string | null, tracestate?: string | null): OperationSpanIds;
  operation(info: OperationSpanInfo): void;
  upstreamCall(info: UpstreamSpanInfo): void;
  /** Exports what is buffered, then stops the exporter. */
  shutdown(): Promise<void>;
}

type Api = typeof import('@opentelemetry/api');
type SdkTraceBase = typeof import('@opentelemetry/sdk-trace-base');
type Exporter = typeof import('@opentelemetry/exporter-trace-otlp-http');
type Resources = typeof import('@opentelemetry/resources');
type SemConv = typeof import('@opentelemetry/semantic-conventions');

export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** `performance.now()` → epoch milliseconds, what the SDK takes as a start/end time. */
const epochMs = (monotonic: number): number => performance.timeOrigin + monotonic;

/**
 * W3C trace context: `<version>-<trace id>-<parent span id>-<flags>`, lowercase hex. Version 00 has
 * exactly these fields; a later version (not ff) is read as 00, past any fields it appends, as the
 * spec asks of a version-00 implementation.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;

/**
 * The caller's span of a valid `traceparent` header, with its `tracestate` (checked and cut to the
 * spec's 32 entries by the API's parser; ignored without a valid traceparent, as the spec says);
 * undefined for anything else (all-zero ids included).
 */
function parseTraceparent(api: Api, header: string | null, tracestate: string | null | undefined): SpanIds | undefined {
  const match = header ? TRACEPARENT.exec(header) : null;
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, appended] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && appended !== undefined)) return undefined;
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  const state = tracestate ? api.createTraceState(tracestate).serialize() : '';
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), ...(state ? { traceState: state } : {}) };
}

/**
 * The SDK generates a span's ids inside `startSpan`. This generator hands out random ids, except
 * during `startWith`, which starts a span with ids decided earlier (the operation span, whose ids
 * its upstream spans already name as their parent).
 */
class PresetIds implements IdGenerator {
  private preset: SpanIds | undefined;

  constructor(private readonly random: IdGenerator) {}

  generateTraceId(): string {
    return this.preset?.traceId ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    return this.preset?.spanId ?? this.random.generateSpanId();
  }

  startWith(ids: SpanIds, start: () => Span): Span {
    this.preset = ids;
    try {
      return start();
    } finally {
      this.preset = undefined;
    }
  }
}

/** The SDK's sampler of that name, as the SDK itself builds it from `OTEL_TRACES_SAMPLER`. */
function createSampler(sdk: SdkTraceBase, { name, ratio = 1 }: TracesSampler): Sampler {
  const ratioSampler = () => new sdk.TraceIdRatioBasedSampler(ratio);
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return ratioSampler();
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: ratioSampler() });
  }
}

export function createTracing(options: TracingOptions): Tracing {
  const require = createRequire(import.meta.url);
  const api = require('@opentelemetry/api') as Api;
  const sdk = require('@opentelemetry/sdk-trace-base') as SdkTraceBase;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as Exporter;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as Resources;
  const semconv = require('@opentelemetry/semantic-conventions') as SemConv;

  const exporter = new OTLPTraceExporter({ url: tracesUrl(options.endpoint) });
  const random = new sdk.RandomIdGenerator();
  const idGenerator = new PresetIds(random);
  const sampler = createSampler(sdk, options.sampler ?? { name: 'parentbased_always_on' });
  const provider = new sdk.BasicTracerProvider({
    idGenerator,
    sampler,
    resource: resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: options.serviceName ?? 'reseller-gateway' }),
    spanProcessors: [
      new sdk.BatchSpanProcessor(exporter, options.scheduledDelayMillis ? { scheduledDelayMillis: options.scheduledDelayMillis } : {}),
    ],
  });
  const tracer: Tracer = provider.getTracer('reseller-gateway');
  const { SpanKind, SpanStatusCode, TraceFlags, ROOT_CONTEXT } = api;
  let closed = false;

  const fail = (span: Span, message: string) => span.setStatus({ code: SpanStatusCode.ERROR, message });
  /** A context whose current span is `parent`, for a span to be started as its child. */
  const childOf = (parent: SpanIds, isRemote: boolean): Context =>
    api.trace.setSpanContext(ROOT_CONTEXT, {
      traceId: parent.traceId,
      spanId: parent.spanId,
      traceFlags: parent.traceFlags,
      isRemote,
      ...(parent.traceState ? { traceState: api.createTraceState(parent.traceState) } : {}),
    });

  return {
    operationIds(traceparent, tracestate) {
      const caller = parseTraceparent(api, traceparent, tracestate);
      const traceId = caller?.traceId ?? random.generateTraceId();
      const parent = caller ? childOf(caller, true) : ROOT_CONTEXT;
      const { decision } = sampler.shouldSample(parent, traceId, 'operation', SpanKind.SERVER, {}, []);
      // The caller's other flags pass on; only the sampled bit is the sampler's.
      const others = (caller?.traceFlags ?? 0) & ~TraceFlags.SAMPLED;
      const traceFlags = others | (decision === sdk.SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE);
      // The operation span and its upstream spans carry the caller's trace state, as the SDK gives a child its parent's.
      const traceState = caller?.traceState;
      return { traceId, spanId: random.generateSpanId(), traceFlags, ...(traceState ? { traceState } : {}), ...(caller ? { caller } : {}) };
    },
    operation(info) {
      if (closed) return;
      const spanOptions: SpanOptions = {
        kind: SpanKind.SERVER,
        startTime: epochMs(info.start),
        attributes: {
          'graphql.operation.name': info.operation,
          'graphql.operation.type': info.type,
          'gateway.outcome': info.outcome,
          ...(info.requestId ? { 'gateway.request_id': info.requestId } : {}),
          ...(info.caller ? { 'gateway.caller': info.caller } : {}),
          ...(info.callerKind ? { 'gateway.caller_kind': info.callerKind } : {}),
          ...(info.errorCodes.length ? { 'gateway.error_codes': info.errorCodes } : {}),
        },
      };
      const preset = info.ids;
      const parent = preset?.caller ? childOf(preset.caller, true) : ROOT_CONTEXT;
      const span = preset
        ? idGenerator.startWith(preset, () => tracer.startSpan(info.operation, spanOptions, parent))
        : tracer.startSpan(info.operation, spanOptions, parent);
      if (info.outcome === 'error') fail(span, info.errorCodes.join(','));
      span.end(epochMs(info.end));
    },
    upstreamCall(info) {
      if (closed) return;
      const end = performance.now();
      const spanOptions: SpanOptions = {
        kind: SpanKind.CLIENT,
        startTime: epochMs(end - info.durationMs),
        attributes: {
          'gateway.upstream': info.upstream,
          [semconv.ATTR_HTTP_REQUEST_METHOD]: info.method,
          'url.template': info.route,
          ...(info.status !== undefined ? { [semconv.ATTR_HTTP_RESPONSE_STATUS_CODE]: info.status } : {}),
          ...(info.attempt !== undefined ? { 'http.request.resend_count': info.attempt - 1 } : {}),
          ...(info.failure ? { [semconv.ATTR_ERROR_TYPE]: info.failure } : {}),
        },
      };
      const parent = info.parent ? childOf(info.parent, false) : ROOT_CONTEXT;
      const span = tracer.startSpan(`${info.upstream} ${info.method} ${info.route}`, spanOptions, parent);
      if (info.failure) fail(span, info.failure);
      else if (info.status !== undefined && info.status >= 500) fail(span, String(info.status));
      span.end(epochMs(end));
    },
    async shutdown() {
      if (closed) return;
      closed = true;
      await provider.shutdown();
    },
  };
}
