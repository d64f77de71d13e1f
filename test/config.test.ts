import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthConfigError, createJwtVerifier } from '../src/auth/jwt.js';
import { loadConfig } from '../src/config.js';
import { DEFAULT_LIMITS } from '../src/security/limits.js';

describe('loadConfig', () => {
  it('defaults to sandbox mode on 127.0.0.1:4000', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ port: 4000, host: '127.0.0.1', env: 'development', wix: { mode: 'sandbox', baseUrl: 'https://www.wixapis.com' } });
    expect(result.config.wix.apiKey).toBeUndefined();
  });

  it('is live when WIX_API_KEY is set, with the account normalised', () => {
    const result = loadConfig({ WIX_API_KEY: 'k', WIX_ACCOUNT_ID: 'ACC00000-0000-4000-8000-000000000002' });
    expect(result.ok && result.config.wix).toMatchObject({ mode: 'live', apiKey: 'k', defaultAccountId: 'acc00000-0000-4000-8000-000000000002' });
  });

  it('treats empty variables as unset', () => {
    const result = loadConfig({ WIX_API_KEY: '', WIX_ACCOUNT_ID: ' ' });
    expect(result.ok && result.config.wix.mode).toBe('sandbox');
  });

  it('accepts http only for loopback hosts', () => {
    expect(loadConfig({ WIX_API_BASE_URL: 'http://127.0.0.1:9000' }).ok).toBe(true);
    expect(loadConfig({ WIX_API_BASE_URL: 'http://localhost:9000/' }).ok).toBe(true);
    expect(loadConfig({ WIX_API_BASE_URL: 'http://wix.example.com' }).ok).toBe(false);
    expect(loadConfig({ WIX_API_BASE_URL: 'https://user:pw@wix.example.com' }).ok).toBe(false);
  });

  it('reports every problem at once', () => {
    const result = loadConfig({ PORT: 'eighty', WIX_ACCOUNT_ID: 'nope', WIX_API_BASE_URL: 'ftp://x', LOG_LEVEL: 'loud' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    for (const name of ['PORT', 'WIX_ACCOUNT_ID', 'WIX_API_BASE_URL', 'LOG_LEVEL']) expect(text).toContain(name);
  });
});

