/**
 * The one way out of the gateway: every upstream call goes through an `UpstreamHttp`, which owns a
 * keep-alive undici Pool for its origin, an overall deadline per call (retries included) and a
 * response size cap, and applies the upstream's resilience policy in this order: rate limiter →
 * bulkhead → circuit breaker → the request, with retries for reads only. It knows no upstream's
 * wire format; clients in `wix/` and `plesk/` build requests and read responses.
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { UpstreamError, type Upstream } from '../errors.js';
import { BreakerOpenError, type CircuitBreaker } from '../resilience/breaker.js';
import type { Bulkhead } from '../resilience/bulkhead.js';
import { RateLimitedError, type RateLimiter } from '../resilience/rate-limiter.js';
import { isRetryableReadError, retryAfterHint, retryRead, type RetryInfo, type RetryReadOptions } from '../resilience/retry.js';
import { UpstreamTransportError, type TransportFailure } from './transport-error.js';

export { UpstreamTransportError, type TransportFailure } from './transport-error.js';

export interface UpstreamResilience {
  /** Opens after consecutive 5xx / transport failures; business answers (4xx) never count. */
  breaker?: CircuitBreaker;
  /** Caps concurrent calls; when full (and its queue too), calls fail fast with OVERLOADED. */
  bulkhead?: Bulkhead;
  /** Client-side rate limit (Wix: 200 a minute per API key). */
  rateLimiter?: { limiter: RateLimiter; key: string };
  /** Retry policy of reads (`read: true` requests); writes are never retried here. */
  retry?: Pick<RetryReadOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterSeconds'>;
  onRetry?: (info: RetryInfo) => void;
}

export interface UpstreamHttpOptions {
  upstream: Upstream;
  /** Origin, optionally with a base path: `https://www.wixapis.com`, `http://127.0.0.1:4010`. */
  baseUrl: string;
  /** Keep-alive connections per origin. Default 10. */
  connections?: number;
  /** TCP + TLS connect timeout. Default 3 s. */
  connectTimeoutMs?: number;
  /** Time from sending the request to receiving the response headers. Default 10 s. */
  headersTimeoutMs?: number;
  /** Idle time allowed between two body chunks. Default 10 s. */
  bodyTimeoutMs?: number;
  /** Overall deadline of one call, retries and body included (a dripping body cannot outlive it). Default 10 s. */
  deadlineMs?: number;
  /** Largest response body accepted, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Idle keep-alive sockets are closed after this long; keep it under the upstream's own. Default 4 s. */
  keepAliveTimeoutMs?: number;
  /** Extra CA certificate(s) to trust (PEM), e.g. a Plesk panel's self-signed one. */
  ca?: string;
  resilience?: UpstreamResilience;
  /** Called once per finished attempt, for logs and metrics. Must not throw. */
  onCall?: (call: UpstreamCallRecord) => void;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * What a call is made for, as its sender states it: handed back untouched in the call's record, for
 * logs and traces. The transport reads only its `calls` budget.
 */
export interface CallOrigin {
  /** The gateway's id of the request the call serves. */
  requestId?: string;
  /** The span the call's own span is a child of (the GraphQL operation's), when tracing is on. */
  parentSpan?: { traceId: string; spanId: string; traceFlags: number };
  /** The calls the request may still make: asked once per call (retries are not calls), before anything else. */
  calls?: CallBudget;
}

export interface CallBudget {
  /** Counts one call to `upstream`; throws, and the call is not made, when none is left. */
  take(upstream: Upstream): void;
}

export interface UpstreamRequest {
  method: HttpMethod;
  /** Concrete path, already URL-encoded: `/resellers/v1/packages/3f2a...`. */
  path: string;
  /** Path with placeholders instead of ids (`/resellers/v1/packages/{id}`), for logs and metrics. */
  route: string;
  /** The call only reads: it may be retried (a Wix query is a POST, yet a read). */
  read?: boolean;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the default deadline for this call. */
  deadlineMs?: number;
  /** Cancels the call early (e.g. the GraphQL request was abandoned); reads only. */
  signal?: AbortSignal;
  /** Passed through to the call's records. */
  origin?: CallOrigin;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface UpstreamCallRecord {
  upstream: Upstream;
  method: HttpMethod;
  route: string;
  status?: number;
  failure?: TransportFailure;
  /** 1 for the first try of a call, 2 for its first retry, ... */
  attempt: number;
  durationMs: number;
  /** The request's `origin`, when it had one. */
  origin?: CallOrigin;
}

const DEFAULTS = {
  connections: 10,
  connectTimeoutMs: 3_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  deadlineMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  keepAliveTimeoutMs: 4_000,
} as const;

/** A read answered 5xx or 429: worth another attempt; handed back as a response when none is left. */
class RetryableStatus extends Error {
  constructor(readonly response: UpstreamResponse) {
    super(`upstream answered ${response.status}`);
  }
}

/**
 * What an HTTP header value may not hold, as undici checks it before sending: anything but TAB,
 * printable ASCII and the rest of Latin-1. A credential is checked with it when configured, not
 * refused by undici at its first call (which would look like a connection failure).
 */
export const HEADER_VALUE_UNSAFE = /[^\t\x20-\x7e\x80-\xff]/;

export class UpstreamHttp {
  readonly upstream: Upstream;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly deadlineMs: number;
  private readonly maxResponseBytes: number;
  private readonly resilience: UpstreamResilience;
  private readonly onCall: ((call: UpstreamCallRecord) => void) | undefined;

