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

const PI = '/resellers/v1/packages/product-instances';
const YEARLY = { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } };
const MONTHLY = { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } };

function expectAppError(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ message: expect.any(String), details: { applicationError: { code, description: expect.any(String), data: expect.any(Object) } } });
}

const instance = (pkg: any, id: string) => pkg.productInstances.find((i: any) => i.instanceId === id);
const assign = (id: string, site: string, opts = {}) => api.call('PATCH', `${PI}/${id}/${site}`, opts);
const unassign = (id: string, opts = {}) => api.call('PATCH', `${PI}/${id}/unassign`, opts);
const adjust = (id: string, body: unknown, opts = {}) => api.call('PATCH', `${PI}/${id}`, { body, ...opts });
const cancelInstance = (id: string, opts = {}) => api.call('DELETE', `${PI}/${id}`, opts);

describe('Assign Product Instance To Site', () => {
  it('assigns a floating instance and returns the whole package', async () => {
    const res = await assign(D.floatingInstanceId, D.secondSiteId, { body: { instanceId: D.floatingInstanceId, siteId: D.secondSiteId, idempotencyKey: 'a-1' } });
    expect(res.status).toBe(200);
    expect(res.body.idempotencyKey).toBe('a-1');
    expect(res.body.package.id).toBe(D.floatingPackageId);
    const i = instance(res.body.package, D.floatingInstanceId);
    expect(i.siteId).toBe(D.secondSiteId);
    expect(i.updatedDate > '2025-06-01').toBe(true);
    expect(res.body.package.updatedDate).toBe(i.updatedDate);
  });

  it('moves an instance between sites without unassigning first', async () => {
    const res = await assign(D.mailboxInstanceId, D.secondSiteId);
    expect(instance(res.body.package, D.mailboxInstanceId).siteId).toBe(D.secondSiteId);
    expect(instance(res.body.package, D.secondMailboxInstanceId).siteId).toBe(D.siteId);
  });

  it('assigning to the current site is a no-op success', async () => {
    const res = await assign(D.assignedInstanceId, D.siteId);
    expect(res.status).toBe(200);
    expect(res.body.package.updatedDate).toBe('2025-06-02T09:21:00.000Z');
  });

  it('another account\'s site → 404 SITE_NOT_FOUND naming both accounts', async () => {
    const res = await assign(D.floatingInstanceId, D.otherAccountSiteId);
    expectAppError(res, 404, 'SITE_NOT_FOUND');
    expect(res.body.message).toContain(D.accountId);
    expect(res.body.message).toContain(D.otherAccountId);
  });

  it.each([
    ['unknown site', D.floatingInstanceId, D.unknownSiteId, 404, 'SITE_NOT_FOUND'],
    ['site already has a premium plan', D.floatingInstanceId, D.siteId, 428, 'PRODUCT_TYPE_ALREADY_ASSIGNED'],
    ['CANCELED instance', D.canceledInstanceId, D.secondSiteId, 428, 'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS'],
    ['FAILED instance', D.failedInstanceId, D.secondSiteId, 428, 'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS'],
    ['unknown instance', D.unknownInstanceId, D.secondSiteId, 428, 'PRODUCT_INSTANCE_NOT_FOUND'],
    ['domain to a site without a premium plan', D.domainInstanceId, D.secondSiteId, 428, 'PRODUCT_NOT_SUPPORTED_ON_SITE'],
  ])('%s → %i %s', async (_l, id, site, status, code) => {
    expectAppError(await assign(id, site), status, code);
  });
});

describe('Unassign Product Instance From Site', () => {
  it('makes the instance floating', async () => {
    const res = await unassign(D.assignedInstanceId, { body: { idempotencyKey: 'u-1' } });
    expect(res.status).toBe(200);
    expect(res.body.idempotencyKey).toBe('u-1');
    expect('siteId' in instance(res.body.package, D.assignedInstanceId)).toBe(false);
    expect(instance(res.body.package, D.assignedInstanceId).status).toBe('ENABLED');
  });

  it.each([
    ['a floating instance', D.floatingInstanceId, 428, 'MISSING_SITE_ID'],
    ['an unknown instance', D.unknownInstanceId, 428, 'PRODUCT_INSTANCE_NOT_FOUND'],
    ['a CANCELED instance', D.canceledInstanceId, 428, 'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS'],
  ])('%s → %i %s', async (_l, id, status, code) => {
    expectAppError(await unassign(id), status, code);
  });

  it('unassigned then reassigned (the documented reassign flow)', async () => {
    await unassign(D.assignedInstanceId);
    expectAppError(await unassign(D.assignedInstanceId), 428, 'MISSING_SITE_ID');
    const res = await assign(D.assignedInstanceId, D.secondSiteId);
    expect(instance(res.body.package, D.assignedInstanceId).siteId).toBe(D.secondSiteId);
  });
});

