import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWixSandbox, WIX_DEMO, WixSandboxClient, type WixSandbox } from '../../../src/sandbox/wix/index.js';

let sb: WixSandbox;
let api: WixSandboxClient;
const getPath = `/resellers/v1/packages/${WIX_DEMO.packageId}`;

beforeAll(async () => {
  sb = await startWixSandbox();
  api = new WixSandboxClient(sb.url, sb.apiKey);
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

function expectAppError(body: any, code: string): void {
  expect(body).toEqual({ message: expect.any(String), details: { applicationError: { code, description: expect.any(String), data: expect.any(Object) } } });
}

describe('sandbox basics', () => {
  it('listens on loopback, with a random key when none is given', () => {
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.apiKey).toMatch(/^[0-9a-f]{48}$/);
  });

  it('uses the given key', async () => {
    const other = await startWixSandbox({ apiKey: 'fixed-key', seed: false });
    try {
      const res = await new WixSandboxClient(other.url, 'fixed-key').call('POST', '/resellers/v1/packages/query', { body: { query: {} } });
      expect(res.status).toBe(200);
      expect(res.body.packages).toEqual([]); // seed: false keeps accounts but no packages
    } finally {
      await other.close();
    }
  });
});

describe('x-wix-request-id', () => {
  it('is on success and error responses, different each time', async () => {
    const ok = await api.call('GET', getPath);
    const err = await api.call('GET', getPath, { headers: { authorization: 'wrong' } });
    const notFound = await api.call('GET', '/nowhere');
    expect(ok.status).toBe(200);
    expect(err.status).toBe(401);
    expect(notFound.status).toBe(404);
    const ids = [ok.requestId, err.requestId, notFound.requestId];
    ids.forEach((id) => expect(id).toMatch(/^\d+\.[0-9a-f]+$/));
    expect(new Set(ids).size).toBe(3);
    expect(sb.requests.map((r) => r.requestId)).toEqual(ids);
  });
});

describe('Authorization', () => {
  it.each([
    ['missing', undefined],
    ['wrong', 'not-the-key'],
  ])('%s key → 401 UNAUTHENTICATED', async (_label, key) => {
    const res = await api.call('GET', getPath, { headers: { authorization: key } });
    expect(res.status).toBe(401);
    expectAppError(res.body, 'UNAUTHENTICATED');
  });

  it('rejects a Bearer prefix: the raw key is expected (§3)', async () => {
    const res = await api.call('GET', getPath, { headers: { authorization: `Bearer ${sb.apiKey}` } });
    expect(res.status).toBe(401);
  });
});

describe('account headers', () => {
  it('missing wix-account-id → 403 PERMISSION_DENIED', async () => {
    const res = await api.call('GET', getPath, { accountId: null });
    expect(res.status).toBe(403);
    expectAppError(res.body, 'PERMISSION_DENIED');
  });

  it('unknown account → 404 ACCOUNT_NOT_FOUND', async () => {
    const res = await api.call('POST', '/resellers/v2/packages', {
      accountId: WIX_DEMO.unknownAccountId,
      body: { products: [{ catalogProductId: WIX_DEMO.mailboxProductId, countryCode: 'US', billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } } }] },
    });
    expect(res.status).toBe(404);
    expectAppError(res.body, 'ACCOUNT_NOT_FOUND');
  });

  it('both wix-account-id and wix-site-id → 400 by default', async () => {
    const res = await api.call('GET', getPath, { headers: { 'wix-site-id': WIX_DEMO.siteId } });
    expect(res.status).toBe(400);
    expectAppError(res.body, 'INVALID_ARGUMENT');
  });

  it('both headers can be configured to 403 or allowed', async () => {
    const strict = await startWixSandbox({ bothScopeHeadersStatus: 403 });
    const lax = await startWixSandbox({ bothScopeHeadersStatus: 'allow' });
    try {
      const a = await new WixSandboxClient(strict.url, strict.apiKey).call('GET', getPath, { headers: { 'wix-site-id': WIX_DEMO.siteId } });
      const b = await new WixSandboxClient(lax.url, lax.apiKey).call('GET', getPath, { headers: { 'wix-site-id': WIX_DEMO.siteId } });
      expect(a.status).toBe(403);
      expect(b.status).toBe(200);
    } finally {
      await Promise.all([strict.close(), lax.close()]);
    }
  });
});

