/**
 * Tracing: spans for an operation and an upstream call reach an OTLP/HTTP receiver (a tiny
 * node:http server on loopback) when the observability is shut down; the ids an operation span
 * gets from an incoming `traceparent`. (Through the gateway: test/e2e/tracing.test.ts.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObservability, tracesUrl } from '../../src/observability/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTracing } from '../../src/observability/tracing.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

describe('OpenTelemetry tracing', () => {
  let receiver: OtlpReceiver;
  let endpoint: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    endpoint = receiver.endpoint;
  });
  afterAll(() => receiver.close());

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
      expect(receiver.posts).toHaveLength(0); // batched, not sent per span
      await observability.shutdown();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const posts = receiver.posts.filter((r) => r.method === 'POST' && r.path === '/v1/traces');
    expect(posts.length).toBeGreaterThan(0);
    const body = posts.map((p) => p.body).join('\n');
    expect(body).toContain('TracedHello');
    expect(body).toContain('req-trace-1');
    expect(body).toContain('wix GET /resellers/v1/packages/{id}');
    expect(body).toContain('gateway-under-test');
    expect(body).not.toContain('never-in-a-span');
  });

  it("an operation's ids: a valid traceparent's trace id and flags (of any version but ff), else a new sampled trace; always a new span id", async () => {
    const tracing = createTracing({ endpoint });
    try {
      const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const joined = tracing.operationIds(`00-${trace}-00f067aa0ba902b7-00`);
      expect(joined).toMatchObject({ traceId: trace, traceFlags: 0, caller: { traceId: trace, spanId: '00f067aa0ba902b7', traceFlags: 0 } });
      expect(joined.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(joined.spanId).not.toBe('00f067aa0ba902b7');
      // A later version is read as version 00, past any fields it appends.
      for (const header of [`01-${trace}-00f067aa0ba902b7-01`, `cc-${trace}-00f067aa0ba902b7-01-what-comes-next`]) {
        expect(tracing.operationIds(header)).toMatchObject({ traceId: trace, traceFlags: 1, caller: { traceId: trace, spanId: '00f067aa0ba902b7' } });
      }
      const invalid = [
        null,
        '',
        `00-${trace}-00f067aa0ba902b7-01-extra`,
        `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
        `ff-${trace}-00f067aa0ba902b7-01`,
        `01-${trace}-00f067aa0ba902b7-01extra`,
      ];
      for (const header of invalid) {
        const fresh = tracing.operationIds(header);
        expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(fresh.traceId).not.toBe(trace);
        expect(fresh).toMatchObject({ traceFlags: 1 });
        expect(fresh.caller).toBeUndefined();
      }
      expect(tracing.operationIds(null).traceId).not.toBe(tracing.operationIds(null).traceId);
    } finally {
      await tracing.shutdown();
    }
  });
});
