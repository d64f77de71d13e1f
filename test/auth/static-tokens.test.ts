import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Wrap the real timingSafeEqual to count comparisons (proves there is no early exit).
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const { createAuthenticator, MAX_AUTHORIZATION_LENGTH } = await import('../../src/auth/authenticator.js');
const { AuthConfigError } = await import('../../src/auth/jwt.js');
const { generateToken, hashToken } = await import('../../src/auth/token.js');
import type { StaticCaller } from '../../src/auth/caller.js';

const ACCOUNT = 'acc00000-0000-4000-8000-000000000002';
const tokens = { support: generateToken(), billing: generateToken(), ops: generateToken() };
const callers: StaticCaller[] = [
  { name: 'support-ui', tokenSha256: hashToken(tokens.support), roles: ['operator'], wixAccounts: [ACCOUNT], pleskServers: '*' },
  { name: 'billing', tokenSha256: hashToken(tokens.billing), roles: ['viewer'], wixAccounts: '*', pleskServers: [] },
  { name: 'ops', tokenSha256: hashToken(tokens.ops), roles: ['admin'], wixAccounts: '*', pleskServers: ['plesk-eu-1'] },
];
const auth = createAuthenticator({ callers });

describe('static service tokens', () => {
  beforeEach(() => {
    vi.mocked(crypto.timingSafeEqual).mockClear();
  });

  it('generates rgw_-prefixed 32-byte base64url tokens', () => {
    expect(tokens.support).toMatch(/^rgw_[A-Za-z0-9_-]{43}$/);
    expect(new Set(Object.values(tokens)).size).toBe(3);
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('accepts the right token and returns its caller, with only a hash prefix of the token', async () => {
    const result = await auth.authenticate(`Bearer ${tokens.support}`);
    expect(result).toEqual({
      ok: true,
      caller: { name: 'support-ui', kind: 'service', roles: ['operator'], wixAccounts: [ACCOUNT], pleskServers: '*', tokenHashPrefix: hashToken(tokens.support).slice(0, 8) },
    });
    expect(JSON.stringify(result)).not.toContain(tokens.support);
    expect(await auth.authenticate(`bearer ${tokens.ops}`)).toMatchObject({ ok: true, caller: { name: 'ops', roles: ['admin'] } });
  });

  it('refuses a wrong token, a near miss, the hash itself and an unprefixed copy', async () => {
    const nearMiss = tokens.billing.slice(0, -1) + (tokens.billing.endsWith('A') ? 'B' : 'A');
    for (const token of [generateToken(), nearMiss, hashToken(tokens.billing), tokens.billing.slice(4), `${tokens.billing}x`]) {
      const result = await auth.authenticate(`Bearer ${token}`);
      expect(result).toEqual({ ok: false, reason: 'invalid', detail: 'static token: unknown' });
    }
  });

  it('compares the sha-256 digests against every entry, whichever matches (no early exit)', async () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    await auth.authenticate(`Bearer ${tokens.support}`); // first entry
    expect(compare).toHaveBeenCalledTimes(callers.length);
    for (const [a, b] of compare.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
    compare.mockClear();
    await auth.authenticate(`Bearer ${generateToken()}`); // none
    expect(compare).toHaveBeenCalledTimes(callers.length);
  });

  it('hands out a fresh caller each time (mutating one does not change the next)', async () => {
    const first = await auth.authenticate(`Bearer ${tokens.support}`);
    if (!first.ok || first.caller.wixAccounts === '*') throw new Error('expected a caller');
    first.caller.roles.push('admin');
    first.caller.wixAccounts.push('bbb00000-0000-4000-8000-000000000002');
    expect(await auth.authenticate(`Bearer ${tokens.support}`)).toMatchObject({ ok: true, caller: { roles: ['operator'], wixAccounts: [ACCOUNT] } });
  });
});

describe('Authorization header', () => {
  it.each([
    [undefined, 'missing'],
    [null, 'missing'],
    ['', 'missing'],
    ['   ', 'missing'],
    ['Bearer', 'missing'],
    ['Bearer    ', 'missing'],
    [`Basic ${Buffer.from('user:pw').toString('base64')}`, 'malformed'],
    ['Token abc', 'malformed'],
    ['Bearerabc', 'malformed'],
    ['Bearer two words', 'malformed'],
    ['Bearer rgw_a,Bearer rgw_b', 'malformed'],
    ['Bearer tok\u00e9n', 'malformed'],
    [`Bearer rgw_${'a'.repeat(MAX_AUTHORIZATION_LENGTH)}`, 'malformed'],
    ['Bearer a.b.c', 'invalid'], // JWT-shaped, but no JWT verification configured
  ] as const)('%j → %s', async (header, reason) => {
    const result = await auth.authenticate(header);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('never throws, even for a non-string value', async () => {
    await expect(auth.authenticate(42 as unknown as string)).resolves.toMatchObject({ ok: false, reason: 'missing' });
  });
});

describe('createAuthenticator options', () => {
  const base = callers[0] as StaticCaller;
  it('refuses malformed hashes and duplicates at creation', () => {
    expect(() => createAuthenticator({ callers: [{ ...base, tokenSha256: 'abc' }] })).toThrow(AuthConfigError);
    expect(() => createAuthenticator({ callers: [base, { ...base, name: 'other' }] })).toThrow(/duplicate hash/);
    expect(() => createAuthenticator({ callers: [base, { ...base, tokenSha256: hashToken('x') }] })).toThrow(/duplicate name/);
  });

  it('works with no callers at all', async () => {
    expect(await createAuthenticator({ callers: [] }).authenticate(`Bearer ${tokens.support}`)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