  constructor(options: UpstreamHttpOptions) {
    const url = new URL(options.baseUrl);
    this.upstream = options.upstream;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    this.resilience = options.resilience ?? {};
    this.onCall = options.onCall;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? DEFAULTS.connections,
      headersTimeout: options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs,
      connect: {
        timeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        ...(options.ca ? { ca: options.ca } : {}),
      },
    });
  }

  /**
   * Sends the request under the upstream's policy. Rejects with `UpstreamTransportError` when no
   * readable answer came, `UpstreamError` RATE_LIMITED / UPSTREAM_UNAVAILABLE (open breaker) before
   * anything was sent, `OverloadedError` when the bulkhead is full, or whatever the origin's `calls`
   * budget throws when it is spent. Any HTTP status resolves.
   */
  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    req.origin?.calls?.take(this.upstream);
    const deadline = Date.now() + (req.deadlineMs ?? this.deadlineMs);
    const { retry, onRetry } = this.resilience;
    try {
      if (req.read && retry) {
        return await retryRead((attempt) => this.guarded(req, deadline, attempt), {
          ...retry,
          deadline,
          ...(req.signal ? { signal: req.signal } : {}),
          ...(onRetry ? { onRetry } : {}),
          shouldRetry: (error) => error instanceof RetryableStatus || (!(error instanceof BreakerOpenError) && isRetryableReadError(error)),
          retryAfterSeconds: (error) => (error instanceof RetryableStatus ? retryAfterSeconds(error.response.headers) : retryAfterHint(error)),
        });
      }
      return await this.guarded(req, deadline, 1);
    } catch (error) {
      if (error instanceof RetryableStatus) return error.response;
      if (error instanceof BreakerOpenError) throw new UpstreamError('UPSTREAM_UNAVAILABLE', this.upstream, {}, { cause: error });
      if (error instanceof RateLimitedError) {
        throw new UpstreamError('RATE_LIMITED', this.upstream, { retryAfterSeconds: error.retryAfterSeconds }, { cause: error });
      }
      throw error;
    }
  }

  /** Closes idle sockets and waits for in-flight calls to finish. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async guarded(req: UpstreamRequest, deadline: number, attempt: number): Promise<UpstreamResponse> {
    const { rateLimiter, bulkhead, breaker } = this.resilience;
    const wait = { deadline, ...(req.signal && req.read ? { signal: req.signal } : {}) };
    if (rateLimiter) await rateLimiter.limiter.acquire(rateLimiter.key, wait);
    const release = bulkhead ? await bulkhead.acquire(wait) : undefined;
    try {
      const permit = breaker?.acquire();
      let response: UpstreamResponse;
      try {
        response = await this.once(req, deadline, attempt);
      } catch (error) {
        // A call the caller abandoned says nothing about the upstream's health.
        permit?.record(error instanceof UpstreamTransportError && error.failure === 'aborted' ? 'ignore' : 'failure');
        throw error;
      }
      permit?.record(response.status >= 500 ? 'failure' : 'success');
      if (req.read && (response.status >= 500 || response.status === 429)) throw new RetryableStatus(response);
      return response;
    } finally {
      release?.();
    }
  }

  private async once(req: UpstreamRequest, deadline: number, attempt: number): Promise<UpstreamResponse> {
    const started = performance.now();
    const call = new CollectedCall(this.maxResponseBytes);
    // Cancelled by the deadline or by the caller's signal (reads only): a timer cleared when the call
    // ends, and a listener removed then (AbortSignal.timeout would fire for every call later).
    const timer = setTimeout(() => call.cancel(new DeadlineExceeded()), Math.max(1, deadline - Date.now()));
    const unlink = req.signal && req.read ? follow(req.signal, call) : undefined;
    try {
      // The pool itself, with a path (no URL to parse), and a handler that collects the body:
      // `request()` would wrap every answer in a stream only for this code to read it whole.
      this.pool.dispatch({ method: req.method, path: this.path(req), headers: req.headers ?? null, body: req.body ?? null }, call);
      const response = await call.response;
      this.report(req, started, attempt, response.status);
      return response;
    } catch (error) {
      const failure = classify(error, call.cancelledBy);
      this.report(req, started, attempt, call.status, failure);
      throw new UpstreamTransportError(this.upstream, failure, { cause: error });
    } finally {
      clearTimeout(timer);
      unlink?.();
    }
  }

  private path(req: UpstreamRequest): string {
    const query = req.query && Object.keys(req.query).length > 0 ? `?${new URLSearchParams(req.query)}` : '';
    return `${this.basePath}${req.path}${query}`;
  }

  private report(req: UpstreamRequest, started: number, attempt: number, status?: number, failure?: TransportFailure): void {
    if (!this.onCall) return;
    this.onCall({
      upstream: this.upstream,
      method: req.method,
      route: req.route,
      attempt,
      ...(status !== undefined ? { status } : {}),
      ...(failure ? { failure } : {}),
      durationMs: performance.now() - started,
      origin: req.origin,
    });
  }
}

/** Cancels `call` when `signal` aborts; returns the unlinking function. */
function follow(signal: AbortSignal, call: CollectedCall): (() => void) | undefined {
  if (signal.aborted) {
    call.cancel(signal.reason);
    return undefined;
  }
  const onAbort = () => call.cancel(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/**
 * One call's undici handler: collects the status, the headers and the body as UTF-8 text, and
 * fails with ResponseTooLarge (dropping the connection) past `maxBytes`. `cancel` aborts the call
 * whether or not it has started.
 */
class CollectedCall implements Dispatcher.DispatchHandler {
  readonly response: Promise<UpstreamResponse>;
  status: number | undefined;
  /** Why the call was cancelled, when it was. */
  cancelledBy: unknown;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private abort: ((reason?: Error) => void) | undefined;
  private settled = false;
  private resolve!: (response: UpstreamResponse) => void;
  private reject!: (error: unknown) => void;

  constructor(private readonly maxBytes: number) {
    this.response = new Promise<UpstreamResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Settles at once, even while the call waits in the pool's queue; the connection is dropped when there is one. */
  cancel(reason: unknown): void {
    if (this.settled || this.cancelledBy !== undefined) return;
    this.cancelledBy = reason ?? new Error('cancelled');
    this.fail(this.cancelledBy);
    this.abort?.(this.cancelledBy as Error);
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.cancelledBy !== undefined) abort(this.cancelledBy as Error);
    else this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx: the answer is still to come
    this.status = statusCode;
    const headers: Record<string, string> = {};
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1').toLowerCase();
      const value = rawHeaders[i + 1]!.toString('utf8');
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    this.headers = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      const error = new ResponseTooLarge();
      this.fail(error);
      this.abort?.(error);
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    const { chunks, size } = this;
    const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
    this.resolve({ status: this.status!, headers: this.headers, body });
  }

  onError(error: Error): void {
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

class ResponseTooLarge extends Error {}

class DeadlineExceeded extends Error {
  override name = 'TimeoutError';
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The upstream's certificate was not trusted (OpenSSL's verification results, as Node names them):
 * the handshake failed, so the request was never sent.
 */
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function classify(error: unknown, cancelledBy: unknown): TransportFailure {
  if (error instanceof ResponseTooLarge || error instanceof undiciErrors.ResponseExceededMaxSizeError) return 'too-large';
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'timeout';
  if (cancelledBy !== undefined) return cancelledBy instanceof DeadlineExceeded ? 'timeout' : 'aborted';
  const code = (error as { code?: unknown } | null)?.code;
  // Other TLS errors stay `reset`: some happen after the request was sent (a bad record mid-answer).
  if (typeof code === 'string' && (CONNECT_CODES.has(code) || TLS_VERIFY_CODES.has(code))) return 'connect';
  return 'reset';
}

/** `Retry-After` in seconds, from either of its two forms. */
export function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
