/**
 * The GraphQL surface as OWASP's cheat sheet asks: bounded documents, one destructive mutation per
 * request, a capped body, CSRF prevention, a CORS allow-list, no field suggestions outside sandbox
 * mode, and masked errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/security/limits.js';
import { startStack, WIX_DEMO, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway: { corsOrigins: ['https://support.example.com'] } });
});
afterAll(() => stack.close());
beforeEach(() => stack.wixSandbox.clearRequests());

function firstError(res: { body: { errors?: { message: string; extensions?: Record<string, unknown> }[] } }) {
  return res.body.errors?.[0];
}

describe('document limits (graphql-armor)', () => {
  it(`depth over ${DEFAULT_LIMITS.maxDepth}`, async () => {
    const deep = `{ package(id: "${WIX_DEMO.packageId}") { productInstances { package { productInstances { package { productInstances { package { productInstances { package { id } } } } } } } } } }`;
    const res = await stack.gql(deep);
    expect(firstError(res)?.message).toMatch(/depth limit/i);
    expect(firstError(res)?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  it(`more than ${DEFAULT_LIMITS.maxAliases} aliases`, async () => {
    const doc = `{ ${Array.from({ length: DEFAULT_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: package(id: "${WIX_DEMO.packageId}") { id }`).join(' ')} }`;
    expect(firstError(await stack.gql(doc))).toMatchObject({ message: expect.stringMatching(/aliases limit/i), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  it(`more than ${DEFAULT_LIMITS.maxDirectives} directives`, async () => {
    const doc = `{ __typename ${'@include(if: true) '.repeat(DEFAULT_LIMITS.maxDirectives + 1)} }`;
    expect(firstError(await stack.gql(doc))).toMatchObject({ message: expect.stringMatching(/directives limit/i), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it(`more than ${DEFAULT_LIMITS.maxTokens} tokens`, async () => {
    const doc = `{ ${'__typename '.repeat(DEFAULT_LIMITS.maxTokens)} }`;
    const error = firstError(await stack.gql(doc));
    expect(error?.message).toMatch(/token limit/i);
    expect(error?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('a document over the cost limit', async () => {
    const local = await startStack({ limits: { maxCost: 50 } });
    try {
      const res = await local.gql(`{ packages(first: 100) { edges { node { id productInstances { instanceId status siteId failure { code message } } } } } }`);
      expect(firstError(res)?.message).toMatch(/cost limit/i);
      expect(firstError(res)?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(local.wixSandbox.requests).toHaveLength(0);
    } finally {
      await local.close();
    }
  });
});

describe('variables', () => {
  it('a variable that does not coerce, or a required one missing, is GRAPHQL_VALIDATION_FAILED, and nothing is called', async () => {
    const doc = 'query Page($first: Int!) { packages(first: $first) { edges { cursor } } }';
    for (const variables of [{ first: 'ten' }, {}]) {
      const error = firstError(await stack.gql(doc, variables));
      expect(error).toMatchObject({ message: expect.stringContaining('$first'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    }
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });
});

describe('destructive mutations', () => {
  it('two destructive fields in one request are refused before anything runs', async () => {
    const res = await stack.gql(`mutation {
      a: cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) { __typename }
      b: unassignProductInstanceFromSite(input: { instanceId: "${WIX_DEMO.assignedInstanceId}" }) { __typename }
    }`);
    expect(firstError(res)?.message).toBe('At most 1 destructive mutation per request; found 2.');
    expect(firstError(res)?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  it('counts fields hidden in fragments too', async () => {
    const res = await stack.gql(`mutation { ...Twice }
      fragment Twice on Mutation {
        a: cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) { __typename }
        ... on Mutation { b: cancelPackage(input: { id: "${WIX_DEMO.mailboxPackageId}" }) { __typename } }
      }`);
    expect(firstError(res)?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  const instance = WIX_DEMO.assignedInstanceId;
  const PLESK_KEY = '{ subscription: { id: "42" }, planGuid: "5f1b4c6e-0a8e-4d0b-9a57-0c1d2e3f4a5b" }';
  it.each([
    ['cancelProductInstance', `{ instanceId: "${instance}" }`],
    ['unassignProductInstanceFromSite', `{ instanceId: "${instance}" }`],
    ['assignProductInstanceToSite', `{ instanceId: "${instance}", siteId: "${WIX_DEMO.secondSiteId}" }`],
    ['adjustProductInstanceSpecifications', `{ instanceId: "${instance}", catalogProductId: "${WIX_DEMO.premiumPlanProductId}" }`],
    ['removePleskSubscriptionAddon', PLESK_KEY],
  ])('%s is destructive: with a cancel in the same request, refused', async (field, input) => {
    const res = await stack.gql(`mutation {
      a: cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) { __typename }
      b: ${field}(input: ${input}) { __typename }
    }`);
    expect(firstError(res)?.message).toBe('At most 1 destructive mutation per request; found 2.');
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  it.each([
    ['createPackage', '{ products: [] }'],
    ['updatePackageExternalId', '{ id: "not-a-guid", externalId: "x" }'],
    ['addPleskSubscriptionAddon', '{ subscription: { id: "42" }, planGuid: "not-a-guid" }'],
  ])('%s is not destructive: beside a cancel it runs (here refused by its own input check)', async (field, input) => {
    const res = await stack.gql(`mutation {
      a: cancelPackage(input: { id: "${WIX_DEMO.unknownPackageId}" }) { __typename }
      b: ${field}(input: ${input}) { __typename }
    }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.b).toEqual({ __typename: 'InvalidInputError' });
  });

  it('one destructive field with a non-destructive one is fine', async () => {
    stack.wixSandbox.reset();
    const res = await stack.gql(`mutation {
      a: cancelPackage(input: { id: "${WIX_DEMO.mailboxPackageId}" }) { __typename }
      b: updatePackageExternalId(input: { id: "${WIX_DEMO.packageId}", externalId: "x" }) { __typename }
    }`);
    expect(res.body.data).toEqual({ a: { __typename: 'CancelPackageSuccess' }, b: { __typename: 'UpdatePackageExternalIdSuccess' } });
  });
});

describe('HTTP', () => {
  const auth = () => ({ authorization: `Bearer ${stack.tokens.admin}` });

  it(`a body over ${DEFAULT_LIMITS.maxBodyBytes} bytes is 413`, async () => {
    const res = await stack.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(DEFAULT_LIMITS.maxBodyBytes) } }),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('an oversized Content-Length is answered 413 at once, before any of the body is sent', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(), 'content-length': String(50 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      // Headers only: a server that read the body first would wait here until the test timed out.
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it('a Create Package of 1000 products fits in the default body limit (256 KiB)', async () => {
    const product = { catalogProductId: WIX_DEMO.premiumPlanProductId, countryCode: 'BR', siteId: WIX_DEMO.secondSiteId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 12 } } };
    const body = JSON.stringify({
      query: 'mutation ($input: CreatePackageInput!) { createPackage(input: $input) { __typename } }',
      variables: { input: { externalId: 'order-1000', idempotencyKey: crypto.randomUUID(), products: Array.from({ length: 1000 }, () => product) } },
    });
    expect(body.length).toBeLessThan(262_144);
    const res = await stack.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).data.createPackage.__typename).not.toBe('InvalidInputError');
  });

  it('a POST without Content-Length (chunked) is 411, never read', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(), 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"query":');
      req.end('"{ __typename }"}');
    });
    expect(status).toBe(411);
  });

  it('a GET without a CSRF header is 403; with it, it runs', async () => {
    const url = `/graphql?query=${encodeURIComponent('{ __typename }')}`;
    expect((await stack.fetch(url, { headers: auth() })).status).toBe(403);
    const ok = await stack.fetch(url, { headers: { ...auth(), 'x-graphql-yoga-csrf': '1', accept: 'application/json' } });
    expect(ok.status).toBe(200);
  });

  it('a mutation over GET is refused', async () => {
    const url = `/graphql?query=${encodeURIComponent(`mutation { cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) { __typename } }`)}`;
    const res = await stack.fetch(url, { headers: { ...auth(), 'x-graphql-yoga-csrf': '1', accept: 'application/json' } });
    expect(res.status).toBe(405);
    expect(stack.wixSandbox.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('CORS answers only allowed origins', async () => {
    const preflight = (origin: string) =>
      stack.fetch('/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight('https://support.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://support.example.com');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers.get('access-control-allow-origin')).not.toBe('https://evil.example.com');
  });

  it('batched (array) requests are not accepted', async () => {
    const res = await stack.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
  });
});

describe('error surface', () => {
  it('hides field suggestions outside sandbox mode', async () => {
    const res = await stack.gql('{ packag(id: "x") { id } }');
    expect(firstError(res)?.message).not.toMatch(/Did you mean/);
  });

  it('shows them in sandbox mode', async () => {
    const local = await startStack({ gateway: { sandbox: true } });
    try {
      const res = await local.gql('{ packag(id: "x") { id } }');
      expect(firstError(res)?.message).toMatch(/Did you mean "package"/);
    } finally {
      await local.close();
    }
  });

  it('an unexpected failure is "Unexpected error." with INTERNAL_SERVER_ERROR and no stack', async () => {
    // A package whose instance lacks a catalog product id breaks the response contract.
    stack.wixSandbox.faults.add({
      times: 1,
      fault: { kind: 'status', status: 200, body: { package: { id: WIX_DEMO.packageId, accountId: WIX_DEMO.accountId, productInstances: [{ instanceId: 'x', status: 'ENABLED' }] } } },
    });
    const res = await stack.gql(`{ package(id: "${WIX_DEMO.packageId}") { id } }`);
    expect(firstError(res)?.extensions?.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(res.text).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
