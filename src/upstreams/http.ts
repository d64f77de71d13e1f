/**
 * The one way out of the gateway: every upstream call goes through an `UpstreamHttp`, which owns a
 * keep-alive undici Pool for its origin, a per-call deadline and a response size cap. It knows no
 * upstream's wire format; clients in `wix/` and `plesk/` build requests and read responses.
 */
import { Pool, request, errors as undiciErrors } from 'undici';
import type { Upstream } from '../errors.js';

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
  /** Overall deadline of one call, body included (a dripping body cannot outlive it). Default 10 s. */
  deadlineMs?: number;
  /** Largest response body accepted, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Idle keep-alive sockets are closed after this long; keep it under the upstream's own. Default 4 s. */
  keepAliveTimeoutMs?: number;
  /** Extra CA certificate(s) to trust (PEM), e.g. a Plesk panel's self-signed one. */
  ca?: string;
  /** Called once per finished call, for logs and metrics. Must not throw. */
  onCall?: (call: UpstreamCallRecord) => void;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface UpstreamRequest {
  method: HttpMethod;
  /** Concrete path, already URL-encoded: `/resellers/v1/packages/3f2a...`. */
  path: string;
  /** Path with placeholders instead of ids (`/resellers/v1/packages/{id}`), for logs and metrics. */
  route: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the default deadline for this call. */
  deadlineMs?: number;
  /** Cancels the call early (e.g. the GraphQL request was abandoned); reads only. */
  signal?: AbortSignal;
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
  durationMs: number;
}

/**
 * - `connect`: no connection was made, so the request never reached the upstream.
 * - `timeout`, `reset`: the request may have been received and acted upon.
 * - `too-large`: the upstream answered with more than `maxResponseBytes`.
 * - `aborted`: the caller gave up.
 */
export type TransportFailure = 'connect' | 'timeout' | 'reset' | 'too-large' | 'aborted';

export class UpstreamTransportError extends Error {
  constructor(
    readonly upstream: Upstream,
    readonly failure: TransportFailure,
    options?: { cause?: unknown },
  ) {
    super(`${upstream} transport failure: ${failure}`, options);
  }

  /** False only when the request certainly did not reach the upstream. */
  get maybeReceived(): boolean {
    return this.failure !== 'connect';
  }
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

export class UpstreamHttp {
  readonly upstream: Upstream;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly origin: string;
  private readonly deadlineMs: number;
  private readonly maxResponseBytes: number;
  private readonly onCall: ((call: UpstreamCallRecord) => void) | undefined;

  constructor(options: UpstreamHttpOptions) {
    const url = new URL(options.baseUrl);
    this.upstream = options.upstream;
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    this.onCall = options.onCall;
    this.pool = new Pool(this.origin, {
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

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    const deadline = AbortSignal.timeout(req.deadlineMs ?? this.deadlineMs);
    const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
    let status: number | undefined;
    try {
      const res = await request(this.url(req), {
        dispatcher: this.pool,
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal,
      });
      status = res.statusCode;
      const body = await this.readCapped(res.body);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      this.report(req, started, status);
      return { status, headers, body };
    } catch (error) {
      const failure = classify(error, deadline);
      this.report(req, started, status, failure);
      throw new UpstreamTransportError(this.upstream, failure, { cause: error });
    }
  }

  /** Closes idle sockets and waits for in-flight calls to finish. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private url(req: UpstreamRequest): string {
    const query = req.query && Object.keys(req.query).length > 0 ? `?${new URLSearchParams(req.query)}` : '';
    return `${this.origin}${this.basePath}${req.path}${query}`;
  }

  private async readCapped(body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown }): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.maxResponseBytes) {
        body.destroy();
        throw new ResponseTooLarge();
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  private report(req: UpstreamRequest, started: number, status?: number, failure?: TransportFailure): void {
    if (!this.onCall) return;
    this.onCall({
      upstream: this.upstream,
      method: req.method,
      route: req.route,
      ...(status !== undefined ? { status } : {}),
      ...(failure ? { failure } : {}),
      durationMs: performance.now() - started,
    });
  }
}

class ResponseTooLarge extends Error {}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function classify(error: unknown, deadline: AbortSignal): TransportFailure {
  if (error instanceof ResponseTooLarge || error instanceof undiciErrors.ResponseExceededMaxSizeError) return 'too-large';
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'timeout';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECT_CODES.has(code)) return 'connect';
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError' || error instanceof undiciErrors.RequestAbortedError) {
    return deadline.aborted ? 'timeout' : 'aborted';
  }
  return 'reset';
}
