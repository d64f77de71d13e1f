import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWixSandbox, WIX_DEMO as D, WixSandboxClient, type WixSandbox } from '../../../src/sandbox/wix/index.js';

let sb: WixSandbox;
let api: WixSandboxClient;

beforeAll(async () => {
  sb = await startWixSandbox();
  api = new WixSandboxClient(sb.url, sb.apiKey);
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

const GET = `/resellers/v1/packages/${D.packageId}`;

describe('control API auth', () => {
  it.each([
    ['GET', '/__sandbox/requests'],
    ['POST', '/__sandbox/reset'],
    ['POST', '/__sandbox/faults'],
  ])('%s %s needs the API key', async (method, path) => {
    const res = await api.call(method, path, { headers: { authorization: undefined }, body: {} });
    expect(res.status).toBe(401);
    const wrong = await api.call(method, path, { headers: { authorization: 'nope' } });
    expect(wrong.status).toBe(401);
  });

  it('unknown control route → 404', async () => {
    expect((await api.call('GET', '/__sandbox/nothing')).status).toBe(404);
  });
});

describe('request log over HTTP', () => {
  it('lists API requests but never control requests; DELETE clears', async () => {
    await api.call('GET', GET);
    await api.call('POST', '/resellers/v1/packages/query', { body: { query: {} } });
    const log = await api.requests();
    expect(log.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`GET ${GET} 200`, 'POST /resellers/v1/packages/query 200']);
    expect(log[1]!.body).toEqual({ query: {} });
    await api.clearRequests();
    expect(await api.requests()).toEqual([]);
    expect(sb.requests).toEqual([]);
  });
});

describe('faults over HTTP', () => {
  it('adds, lists and clears rules', async () => {
    await api.addFault({ method: 'GET', times: 2, fault: { kind: 'status', status: 500 } });
    const listed = await api.call('GET', '/__sandbox/faults');
    expect(listed.body).toEqual([{ method: 'GET', times: 2, fault: { kind: 'status', status: 500 } }]);
    expect((await api.call('GET', GET)).status).toBe(500);
    expect((await api.call('GET', '/__sandbox/faults')).body[0].times).toBe(1);
    await api.clearFaults();
    expect((await api.call('GET', GET)).status).toBe(200);
  });

  it('rejects an invalid rule with 400 and a message', async () => {
    const res = await api.call('POST', '/__sandbox/faults', { body: { fault: { kind: 'meteor' } } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('meteor');
    const bad = await api.call('POST', '/__sandbox/faults', { rawBody: '{' });
    expect(bad.status).toBe(400);
  });

  it('faults never apply to the control API itself', async () => {
    await api.addFault({ fault: { kind: 'reset' } });
    expect(await api.requests()).toEqual([]);
    await api.clearFaults();
  });
});

describe('reset', () => {
  it('over HTTP restores the seed state and clears the log and faults', async () => {
    await api.call('DELETE', GET);
    await api.addFault({ pathPrefix: '/resellers/v2', fault: { kind: 'status', status: 503 } });
    await api.reset();
    expect(sb.requests).toEqual([]);
    expect(sb.faults.list()).toEqual([]);
    expect((await api.call('GET', GET)).body.package.productInstances[0].status).toBe('ENABLED');
  });

  it('in process: created packages disappear and seeded ones come back', async () => {
    const created = await api.call('POST', '/resellers/v2/packages', { body: { products: [{ catalogProductId: D.oneTimeProductId, countryCode: 'US' }] } });
    await api.call('PATCH', `/resellers/v1/packages/update/${D.packageId}/changed`);
    sb.faults.add({ fault: { kind: 'hang' } });
    sb.reset();
    expect(sb.getPackage(created.body.package.id)).toBeUndefined();
    expect(sb.getPackage(D.packageId)!.externalId).toBe('sub-1001');
    expect(sb.listPackages()).toHaveLength(D.familyPackageCount + 1); // + the unrelated reseller's package
    expect((await api.call('GET', GET)).status).toBe(200); // hang rule gone
  });

  it('also frees used references again', async () => {
    const body = { products: [{ catalogProductId: D.oneTimeProductId, countryCode: 'US', referenceProductInstanceId: D.floatingInstanceId }] };
    expect((await api.call('POST', '/resellers/v2/packages', { body })).status).toBe(200);
    expect((await api.call('POST', '/resellers/v2/packages', { body })).status).toBe(404);
    sb.reset();
    expect((await api.call('POST', '/resellers/v2/packages', { body })).status).toBe(200);
  });
});

describe('instance status and package inspection over HTTP', () => {
  it('forces a transition and reads a package regardless of owner', async () => {
    const pkg = await api.setInstanceStatus(D.pendingInstanceId, 'ENABLED');
    expect(pkg.productInstances[0]!.status).toBe('ENABLED');
    const other = await api.call('GET', `/__sandbox/packages/${D.foreignPackageId}`);
    expect(other.body.package.accountId).toBe(D.foreignResellerAccountId);
    expect((await api.call('POST', `/__sandbox/instances/${D.pendingInstanceId}/status`, { body: { status: 'BROKEN' } })).status).toBe(400);
    expect((await api.call('POST', `/__sandbox/instances/${D.unknownInstanceId}/status`, { body: { status: 'ENABLED' } })).status).toBe(404);
  });
});

describe('close', () => {
  it('is idempotent and frees the port', async () => {
    const own = await startWixSandbox();
    await own.close();
    await own.close();
    await expect(new WixSandboxClient(own.url, own.apiKey).call('GET', GET)).rejects.toThrow();
  });
});
