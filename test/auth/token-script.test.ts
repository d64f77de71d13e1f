import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { loadCallersFile } from '../../src/auth/callers-file.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'token-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function token(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], { cwd: ROOT, timeout: 10_000 });
}

type Run = { stdout: string; stderr: string; code?: number };
const ACCOUNT = 'ACC00000-0000-4000-8000-000000000002';
// Both runs start at once (each is a Node start-up with tsx): the suite stays fast.
const good = token(['--name', 'support-ui', '--role', 'operator', '--role', 'viewer', '--wix-account', ACCOUNT, '--plesk-server', '*']);
good.catch(() => undefined); // a failure is reported by the test that awaits it
const bad: Promise<Run> = token(['--name', 'x', '--role', 'root', '--wix-account', 'acc-1']).then(
  (result) => result,
  (error: unknown) => error as Run,
);

describe('scripts/token.ts', () => {
  it('prints a token and a callers-file entry that round-trip through the loader and the authenticator', async () => {
    const { stdout, stderr } = await good;
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [tokenLine, entryLine] = lines as [string, string];
    expect(tokenLine).toMatch(/^rgw_[A-Za-z0-9_-]{43}$/);
    expect(entryLine).not.toContain(tokenLine);
    expect(stderr).not.toContain(tokenLine);
    const entry: unknown = JSON.parse(entryLine);
    expect(entry).toEqual({ name: 'support-ui', tokenSha256: expect.stringMatching(/^[0-9a-f]{64}$/), roles: ['operator', 'viewer'], wixAccounts: [ACCOUNT.toLowerCase()], pleskServers: ['*'] });

    const file = join(dir, 'callers.json');
    writeFileSync(file, JSON.stringify({ callers: [entry] }, null, 2));
    const loaded = loadCallersFile(file);
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const auth = createAuthenticator({ callers: loaded.callers });
    expect(await auth.authenticate(`Bearer ${tokenLine}`)).toMatchObject({
      ok: true,
      caller: { name: 'support-ui', kind: 'service', roles: ['operator', 'viewer'], wixAccounts: [ACCOUNT.toLowerCase()], pleskServers: '*' },
    });
    expect(await auth.authenticate(`Bearer ${tokenLine.slice(0, -1)}`)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('refuses bad arguments with exit code 2 and says which', async () => {
    const result = await bad;
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('--role (value #1): must be one of viewer, operator, admin');
    expect(result.stderr).toContain('--wix-account (value #1): must be a Wix account id (GUID) or "*"');
  });
});
