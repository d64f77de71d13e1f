/**
 * Who may reach the gateway at all: bearer tokens (static and JWT) on every request except the
 * health probes; anything else is HTTP 401 with a GraphQL error coded UNAUTHENTICATED.
 */
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, WIX_DEMO, type Stack } from '../support/stack.js';

let stack: Stack;
let privateKey: CryptoKey;
const ISSUER = 'https://id.example.com/';
const AUDIENCE = 'reseller-gateway';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  stack = await startStack({ jwt: { publicKeyPem: await exportSPKI(pair.publicKey), issuer: ISSUER, audience: AUDIENCE } });
});
afterAll(() => stack.close());

const QUERY = JSON.stringify({ query: `{ package(id: "${WIX_DEMO.packageId}") { id } }` });

function post(headers: Record<string, string>) {
  return stack.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: QUERY });
}

async function jwt(claims: Record<string, unknown>, options: { expiresIn?: string; audience?: string; issuer?: string; key?: CryptoKey } = {}) {
  return new SignJWT({ roles: ['viewer'], wix_accounts: [WIX_DEMO.accountId], ...claims })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject('alice@example.com')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.key ?? privateKey);
}

function expectUnauthenticated(res: { status: number; text: string }) {
  expect(res.status).toBe(401);
  expect(JSON.parse(res.text)).toEqual({ errors: [{ message: 'A valid bearer token is required.', extensions: { code: 'UNAUTHENTICATED' } }] });
}

describe('static tokens', () => {
  it('a known token passes', async () => {
    const res = await post({ authorization: `Bearer ${stack.tokens.viewer}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).data.package.id).toBe(WIX_DEMO.packageId);
  });

  it.each([
    ['no header', {}],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['an unknown token', { authorization: 'Bearer rgw_not-a-known-token-at-all' }],
    ['the right token under another scheme', { authorization: 'Basic abc' }],
    ['the token without the scheme', { authorization: 'rgw_x' }],
  ])('%s is 401 UNAUTHENTICATED', async (_name, headers) => {
    expectUnauthenticated(await post(headers));
  });

  it('introspection needs a credential too', async () => {
    const res = await stack.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
    });
    expectUnauthenticated(res);
  });

  it('a GET query needs a credential', async () => {
    expectUnauthenticated(await stack.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'x-graphql-yoga-csrf': '1' } }));
  });
});

describe('JWTs', () => {
  it('a valid RS256 token with a bound account passes, as a person', async () => {
    const res = await post({ authorization: `Bearer ${await jwt({})}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).data.package.id).toBe(WIX_DEMO.packageId);
  });

  it('roles come from the token: a viewer token cannot cancel', async () => {
    const res = await stack.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await jwt({})}` },
      body: JSON.stringify({ query: `mutation { cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) { __typename } }` }),
    });
    expect(JSON.parse(res.text).data.cancelPackage.__typename).toBe('PermissionDeniedError');
  });

  it('an expired token is 401', async () => {
    expectUnauthenticated(await post({ authorization: `Bearer ${await jwt({}, { expiresIn: '-10m' })}` }));
  });

  it('a wrong audience is 401', async () => {
    expectUnauthenticated(await post({ authorization: `Bearer ${await jwt({}, { audience: 'someone-else' })}` }));
  });

  it('a wrong issuer is 401', async () => {
    expectUnauthenticated(await post({ authorization: `Bearer ${await jwt({}, { issuer: 'https://evil.example.com/' })}` }));
  });

  it('a token signed by another key is 401', async () => {
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    expectUnauthenticated(await post({ authorization: `Bearer ${await jwt({}, { key: otherKey })}` }));
  });

  it('alg: none is 401', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: now + 300, roles: ['admin'], wix_accounts: ['*'] })}.`;
    expectUnauthenticated(await post({ authorization: `Bearer ${unsigned}` }));
  });

  it('a token with a role outside viewer/operator/admin is 401', async () => {
    expectUnauthenticated(await post({ authorization: `Bearer ${await jwt({ roles: ['superuser'] })}` }));
  });
});

describe('health probes', () => {
  it('/health and /ready answer without a credential and reveal nothing else', async () => {
    const health = await stack.fetch('/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
    const ready = await stack.fetch('/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text).status).toBe('ready');
  });
});

describe('request ids', () => {
  it('echoes a valid x-request-id and makes one up otherwise', async () => {
    const given = await post({ authorization: `Bearer ${stack.tokens.viewer}`, 'x-request-id': 'support-ui:1234' });
    expect(given.headers.get('x-request-id')).toBe('support-ui:1234');
    const made = await post({ authorization: `Bearer ${stack.tokens.viewer}`, 'x-request-id': 'bad id with spaces' });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
