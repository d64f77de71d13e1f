import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
