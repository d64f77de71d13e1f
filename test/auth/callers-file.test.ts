import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCallersFile, parseCallersFile } from '../../src/auth/callers-file.js';
import { hashToken } from '../../src/auth/token.js';

const SOURCE = '/etc/gateway/callers.json';
const HASH_A = hashToken('rgw_token-a');
const HASH_B = hashToken('rgw_token-b');
const ACCOUNT = 'ACC00000-0000-4000-8000-000000000002';

const entry = (overrides: Record<string, unknown> = {}) => ({
  name: 'support-ui',
  tokenSha256: HASH_A,
  roles: ['operator'],
  wixAccounts: [ACCOUNT],
  pleskServers: ['*'],
  ...overrides,
});

function problemsOf(data: unknown): string[] {
  const result = parseCallersFile(typeof data === 'string' ? data : JSON.stringify(data), SOURCE);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

describe('callers file: valid', () => {
  it('loads entries, normalising ids and "*"', () => {
    const result = parseCallersFile(
      JSON.stringify({
        callers: [entry(), { name: 'billing', tokenSha256: HASH_B, roles: ['viewer', 'viewer', 'admin'], wixAccounts: ['*'], pleskServers: ['Plesk-EU-1'] }],
      }),
      SOURCE,
    );
    expect(result).toEqual({
      ok: true,
      callers: [
        { name: 'support-ui', tokenSha256: HASH_A, roles: ['operator'], wixAccounts: [ACCOUNT.toLowerCase()], pleskServers: '*' },
        { name: 'billing', tokenSha256: HASH_B, roles: ['viewer', 'admin'], wixAccounts: '*', pleskServers: ['plesk-eu-1'] },
      ],
    });
  });

  it('defaults missing wixAccounts / pleskServers to none, and accepts an empty list of callers', () => {
    const result = parseCallersFile(JSON.stringify({ callers: [{ name: 'svc', tokenSha256: HASH_A, roles: ['viewer'] }] }), SOURCE);
    expect(result.ok && result.callers[0]).toMatchObject({ wixAccounts: [], pleskServers: [] });
    expect(parseCallersFile('{"callers": []}', SOURCE)).toEqual({ ok: true, callers: [] });
  });

  it('reads a file from disk (a UTF-8 BOM is fine)', () => {
    const path = join(dir, 'callers.json');
    writeFileSync(path, `\uFEFF${JSON.stringify({ callers: [entry()] })}`);
    const result = loadCallersFile(path);
    expect(result.ok && result.callers.map((c) => c.name)).toEqual(['support-ui']);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'callers-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('callers file: every malformed case names the file, the JSON path and the problem', () => {
  const cases: Array<[string, unknown, string]> = [
    ['top level is not an object', [entry()], '$: must be an object with a "callers" array'],
    ['callers missing', {}, '$.callers: is required'],
    ['callers not an array', { callers: {} }, '$.callers: must be an array of callers'],
    ['unknown top-level key', { callers: [], version: 2 }, '$.version: unknown key (allowed: callers)'],
    ['entry not an object', { callers: ['support-ui'] }, '$.callers[0]: must be an object'],
    ['unknown entry key', { callers: [entry({ token: 'x' })] }, '$.callers[0].token: unknown key (allowed: name, tokenSha256, roles, wixAccounts, pleskServers)'],
    ['name missing', { callers: [entry({ name: undefined })] }, '$.callers[0].name: is required'],
    ['name with a space', { callers: [entry({ name: 'support ui' })] }, '$.callers[0].name: must be 1-128 characters'],
    ['hash missing', { callers: [entry({ tokenSha256: undefined })] }, '$.callers[0].tokenSha256: is required'],
    ['hash upper-case', { callers: [entry({ tokenSha256: HASH_A.toUpperCase() })] }, '$.callers[0].tokenSha256: must be lower-case hex'],
    ['hash too short', { callers: [entry({ tokenSha256: HASH_A.slice(0, 40) })] }, '$.callers[0].tokenSha256: must be the sha-256 of the token as 64 lower-case hex digits'],
    ['hash not a string', { callers: [entry({ tokenSha256: 42 })] }, '$.callers[0].tokenSha256: must be a string'],
    ['roles missing', { callers: [entry({ roles: undefined })] }, '$.callers[0].roles: is required'],
    ['roles a string', { callers: [entry({ roles: 'operator' })] }, '$.callers[0].roles: must be an array of roles'],
    ['roles empty', { callers: [entry({ roles: [] })] }, '$.callers[0].roles: must list at least one role'],
    ['unknown role', { callers: [entry({ roles: ['operator', 'root'] })] }, '$.callers[0].roles[1]: must be one of viewer, operator, admin'],
    ['account not a GUID', { callers: [entry({ wixAccounts: [ACCOUNT, 'acc-1'] })] }, '$.callers[0].wixAccounts[1]: must be a Wix account id (GUID) or "*"'],
    ['"*" mixed with ids', { callers: [entry({ wixAccounts: ['*', ACCOUNT] })] }, '$.callers[0].wixAccounts: must be either ["*"] alone or a list without "*"'],
    ['bare "*"', { callers: [entry({ wixAccounts: '*' })] }, '$.callers[0].wixAccounts: must be an array of GUIDs, or ["*"]'],
    ['bad server name', { callers: [entry({ pleskServers: ['plesk eu'] })] }, '$.callers[0].pleskServers[0]: must be a Plesk server name or "*"'],
    ['server not a string', { callers: [entry({ pleskServers: [7] })] }, '$.callers[0].pleskServers[0]: must be a string'],
    ['duplicate names (any case)', { callers: [entry(), entry({ name: 'Support-UI', tokenSha256: HASH_B })] }, '$.callers[1].name: duplicate name "Support-UI" (also at $.callers[0].name)'],
    ['duplicate hashes', { callers: [entry(), entry({ name: 'other' })] }, '$.callers[1].tokenSha256: duplicate hash (same as $.callers[0].tokenSha256)'],
  ];
  it.each(cases)('%s', (_label, data, expected) => {
    const problems = problemsOf(data);
    expect(problems.some((p) => p.startsWith(`${SOURCE}: ${expected}`)), problems.join('\n')).toBe(true);
  });

  it('names a token pasted in place of its hash without repeating it', () => {
    const token = 'rgw_ThisIsALeakedTokenValue0123456789abcdefghij';
    const problems = problemsOf({ callers: [entry({ tokenSha256: token })] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('$.callers[0].tokenSha256: holds a token, not its sha-256');
    expect(problems.join('\n')).not.toContain(token);
  });

  it('reports a JSON syntax error by position, without quoting the text', () => {
    const problems = problemsOf('{"callers": [\n  {"name": rgw_secretvalue}\n]}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\/etc\/gateway\/callers\.json: is not valid JSON/);
    expect(problems[0]).not.toContain('rgw_secretvalue');
    expect(problemsOf('{"callers": [\n  1\n  2]}')[0]).toBe(`${SOURCE}: is not valid JSON (syntax error at line 3, column 3)`);
    expect(problemsOf('{"callers": [1,]}')[0]).toBe(`${SOURCE}: is not valid JSON (unexpected "]")`);
    expect(problemsOf('')[0]).toContain('is not valid JSON');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ callers: [entry({ roles: ['root'], wixAccounts: ['x'] }), entry({ name: 'b', tokenSha256: 'nope', extra: 1 })] });
    expect(problems).toHaveLength(4);
  });

  it('names a missing file', () => {
    const path = join(dir, 'missing.json');
    expect(loadCallersFile(path)).toEqual({ ok: false, problems: [`${path}: cannot be read (no such file)`] });
  });
});
