/**
 * The gateway as `npm start` runs it: a child process configured by its environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateToken, hashToken } from '../../src/auth/token.js';
import { startWixSandbox, WIX_DEMO } from '../../src/sandbox/wix/index.js';
import { openStores } from '../../src/stores.js';

const TSX = ['--import', 'tsx', 'src/main.ts'];
const children: ChildProcess[] = [];
const auditDir = mkdtempSync(join(tmpdir(), 'rgw-process-'));
afterAll(async () => {
  await Promise.all(
    children.map((child) => (child.exitCode === null && child.signalCode === null ? (child.kill('SIGKILL'), once(child, 'exit')) : undefined)),
  );
  rmSync(auditDir, { recursive: true, force: true });
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, TSX, {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', AUDIT_DB: join(auditDir, `${children.length}.sqlite`), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return {
    child,
    output: () => ({ stdout, stderr }),
    async waitFor(pattern: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const match = stdout.match(pattern);
        if (match) return match;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`);
    },
  };
}

describe('npm start', () => {
  it('starts in sandbox mode, says so, serves GraphiQL and queries, and stops cleanly on SIGTERM', async () => {
    const gateway = run({ PORT: '0', LOG_LEVEL: 'info' });
    await gateway.waitFor(/Wix upstream: embedded sandbox at http:\/\/127\.0\.0\.1:\d+/);
    const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/);
    const [, token] = await gateway.waitFor(/Development admin token.*\n\s+(rgw_\S+)/);

    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('GraphiQL');
    for (const name of ['ListPackages', 'CancelPackage', 'unassignProductInstanceFromSite']) expect(html).toContain(name);
    expect(html).toContain(token);

    const anonymous = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(anonymous.status).toBe(401);

    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ packages(first: 3) { edges { node { id } } } }' }),
    });
    const body = (await res.json()) as any;
    expect(body.data.packages.edges).toHaveLength(3);

    gateway.child.kill('SIGTERM');
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(0);
    // The sandbox's random API key is never logged.
    expect(gateway.output().stdout).not.toMatch(/apiKey"?\s*[:=]\s*"?[A-Za-z0-9]{16,}/);
    expect(gateway.output().stdout).toContain('Plesk upstream, server default: embedded sandbox');
  });

  it('in live mode talks to WIX_API_BASE_URL with WIX_API_KEY, and never logs the key', async () => {
    const upstream = await startWixSandbox({ apiKey: 'live-key-0123456789abcdef' });
    try {
      const gateway = run({
        PORT: '0',
        LOG_LEVEL: 'debug',
        WIX_API_KEY: upstream.apiKey,
        WIX_API_BASE_URL: upstream.url,
        WIX_ACCOUNT_ID: WIX_DEMO.otherAccountId,
      });
      await gateway.waitFor(new RegExp(`Wix upstream: live API at ${upstream.url.replace(/[.]/g, '\\.')}`));
      const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/);
      // Plesk is still in sandbox mode here, so a development token is printed.
      const [, token] = await gateway.waitFor(/Development admin token.*\n\s+(rgw_\S+)/);
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `{ package(id: "${WIX_DEMO.otherAccountPackageId}") { accountId } }` }),
      });
      expect(await res.json()).toEqual({ data: { package: { accountId: WIX_DEMO.otherAccountId } } });
      expect(upstream.requests.map((r) => r.headers['wix-account-id'])).toEqual([WIX_DEMO.otherAccountId]);
      gateway.child.kill('SIGTERM');
      await once(gateway.child, 'exit');
      const { stdout, stderr } = gateway.output();
      expect(stdout + stderr).not.toContain(upstream.apiKey);
    } finally {
      await upstream.close();
    }
  });

  it('SIGTERM with a cancel in flight: no new connection, the cancel finishes, its audit outcome is written, exit 0', async () => {
    const upstream = await startWixSandbox({ apiKey: 'live-key-lifecycle-0123456789' });
    upstream.faults.add({ method: 'DELETE', fault: { kind: 'latency', ms: 800 } });
    const auditDb = join(auditDir, 'lifecycle.sqlite');
    try {
      const gateway = run({ PORT: '0', AUDIT_DB: auditDb, WIX_API_KEY: upstream.apiKey, WIX_API_BASE_URL: upstream.url, WIX_ACCOUNT_ID: WIX_DEMO.accountId });
      const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/);
      const [, token] = await gateway.waitFor(/Development admin token.*\n\s+(rgw_\S+)/);
      const inFlight = fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `mutation { cancelPackage(input: { id: "${WIX_DEMO.packageId}", idempotencyKey: "sigterm-1" }) { __typename } }` }),
      });
      while (!upstream.requests.some((r) => r.method === 'DELETE')) await new Promise((r) => setTimeout(r, 20));
      gateway.child.kill('SIGTERM');
      // While the cancel finishes, a new connection is refused.
      await new Promise((r) => setTimeout(r, 200));
      const { request } = await import('node:http');
      const refused = await new Promise<string>((resolve) => {
        const probe = request(`${url}/health`, { agent: false }, (res) => {
          res.resume();
          resolve(`answered ${res.statusCode}`);
        });
        probe.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        probe.end();
      });
      expect(refused).toBe('ECONNREFUSED');
      const response = await inFlight;
      expect(await response.json()).toEqual({ data: { cancelPackage: { __typename: 'CancelPackageSuccess' } } });
      const [code] = await once(gateway.child, 'exit');
      expect(code).toBe(0);
      const db = new Database(auditDb, { readonly: true });
      const rows = db.prepare("SELECT kind, outcome FROM audit_event WHERE idempotency_key = 'sigterm-1' OR operation_id IN (SELECT operation_id FROM audit_event WHERE idempotency_key = 'sigterm-1') ORDER BY seq").all();
      db.close();
      expect(rows).toEqual([
        { kind: 'intent', outcome: null },
        { kind: 'outcome', outcome: 'success' },
      ]);
    } finally {
      await upstream.close();
    }
  });

  it('deletes expired idempotency keys when it starts, and keeps the live ones', async () => {
    const auditDb = join(auditDir, 'prune.sqlite');
    const stores = openStores({ path: auditDb });
    const store = stores.idempotency;
    // The default retention is 24 h: one key made 30 h ago, one an hour ago.
    for (const [key, ageHours] of [['expired', 30], ['live', 1]] as const) {
      const now = new Date(Date.now() - ageHours * 3_600_000);
      const claim = store.begin({ scope: 'support-ui', operation: 'cancelPackage', key, input: { id: key }, now });
      expect(claim.kind).toBe('new');
      store.complete({ scope: 'support-ui', operation: 'cancelPackage', key }, { state: 'succeeded', response: { ok: true }, now });
    }
    stores.close();

    const gateway = run({ PORT: '0', AUDIT_DB: auditDb, LOG_LEVEL: 'info' });
    await gateway.waitFor(/listening on/);
    expect(gateway.output().stdout).toMatch(/"deleted":1,.*"msg":"expired idempotency keys deleted"/);
    const db = new Database(auditDb, { readonly: true });
    const keys = db.prepare('SELECT key FROM idempotency ORDER BY key').all();
    db.close();
    expect(keys).toEqual([{ key: 'live' }]);
    gateway.child.kill('SIGTERM');
    await once(gateway.child, 'exit');
  });

  it('a second signal exits at once', async () => {
    const upstream = await startWixSandbox({ apiKey: 'live-key-lifecycle-abcdef0123456' });
    upstream.faults.add({ method: 'GET', fault: { kind: 'latency', ms: 10_000 } });
    try {
      const gateway = run({ PORT: '0', WIX_API_KEY: upstream.apiKey, WIX_API_BASE_URL: upstream.url, WIX_ACCOUNT_ID: WIX_DEMO.accountId, WIX_TIMEOUT_MS: '20000' });
      const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/);
      const [, token] = await gateway.waitFor(/Development admin token.*\n\s+(rgw_\S+)/);
      const slow = fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `{ package(id: "${WIX_DEMO.packageId}") { id } }` }),
      }).catch(() => undefined);
      while (upstream.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
      gateway.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      gateway.child.kill('SIGTERM');
      const [code] = await once(gateway.child, 'exit');
      expect(code).toBe(1);
      // It did not wait for the in-flight read, which Wix had not answered yet.
      expect(upstream.requests[0]!.status).toBe(0);
      await slow;
    } finally {
      await upstream.close();
    }
  });

  it('refuses to start in production with sandbox upstreams or without callers', async () => {
    const gateway = run({ NODE_ENV: 'production' });
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(2);
    expect(gateway.output().stderr).toContain('WIX_API_KEY: required when NODE_ENV=production');
    expect(gateway.output().stderr).toContain('at least one kind of caller is required');
  });

  it('in production: no GraphiQL, no Plesk sandbox (its operations answer NOT_FOUND), no development token; a trusted list is applied', async () => {
    const upstream = await startWixSandbox({ apiKey: 'live-key-0123456789abcdef' });
    try {
      const token = generateToken();
      const callersFile = join(auditDir, 'callers.json');
      writeFileSync(callersFile, JSON.stringify({ callers: [{ name: 'ops', tokenSha256: hashToken(token), roles: ['viewer'], wixAccounts: ['*'], pleskServers: ['*'] }] }));
      const gateway = run({ PORT: '0', NODE_ENV: 'production', WIX_API_KEY: upstream.apiKey, WIX_API_BASE_URL: upstream.url, GATEWAY_CALLERS_FILE: callersFile });
      const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/);
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html', authorization: `Bearer ${token}` } });
      expect(await page.text()).not.toContain('GraphiQL');
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ pleskAddonPlans { guid } me { name } }' }),
      });
      const body = (await res.json()) as { data: unknown; errors: { extensions: { code: string } }[] };
      expect(body.data).toEqual({ pleskAddonPlans: null, me: { name: 'ops' } });
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
      gateway.child.kill('SIGTERM');
      await once(gateway.child, 'exit');
      expect(gateway.output().stdout).not.toContain('Development admin token');
      expect(gateway.output().stdout).not.toContain('Plesk XML API sandbox');

      // With a list of trusted documents, only those run.
      const trusted = '{ me { name } }';
      const hash = createHash('sha256').update(trusted).digest('hex');
      const manifest = join(auditDir, 'trusted.json');
      writeFileSync(manifest, JSON.stringify({ [hash]: trusted }));
      const listed = run({ PORT: '0', NODE_ENV: 'production', WIX_API_KEY: upstream.apiKey, WIX_API_BASE_URL: upstream.url, GATEWAY_CALLERS_FILE: callersFile, GATEWAY_TRUSTED_DOCUMENTS_FILE: manifest });
      const [, listedUrl] = await listed.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/);
      const post = (body: unknown) =>
        fetch(`${listedUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) }).then((r) => r.json());
      expect(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })).toEqual({ data: { me: { name: 'ops' } } });
      expect(await post({ query: '{ me { kind } }' })).toMatchObject({ errors: [{ extensions: { code: 'PERSISTED_QUERY_ONLY' } }] });
      listed.child.kill('SIGTERM');
      await once(listed.child, 'exit');
    } finally {
      await upstream.close();
    }
  });

  it('a port already taken: exit code 1 and a plain message, no stack', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const gateway = run({ PORT: String(port), HOST: '127.0.0.1' });
      const [code] = await once(gateway.child, 'exit');
      expect(code).toBe(1);
      const { stderr } = gateway.output();
      expect(stderr).toContain(`reseller-gateway: 127.0.0.1:${port} is already in use (set PORT or HOST)`);
      expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('refuses a bad configuration with exit code 2, listing every problem', async () => {
    const gateway = run({ PORT: 'x', WIX_API_BASE_URL: 'http://wix.example.com', WIX_ACCOUNT_ID: 'abc' });
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(2);
    const { stderr } = gateway.output();
    for (const name of ['PORT', 'WIX_API_BASE_URL', 'WIX_ACCOUNT_ID']) expect(stderr).toContain(name);
  });
});
