import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, base64url, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticator } from '../../src/auth/authenticator.js';
import { AuthConfigError, type JwtAuthOptions } from '../../src/auth/jwt.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'reseller-gateway';
const ACCOUNT = 'ACC00000-0000-4000-8000-000000000002';
const now = () => Math.floor(Date.now() / 1000);

let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let otherRsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
let rsaPem: string;
let ecPem: string;
let pemAuth: Authenticator;

const goodClaims = (): JWTPayload => ({ sub: 'alice', email: 'alice@example.test', roles: ['operator'], wix_accounts: [ACCOUNT], plesk_servers: ['*'] });

async function sign(
  claims: JWTPayload,
  { key = rsa.privateKey, alg = 'RS256', kid, iss = ISSUER, aud = AUDIENCE, exp = now() + 600 }: { key?: CryptoKey | Uint8Array; alg?: string; kid?: string; iss?: string | null; aud?: string | null; exp?: number | null } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader(kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' }).setIssuedAt();
  if (iss !== null) jwt.setIssuer(iss);
  if (aud !== null) jwt.setAudience(aud);
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

const bearer = (token: string) => `Bearer ${token}`;
const pemOptions = (overrides: Partial<JwtAuthOptions> = {}): JwtAuthOptions => ({ publicKeyPem: rsaPem, issuer: ISSUER, audience: AUDIENCE, ...overrides });

beforeAll(async () => {
  [rsa, otherRsa, ec] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256'), generateKeyPair('ES256')]);
  [rsaPem, ecPem] = await Promise.all([exportSPKI(rsa.publicKey), exportSPKI(ec.publicKey)]);
  pemAuth = createAuthenticator({ callers: [], jwt: pemOptions() });
});

describe('JWT with a PEM public key', () => {
  it('accepts a valid RS256 token and maps its claims to a person caller', async () => {
    const token = await sign(goodClaims());
    const result = await pemAuth.authenticate(bearer(token));
    expect(result).toEqual({
      ok: true,
      caller: { name: 'alice', kind: 'person', email: 'alice@example.test', roles: ['operator'], wixAccounts: [ACCOUNT.toLowerCase()], pleskServers: '*' },
    });
    expect(JSON.stringify(result)).not.toContain(token);
  });

  it('treats absent account claims as no accounts', async () => {
    const result = await pemAuth.authenticate(bearer(await sign({ sub: 'bob', roles: ['viewer'] })));
    expect(result).toEqual({ ok: true, caller: { name: 'bob', kind: 'person', roles: ['viewer'], wixAccounts: [], pleskServers: [] } });
  });

  it('refuses an expired token as expired', async () => {
    expect(await pemAuth.authenticate(bearer(await sign(goodClaims(), { exp: now() - 3600 })))).toEqual({ ok: false, reason: 'expired', detail: 'jwt: expired' });
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    const token = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('2h').setNotBefore('1h').sign(rsa.privateKey);
    expect(await pemAuth.authenticate(bearer(token))).toEqual({ ok: false, reason: 'invalid', detail: 'jwt: nbf claim rejected' });
  });

  it('refuses a hand-crafted alg: none token', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(JSON.stringify({ ...goodClaims(), iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }));
    for (const token of [`${header}.${payload}.`, `${header}.${payload}.${base64url.encode('x')}`]) {
      expect(await pemAuth.authenticate(bearer(token))).toMatchObject({ ok: false, reason: 'invalid', detail: 'jwt: algorithm not allowed' });
    }
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const token = await sign(goodClaims(), { alg: 'HS256', key: new TextEncoder().encode(rsaPem) });
    expect(await pemAuth.authenticate(bearer(token))).toMatchObject({ ok: false, reason: 'invalid', detail: 'jwt: algorithm not allowed' });
  });

  it('refuses a token signed by another key, and a token whose payload was changed', async () => {
    expect(await pemAuth.authenticate(bearer(await sign(goodClaims(), { key: otherRsa.privateKey })))).toMatchObject({ ok: false, reason: 'invalid', detail: 'jwt: signature verification failed' });
    const [h, , s] = (await sign({ ...goodClaims(), roles: ['viewer'] })).split('.');
    const forged = base64url.encode(JSON.stringify({ ...goodClaims(), roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }));
    expect(await pemAuth.authenticate(bearer(`${h}.${forged}.${s}`))).toMatchObject({ ok: false, reason: 'invalid', detail: 'jwt: signature verification failed' });
  });

  it('refuses an ES256 token when the configured key is RSA', async () => {
    expect(await pemAuth.authenticate(bearer(await sign(goodClaims(), { key: ec.privateKey, alg: 'ES256' })))).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('refuses a wrong or missing issuer / audience / exp', async () => {
    const cases: Array<[Parameters<typeof sign>[1], string]> = [
      [{ iss: 'https://evil.example.test/' }, 'jwt: iss claim rejected'],
      [{ aud: 'another-service' }, 'jwt: aud claim rejected'],
      [{ iss: null }, 'jwt: iss claim missing'],
      [{ aud: null }, 'jwt: aud claim missing'],
      [{ exp: null }, 'jwt: exp claim missing'],
    ];
    for (const [options, detail] of cases) {
      expect(await pemAuth.authenticate(bearer(await sign(goodClaims(), options))), detail).toEqual({ ok: false, reason: 'invalid', detail });
    }
  });

  it('refuses malformed or missing claims outright, never partially', async () => {
    const cases: Array<[JWTPayload, string]> = [
      [{ ...goodClaims(), sub: undefined }, 'jwt: sub claim missing'],
      [{ ...goodClaims(), roles: undefined }, 'jwt: roles claim missing'],
      [{ ...goodClaims(), roles: 'operator' }, 'jwt: roles claim malformed'],
      [{ ...goodClaims(), roles: ['operator', 7] }, 'jwt: roles claim malformed'],
      [{ ...goodClaims(), roles: [] }, 'jwt: roles claim malformed'],
      [{ ...goodClaims(), roles: ['operator', 'root'] }, 'jwt: roles claim holds a role that is not allowed'],
      [{ ...goodClaims(), wix_accounts: ACCOUNT }, 'jwt: wix accounts claim malformed'],
      [{ ...goodClaims(), wix_accounts: [ACCOUNT, 'acc-2'] }, 'jwt: wix accounts claim malformed'],
      [{ ...goodClaims(), wix_accounts: ['*', ACCOUNT] }, 'jwt: wix accounts claim malformed'],
      [{ ...goodClaims(), plesk_servers: [{ name: 'x' }] }, 'jwt: plesk servers claim malformed'],
      [{ ...goodClaims(), email: ['a@b'] }, 'jwt: email claim malformed'],
      [{ ...goodClaims(), sub: '' }, 'jwt: name claim malformed'],
    ];
    for (const [claims, detail] of cases) {
      const result = await pemAuth.authenticate(bearer(await sign(JSON.parse(JSON.stringify(claims)) as JWTPayload)));
      expect(result, detail).toEqual({ ok: false, reason: 'invalid', detail });
    }
  });

  it('refuses a JWT-shaped value that does not decode as malformed', async () => {
    expect(await pemAuth.authenticate('Bearer abc.def.ghi')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('reads roles, accounts and name from configured claim names', async () => {
    const auth = createAuthenticator({
      callers: [],
      jwt: pemOptions({ claims: { roles: 'https://gw.example.test/roles', wixAccounts: 'wix', pleskServers: 'plesk', name: 'preferred_username' } }),
    });
    const token = await sign({ sub: 'id-123', preferred_username: 'carol', 'https://gw.example.test/roles': ['admin'], wix: ['*'], plesk: ['plesk-eu-1'] });
    expect(await auth.authenticate(bearer(token))).toEqual({ ok: true, caller: { name: 'carol', kind: 'person', roles: ['admin'], wixAccounts: '*', pleskServers: ['plesk-eu-1'] } });
  });

  it('accepts an ES256 key (PEM) with the default algorithms', async () => {
    const auth = createAuthenticator({ callers: [], jwt: pemOptions({ publicKeyPem: ecPem }) });
    expect(await auth.authenticate(bearer(await sign(goodClaims(), { key: ec.privateKey, alg: 'ES256' })))).toMatchObject({ ok: true, caller: { name: 'alice' } });
  });

  it('refuses bad configuration at creation', () => {
    const bad: Array<[Partial<JwtAuthOptions>, RegExp]> = [
      [{ jwksUrl: 'https://idp.example.test/jwks' }, /exactly one/],
      [{ publicKeyPem: undefined }, /exactly one/],
      [{ algorithms: ['RS256', 'HS256'] }, /"HS256" is not allowed/],
      [{ algorithms: ['none'] }, /"none" is not allowed/],
      [{ algorithms: [] }, /at least one/],
      [{ issuer: '' }, /issuer/],
      [{ audience: '' }, /audience/],
      [{ publicKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' }, /private key/],
      [{ publicKeyPem: '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----' }, /cannot be parsed/],
      [{ algorithms: ['ES256'] }, /cannot verify/],
      [{ publicKeyPem: undefined, jwksUrl: 'http://idp.example.test/jwks' }, /https/],
    ];
    for (const [overrides, message] of bad) {
      expect(() => createAuthenticator({ callers: [], jwt: pemOptions(overrides) }), String(message)).toThrow(AuthConfigError);
      expect(() => createAuthenticator({ callers: [], jwt: pemOptions(overrides) })).toThrow(message);
    }
  });
});

describe('JWT with a JWKS URL', () => {
  let server: Server;
  let base: string;
  let jwksFetches = 0;

  beforeAll(async () => {
    const keys = [
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    ];
    server = createServer((req, res) => {
      if (req.url === '/jwks') {
        jwksFetches += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
      } else if (req.url === '/slow') {
        // never answers
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('accepts valid ES256 and RS256 tokens, fetching the key set once', async () => {
    jwksFetches = 0;
    const auth = createAuthenticator({ callers: [], jwt: { jwksUrl: `${base}/jwks`, issuer: ISSUER, audience: AUDIENCE } });
    expect(await auth.authenticate(bearer(await sign(goodClaims(), { key: ec.privateKey, alg: 'ES256', kid: 'ec-1' })))).toMatchObject({ ok: true, caller: { name: 'alice', kind: 'person' } });
    expect(await auth.authenticate(bearer(await sign(goodClaims(), { kid: 'rsa-1' })))).toMatchObject({ ok: true });
    expect(jwksFetches).toBe(1);
  });

  it('refuses an unknown kid without refetching the key set more than the cooldown allows', async () => {
    jwksFetches = 0;
    const auth = createAuthenticator({ callers: [], jwt: { jwksUrl: `${base}/jwks`, issuer: ISSUER, audience: AUDIENCE } });
    const token = await sign(goodClaims(), { key: otherRsa.privateKey, kid: 'rotated-away' });
    for (let i = 0; i < 5; i += 1) {
      expect(await auth.authenticate(bearer(token))).toEqual({ ok: false, reason: 'invalid', detail: 'jwt: no key matches the token' });
    }
    expect(jwksFetches).toBe(1);
  });

  it('fails fast when the JWKS endpoint hangs', async () => {
    const auth = createAuthenticator({ callers: [], jwt: { jwksUrl: `${base}/slow`, issuer: ISSUER, audience: AUDIENCE, jwksTimeoutMs: 150 } });
    const started = Date.now();
    expect(await auth.authenticate(bearer(await sign(goodClaims(), { kid: 'rsa-1' })))).toEqual({ ok: false, reason: 'invalid', detail: 'jwks: timeout' });
    // Well before jose's own 5 s default: the configured timeout applied.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('refuses (does not throw) when the JWKS endpoint is down', async () => {
    const auth = createAuthenticator({ callers: [], jwt: { jwksUrl: `${base}/missing`, issuer: ISSUER, audience: AUDIENCE } });
    expect(await auth.authenticate(bearer(await sign(goodClaims(), { kid: 'rsa-1' })))).toEqual({ ok: false, reason: 'invalid', detail: 'jwks: unavailable' });
  });

  it('still accepts static tokens alongside JWTs', async () => {
    const { generateToken, hashToken } = await import('../../src/auth/token.js');
    const token = generateToken();
    const auth = createAuthenticator({
      callers: [{ name: 'svc', tokenSha256: hashToken(token), roles: ['viewer'], wixAccounts: [], pleskServers: [] }],
      jwt: { jwksUrl: `${base}/jwks`, issuer: ISSUER, audience: AUDIENCE },
    });
    expect(await auth.authenticate(bearer(token))).toMatchObject({ ok: true, caller: { name: 'svc', kind: 'service' } });
  });
});