describe('Cancel Product Instance', () => {
  it('cancels one instance and leaves the others alone', async () => {
    const res = await cancelInstance(D.mailboxInstanceId, { query: { idempotencyKey: 'ci-1' } });
    expect(res.status).toBe(200);
    expect(res.body.idempotencyKey).toBe('ci-1');
    expect(instance(res.body.package, D.mailboxInstanceId).status).toBe('CANCELED');
    expect(instance(res.body.package, D.secondMailboxInstanceId).status).toBe('ENABLED');
  });

  it('is idempotent on an already-canceled instance; unknown instance → 404', async () => {
    const res = await cancelInstance(D.canceledInstanceId);
    expect(res.status).toBe(200);
    expect(res.body.package.updatedDate).toBe('2025-05-01T09:00:00.000Z');
    expectAppError(await cancelInstance(D.unknownInstanceId), 404, 'PRODUCT_INSTANCE_NOT_FOUND');
  });

  it('a canceled instance no longer occupies its site', async () => {
    await cancelInstance(D.assignedInstanceId);
    const res = await assign(D.floatingInstanceId, D.siteId);
    expect(res.status).toBe(200);
  });
});

describe('Adjust Product Instance Specifications', () => {
  it('changes the billing cycle', async () => {
    const res = await adjust(D.assignedInstanceId, { billingInfo: MONTHLY, idempotencyKey: 'adj-1' });
    expect(res.status).toBe(200);
    expect(res.body.idempotencyKey).toBe('adj-1');
    const i = instance(res.body.package, D.assignedInstanceId);
    expect(i.billingInfo).toEqual(MONTHLY);
    expect(i.updatedDate > '2025-06-02T09:21:00.000Z').toBe(true);
  });

  it('changes the product within the same type, keeping a still-valid cycle and taking the discount code', async () => {
    const res = await adjust(D.assignedInstanceId, { catalogProductId: D.premiumBusinessProductId, discountCode: 'UPGRADE10' });
    const i = instance(res.body.package, D.assignedInstanceId);
    expect(i).toMatchObject({ catalogProductId: D.premiumBusinessProductId, billingInfo: YEARLY, discountCode: 'UPGRADE10', siteId: D.siteId });
  });

  it('ignores discountCode without catalogProductId (§11 item 8)', async () => {
    const res = await adjust(D.assignedInstanceId, { billingInfo: MONTHLY, discountCode: 'IGNORED' });
    expect(instance(res.body.package, D.assignedInstanceId).discountCode).toBeUndefined();
  });

  it('needs a cycle when the current one is not offered by the new multi-cycle product', async () => {
    const created = await api.call('POST', '/resellers/v2/packages', {
      body: { products: [{ catalogProductId: D.premiumPlanProductId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 2 } }, countryCode: 'US' }] },
    });
    const id = created.body.package.productInstances[0].instanceId;
    expectAppError(await adjust(id, { catalogProductId: D.premiumBusinessProductId }), 428, 'MISSING_BILLING_CYCLE');
    const ok = await adjust(id, { catalogProductId: D.premiumPlanOneCycleProductId });
    expect(instance(ok.body.package, id).billingInfo).toEqual(YEARLY); // the only cycle of that product
  });

  it.each([
    ['no catalogProductId nor billingInfo', D.assignedInstanceId, { discountCode: 'X' }, 428, 'MISSING_PRODUCT_DETAILS'],
    ['RECURRING without cycleDuration', D.assignedInstanceId, { billingInfo: { type: 'RECURRING' } }, 428, 'MISSING_PRODUCT_DETAILS'],
    ['unsupported cycle', D.assignedInstanceId, { billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'DAY', count: 3 } } }, 428, 'INCOMPATIBLE_BILLING_CYCLE'],
    ['a product of another type', D.assignedInstanceId, { catalogProductId: D.mailboxProductId }, 428, 'INCOMPATIBLE_PRODUCT'],
    ['an unknown product', D.assignedInstanceId, { catalogProductId: D.unknownProductId }, 404, 'PRODUCT_NOT_FOUND'],
    ['a CANCELED instance', D.canceledInstanceId, { billingInfo: MONTHLY }, 428, 'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS'],
    ['a FAILED instance', D.failedInstanceId, { billingInfo: YEARLY }, 428, 'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS'],
    ['an unknown instance', D.unknownInstanceId, { billingInfo: MONTHLY }, 428, 'PRODUCT_INSTANCE_NOT_FOUND'],
    ['a domain (not adjustable)', D.domainInstanceId, { billingInfo: YEARLY }, 428, 'OPERATION_NOT_SUPPORTED_FOR_PRODUCT'],
  ])('%s → %i %s', async (_l, id, body, status, code) => {
    expectAppError(await adjust(id, body), status, code);
  });

  it('validates lengths and formats (400)', async () => {
    const res = await adjust(D.assignedInstanceId, { idempotencyKey: 'k'.repeat(101), catalogProductId: 'nope', discountCode: 'd'.repeat(26) });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: any) => v.field)).toEqual(['idempotencyKey', 'catalogProductId', 'discountCode']);
  });
});

