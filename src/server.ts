/**
 * graphql-yoga on node:http. The plugin list below is the one place where cross-cutting concerns
 * are switched on, in request order: health probes, authentication (and request id),
 * observability (logs, metrics, traces), request limits, CSRF prevention; error masking is the
 * last line: nothing unexpected leaves unmasked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useEngine } from '@envelop/core';
import { execute, GraphQLError, subscribe } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Authenticator } from './auth/authenticator.js';
import { useAuthentication } from './auth/plugin.js';
import { createContextFactory, useRequestCacheRelease, type GatewayContext, type GatewayServices, type ParentSpanOf } from './context.js';
import { GatewayError, InvalidInputError, UpstreamError } from './errors.js';
import { useChunkedJson } from './json-body.js';
import { useHealthEndpoints, type ReadinessCheck } from './observability/health.js';
import type { Logger } from './observability/logger.js';
import { errorAt } from './schema/field-error.js';
import { schema } from './schema/index.js';
import { documentCaches, type DocumentCaches } from './security/document-cache.js';
import { DEFAULT_LIMITS, limitPlugins, type RequestLimits } from './security/limits.js';
import { useTrustedDocuments, type TrustedDocuments } from './security/trusted-documents.js';
import type { NamedBreaker } from './upstreams/setup.js';

export interface GraphiQLTab {
  query: string;
  variables?: string;
}

export interface GatewayOptions extends GatewayServices {
  authenticator: Authenticator;
  /** Request limits; DEFAULT_LIMITS when omitted. */
  limits?: RequestLimits;
  /** When set, the only documents run, by SHA-256 (security/trusted-documents.ts); any document by default. */
  trustedDocuments?: TrustedDocuments;
  /** Origins allowed by CORS; none by default (same-origin and server-to-server callers need none). */
  corsOrigins?: string[];
  /** Sandbox mode shows field suggestions. */
  sandbox?: boolean;
  /** GraphiQL at /graphql for browsers; off in production. */
  graphiql?: { tabs?: GraphiQLTab[]; headers?: Record<string, string> } | false;
  /** Per-operation log lines, metrics (GET /metrics, authenticated like everything else) and spans. */
  observability?: { plugins: Plugin[]; operationSpan?: ParentSpanOf };
  /** The upstreams' breakers: /ready fails when every one is open. */
  breakers?: NamedBreaker[];
  /** Extra readiness checks besides the audit store and the breakers. */
  readiness?: ReadinessCheck[];
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>;
  server: Server;
  /** Parsed documents and parse errors kept for reuse, bounded by `limits.documentCacheBytes`. */
  documentCaches: DocumentCaches;
  listen(port: number, host: string): Promise<string>;
  /**
   * Stops accepting connections and lets in-flight requests finish (their audit outcomes are
   * written as they end); whatever still runs after `drainMs` is cut off.
   */
  close(drainMs?: number): Promise<void>;
}

/** Turns an error raised while executing into what the client may see, at the same place (errorAt: see field-error.ts). */
export function maskError(log: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    if (original instanceof GatewayError) {
      return errorAt(original.message, graphqlError, gatewayExtensions(original));
    }
    // GraphQL's own errors (syntax, validation, variable coercion, limits) carry no original error.
    if (graphqlError && (original === undefined || original instanceof GraphQLError)) {
      if (original instanceof GraphQLError && original.extensions.code) return original;
      if (graphqlError.extensions.code) return graphqlError;
      // A variable that does not coerce to its type: refused before execution, like a document.
      return errorAt(graphqlError.message, graphqlError, { ...graphqlError.extensions, code: 'GRAPHQL_VALIDATION_FAILED' });
    }
    log.error({ err: original }, 'unexpected error while executing');
    return errorAt('Unexpected error.', graphqlError, { code: 'INTERNAL_SERVER_ERROR' });
  };
}