describe('routing and bodies', () => {
  it.each([
    ['GET', '/resellers/v1/packages'],
    ['PUT', getPath],
    ['GET', '/resellers/v2/packages'],
    ['POST', '/resellers/v3/packages'],
    ['GET', '/resellers/v1/packages/query'],
    ['PATCH', `/resellers/v1/packages/update/${WIX_DEMO.packageId}`],
    ['GET', `${getPath}/`],
  ])('%s %s → 404 in the Wix error shape', async (method, path) => {
    const res = await api.call(method, path);
    expect(res.status).toBe(404);
    expectAppError(res.body, 'NOT_FOUND');
  });

  it('malformed JSON → 400 validationError', async () => {
    const res = await api.call('POST', '/resellers/v2/packages', { rawBody: '{"products": [' });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations[0]).toMatchObject({ field: 'body', violatedRule: 'FORMAT' });
  });

  it('a JSON body that is not an object → 400', async () => {
    const res = await api.call('POST', '/resellers/v1/packages/query', { rawBody: '[]' });
    expect(res.status).toBe(400);
  });

  it('a package id that is not a GUID → 400 FORMAT (package ids carry a GUID badge)', async () => {
    const res = await api.call('GET', '/resellers/v1/packages/123');
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations[0]).toEqual({
      field: 'id', description: 'must be a GUID', violatedRule: 'FORMAT', ruleName: expect.any(String), data: { format: 'GUID' },
    });
  });
});

describe('request log', () => {
  it('records method, path, query, headers, parsed body, status and arrival time', async () => {
    const before = Date.now();
    await api.call('DELETE', `/resellers/v1/packages/${WIX_DEMO.packageId}`, { query: { idempotencyKey: 'q-1' }, body: { note: 'x' } });
    await api.call('POST', '/resellers/v1/packages/query', { rawBody: 'not json' });
    expect(sb.requests).toHaveLength(2);
    const [del, bad] = sb.requests;
    expect(del).toMatchObject({
      method: 'DELETE',
      path: `/resellers/v1/packages/${WIX_DEMO.packageId}`,
      query: { idempotencyKey: 'q-1' },
      body: { note: 'x' },
      status: 200,
    });
    expect(del!.headers['authorization']).toBe(sb.apiKey);
    expect(del!.headers['wix-account-id']).toBe(WIX_DEMO.accountId);
    expect(del!.at).toBeGreaterThanOrEqual(before);
    expect(bad).toMatchObject({ body: 'not json', status: 400 });
    sb.clearRequests();
    expect(sb.requests).toHaveLength(0);
  });
});

describe('rate limit', () => {
  it('answers 429 over rateLimitPerMinute, without Retry-After by default', async () => {
    const limited = await startWixSandbox({ rateLimitPerMinute: 2 });
    const withRetry = await startWixSandbox({ rateLimitPerMinute: 1, rateLimitRetryAfterSeconds: 7 });
    try {
      const c = new WixSandboxClient(limited.url, limited.apiKey);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await c.call('GET', getPath)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const last = await c.call('GET', getPath);
      expectAppError(last.body, 'RESOURCE_EXHAUSTED');
      expect(last.headers['retry-after']).toBeUndefined();

      const c2 = new WixSandboxClient(withRetry.url, withRetry.apiKey);
      await c2.call('GET', getPath);
      const r = await c2.call('GET', getPath);
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toBe('7');
    } finally {
      await Promise.all([limited.close(), withRetry.close()]);
    }
  });
});