describe('ownership', () => {
  // otherAccountId is a sibling of accountId: it may not touch accountId's packages or instances.
  const calls: [string, (c: WixSandboxClient) => Promise<{ status: number; body: any }>][] = [
    ['Get', (c) => c.call('GET', `/resellers/v1/packages/${D.packageId}`, { accountId: D.otherAccountId })],
    ['Cancel Package', (c) => c.call('DELETE', `/resellers/v1/packages/${D.packageId}`, { accountId: D.otherAccountId })],
    ['Cancel Instance', (c) => c.call('DELETE', `${PI}/${D.assignedInstanceId}`, { accountId: D.otherAccountId })],
    ['Assign', (c) => c.call('PATCH', `${PI}/${D.floatingInstanceId}/${D.otherAccountSiteId}`, { accountId: D.otherAccountId })],
    ['Unassign', (c) => c.call('PATCH', `${PI}/${D.assignedInstanceId}/unassign`, { accountId: D.otherAccountId })],
    ['Adjust', (c) => c.call('PATCH', `${PI}/${D.assignedInstanceId}`, { accountId: D.otherAccountId, body: { billingInfo: MONTHLY } })],
    ['Update External Id', (c) => c.call('PATCH', `/resellers/v1/packages/update/${D.packageId}/stolen`, { accountId: D.otherAccountId })],
  ];

  it.each(calls)('%s on another account\'s object → 404 not-found style, nothing changes', async (_l, call) => {
    const before = sb.listPackages();
    const res = await call(api);
    expect(res.status).toBe(404);
    expect(['PACKAGE_NOT_FOUND', 'PRODUCT_INSTANCE_NOT_FOUND']).toContain(res.body.details.applicationError.code);
    expect(sb.listPackages()).toEqual(before);
  });

  it.each(calls)('%s with ownershipMismatchStatus 403 → 403', async (_l, call) => {
    const strict = await startWixSandbox({ ownershipMismatchStatus: 403 });
    try {
      const res = await call(new WixSandboxClient(strict.url, strict.apiKey));
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toMatch(/_NOT_FOUND$/);
    } finally {
      await strict.close();
    }
  });

  it('a truly unknown package is still 404 with ownershipMismatchStatus 403', async () => {
    const strict = await startWixSandbox({ ownershipMismatchStatus: 403 });
    try {
      const res = await new WixSandboxClient(strict.url, strict.apiKey).call('GET', `/resellers/v1/packages/${D.unknownPackageId}`);
      expect(res.status).toBe(404);
    } finally {
      await strict.close();
    }
  });

  it('the reseller parent may act on its sub-accounts\' packages; the unrelated reseller may not', async () => {
    expect((await api.call('GET', `/resellers/v1/packages/${D.packageId}`, { accountId: D.resellerAccountId })).status).toBe(200);
    expect((await unassign(D.assignedInstanceId, { accountId: D.resellerAccountId })).status).toBe(200);
    expect((await api.call('GET', `/resellers/v1/packages/${D.packageId}`, { accountId: D.foreignResellerAccountId })).status).toBe(404);
    // A sub-account may not act on its parent's package.
    expect((await api.call('GET', `/resellers/v1/packages/${D.resellerPackageId}`)).status).toBe(404);
  });
});

describe('status transitions', () => {
  it('stay PENDING by default; setInstanceStatus drives them explicitly', async () => {
    const created = await api.call('POST', '/resellers/v2/packages', { body: { products: [{ catalogProductId: D.mailboxProductId, billingInfo: MONTHLY, countryCode: 'US' }] } });
    const id = created.body.package.productInstances[0].instanceId;
    const pkgId = created.body.package.id;
    expect((await api.call('GET', `/resellers/v1/packages/${pkgId}`)).body.package.productInstances[0].status).toBe('PENDING');
    sb.setInstanceStatus(id, 'FAILED', { code: 'EXTERNAL_FAILURE', message: 'boom' });
    const failed = (await api.call('GET', `/resellers/v1/packages/${pkgId}`)).body.package.productInstances[0];
    expect(failed).toMatchObject({ status: 'FAILED', failure: { code: 'EXTERNAL_FAILURE', message: 'boom' } });
    sb.setInstanceStatus(id, 'ENABLED');
    expect((await api.call('GET', `/resellers/v1/packages/${pkgId}`)).body.package.productInstances[0].failure).toBeUndefined();
  });

  it('autoActivateAfterMs turns new PENDING instances ENABLED lazily, seeds untouched', async () => {
    const auto = await startWixSandbox({ autoActivateAfterMs: 40 });
    try {
      const c = new WixSandboxClient(auto.url, auto.apiKey);
      const created = await c.call('POST', '/resellers/v2/packages', { body: { products: [{ catalogProductId: D.mailboxProductId, billingInfo: MONTHLY, countryCode: 'US' }] } });
      expect(created.body.package.productInstances[0].status).toBe('PENDING');
      await new Promise((r) => setTimeout(r, 60));
      const later = await c.call('GET', `/resellers/v1/packages/${created.body.package.id}`);
      expect(later.body.package.productInstances[0].status).toBe('ENABLED');
      expect(later.body.package.updatedDate > created.body.package.updatedDate).toBe(true);
      expect((await c.call('GET', `/resellers/v1/packages/${D.pendingPackageId}`)).body.package.productInstances[0].status).toBe('PENDING');
    } finally {
      await auto.close();
    }
  });
});