describe('request limits', () => {
  it('default to DEFAULT_LIMITS, the document cache given in MiB', () => {
    const result = loadConfig({});
    expect(result.ok && result.config.limits).toEqual(DEFAULT_LIMITS);
    const set = loadConfig({ GATEWAY_DOCUMENT_CACHE_MB: '8', GATEWAY_MAX_TOKENS: '20000', GATEWAY_MAX_LOOKUP_IDS: '1000', GATEWAY_MAX_UPSTREAM_CALLS: '200' });
    expect(set.ok && set.config.limits).toEqual({
      ...DEFAULT_LIMITS,
      documentCacheBytes: 8 * 1024 * 1024,
      maxTokens: 20_000,
      maxLookupIds: 1000,
      maxUpstreamCalls: 200,
    });
  });

  it("gives each caller a share of Wix's rate with a live key (100 a minute), none against the sandbox", () => {
    const live = loadConfig({ WIX_API_KEY: 'k', WIX_ACCOUNT_ID: 'acc00000-0000-4000-8000-000000000002' });
    expect(live.ok && live.config.limits.callerWixCallsPerMinute).toBe(100);
    const sandbox = loadConfig({});
    expect(sandbox.ok && sandbox.config.limits.callerWixCallsPerMinute).toBe(0);
    const set = loadConfig({ WIX_API_KEY: 'k', WIX_RATE_LIMIT_PER_CALLER_PER_MINUTE: '0' });
    expect(set.ok && set.config.limits.callerWixCallsPerMinute).toBe(0);
    const bad = loadConfig({ WIX_RATE_LIMIT_PER_CALLER_PER_MINUTE: '-1', GATEWAY_MAX_UPSTREAM_CALLS: '0' });
    expect(!bad.ok && bad.problems.join('\n')).toContain('WIX_RATE_LIMIT_PER_CALLER_PER_MINUTE');
    expect(!bad.ok && bad.problems.join('\n')).toContain('GATEWAY_MAX_UPSTREAM_CALLS');
  });

  it('refuses a document cache of no size and a query allowed no upstream call, together', () => {
    const result = loadConfig({ GATEWAY_DOCUMENT_CACHE_MB: '0', GATEWAY_MAX_UPSTREAM_CALLS: '0' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toContain('GATEWAY_DOCUMENT_CACHE_MB');
    expect(!result.ok && result.problems.join('\n')).toContain('GATEWAY_MAX_UPSTREAM_CALLS');
  });
});

describe('tracing configuration', () => {
  it('is off without an OTLP endpoint, whatever the sampler says', () => {
    const result = loadConfig({ OTEL_TRACES_SAMPLER: 'always_on' });
    expect(result.ok && result.config.tracing).toBeUndefined();
  });

  it('samples every new trace and every sampled caller by default', () => {
    const result = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    expect(result.ok && result.config.tracing).toEqual({ endpoint: 'http://127.0.0.1:4318', sampler: { name: 'parentbased_always_on', ratio: 1 } });
  });

  it('takes a standard sampler and its ratio', () => {
    const result = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    expect(result.ok && result.config.tracing?.sampler).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it('names an unknown sampler and a ratio outside [0, 1]', () => {
    const result = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'jaeger_remote', OTEL_TRACES_SAMPLER_ARG: '2' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toContain('OTEL_TRACES_SAMPLER:');
    expect(text).toContain('OTEL_TRACES_SAMPLER_ARG:');
  });
});

describe('Plesk configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rgw-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('defaults to the sandbox with protocol 1.6.9.1', () => {
    const result = loadConfig({});
    expect(result.ok && result.config.plesk).toMatchObject({ mode: 'sandbox', servers: [], protocolVersion: '1.6.9.1' });
  });

  it('takes PLESK_URL with a login pair or a secret key as the `default` server', () => {
    const pair = loadConfig({ PLESK_URL: 'https://panel.example.com:8443', PLESK_LOGIN: 'admin', PLESK_PASSWORD: 'pw' });
    expect(pair.ok && pair.config.plesk.servers).toEqual([
      { name: 'default', url: 'https://panel.example.com:8443', credentials: { login: 'admin', password: 'pw' }, protocolVersion: '1.6.9.1' },
    ]);
    const key = loadConfig({ PLESK_URL: 'https://panel.example.com:8443', PLESK_SECRET_KEY: 'k', PLESK_PROTOCOL_VERSION: '1.6.8.0' });
    expect(key.ok && key.config.plesk.servers[0]).toMatchObject({ credentials: { secretKey: 'k' }, protocolVersion: '1.6.8.0' });
  });

  it.each([
    [{ PLESK_URL: 'https://p.example.com', PLESK_LOGIN: 'a', PLESK_PASSWORD: 'b', PLESK_SECRET_KEY: 'k' }, 'not both'],
    [{ PLESK_URL: 'https://p.example.com' }, 'needs a login and a password, or a secret key'],
    [{ PLESK_URL: 'https://p.example.com', PLESK_LOGIN: 'a' }, 'needs a login and a password'],
    [{ PLESK_LOGIN: 'a', PLESK_PASSWORD: 'b' }, 'PLESK_URL: must be set'],
    [{ PLESK_URL: 'http://panel.example.com:8443', PLESK_SECRET_KEY: 'k' }, 'http is allowed only for loopback'],
    [{ PLESK_URL: 'https://p.example.com', PLESK_SECRET_KEY: 'k', PLESK_CA_FILE: '/nonexistent/ca.pem' }, 'cannot read /nonexistent/ca.pem'],
    [{ PLESK_PROTOCOL_VERSION: 'latest' }, 'PLESK_PROTOCOL_VERSION'],
  ])('refuses %j', (env, problem) => {
    const result = loadConfig(env);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toContain(problem);
  });

  it('reads a CA certificate file', () => {
    const ca = write('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const result = loadConfig({ PLESK_URL: 'https://p.example.com', PLESK_SECRET_KEY: 'k', PLESK_CA_FILE: ca });
    expect(result.ok && result.config.plesk.servers[0]!.ca).toContain('BEGIN CERTIFICATE');
  });

  it('adds named servers from PLESK_SERVERS_FILE next to the default one', () => {
    const file = write(
      'servers.json',
      JSON.stringify({ servers: [{ name: 'EU1', url: 'https://eu1.example.com:8443', secretKey: 's' }, { name: 'us', url: 'https://us.example.com:8443', login: 'a', password: 'b', protocolVersion: '1.6.7.0' }] }),
    );
    const result = loadConfig({ PLESK_URL: 'https://p.example.com', PLESK_SECRET_KEY: 'k', PLESK_SERVERS_FILE: file });
    expect(result.ok && result.config.plesk.mode).toBe('live');
    expect(result.ok && result.config.plesk.servers.map((s) => [s.name, s.protocolVersion])).toEqual([
      ['default', '1.6.9.1'],
      ['eu1', '1.6.9.1'],
      ['us', '1.6.7.0'],
    ]);
  });

  it('names every problem of a malformed servers file', () => {
    const file = write('bad.json', JSON.stringify({ servers: [{ name: 'a b', url: 'ftp://x', secretKey: 's', extra: 1 }, { name: 'x', url: 'https://x.example.com', login: 'a', password: 'b', secretKey: 'c' }] }));
    const result = loadConfig({ PLESK_SERVERS_FILE: file });
    expect(result.ok).toBe(false);
    const text = !result.ok ? result.problems.join('\n') : '';
    expect(text).toContain('servers.0.name');
    expect(text).toContain('servers.0.url');
    expect(text).toContain('extra');
    const dup = write('dup.json', JSON.stringify({ servers: [{ name: 'default', url: 'https://x.example.com', secretKey: 's' }] }));
    const dupResult = loadConfig({ PLESK_URL: 'https://p.example.com', PLESK_SECRET_KEY: 'k', PLESK_SERVERS_FILE: dup });
    expect(!dupResult.ok && dupResult.problems.join('\n')).toContain('used twice');
    expect(loadConfig({ PLESK_SERVERS_FILE: join(dir, 'missing.json') }).ok).toBe(false);
  });
});

/**
 * The README's "Configuration" table, pinned with its own literals: these tests compare against the
 * numbers the README documents, never against the code's constants, so a default that drifts from
 * the README fails here.
 */
describe('README defaults: request limits', () => {
  it('match the table when nothing is set (the document cache in MiB, turned into bytes)', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.limits).toEqual({
      maxDepth: 8,
      maxAliases: 100,
      maxDirectives: 10,
      maxTokens: 5000,
      maxCost: 10000,
      maxLookupIds: 100,
      maxUpstreamCalls: 50,
      maxDestructiveMutations: 1,
      maxBodyBytes: 262144,
      documentCacheBytes: 32 * 1048576,
      callerWixCallsPerMinute: 0,
    });
  });

  it('reads every GATEWAY_MAX_* variable and GATEWAY_DOCUMENT_CACHE_MB', () => {
    const result = loadConfig({
      GATEWAY_MAX_DEPTH: '12',
      GATEWAY_MAX_ALIASES: '7',
      GATEWAY_MAX_DIRECTIVES: '3',
      GATEWAY_MAX_TOKENS: '1234',
      GATEWAY_MAX_COST: '4321',
      GATEWAY_MAX_LOOKUP_IDS: '25',
      GATEWAY_MAX_UPSTREAM_CALLS: '9',
      GATEWAY_MAX_DESTRUCTIVE_MUTATIONS: '2',
      GATEWAY_MAX_BODY_BYTES: '1000',
      GATEWAY_DOCUMENT_CACHE_MB: '5',
      WIX_RATE_LIMIT_PER_CALLER_PER_MINUTE: '60',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.limits).toEqual({
      maxDepth: 12,
      maxAliases: 7,
      maxDirectives: 3,
      maxTokens: 1234,
      maxCost: 4321,
      maxLookupIds: 25,
      maxUpstreamCalls: 9,
      maxDestructiveMutations: 2,
      maxBodyBytes: 1000,
      documentCacheBytes: 5 * 1048576,
      callerWixCallsPerMinute: 60,
    });
  });
});

describe('README defaults: resilience', () => {
  const README_POLICY = {
    connectTimeoutMs: 3000,
    headersTimeoutMs: 10000,
    maxConcurrency: 32,
    maxQueued: 256,
    readAttempts: 3,
    breakerFailures: 5,
    breakerOpenMs: 15000,
  };
  /** The suffix of each resilience variable, and the policy field it sets. */
  const VARIABLES = [
    ['CONNECT_TIMEOUT_MS', 'connectTimeoutMs'],
    ['HEADERS_TIMEOUT_MS', 'headersTimeoutMs'],
    ['MAX_CONCURRENCY', 'maxConcurrency'],
    ['MAX_QUEUED', 'maxQueued'],
    ['READ_ATTEMPTS', 'readAttempts'],
    ['BREAKER_FAILURES', 'breakerFailures'],
    ['BREAKER_OPEN_MS', 'breakerOpenMs'],
  ] as const;

  it('match the table for Wix and for Plesk (the PLESK_ twins default alike)', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.wix.policy).toEqual(README_POLICY);
    expect(result.config.plesk.policy).toEqual(README_POLICY);
  });

  it.each(VARIABLES)('reads WIX_%s into the Wix policy only', (suffix, field) => {
    const result = loadConfig({ [`WIX_${suffix}`]: '7' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.wix.policy).toEqual({ ...README_POLICY, [field]: 7 });
    expect(result.config.plesk.policy).toEqual(README_POLICY);
  });

  it.each(VARIABLES)('reads the twin PLESK_%s into the Plesk policy only', (suffix, field) => {
    const result = loadConfig({ PLESK_URL: 'https://panel.example.com:8443', PLESK_SECRET_KEY: 'k', [`PLESK_${suffix}`]: '7' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.plesk.policy).toEqual({ ...README_POLICY, [field]: 7 });
    expect(result.config.wix.policy).toEqual(README_POLICY);
  });

  it('applies the PLESK_ settings to servers from PLESK_SERVERS_FILE too (one policy for every server)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgw-config-policy-'));
    try {
      const file = join(dir, 'servers.json');
      writeFileSync(file, JSON.stringify({ servers: [{ name: 'eu1', url: 'https://eu1.example.com:8443', secretKey: 's' }] }));
      const result = loadConfig({ PLESK_SERVERS_FILE: file, PLESK_BREAKER_FAILURES: '2', PLESK_MAX_CONCURRENCY: '4' });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.config.plesk.servers.map((s) => s.name)).toEqual(['eu1']);
      expect(result.config.plesk.policy).toEqual({ ...README_POLICY, breakerFailures: 2, maxConcurrency: 4 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(VARIABLES.flatMap(([suffix]) => [`WIX_${suffix}`, `PLESK_${suffix}`]))('names %s when it is not a number', (name) => {
    const result = loadConfig({ [name]: 'soon' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toContain(name);
  });
});

describe('README defaults: upstreams, shutdown, idempotency, audit and CORS', () => {
  it('match the table when nothing is set', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { config } = result;
    expect(config.logLevel).toBe('info');
    expect(config.env).toBe('development');
    expect(config.wix).toMatchObject({ timeoutMs: 10000, maxResponseBytes: 4194304, connections: 10 });
    expect(config.plesk).toMatchObject({ timeoutMs: 10000, writeTimeoutMs: 60000, maxResponseBytes: 2097152 });
    expect(config.shutdownTimeoutMs).toBe(25000);
    expect(config.idempotencyTtlMs).toBe(24 * 60 * 60 * 1000);
    expect(config.auditDb).toBe('./data/audit.sqlite');
    expect(config.corsOrigins).toEqual([]);
  });

  it('reads each of them when set', () => {
    const result = loadConfig({
      LOG_LEVEL: 'debug',
      WIX_TIMEOUT_MS: '1500',
      WIX_MAX_RESPONSE_BYTES: '1024',
      WIX_CONNECTIONS: '3',
      PLESK_TIMEOUT_MS: '2500',
      PLESK_WRITE_TIMEOUT_MS: '90000',
      PLESK_MAX_RESPONSE_BYTES: '2048',
      GATEWAY_SHUTDOWN_TIMEOUT_MS: '5000',
      IDEMPOTENCY_TTL_HOURS: '2',
      AUDIT_DB: '/var/lib/gateway/audit.sqlite',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { config } = result;
    expect(config.logLevel).toBe('debug');
    expect(config.wix).toMatchObject({ timeoutMs: 1500, maxResponseBytes: 1024, connections: 3 });
    expect(config.plesk).toMatchObject({ timeoutMs: 2500, writeTimeoutMs: 90000, maxResponseBytes: 2048 });
    expect(config.shutdownTimeoutMs).toBe(5000);
    expect(config.idempotencyTtlMs).toBe(2 * 60 * 60 * 1000);
    expect(config.auditDb).toBe('/var/lib/gateway/audit.sqlite');
  });

  it.each(['WIX_TIMEOUT_MS', 'WIX_MAX_RESPONSE_BYTES', 'WIX_CONNECTIONS', 'PLESK_TIMEOUT_MS', 'PLESK_WRITE_TIMEOUT_MS', 'PLESK_MAX_RESPONSE_BYTES', 'GATEWAY_SHUTDOWN_TIMEOUT_MS', 'IDEMPOTENCY_TTL_HOURS'])(
    'names %s when it is not a positive number',
    (name) => {
      for (const value of ['0', 'ten']) {
        const result = loadConfig({ [name]: value });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.problems.join('\n')).toContain(name);
      }
    },
  );

  it('parses GATEWAY_CORS_ORIGINS as a comma-separated list, spaces trimmed and empty entries dropped', () => {
    const result = loadConfig({ GATEWAY_CORS_ORIGINS: ' https://a.example.com , ,https://b.example.com:8443,, ' });
    expect(result.ok && result.config.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com:8443']);
    const one = loadConfig({ GATEWAY_CORS_ORIGINS: 'http://localhost:5173' });
    expect(one.ok && one.config.corsOrigins).toEqual(['http://localhost:5173']);
    const blank = loadConfig({ GATEWAY_CORS_ORIGINS: '  ' });
    expect(blank.ok && blank.config.corsOrigins).toEqual([]);
  });

  it('limits Wix calls to 200 a minute with a live key, not at all against the sandbox, and reads WIX_RATE_LIMIT_PER_MINUTE', () => {
    const live = loadConfig({ WIX_API_KEY: 'k' });
    expect(live.ok && live.config.wix.rateLimitPerMinute).toBe(200);
    const sandbox = loadConfig({});
    expect(sandbox.ok && sandbox.config.wix.rateLimitPerMinute).toBe(0);
    const off = loadConfig({ WIX_API_KEY: 'k', WIX_RATE_LIMIT_PER_MINUTE: '0' });
    expect(off.ok && off.config.wix.rateLimitPerMinute).toBe(0);
    const set = loadConfig({ WIX_API_KEY: 'k', WIX_RATE_LIMIT_PER_MINUTE: '120' });
    expect(set.ok && set.config.wix.rateLimitPerMinute).toBe(120);
    const sandboxSet = loadConfig({ WIX_RATE_LIMIT_PER_MINUTE: '30' });
    expect(sandboxSet.ok && sandboxSet.config.wix.rateLimitPerMinute).toBe(30);
    const bad = loadConfig({ WIX_RATE_LIMIT_PER_MINUTE: '-5' });
    expect(!bad.ok && bad.problems.join('\n')).toContain('WIX_RATE_LIMIT_PER_MINUTE');
  });
});

describe('NODE_ENV=production', () => {
  it('refuses the Wix sandbox and a gateway without callers, naming both', () => {
    const result = loadConfig({ NODE_ENV: 'production' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toContain('WIX_API_KEY');
    expect(text).toContain('GATEWAY_CALLERS_FILE');
  });

  it('starts with a live Wix key and a JWT issuer', () => {
    const result = loadConfig({
      NODE_ENV: 'production',
      WIX_API_KEY: 'k',
      GATEWAY_JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      GATEWAY_JWT_ISSUER: 'https://idp.example.com/',
      GATEWAY_JWT_AUDIENCE: 'reseller-gateway',
    });
    expect(result.ok && result.config.env).toBe('production');
  });
});

describe('README: JWT configuration', () => {
  const ISSUER = 'https://idp.example.com/';
  const AUDIENCE = 'reseller-gateway';
  const JWKS = 'https://idp.example.com/.well-known/jwks.json';
  const dir = mkdtempSync(join(tmpdir(), 'rgw-config-jwt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const rsaPemFile = join(dir, 'jwt-rsa.pem');
  const ecPemFile = join(dir, 'jwt-ec.pem');
  writeFileSync(rsaPemFile, rsaPem);
  writeFileSync(ecPemFile, ecPem);

  const sign = (claims: JWTPayload, key: KeyObject, alg: string) =>
    new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m').sign(key);

  /** The verifier main.ts builds from the loaded configuration. */
  const verifierFor = (env: NodeJS.ProcessEnv) => {
    const result = loadConfig(env);
    if (!result.ok) throw new Error(`configuration refused: ${result.problems.join('; ')}`);
    if (!result.config.auth.jwt) throw new Error('no JWT configuration');
    return createJwtVerifier(result.config.auth.jwt);
  };

  it('is off when no GATEWAY_JWT_* variable is set', () => {
    const result = loadConfig({});
    expect(result.ok && result.config.auth).toEqual({ callers: [] });
  });

  it('takes a JWKS URL with the issuer and audience', () => {
    const result = loadConfig({ GATEWAY_JWT_JWKS_URL: JWKS, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.auth.jwt).toMatchObject({ jwksUrl: JWKS, issuer: ISSUER, audience: AUDIENCE });
    expect(result.config.auth.jwt?.publicKeyPem).toBeUndefined();
  });

  it('takes the public key as PEM text or as a file path', () => {
    const text = loadConfig({ GATEWAY_JWT_PUBLIC_KEY: rsaPem, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE });
    expect(text.ok && text.config.auth.jwt?.publicKeyPem?.trim()).toBe(rsaPem.trim());
    const path = loadConfig({ GATEWAY_JWT_PUBLIC_KEY: rsaPemFile, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE });
    expect(path.ok && path.config.auth.jwt?.publicKeyPem?.trim()).toBe(rsaPem.trim());
    expect(path.ok && path.config.auth.jwt?.jwksUrl).toBeUndefined();
    const missing = loadConfig({ GATEWAY_JWT_PUBLIC_KEY: join(dir, 'missing.pem'), GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.problems.join('\n')).toContain('GATEWAY_JWT_PUBLIC_KEY');
  });

  it.each([
    [{ GATEWAY_JWT_JWKS_URL: JWKS, GATEWAY_JWT_PUBLIC_KEY: rsaPemFile, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE }, ['GATEWAY_JWT_JWKS_URL / GATEWAY_JWT_PUBLIC_KEY']],
    [{ GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE }, ['GATEWAY_JWT_JWKS_URL / GATEWAY_JWT_PUBLIC_KEY']],
    [{ GATEWAY_JWT_JWKS_URL: JWKS, GATEWAY_JWT_AUDIENCE: AUDIENCE }, ['GATEWAY_JWT_ISSUER']],
    [{ GATEWAY_JWT_JWKS_URL: JWKS, GATEWAY_JWT_ISSUER: ISSUER }, ['GATEWAY_JWT_AUDIENCE']],
    [{ GATEWAY_JWT_JWKS_URL: JWKS }, ['GATEWAY_JWT_ISSUER', 'GATEWAY_JWT_AUDIENCE']],
  ])('refuses %j: exactly one key source, an issuer and an audience are required', (env, names) => {
    const result = loadConfig(env);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    for (const name of names) expect(text).toContain(name);
  });

  it('reads the algorithms as a comma-separated list and every claim name', () => {
    const result = loadConfig({
      GATEWAY_JWT_JWKS_URL: JWKS,
      GATEWAY_JWT_ISSUER: ISSUER,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
      GATEWAY_JWT_ALGORITHMS: 'RS256, PS256',
      GATEWAY_JWT_ROLES_CLAIM: 'groups',
      GATEWAY_JWT_WIX_ACCOUNTS_CLAIM: 'https://example.com/wix',
      GATEWAY_JWT_PLESK_SERVERS_CLAIM: 'https://example.com/plesk',
      GATEWAY_JWT_NAME_CLAIM: 'preferred_username',
      GATEWAY_JWT_EMAIL_CLAIM: 'mail',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.auth.jwt?.algorithms).toEqual(['RS256', 'PS256']);
    expect(result.config.auth.jwt?.claims).toEqual({
      roles: 'groups',
      wixAccounts: 'https://example.com/wix',
      pleskServers: 'https://example.com/plesk',
      name: 'preferred_username',
      email: 'mail',
    });
  });

  it('reads the claims named roles, wix_accounts, plesk_servers, sub and email by default', async () => {
    const verify = verifierFor({ GATEWAY_JWT_PUBLIC_KEY: rsaPemFile, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE });
    const token = await sign(
      { sub: 'alice', email: 'alice@example.com', roles: ['operator'], wix_accounts: ['acc00000-0000-4000-8000-000000000002'], plesk_servers: ['default'] },
      rsa.privateKey,
      'RS256',
    );
    expect(await verify(token)).toEqual({
      ok: true,
      caller: { name: 'alice', kind: 'person', email: 'alice@example.com', roles: ['operator'], wixAccounts: ['acc00000-0000-4000-8000-000000000002'], pleskServers: ['default'] },
    });
  });

  it('reads the claims the GATEWAY_JWT_*_CLAIM variables name instead', async () => {
    const verify = verifierFor({
      GATEWAY_JWT_PUBLIC_KEY: rsaPemFile,
      GATEWAY_JWT_ISSUER: ISSUER,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
      GATEWAY_JWT_ROLES_CLAIM: 'groups',
      GATEWAY_JWT_WIX_ACCOUNTS_CLAIM: 'wix',
      GATEWAY_JWT_PLESK_SERVERS_CLAIM: 'plesk',
      GATEWAY_JWT_NAME_CLAIM: 'preferred_username',
      GATEWAY_JWT_EMAIL_CLAIM: 'mail',
    });
    const token = await sign(
      { sub: 'ignored', preferred_username: 'bob', mail: 'bob@example.com', groups: ['viewer'], wix: ['*'], plesk: ['eu1'], roles: ['admin'] },
      rsa.privateKey,
      'RS256',
    );
    expect(await verify(token)).toEqual({
      ok: true,
      caller: { name: 'bob', kind: 'person', email: 'bob@example.com', roles: ['viewer'], wixAccounts: '*', pleskServers: ['eu1'] },
    });
  });

  it('accepts RS256 and ES256 by default, and no other algorithm', async () => {
    const claims = { sub: 'carol', roles: ['viewer'] };
    const rsaVerify = verifierFor({ GATEWAY_JWT_PUBLIC_KEY: rsaPemFile, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE });
    expect((await rsaVerify(await sign(claims, rsa.privateKey, 'RS256'))).ok).toBe(true);
    for (const alg of ['PS256', 'RS384', 'RS512']) {
      expect(await rsaVerify(await sign(claims, rsa.privateKey, alg))).toEqual({ ok: false, reason: 'invalid', detail: 'jwt: algorithm not allowed' });
    }
    const ecVerify = verifierFor({ GATEWAY_JWT_PUBLIC_KEY: ecPemFile, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE });
    expect((await ecVerify(await sign(claims, ec.privateKey, 'ES256'))).ok).toBe(true);
  });

  it('accepts the algorithms GATEWAY_JWT_ALGORITHMS lists instead', async () => {
    const claims = { sub: 'dave', roles: ['viewer'] };
    const verify = verifierFor({ GATEWAY_JWT_PUBLIC_KEY: rsaPemFile, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE, GATEWAY_JWT_ALGORITHMS: 'PS256,RS384' });
    expect((await verify(await sign(claims, rsa.privateKey, 'PS256'))).ok).toBe(true);
    expect((await verify(await sign(claims, rsa.privateKey, 'RS384'))).ok).toBe(true);
    expect(await verify(await sign(claims, rsa.privateKey, 'RS256'))).toEqual({ ok: false, reason: 'invalid', detail: 'jwt: algorithm not allowed' });
  });

  it('accepts asymmetric algorithms only, and says so with every other problem', () => {
    const result = loadConfig({
      GATEWAY_JWT_PUBLIC_KEY: rsaPemFile,
      GATEWAY_JWT_ISSUER: ISSUER,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
      GATEWAY_JWT_ALGORITHMS: 'HS256',
      PLESK_URL: 'https://panel.example.com:8443',
    });
    expect(result.ok).toBe(false);
    const text = !result.ok ? result.problems.join('\n') : '';
    expect(text).toContain('GATEWAY_JWT_ALGORITHMS: JWT algorithms: "HS256" is not allowed');
    // Listed with it: the Plesk server has no credentials.
    expect(text).toMatch(/PLESK_/);
  });

  it('refuses a key that cannot verify the listed algorithms, and drops empty entries of the list', () => {
    const base = { GATEWAY_JWT_PUBLIC_KEY: rsaPemFile, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE };
    const mismatch = loadConfig({ ...base, GATEWAY_JWT_ALGORITHMS: 'ES256' });
    expect(!mismatch.ok && mismatch.problems.join('\n')).toContain('GATEWAY_JWT_PUBLIC_KEY: JWT public key: a rsa key cannot verify any of ES256');
    const trailing = loadConfig({ ...base, GATEWAY_JWT_ALGORITHMS: 'RS256, ' });
    expect(trailing.ok && trailing.config.auth.jwt?.algorithms).toEqual(['RS256']);
  });
});

describe('GATEWAY_TRUSTED_DOCUMENTS_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rgw-config-trusted-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const doc = '{ me { name } }';
  const hash = createHash('sha256').update(doc).digest('hex');

  it('is off by default, and read into documents by hash when set', () => {
    const off = loadConfig({});
    expect(off.ok && off.config.trustedDocuments).toBeUndefined();
    const path = join(dir, 'manifest.json');
    writeFileSync(path, JSON.stringify({ [hash]: doc }));
    const on = loadConfig({ GATEWAY_TRUSTED_DOCUMENTS_FILE: path });
    expect(on.ok && on.config.trustedDocuments).toEqual(new Map([[hash, doc]]));
  });

  it('a bad entry is a problem listed with the others', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ [hash]: '{ me { shoeSize } }' }));
    const result = loadConfig({ GATEWAY_TRUSTED_DOCUMENTS_FILE: path, PLESK_URL: 'https://panel.example.com:8443' });
    const text = !result.ok ? result.problems.join('\n') : '';
    expect(text).toContain('GATEWAY_TRUSTED_DOCUMENTS_FILE:');
    expect(text).toMatch(/PLESK_/);
  });
});

describe('credentials sent as HTTP headers', () => {
  it.each(['WIX_API_KEY', 'PLESK_SECRET_KEY', 'PLESK_LOGIN', 'PLESK_PASSWORD'])('%s with a character a header cannot carry is a problem, not a failure at the first call', (name) => {
    for (const value of ['abc\ndef', 'pass€word', 'пароль']) {
      const result = loadConfig({ PLESK_URL: 'https://panel.example.com:8443', [name]: value });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems.join('\n')).toMatch(new RegExp(`${name}: must hold only characters an HTTP header can carry`));
    }
    // TAB and Latin-1 letters are what undici sends as they are.
    const latin1 = loadConfig({ WIX_API_KEY: 'clé\tçà' });
    expect(latin1.ok && latin1.config.wix.mode).toBe('live');
  });

  it('a servers file credential with a control character is a problem naming its server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgw-config-cred-'));
    try {
      const file = join(dir, 'servers.json');
      writeFileSync(file, JSON.stringify({ servers: [{ name: 'eu1', url: 'https://eu1.example.com:8443', secretKey: 'a\u0007b' }] }));
      const result = loadConfig({ PLESK_SERVERS_FILE: file });
      expect(!result.ok && result.problems.join('\n')).toMatch(/eu1.*secretKey must hold only characters an HTTP header can carry/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

