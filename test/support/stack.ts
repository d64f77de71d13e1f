/**
 * Starts the real parts on loopback for a test file: the Wix sandbox, the gateway with its real
 * undici client pointed at it, and a small GraphQL-over-HTTP client. Logs are kept in memory so that
 * tests can read them (and prove secrets never reach them).
 */
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import type { AuditStore } from '../../src/audit/store.js';
import { SingleFlight } from '../../src/resilience/single-flight.js';
import { openStores, type Stores } from '../../src/stores.js';
import { createAuthenticator, generateToken, hashToken, type JwtAuthOptions, type Role, type Scope, type StaticCaller } from '../../src/auth/index.js';
import { createObservability, type Observability } from '../../src/observability/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { TracesSampler } from '../../src/observability/tracing.js';
import { PLESK_DEMO, startPleskSandbox, type PleskSandbox, type PleskSandboxOptions } from '../../src/sandbox/plesk/index.js';
import { startWixSandbox, WIX_DEMO, type WixSandbox, type WixSandboxOptions } from '../../src/sandbox/wix/index.js';
import { DEFAULT_LIMITS, type RequestLimits } from '../../src/security/limits.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.js';
import { DEFAULT_UPSTREAM_POLICY, type UpstreamPolicy } from '../../src/config.js';
import { createPleskClient } from '../../src/upstreams/plesk/index.js';
import { upstreamResilience, type NamedBreaker } from '../../src/upstreams/setup.js';
import { WixClient } from '../../src/upstreams/wix/client.js';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
  text: string;
}

/** The callers every stack knows, by the name tests use. */
export const CALLERS = {
  admin: { roles: ['admin'], wixAccounts: '*', pleskServers: '*' },
  operator: { roles: ['operator'], wixAccounts: [WIX_DEMO.accountId], pleskServers: ['default'] },
  viewer: { roles: ['viewer'], wixAccounts: [WIX_DEMO.accountId], pleskServers: ['default'] },
  /** An admin of another customer: may do everything, but only there. */
  otherAdmin: { roles: ['admin'], wixAccounts: [WIX_DEMO.otherAccountId], pleskServers: ['eu-2'] },
} satisfies Record<string, { roles: Role[]; wixAccounts: Scope; pleskServers: Scope }>;

export type CallerName = keyof typeof CALLERS;

export interface Stack {
  url: string;
  wixSandbox: WixSandbox;
  pleskSandbox: PleskSandbox;
  gateway: Gateway;
  logLines: string[];
  /** Every response body this stack has returned, for leak checks. */
  responses: string[];
  audit: AuditStore;
  breakers: NamedBreaker[];
  observability: Observability;
  /** Bearer tokens of CALLERS. */
  tokens: Record<CallerName, string>;
  /** Every secret of this stack: upstream keys and passwords, callers' tokens (for leak checks). */
  secrets: string[];
  /** A GraphQL request as the admin caller (or `headers.authorization` when given). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** A GraphQL request as one of CALLERS. */
  as(caller: CallerName): <T = any>(query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse<T>>;
  /** A raw request to the gateway, recorded for leak checks. */
  fetch(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string }>;
  /** Closes everything, then fails if any response or log line carried a secret. */
  close(): Promise<void>;
}

/** Production defaults, but a breaker that never opens unless a test asks for one. */
const TEST_POLICY: UpstreamPolicy = { ...DEFAULT_UPSTREAM_POLICY, breakerFailures: 1_000_000 };

export interface StackOptions {
  wix?: WixSandboxOptions;
  wixDeadlineMs?: number;
  plesk?: PleskSandboxOptions;
  pleskDeadlineMs?: number;
  limits?: Partial<RequestLimits>;
  /** Resilience policies; breakers are effectively off unless a test sets a threshold. */
  wixPolicy?: Partial<UpstreamPolicy>;
  pleskPolicy?: Partial<UpstreamPolicy>;
  wixRateLimitPerMinute?: number;
  /** Audit database path; in memory by default. */
  auditDb?: string;
  gateway?: Partial<Pick<GatewayOptions, 'corsOrigins' | 'sandbox' | 'graphiql' | 'audit' | 'trustedDocuments'>>;
  /** Also accept JWTs verified this way. */
  jwt?: JwtAuthOptions;
  /** Export spans to this OTLP/HTTP endpoint (e.g. test/support/otlp-receiver.ts); `close()` flushes them. */
  tracing?: { endpoint: string; sampler?: TracesSampler };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [wixSandbox, pleskSandbox] = await Promise.all([startWixSandbox(options.wix), startPleskSandbox(options.plesk)]);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  const observability = createObservability({ log, defaultMetrics: false, ...(options.tracing ? { tracing: options.tracing } : {}) });
  const hooks = {
    onCall: observability.onUpstreamCall,
    onRetry: observability.onRetry,
    onBreakerState: observability.onBreakerState,
    onRateLimiterWait: observability.onRateLimiterWait,
  };
  const wixPolicy = upstreamResilience('wix', 'wix', { ...TEST_POLICY, ...options.wixPolicy }, hooks, {
    perMinute: options.wixRateLimitPerMinute ?? 0,
    key: 'wix-api-key',
  });
  const pleskPolicy = upstreamResilience('plesk:default', 'plesk', { ...TEST_POLICY, ...options.pleskPolicy }, hooks);
  const breakers: NamedBreaker[] = [wixPolicy.breaker, pleskPolicy.breaker];
  const wix = new WixClient({
    baseUrl: wixSandbox.url,
    apiKey: wixSandbox.apiKey,
    deadlineMs: options.wixDeadlineMs ?? 3_000,
    resilience: wixPolicy.resilience,
    onCall: observability.onUpstreamCall,
  });
  const plesk = new Map([
    [
      'default',
      createPleskClient({
        baseUrl: pleskSandbox.url,
        credentials: { login: pleskSandbox.login, password: pleskSandbox.password },
        deadlineMs: options.pleskDeadlineMs ?? 3_000,
        writeDeadlineMs: options.pleskDeadlineMs ?? 3_000,
        resilience: pleskPolicy.resilience,
        onCall: observability.onUpstreamCall,
      }),
    ],
  ]);
  const tokens = {} as Record<CallerName, string>;
  const callers: StaticCaller[] = Object.entries(CALLERS).map(([name, caller]) => {
    tokens[name as CallerName] = generateToken();
    return { name, tokenSha256: hashToken(tokens[name as CallerName]), ...caller } as StaticCaller;
  });
  const stores: Stores = openStores({ path: options.auditDb ?? ':memory:' });
  const audit = options.gateway?.audit ?? stores.audit;
  const gateway = createGateway({
    wix,
    plesk,
    log,
    audit,
    idempotency: stores.idempotency,
    locks: new SingleFlight(),
    breakers,
    observability,
    onIdempotentReplay: observability.onIdempotentReplay,
    authenticator: createAuthenticator({ callers, ...(options.jwt ? { jwt: options.jwt } : {}) }),
    defaultWixAccountId: WIX_DEMO.accountId,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    ...options.gateway,
  });
  const url = await gateway.listen(0, '127.0.0.1');
  const responses: string[] = [];
  const secrets = [wixSandbox.apiKey, pleskSandbox.password, pleskSandbox.secretKey, ...Object.values(tokens)];

