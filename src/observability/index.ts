/**
 * Observability of the gateway: pino lines, Prometheus metrics and (optionally) OpenTelemetry spans
 * for GraphQL operations and upstream calls, plus the resilience events (retries, breaker states,
 * rate-limiter waits) and idempotent replays.
 *
 * Wiring: `plugins` go into the yoga plugin list (see operation-log.ts for where); `onUpstreamCall`
 * is `UpstreamHttpOptions.onCall`; the other `on*` methods are the callbacks of the resilience
 * primitives and of the idempotency store. Every callback is cheap and never throws.
 * `operationSpan` gives the GraphQL context the ids its upstream calls name as their parent span
 * (`CallOrigin`); an upstream call's line carries the `requestId` of its origin.
 */
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { GatewayMetrics, type BreakerStateName } from './metrics.js';
import { ErrorCodes, OperationNamer, useOperationObservability, type OperationNamerOptions } from './operation-log.js';
import { createTracing, type OperationSpanIds, type SpanIds, type Tracing } from './tracing.js';

export { BoundedLabel, GatewayMetrics, type BreakerStateName } from './metrics.js';
export { ErrorCodes, OperationNamer, type OperationInfo } from './operation-log.js';
export { tracesUrl } from './tracing.js';

export interface ObservabilityOptions {
  log: Logger;
  /** Prometheus metrics and the metrics endpoint. Default true. */
  metrics?: boolean;
  /** Path of the metrics endpoint (GET, no authentication of its own); `false`: none. Default `/metrics`. */
  metricsPath?: string | false;
  /** Node.js process metrics on the same registry. Default true. */
  defaultMetrics?: boolean;
  /** Bounds of the operation label; see operation-log.ts. */
  operationNames?: OperationNamerOptions;
  /** OpenTelemetry tracing; on when given (main.ts: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set). */
  tracing?: { endpoint: string; serviceName?: string; scheduledDelayMillis?: number };
}

/** What `UpstreamHttp` reports per finished attempt (structurally `UpstreamCallRecord`). */
export interface UpstreamCallInfo {
  upstream: string;
  method: string;
  /** Path template, without ids. */
  route: string;
  status?: number;
  failure?: string;
  attempt?: number;
  durationMs: number;
  /** What the call was made for (structurally `CallOrigin`). */
  origin?: { requestId?: string; parentSpan?: SpanIds };
}

export interface Observability {
  /** yoga/envelop plugins: per-operation log line + metrics (+ span); in-flight gauge; GET /metrics. */
  plugins: Plugin[];
  /** With tracing, the ids the request's operation span will have (its upstream calls' parent); else undefined. */
  operationSpan(request: Request): OperationSpanIds | undefined;
  /** Pass as `UpstreamHttpOptions.onCall`: one log line + histogram observation (+ span) per attempt. */
  onUpstreamCall(record: UpstreamCallInfo): void;
  onRetry(upstream: string, info: { attempt: number; delayMs: number }): void;
  onBreakerState(upstream: string, state: BreakerStateName): void;
  onRateLimiterWait(upstream: string, waitedMs: number): void;
  onIdempotentReplay(operation: string): void;
  /** Text of the Prometheus registry (also what GET /metrics serves); empty when metrics are off. */
  metricsText(): Promise<string>;
  /** The registry facade, or undefined when metrics are off. */
  readonly metrics: GatewayMetrics | undefined;
  /** Flushes and stops the trace exporter (no-op without tracing). */
  shutdown(): Promise<void>;
}

export function createObservability(options: ObservabilityOptions): Observability {
  // The lines written here have a fixed shape of labels, ids and numbers (no headers, no inputs,
  // no upstream bodies), so the logger's key-based redaction cannot find anything in them; it is
  // switched off for them because its wildcard paths cost ~20 µs a line. Every other line of the
  // gateway keeps it.
  const log = options.log.child({}, { redact: { paths: [] } });
  const metrics = options.metrics === false ? undefined : new GatewayMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  let tracing: Tracing | undefined;
  if (options.tracing) {
    try {
      tracing = createTracing(options.tracing);
    } catch (error) {
      options.log.error({ err: error }, 'tracing disabled: the OpenTelemetry SDK could not be started');
    }
  }
  const operations = useOperationObservability({
    log,
    errorLog: options.log,
    metrics,
    tracing,
    namer: new OperationNamer(options.operationNames),
    codes: new ErrorCodes(),
    metricsPath: options.metricsPath ?? '/metrics',
  });

  return {
    plugins: [operations.plugin],
    operationSpan: operations.operationSpan,
    metrics,
    onUpstreamCall(record) {
      try {
        const { upstream, method, route, status, failure, attempt, durationMs, origin } = record;
        metrics?.upstreamCall(upstream, method, route, failure !== undefined || status === undefined ? 'error' : status, durationMs / 1000);
        const failed = failure !== undefined || status === undefined || status >= 500 || status === 429;
        if (failed ? log.isLevelEnabled('warn') : log.isLevelEnabled('debug')) {
          const line = { requestId: origin?.requestId, upstream, method, route, status, failure, attempt, durationMs: Math.round(durationMs * 10) / 10 };
          if (failed) log.warn(line, 'upstream call failed');
          else log.debug(line, 'upstream call');
        }
        tracing?.upstreamCall({ upstream, method, route, status, failure, attempt, durationMs, parent: origin?.parentSpan });
      } catch {
        // Observability never breaks a call.
      }
    },
    onRetry(upstream, info) {
      metrics?.retry(upstream);
      if (log.isLevelEnabled('debug')) log.debug({ upstream, attempt: info.attempt, delayMs: Math.round(info.delayMs) }, 'upstream retry');
    },
    onBreakerState(upstream, state) {
      metrics?.breaker(upstream, state);
      if (state === 'open') log.warn({ upstream, state }, 'circuit breaker opened');
      else if (log.isLevelEnabled('info')) log.info({ upstream, state }, 'circuit breaker state');
    },
    onRateLimiterWait(upstream, waitedMs) {
      metrics?.rateLimiterWaited(upstream, waitedMs / 1000);
      if (log.isLevelEnabled('debug')) log.debug({ upstream, waitedMs: Math.round(waitedMs) }, 'rate limiter wait');
    },
    onIdempotentReplay(operation) {
      metrics?.idempotentReplay(operation);
    },
    metricsText() {
      return metrics ? metrics.text() : Promise.resolve('');
    },
    async shutdown() {
      await tracing?.shutdown();
    },
  };
}
