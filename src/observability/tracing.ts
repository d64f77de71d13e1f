/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`).
 * The SDK is loaded lazily, so a gateway without tracing never loads it.
 *
 * Spans are recorded after the fact, with explicit start and end times: one SERVER span per GraphQL
 * operation (from the request reaching the gateway to its result) and one CLIENT span per upstream
 * attempt. No context propagation runs on the request path (no AsyncLocalStorage, no resolver
 * wrapping), so upstream spans are roots of their own traces, not children of the operation span.
 * Attributes hold labels only (operation label, route template, request id, caller name): never
 * argument values, ids from paths, or headers.
 *
 * Exporter: OTLP over HTTP (JSON) to `<endpoint>/v1/traces`, through a batch span processor;
 * `OTEL_EXPORTER_OTLP_HEADERS` and the other standard OTLP variables are honoured by the exporter.
 */
import { createRequire } from 'node:module';
import type { Span, Tracer } from '@opentelemetry/api';

export interface TracingOptions {
  /** OTLP/HTTP base URL, e.g. `http://otel-collector:4318`; `/v1/traces` is appended unless present. */
  endpoint: string;
  /** `service.name` of the resource. Default `reseller-gateway`. */
  serviceName?: string;
  /** Batch export delay. Default 5000 ms (the SDK's default). */
  scheduledDelayMillis?: number;
}

export interface OperationSpanInfo {
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
}

export interface Tracing {
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

export function createTracing(options: TracingOptions): Tracing {
  const require = createRequire(import.meta.url);
  const api = require('@opentelemetry/api') as Api;
  const sdk = require('@opentelemetry/sdk-trace-base') as SdkTraceBase;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as Exporter;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as Resources;
  const semconv = require('@opentelemetry/semantic-conventions') as SemConv;

  const exporter = new OTLPTraceExporter({ url: tracesUrl(options.endpoint) });
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: options.serviceName ?? 'reseller-gateway' }),
    spanProcessors: [
      new sdk.BatchSpanProcessor(exporter, options.scheduledDelayMillis ? { scheduledDelayMillis: options.scheduledDelayMillis } : {}),
    ],
  });
  const tracer: Tracer = provider.getTracer('reseller-gateway');
  const { SpanKind, SpanStatusCode } = api;
  let closed = false;

  const fail = (span: Span, message: string) => span.setStatus({ code: SpanStatusCode.ERROR, message });

  return {
    operation(info) {
      if (closed) return;
      const span = tracer.startSpan(info.operation, {
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
      });
      if (info.outcome === 'error') fail(span, info.errorCodes.join(','));
      span.end(epochMs(info.end));
    },
    upstreamCall(info) {
      if (closed) return;
      const end = performance.now();
      const span = tracer.startSpan(`${info.upstream} ${info.method} ${info.route}`, {
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
      });
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