function gatewayExtensions(error: GatewayError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error instanceof UpstreamError) {
    extensions.upstream = error.upstream;
    extensions.retryable = error.retryable;
    if (error.details.upstreamCode) extensions.upstreamCode = error.details.upstreamCode;
    if (error.details.upstreamRequestId) extensions.upstreamRequestId = error.details.upstreamRequestId;
    if (error.details.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = error.details.retryAfterSeconds;
  }
  if (error instanceof InvalidInputError) extensions.issues = error.issues;
  return extensions;
}

/**
 * Refuses a body larger than `maxBytes` (413) or of unknown length (411) before it is read. Node's
 * parser never reads past Content-Length, so the header bounds the body; every HTTP client sends
 * it for a GraphQL POST.
 */
function bodyLimit(maxBytes: number, next: (req: IncomingMessage, res: ServerResponse) => void) {
  const refuse = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
      const length = req.headers['content-length'];
      if (length === undefined) return refuse(res, 411, 'LENGTH_REQUIRED', 'A Content-Length header is required.');
      if (Number(length) > maxBytes) return refuse(res, 413, 'REQUEST_ENTITY_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`);
    }
    next(req, res);
  };
}

export function createGateway(options: GatewayOptions): Gateway {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const graphiql = options.graphiql ?? false;
  const caches = documentCaches(limits.documentCacheBytes);
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    // yoga's own caches are bounded by count only (1024 documents of any size): see document-cache.ts.
    parserAndValidationCache: caches,
    context: createContextFactory(options, {
      parentSpanOf: options.observability?.operationSpan,
      maxLookupIds: limits.maxLookupIds,
      maxUpstreamCalls: limits.maxUpstreamCalls,
      callerWixCallsPerMinute: limits.callerWixCallsPerMinute,
    }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    // /health and /ready are answered by useHealthEndpoints with a JSON body; yoga's own empty
    // probe moves out of the way.
    healthCheckEndpoint: '/__yoga/health',
    // The body cap is enforced on Content-Length before yoga sees the request (bodyLimit below):
    // yoga's own cap runs every body through a stream pipeline.
    maxRequestBodySize: false,
    cors: options.corsOrigins?.length ? { origin: options.corsOrigins, credentials: false } : false,
    maskedErrors: { maskError: maskError(options.log) },
    graphiql:
      graphiql === false
        ? false
        : {
            title: 'reseller-gateway',
            ...(graphiql.tabs ? { defaultTabs: graphiql.tabs } : {}),
            ...(graphiql.headers ? { headers: JSON.stringify(graphiql.headers, null, 2) } : {}),
          },
    plugins: [
      // graphql-js's own executor instead of yoga's default (@graphql-tools/executor): same results
      // on this schema, with less work and fewer allocations per field (bench/RESULTS.md).
      useEngine({ execute, subscribe }),
      // A response past 128 KiB of JSON is written in pieces to a Buffer (json-body.ts).
      useChunkedJson(),
      useRequestCacheRelease(),
      useHealthEndpoints([
        { name: 'audit-store', check: () => ({ ok: options.audit.health().ok }) },
        // Ready while at least one upstream lets calls through: a gateway with one broken upstream still serves the other.
        ...(options.breakers?.length ? [{ name: 'upstreams', check: () => ({ ok: options.breakers!.some(({ breaker }) => breaker.state !== 'open') }) }] : []),
        ...(options.readiness ?? []),
      ]),
      useAuthentication({ authenticator: options.authenticator, log: options.log, graphiql: graphiql !== false }),
      ...(options.trustedDocuments ? [useTrustedDocuments(options.trustedDocuments)] : []),
      ...(options.observability?.plugins ?? []),
      ...limitPlugins({ limits, showSuggestions: options.sandbox ?? false }),
      useCSRFPrevention(),
    ],
  });

  const server = createServer(bodyLimit(limits.maxBodyBytes, yoga));

  return {
    yoga,
    server,
    documentCaches: caches,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    async close(drainMs = 25_000) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections become idle as their last request ends: close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const cutoff = setTimeout(() => server.closeAllConnections(), drainMs);
        server.once('close', () => {
          clearInterval(sweep);
          clearTimeout(cutoff);
        });
        server.closeIdleConnections();
      });
    },
  };
}
