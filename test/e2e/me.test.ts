import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, WIX_DEMO, type Stack } from '../support/stack.js';

const ISSUER = 'https://id.example.com/';
const AUDIENCE = 'reseller-gateway';
const ME = `query { me { name kind roles email wixAccounts pleskServers } }`;

let stack: Stack;
let personToken: string;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  stack = await startStack({ jwt: { publicKeyPem: await exportSPKI(pair.publicKey), issuer: ISSUER, audience: AUDIENCE } });
  personToken = await new SignJWT({ roles: ['operator'], wix_accounts: [WIX_DEMO.accountId.toUpperCase()], plesk_servers: ['default'], email: 'alice@example.com' })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('alice')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(pair.privateKey);
});
afterAll(() => stack.close());

describe('me: who the request is made as', () => {
  it('a service bound to everything: its roles, null for every account and server', async () => {
    const res = await stack.gql(ME);
    expect(res.body).toEqual({ data: { me: { name: 'admin', kind: 'SERVICE', roles: ['ADMIN'], email: null, wixAccounts: null, pleskServers: null } } });
  });

  it('a bound viewer: its accounts and servers', async () => {
    const res = await stack.as('viewer')(ME);
    expect(res.body.data.me).toEqual({ name: 'viewer', kind: 'SERVICE', roles: ['VIEWER'], email: null, wixAccounts: [WIX_DEMO.accountId], pleskServers: ['default'] });
  });

  it('a person from a JWT, with the email claim and the accounts lower-cased', async () => {
    const res = await stack.gql(ME, {}, { authorization: `Bearer ${personToken}` });
    expect(res.body.data.me).toEqual({ name: 'alice', kind: 'PERSON', roles: ['OPERATOR'], email: 'alice@example.com', wixAccounts: [WIX_DEMO.accountId], pleskServers: ['default'] });
  });

  it('calls no upstream', async () => {
    stack.wixSandbox.clearRequests();
    await stack.as('otherAdmin')(ME);
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });
});
