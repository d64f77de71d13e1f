/**
 * Tracing: spans for an operation and an upstream call reach an OTLP/HTTP receiver (a tiny
 * node:http server on loopback) when the observability is shut down.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObservability, tracesUrl } from '../../src/observability/index.js';
import { createLogger } from '../../src/observability/logger.js';

interface Received {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString()));
    request.on('error', reject);
  });

describe('OpenTelemetry tracing', () => {
  const received: Received[] = [];
  let receiver: Server;
  let endpoint: string;

  beforeAll(async () => {
    receiver = createServer(async (request, response) => {
      received.push({ method: request.method ?? '', path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: await readBody(request) });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('appends /v1/traces to the endpoint unless present', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });

  it('exports a span per operation and per upstream call on shutdown', async () => {
    const log = createLogger({ level: 'silent', destination: { write: () => undefined } });
    const observability = createObservability({ log, defaultMetrics: false, tracing: { endpoint, serviceName: 'gateway-under-test' } });
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { hello: String, other: String }', resolvers: { Query: { hello: () => 'hi' } } }),
      logging: false,
      context: () => ({ requestId: 'req-trace-1', caller: { name: 'support-ui', kind: 'service' } }),
      plugins: observability.plugins,
    });
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer never-in-a-span' },
        body: JSON.stringify({ query: 'query TracedHello { hello }' }),
      });
      expect(await response.json()).toEqual({ data: { hello: 'hi' } });
      observability.onUpstreamCall({ upstream: 'wix', method: 'GET', route: '/resellers/v1/packages/{id}', status: 200, attempt: 1, durationMs: 7 });
      expect(received).toHaveLength(0); // batched, not sent per span
      await observability.shutdown();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const posts = received.filter((r) => r.method === 'POST' && r.path === '/v1/traces');
    expect(posts.length).toBeGreaterThan(0);
    const body = posts.map((p) => p.body).join('\n');
    expect(body).toContain('TracedHello');
    expect(body).toContain('req-trace-1');
    expect(body).toContain('wix GET /resellers/v1/packages/{id}');
    expect(body).toContain('gateway-under-test');
    expect(body).not.toContain('never-in-a-span');
  });
});
