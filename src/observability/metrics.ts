/**
 * Prometheus metrics of the gateway, on a registry of their own (never prom-client's global one),
 * so that several gateways (tests) can live in one process.
 *
 * Label values are bounded: every label that is not a closed vocabulary goes through a
 * `BoundedLabel`, which admits the first N distinct values it sees and maps the rest to one
 * overflow value, so a misbehaving client cannot blow up the series count.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type BreakerStateName = 'closed' | 'open' | 'half-open';

const BREAKER_STATE_VALUE: Record<BreakerStateName, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Seconds; from a cache hit to an upstream deadline. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Up to the default limit of 50 a query and beyond (a mutation is not limited). */
const UPSTREAM_CALL_BUCKETS = [0, 1, 2, 3, 5, 10, 20, 50, 100];

/** Admits the first `max` distinct values, then answers `overflow` for any new one. */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly overflow: string,
  ) {}

  value(candidate: string): string {
    if (this.seen.has(candidate)) return candidate;
    if (this.seen.size >= this.max) return this.overflow;
    this.seen.add(candidate);
    return candidate;
  }

  has(candidate: string): boolean {
    return this.seen.has(candidate);
  }
}

export interface MetricsOptions {
  /** Node.js process metrics (`process_*`, `nodejs_*`) on the same registry. Default true. */
  defaultMetrics?: boolean;
}

/** Thin, allocation-light facade over the registry; every method is safe on the hot path. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private inFlight = 0;
  private readonly operationDuration: Histogram<'operation' | 'type'>;
  private readonly operationUpstreamCalls: Histogram<'operation' | 'type'>;
  private readonly graphqlErrors: Counter<'operation' | 'code'>;
  private readonly upstreamDuration: Histogram<'upstream' | 'method' | 'route' | 'status'>;
  private readonly upstreamRetries: Counter<'upstream'>;
  private readonly breakerState: Gauge<'upstream'>;
  private readonly rateLimiterWait: Histogram<'upstream'>;
  private readonly idempotentReplays: Counter<'operation'>;
  private readonly routes = new BoundedLabel(200, 'other');
  private readonly upstreams = new BoundedLabel(50, 'other');
  private readonly replayOperations = new BoundedLabel(100, 'other');

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.operationDuration = new Histogram({
      name: 'gateway_graphql_operation_duration_seconds',
      help: 'GraphQL operations, from the request reaching the gateway to the result being ready.',
      labelNames: ['operation', 'type'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.operationUpstreamCalls = new Histogram({
      name: 'gateway_graphql_operation_upstream_calls',
      help: 'Upstream calls (Wix and Plesk, retries not counted) made for one GraphQL operation: what GATEWAY_MAX_UPSTREAM_CALLS bounds for queries.',
      labelNames: ['operation', 'type'],
      buckets: UPSTREAM_CALL_BUCKETS,
      registers,
    });
    this.graphqlErrors = new Counter({
      name: 'gateway_graphql_errors_total',
      help: 'Errors of GraphQL operations by code: GraphQL errors (extensions.code) and error results of mutations.',
      labelNames: ['operation', 'code'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'gateway_upstream_call_duration_seconds',
      help: "Upstream HTTP calls (each attempt); status is the HTTP status or 'error' for a transport failure.",
      labelNames: ['upstream', 'method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.upstreamRetries = new Counter({
      name: 'gateway_upstream_retries_total',
      help: 'Retries of upstream reads.',
      labelNames: ['upstream'],
      registers,
    });
    this.breakerState = new Gauge({
      name: 'gateway_upstream_breaker_state',
      help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
      labelNames: ['upstream'],
      registers,
    });
    this.rateLimiterWait = new Histogram({
      name: 'gateway_rate_limiter_wait_seconds',
      help: 'Time calls waited for a token of the client-side rate limiter.',
      labelNames: ['upstream'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.idempotentReplays = new Counter({
      name: 'gateway_idempotent_replays_total',
      help: 'Mutations answered from the idempotency store instead of being sent again.',
      labelNames: ['operation'],
      registers,
    });
    // A plain number on the hot path; the gauge reads it at scrape time.
    const self = this;
    new Gauge({
      name: 'gateway_http_requests_in_flight',
      help: 'HTTP requests being handled (the metrics endpoint excluded).',
      registers,
      collect() {
        this.set(self.inFlight);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of the registry. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  requestStarted(): void {
    this.inFlight++;
  }

  requestFinished(): void {
    if (this.inFlight > 0) this.inFlight--;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** `operation` must already be bounded (see OperationNamer); `type` is query/mutation/subscription/unknown. */
  operation(operation: string, type: string, seconds: number): void {
    this.operationDuration.observe({ operation, type }, seconds);
  }

  /** `operation` bounded as for `operation`. */
  operationCalls(operation: string, type: string, calls: number): void {
    this.operationUpstreamCalls.observe({ operation, type }, calls);
  }

  /** `code` must already be bounded (see operation-log.ts). */
  graphqlError(operation: string, code: string): void {
    this.graphqlErrors.inc({ operation, code });
  }

  upstreamCall(upstream: string, method: string, route: string, status: number | 'error', seconds: number): void {
    this.upstreamDuration.observe(
      { upstream: this.upstreams.value(upstream), method, route: this.routes.value(route), status },
      seconds,
    );
  }

  retry(upstream: string): void {
    this.upstreamRetries.inc({ upstream: this.upstreams.value(upstream) });
  }

  breaker(upstream: string, state: BreakerStateName): void {
    this.breakerState.set({ upstream: this.upstreams.value(upstream) }, BREAKER_STATE_VALUE[state] ?? 0);
  }

  rateLimiterWaited(upstream: string, seconds: number): void {
    this.rateLimiterWait.observe({ upstream: this.upstreams.value(upstream) }, seconds);
  }

  idempotentReplay(operation: string): void {
    this.idempotentReplays.inc({ operation: this.replayOperations.value(operation) });
  }
}