  async function post(query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string>) {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
    });
    const text = await res.text();
    responses.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
  }

  return {
    url,
    wixSandbox,
    pleskSandbox,
    gateway,
    logLines,
    responses,
    audit,
    breakers,
    observability,
    tokens,
    secrets,
    gql(query, variables, headers) {
      return post(query, variables, { authorization: `Bearer ${tokens.admin}`, ...headers });
    },
    as(caller) {
      return (query, variables) => post(query, variables, { authorization: `Bearer ${tokens[caller]}` });
    },
    async fetch(path, init) {
      const res = await fetch(`${url}${path}`, init);
      const text = await res.text();
      responses.push(text, JSON.stringify([...res.headers]));
      return { status: res.status, headers: res.headers, text };
    },
    async close() {
      await gateway.close();
      await Promise.all([wix.close(), ...[...plesk.values()].map((client) => client.close())]);
      await Promise.all([wixSandbox.close(), pleskSandbox.close()]);
      await observability.shutdown();
      stores.close();
      const seen = [...responses, ...logLines].join('\n');
      const leaked = secrets.filter((secret) => seen.includes(secret));
      if (leaked.length > 0) throw new Error(`${leaked.length} secret(s) appeared in a response or a log line`);
    },
  };
}

/** `n` distinct GUIDs no sandbox record has, starting with `prefix` (8 hex digits). */
export function unknownIds(n: number, prefix = '00000000'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-0000-4000-8000-${String(900_000 + i).padStart(12, '0')}`);
}

/**
 * Distinct ids looked up in one request, and the Wix calls that takes: chunks of 100, as the
 * benchmark's cost curve (N = 1, 10, 100, 1000) needs ceil(N/100); 101 and 250 check the remainders.
 */
export const CHUNKED_LOOKUPS: readonly (readonly [ids: number, calls: number])[] = [
  [10, 1],
  [100, 1],
  [101, 2],
  [250, 3],
  [1000, 10],
];

/** Wix calls made for `n` distinct ids: Query Packages for full chunks, a Get Package for a remainder of one. */
export function expectChunkedCalls(stack: Stack, n: number, calls: number): void {
  const made = wixCalls(stack);
  expect(made).toHaveLength(calls);
  expect(made.filter((c) => c === 'POST /resellers/v1/packages/query')).toHaveLength(Math.floor(n / 100) + (n % 100 > 1 ? 1 : 0));
}

/** Upstream API calls the Wix sandbox received since the last clear, as `METHOD /path`. */
export function wixCalls(stack: Stack): string[] {
  return stack.wixSandbox.requests.map((r) => `${r.method} ${r.path}`);
}

const isWixRead = (r: { method: string; path: string }) => r.method === 'GET' || r.path === '/resellers/v1/packages/query';

/** The changes (not reads) the Wix sandbox received since the last clear. */
export function wixWriteRequests(stack: Stack) {
  return stack.wixSandbox.requests.filter((r) => !isWixRead(r));
}

/** The changes the Wix sandbox received, as `METHOD /path`. */
export function wixWrites(stack: Stack): string[] {
  return wixWriteRequests(stack).map((r) => `${r.method} ${r.path}`);
}

/** The newest audit record of this stack (intent joined with its outcome). */
export function lastAudit(stack: Stack) {
  return stack.audit.query({}, { first: 1 }).edges[0]?.node;
}

/** Plesk operations the sandbox received since the last clear. */
export function pleskPackets(stack: Stack) {
  return stack.pleskSandbox.requests;
}

export { PLESK_DEMO, WIX_DEMO };
