/**
 * The gateway as `npm start` runs it: a child process configured by its environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { startWixSandbox, WIX_DEMO } from '../../src/sandbox/wix/index.js';

const TSX = ['--import', 'tsx', 'src/main.ts'];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, TSX, {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
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

    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('GraphiQL');
    for (const name of ['ListPackages', 'CancelPackage', 'unassignProductInstanceFromSite']) expect(html).toContain(name);

    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ packages(first: 3) { edges { node { id } } } }' }),
    });
    const body = (await res.json()) as any;
    expect(body.data.packages.edges).toHaveLength(3);

    gateway.child.kill('SIGTERM');
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(0);
    // The sandbox's random API key is never logged.
    expect(gateway.output().stdout).not.toMatch(/apiKey"?\s*[:=]\s*"?[A-Za-z0-9]{16,}/);
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
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
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

  it('refuses a bad configuration with exit code 2, listing every problem', async () => {
    const gateway = run({ PORT: 'x', WIX_API_BASE_URL: 'http://wix.example.com', WIX_ACCOUNT_ID: 'abc' });
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(2);
    const { stderr } = gateway.output();
    for (const name of ['PORT', 'WIX_API_BASE_URL', 'WIX_ACCOUNT_ID']) expect(stderr).toContain(name);
  });
});
