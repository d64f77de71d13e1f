/**
 * The observability plugins on a tiny yoga server over real HTTP on loopback: one log line per
 * operation, error codes (GraphQL errors and mutation error results), the metrics endpoint, the
 * upstream / resilience callbacks, the in-flight gauge, and no credential in any line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, parse } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObservability, ErrorCodes, OperationNamer, type Observability } from '../../src/observability/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { UpstreamHttpOptions } from '../../src/upstreams/http.js';
import type { UpstreamHooks } from '../../src/upstreams/setup.js';

const TOKEN = 'Bearer s3cr3t-token-value-0123456789';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function memoryLog(level: string) {
  const raw: string[] = [];
  /** Every chunk ever written, `clear()` notwithstanding. */
  const all: string[] = [];
  const write = (chunk: string) => {
    raw.push(chunk);
    all.push(chunk);
  };
  const log = createLogger({ level, destination: { write }, pretty: false });
  const lines = () => raw.map((chunk) => JSON.parse(chunk) as Line);
  return { log, raw, all, lines, clear: () => void raw.splice(0) };
}

let gate: { promise: Promise<void>; open: () => void } | undefined;

const schema = createSchema<{ requestId: string; caller: { name: string; kind: string } }>({
  typeDefs: /* GraphQL */ `
    type Query {
      hello(wait: Boolean): String
      boom: String
    }
    type Mutation {
      act(fail: Boolean): ActResult
    }
    union ActResult = ActSuccess | NotFoundError
    type ActSuccess {
      ok: Boolean
      code: String
    }
    type NotFoundError {
      message: String!
      code: String!
    }
  `,
  resolvers: {
    Query: {
      hello: async (_: unknown, args: { wait?: boolean }) => {
        if (args.wait && gate) await gate.promise;
        return 'hi';
      },
      boom: () => {
        throw new GraphQLError('The Wix API is unavailable right now.', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
      },
    },
    Mutation: {
      act: (_: unknown, args: { fail?: boolean }) =>
        args.fail
          ? { __typename: 'NotFoundError', message: 'Package was not found.', code: 'NOT_FOUND' }
          : { __typename: 'ActSuccess', ok: true, code: 'SOME_PRODUCT_CODE' },
    },
  },
});

/** Stands in for the authentication plugin: puts the request id and the caller on the server context. */
const requestFacts: Plugin = {
  onRequest({ request, serverContext }) {
    Object.assign(serverContext, { requestId: request.headers.get('x-request-id') ?? 'generated-id', caller: { name: 'support-ui', kind: 'service' } });
  },
};

async function startServer(observability: Observability): Promise<{ server: Server; url: string }> {
  const yoga = createYoga({
    schema,
    logging: false,
    landingPage: false,
    graphiql: false,
    plugins: [requestFacts, ...observability.plugins],
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('observability plugins over HTTP', () => {
  const memory = memoryLog('debug');
  const observability = createObservability({ log: memory.log, defaultMetrics: false });
  let server: Server;
  let url: string;

  beforeAll(async () => {
    ({ server, url } = await startServer(observability));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await observability.shutdown();
  });

  async function gql(query: string, requestId?: string, variables?: Record<string, unknown>) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: TOKEN, ...(requestId ? { 'x-request-id': requestId } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
  }

  const operationLines = () => memory.lines().filter((line) => line.msg === 'graphql operation');

  it('writes one line per operation with request id, caller, operation, duration and outcome', async () => {
    memory.clear();
    const { body } = await gql('query Hello { hello }', 'req-hello-1');
    expect(body.data).toEqual({ hello: 'hi' });
    const lines = operationLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      // A successful read is a debug line; failures and mutations are info (below).
      level: 20,
      requestId: 'req-hello-1',
      caller: 'support-ui',
      callerKind: 'service',
      operation: 'Hello',
      operationType: 'query',
      outcome: 'success',
      errorCodes: [],
    });
    expect(typeof lines[0]!.durationMs).toBe('number');
    expect(lines[0]!.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it('collects the extensions.code of errors; unnamed operations are labelled by their root fields', async () => {
    memory.clear();
    await gql('{ hello boom }', 'req-boom-1');
    const [line] = operationLines();
    expect(line).toMatchObject({ level: 30, operation: 'boom+hello', operationType: 'query', outcome: 'error', errorCodes: ['UPSTREAM_UNAVAILABLE'] });
  });

  it('collects the code of mutation error results: the code field, else the typename; success results have none', async () => {
    memory.clear();
    await gql('mutation Act { act(fail: true) { __typename ... on NotFoundError { code } } }');
    await gql('mutation Act { act(fail: true) { __typename } }');
    await gql('mutation Act { act(fail: true) { ... on NotFoundError { code } } }');
    await gql('mutation Act { act(fail: false) { __typename ... on ActSuccess { ok code } } }');
    await gql('mutation Act { x: act(fail: true) { __typename } y: act(fail: false) { __typename } }');
    const lines = operationLines();
    expect(lines.map((line) => [line.level, line.operation, line.operationType, line.outcome, line.errorCodes])).toEqual([
      [30, 'Act', 'mutation', 'error', ['NOT_FOUND']],
      [30, 'Act', 'mutation', 'error', ['NOT_FOUND']],
      [30, 'Act', 'mutation', 'error', ['NOT_FOUND']],
      [30, 'Act', 'mutation', 'success', []],
      [30, 'Act', 'mutation', 'error', ['NOT_FOUND']],
    ]);
  });

  it('logs operations refused before execution as `invalid`, with the request id from the server context', async () => {
    memory.clear();
    const validation = await gql('query Bad { nope }', 'req-invalid-1');
    expect(validation.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await gql('{ hello', 'req-syntax-1');
    const lines = operationLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ requestId: 'req-invalid-1', operation: 'invalid', operationType: 'unknown', outcome: 'error', errorCodes: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(lines[1]).toMatchObject({ requestId: 'req-syntax-1', operation: 'invalid', outcome: 'error', errorCodes: ['GRAPHQL_PARSE_FAILED'] });
  });

  it('serves /metrics with operation histograms and error counters by operation and code', async () => {
    await gql('query Hello { hello }');
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^gateway_graphql_operation_duration_seconds_count\{operation="Hello",type="query"\} 2$/m);
    expect(text).toMatch(/^gateway_graphql_operation_duration_seconds_bucket\{le="\+Inf",operation="Hello",type="query"\} 2$/m);
    expect(text).toMatch(/^gateway_graphql_errors_total\{operation="boom\+hello",code="UPSTREAM_UNAVAILABLE"\} 1$/m);
    expect(text).toMatch(/^gateway_graphql_errors_total\{operation="Act",code="NOT_FOUND"\} 4$/m);
    expect(text).toMatch(/^gateway_graphql_errors_total\{operation="invalid",code="GRAPHQL_VALIDATION_FAILED"\} 1$/m);
    expect(text).toMatch(/^gateway_http_requests_in_flight 0$/m);
    expect(text).not.toContain('process_cpu'); // defaultMetrics: false
    expect(await observability.metricsText()).toContain('# TYPE gateway_graphql_operation_duration_seconds histogram');
  });

  it('counts requests in flight and returns to 0', async () => {
    let open!: () => void;
    gate = { promise: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    const pending = gql('query Slow { hello(wait: true) }');
    const inFlight = async () => Number(/^gateway_http_requests_in_flight (\d+)$/m.exec(await observability.metricsText())?.[1]);
    for (let i = 0; i < 50 && (await inFlight()) !== 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await inFlight()).toBe(1);
    gate.open();
    expect((await pending).body.data).toEqual({ hello: 'hi' });
    expect(await inFlight()).toBe(0);
    gate = undefined;
  });

  it('logs and measures upstream calls: debug on success, warn on 5xx and transport failures', async () => {
    memory.clear();
    observability.onUpstreamCall({ upstream: 'wix', method: 'GET', route: '/resellers/v1/packages/{id}', status: 200, attempt: 1, durationMs: 12.34 });
    observability.onUpstreamCall({ upstream: 'wix', method: 'GET', route: '/resellers/v1/packages/{id}', status: 503, attempt: 1, durationMs: 40 });
    observability.onUpstreamCall({ upstream: 'plesk', method: 'POST', route: '/enterprise/control/agent.php', failure: 'timeout', attempt: 2, durationMs: 10_000 });
    observability.onUpstreamCall({ upstream: 'wix', method: 'POST', route: '/resellers/v1/packages', status: 201, durationMs: 5 });
    const lines = memory.lines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ level: 20, msg: 'upstream call', upstream: 'wix', method: 'GET', route: '/resellers/v1/packages/{id}', status: 200, attempt: 1, durationMs: 12.3 });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'upstream call failed', status: 503 });
    expect(lines[2]).toMatchObject({ level: 40, upstream: 'plesk', failure: 'timeout', attempt: 2, durationMs: 10_000 });
    expect(lines[2]).not.toHaveProperty('status');
    const text = await observability.metricsText();
    expect(text).toMatch(/^gateway_upstream_call_duration_seconds_count\{upstream="wix",method="GET",route="\/resellers\/v1\/packages\/\{id\}",status="200"\} 1$/m);
    expect(text).toMatch(/^gateway_upstream_call_duration_seconds_count\{upstream="wix",method="GET",route="\/resellers\/v1\/packages\/\{id\}",status="503"\} 1$/m);
    expect(text).toMatch(/^gateway_upstream_call_duration_seconds_count\{upstream="plesk",method="POST",route="\/enterprise\/control\/agent.php",status="error"\} 1$/m);
    expect(text).toMatch(/^gateway_upstream_call_duration_seconds_sum\{upstream="plesk",method="POST",route="\/enterprise\/control\/agent.php",status="error"\} 10$/m);
  });

  it('counts retries, breaker states, rate-limiter waits and idempotent replays', async () => {
    observability.onRetry('wix', { attempt: 1, delayMs: 100 });
    observability.onRetry('wix', { attempt: 2, delayMs: 200 });
    observability.onBreakerState('wix', 'open');
    observability.onBreakerState('plesk:default', 'half-open');
    observability.onBreakerState('plesk:eu-2', 'closed');
    observability.onRateLimiterWait('wix', 250);
    observability.onIdempotentReplay('createPackage');
    observability.onIdempotentReplay('createPackage');
    const text = await observability.metricsText();
    expect(text).toMatch(/^gateway_upstream_retries_total\{upstream="wix"\} 2$/m);
    expect(text).toMatch(/^gateway_upstream_breaker_state\{upstream="wix"\} 2$/m);
    expect(text).toMatch(/^gateway_upstream_breaker_state\{upstream="plesk:default"\} 1$/m);
    expect(text).toMatch(/^gateway_upstream_breaker_state\{upstream="plesk:eu-2"\} 0$/m);
    expect(text).toMatch(/^gateway_rate_limiter_wait_seconds_count\{upstream="wix"\} 1$/m);
    expect(text).toMatch(/^gateway_rate_limiter_wait_seconds_sum\{upstream="wix"\} 0.25$/m);
    expect(text).toMatch(/^gateway_idempotent_replays_total\{operation="createPackage"\} 2$/m);
    const breakerLine = memory.lines().find((line) => line.msg === 'circuit breaker opened');
    expect(breakerLine).toMatchObject({ level: 40, upstream: 'wix', state: 'open' });
  });

  it('never writes the authorization header value', () => {
    expect(memory.all.length).toBeGreaterThan(10);
    for (const chunk of memory.all) {
      expect(chunk).not.toContain('s3cr3t');
      expect(chunk.toLowerCase()).not.toContain('bearer');
    }
  });
});

describe('quiet and metric-less configurations', () => {
  it('writes no operation line and no upstream debug line above their levels; metrics: false serves no /metrics', async () => {
    const memory = memoryLog('error');
    const observability = createObservability({ log: memory.log, metrics: false });
    const { server, url } = await startServer(observability);
    try {
      const ok = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ hello }' }),
      });
      expect(ok.status).toBe(200);
      observability.onUpstreamCall({ upstream: 'wix', method: 'GET', route: '/x', status: 200, durationMs: 1 });
      observability.onUpstreamCall({ upstream: 'wix', method: 'GET', route: '/x', status: 500, durationMs: 1 });
      expect(memory.raw).toEqual([]);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect(await observability.metricsText()).toBe('');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('registries are per instance; the metrics path is configurable; default process metrics are on by default', async () => {
    const a = createObservability({ log: memoryLog('silent').log, metricsPath: '/internal/metrics' });
    const b = createObservability({ log: memoryLog('silent').log, metricsPath: '/internal/metrics' });
    a.onRetry('wix', { attempt: 1, delayMs: 1 });
    expect(await a.metricsText()).toMatch(/^gateway_upstream_retries_total\{upstream="wix"\} 1$/m);
    expect(await b.metricsText()).not.toMatch(/^gateway_upstream_retries_total\{/m);
    expect(await a.metricsText()).toContain('process_cpu_user_seconds_total');
    const { server, url } = await startServer(a);
    try {
      expect((await fetch(`${url}/internal/metrics`)).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('wiring', () => {
  it('fits UpstreamHttpOptions.onCall and the UpstreamHooks of createUpstreams as they stand', () => {
    const observability = createObservability({ log: memoryLog('silent').log, defaultMetrics: false });
    const onCall: UpstreamHttpOptions['onCall'] = observability.onUpstreamCall;
    const hooks: UpstreamHooks = {
      onCall: observability.onUpstreamCall,
      onRetry: observability.onRetry,
      onBreakerState: observability.onBreakerState,
      onRateLimiterWait: observability.onRateLimiterWait,
    };
    expect(onCall).toBeTypeOf('function');
    expect(Object.keys(hooks)).toHaveLength(4);
  });

  it('listed after a plugin that ends requests early (authentication): no line, no in-flight leak', async () => {
    const memory = memoryLog('info');
    const observability = createObservability({ log: memory.log, defaultMetrics: false });
    const refuse: Plugin = {
      onRequest({ request, url, endResponse, fetchAPI }) {
        if (url.pathname !== '/metrics' && !request.headers.get('authorization')) endResponse(new fetchAPI.Response('{}', { status: 401 }));
      },
    };
    const yoga = createYoga({ schema, logging: false, context: () => ({}), plugins: [refuse, ...observability.plugins] });
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const refused = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ hello }"}' });
      expect(refused.status).toBe(401);
      expect(memory.raw).toEqual([]);
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^gateway_http_requests_in_flight 0$/m);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('bounded labels', () => {
  it('admits a bounded set of operation names, then falls back to root fields; `known` names always pass', () => {
    const namer = new OperationNamer({ maxOperationNames: 2, known: ['Pinned'] });
    const label = (source: string, name?: string) => namer.info(parse(source), name).label;
    expect(label('query A { hello }')).toBe('A');
    expect(label('query B { boom }')).toBe('B');
    expect(label('query C { hello boom }')).toBe('boom+hello');
    expect(label('query A { boom }')).toBe('A');
    expect(label('query Pinned { hello }')).toBe('Pinned');
    expect(label('{ d c b a }')).toBe('a+b+c+…');
    expect(label('{ ...F } fragment F on Query { z ... on Query { y } }')).toBe('y+z');
    expect(label('query A { a } query B { b }', 'B')).toBe('B');
    expect(label('query A { a } query B { b }', 'Missing')).toBe('anonymous');
    const document = parse('query D { hello }');
    expect(namer.info(document, undefined)).toBe(namer.info(document, undefined)); // cached per document
  });

  it('bounds error codes and derives codes from error typenames', () => {
    const codes = new ErrorCodes(2);
    expect(codes.bound('NOT_FOUND')).toBe('NOT_FOUND');
    expect(codes.bound('a code with spaces')).toBe('OTHER');
    expect(codes.bound(undefined)).toBe('UNKNOWN');
    expect(codes.bound('INVALID_INPUT')).toBe('INVALID_INPUT');
    expect(codes.bound('THIRD_CODE')).toBe('OTHER');
    expect(new ErrorCodes().typenameCode('PermissionDeniedError')).toBe('PERMISSION_DENIED');
  });
});
