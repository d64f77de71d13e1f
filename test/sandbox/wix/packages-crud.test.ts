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

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const YEARLY = { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } };
const MONTHLY = { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } };

const premium = (over: Record<string, unknown> = {}) => ({ catalogProductId: D.premiumPlanProductId, billingInfo: YEARLY, countryCode: 'US', ...over });
const mailbox = (over: Record<string, unknown> = {}) => ({ catalogProductId: D.mailboxProductId, billingInfo: MONTHLY, countryCode: 'US', ...over });
const createV2 = (body: unknown, accountId?: string) => api.call('POST', '/resellers/v2/packages', { body, ...(accountId ? { accountId } : {}) });

function expectAppError(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ message: expect.any(String), details: { applicationError: { code, description: expect.any(String), data: expect.any(Object) } } });
}

function violations(res: { status: number; body: any }): { field: string; violatedRule: string }[] {
  expect(res.status).toBe(400);
  expect(Object.keys(res.body.details)).toEqual(['validationError']);
  return res.body.details.validationError.fieldViolations.map((v: any) => {
    expect(Object.keys(v).sort()).toEqual(['data', 'description', 'field', 'ruleName', 'violatedRule']);
    return { field: v.field, violatedRule: v.violatedRule };
  });
}

describe('Get Package', () => {
  it('returns the package in camelCase with billingInfo and parentAccountId', async () => {
    const res = await api.call('GET', `/resellers/v1/packages/${D.packageId}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      package: {
        id: D.packageId,
        accountId: D.accountId,
        parentAccountId: D.resellerAccountId,
        externalId: 'sub-1001',
        createdDate: '2025-06-02T09:15:00.000Z',
        updatedDate: '2025-06-02T09:21:00.000Z',
        productInstances: [
          {
            instanceId: D.assignedInstanceId,
            siteId: D.siteId,
            catalogProductId: D.premiumPlanProductId,
            status: 'ENABLED',
            billingInfo: YEARLY,
            countryCode: 'US',
            createdDate: '2025-06-02T09:15:00.000Z',
            updatedDate: '2025-06-02T09:21:00.000Z',
          },
        ],
      },
    });
  });

  it('shows failure only on FAILED instances', async () => {
    const res = await api.call('GET', `/resellers/v1/packages/${D.failedPackageId}`);
    expect(res.body.package.productInstances[0]).toMatchObject({ status: 'FAILED', failure: { code: 'DELIVERY_TIMEOUT', message: expect.any(String) } });
    expect(res.body.package.productInstances[0].siteId).toBeUndefined();
  });

  it('unknown package → 404', async () => {
    expectAppError(await api.call('GET', `/resellers/v1/packages/${D.unknownPackageId}`), 404, 'PACKAGE_NOT_FOUND');
  });

  it('accepts an uppercase GUID', async () => {
    const res = await api.call('GET', `/resellers/v1/packages/${D.packageId.toUpperCase()}`);
    expect(res.status).toBe(200);
  });
});

describe('Create Package V2', () => {
  it('creates PENDING instances, echoes the idempotencyKey, and the package is then readable', async () => {
    const res = await createV2({ idempotencyKey: 'create-1', externalId: 'sub-9', products: [premium({ siteId: D.secondSiteId, discountCode: 'WELCOME' }), mailbox()] });
    expect(res.status).toBe(200);
    expect(res.body.idempotencyKey).toBe('create-1');
    const pkg = res.body.package;
    expect(pkg).toMatchObject({ accountId: D.accountId, parentAccountId: D.resellerAccountId, externalId: 'sub-9' });
    expect(pkg.id).toMatch(UUID);
    expect(pkg.createdDate).toMatch(ISO);
    expect(pkg.productInstances).toHaveLength(2);
    expect(pkg.productInstances[0]).toMatchObject({ siteId: D.secondSiteId, status: 'PENDING', billingInfo: YEARLY, countryCode: 'US', discountCode: 'WELCOME' });
    expect(pkg.productInstances[1].siteId).toBeUndefined(); // floating
    expect(pkg.productInstances[1].instanceId).toMatch(UUID);
    const get = await api.call('GET', `/resellers/v1/packages/${pkg.id}`);
    expect(get.body.package).toEqual(pkg);
  });

  it('omits idempotencyKey when none was sent; accepts snake_case field names', async () => {
    const res = await createV2({ external_id: 'snake', products: [{ catalog_product_id: D.mailboxProductId, billing_info: MONTHLY, country_code: 'FR' }] });
    expect(res.status).toBe(200);
    expect('idempotencyKey' in res.body).toBe(false);
    expect(res.body.package.externalId).toBe('snake');
    expect(res.body.package.productInstances[0].countryCode).toBe('FR');
  });

  it('uses the only cycle of a single-cycle product; sets expirationDate on non-renewing products', async () => {
    const res = await createV2({ products: [{ catalogProductId: D.premiumPlanOneCycleProductId, countryCode: 'US' }] });
    expect(res.body.package.productInstances[0].billingInfo).toEqual(YEARLY);
    const domain = await createV2({ products: [{ catalogProductId: D.domainProductId, countryCode: 'US' }] });
    const i = domain.body.package.productInstances[0];
    expect(new Date(i.expirationDate).getUTCFullYear()).toBe(new Date(i.createdDate).getUTCFullYear() + 1);
  });

  it('a package created under the reseller parent is owned by the parent', async () => {
    const res = await createV2({ products: [mailbox()] }, D.resellerAccountId);
    expect(res.body.package).toMatchObject({ accountId: D.resellerAccountId, parentAccountId: D.resellerAccountId });
  });

  it('validates the body, reporting every violation at once', async () => {
    const res = await createV2({
      idempotencyKey: 'k'.repeat(101),
      externalId: 'e'.repeat(101),
      products: [
        { catalogProductId: 'not-a-guid', countryCode: 'US' },
        { catalogProductId: D.mailboxProductId, billingInfo: MONTHLY, discountCode: 'd'.repeat(26), countryCode: 'usa' },
        { catalogProductId: D.mailboxProductId, billingInfo: { type: 'WEEKLY' } },
      ],
    });
    expect(violations(res)).toEqual([
      { field: 'idempotencyKey', violatedRule: 'MAX_LENGTH' },
      { field: 'externalId', violatedRule: 'MAX_LENGTH' },
      { field: 'products[0].catalogProductId', violatedRule: 'FORMAT' },
      { field: 'products[1].countryCode', violatedRule: 'FORMAT' },
      { field: 'products[1].discountCode', violatedRule: 'MAX_LENGTH' },
      { field: 'products[2].billingInfo.type', violatedRule: 'FORMAT' },
      { field: 'products[2].countryCode', violatedRule: 'REQUIRED_FIELD' },
    ]);
    expect(res.body.details.validationError.fieldViolations[1].data).toEqual({ threshold: 100 });
  });

  it.each([
    ['missing', {}, 'REQUIRED_FIELD'],
    ['empty', { products: [] }, 'MIN_SIZE'],
    ['over 1000', { products: Array.from({ length: 1001 }, () => mailbox()) }, 'MAX_SIZE'],
    ['not an array', { products: 'x' }, 'FORMAT'],
  ])('products %s → 400', async (_l, body, rule) => {
    expect(violations(await createV2(body))).toEqual([{ field: 'products', violatedRule: rule }]);
  });

  it('accepts exactly 1000 products and limits at 100 characters', async () => {
    const res = await createV2({ idempotencyKey: 'k'.repeat(100), externalId: 'e'.repeat(100), products: Array.from({ length: 1000 }, () => mailbox({ discountCode: 'd'.repeat(25) })) });
    expect(res.status).toBe(200);
    expect(res.body.package.productInstances).toHaveLength(1000);
  });

  it('V2 requires countryCode; V1 does not', async () => {
    const body = { products: [{ catalogProductId: D.mailboxProductId, billingInfo: MONTHLY }] };
    expect(violations(await createV2(body))).toEqual([{ field: 'products[0].countryCode', violatedRule: 'REQUIRED_FIELD' }]);
    const v1 = await api.call('POST', '/resellers/v1/packages', { body });
    expect(v1.status).toBe(200);
    expect(v1.body.package.productInstances[0].countryCode).toBeUndefined();
  });

  it.each([
    ['unknown product', [premium({ catalogProductId: D.unknownProductId })], 404, 'PRODUCT_NOT_FOUND'],
    ['product not resellable', [{ catalogProductId: D.unresellableProductId, countryCode: 'US' }], 428, 'PRODUCT_SETTINGS_NOT_FOUND'],
    ['multi-cycle product without a cycle', [{ catalogProductId: D.premiumPlanProductId, countryCode: 'US' }], 428, 'MISSING_BILLING_CYCLE'],
    ['RECURRING without a duration on a multi-cycle product', [premium({ billingInfo: { type: 'RECURRING' } })], 428, 'MISSING_BILLING_CYCLE'],
    ['unsupported cycle', [premium({ billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'WEEK', count: 1 } } })], 428, 'INCOMPATIBLE_BILLING_CYCLE'],
    ['UNKNOWN cycle type', [premium({ billingInfo: { type: 'UNKNOWN' } })], 428, 'INVALID_BILLING_CYCLE'],
    ['unknown site', [premium({ siteId: D.unknownSiteId })], 404, 'SITE_NOT_FOUND'],
    ['a second premium plan on a site', [premium({ siteId: D.siteId })], 428, 'PRODUCT_TYPE_ALREADY_ASSIGNED'],
    ['a domain on a site without a premium plan', [{ catalogProductId: D.domainProductId, siteId: D.secondSiteId, countryCode: 'US' }], 428, 'PRODUCT_NOT_SUPPORTED_ON_SITE'],
    ['a domain and its premium plan in one request', [premium({ siteId: D.secondSiteId }), { catalogProductId: D.domainProductId, siteId: D.secondSiteId, countryCode: 'US' }], 428, 'PRODUCT_NOT_SUPPORTED_ON_SITE'],
    ['the same product twice on one site', [mailbox({ siteId: D.secondSiteId }), mailbox({ siteId: D.secondSiteId })], 428, 'MULTIPLE_PRODUCT_ASSIGNMENTS'],
    ['two premium plans on one site', [premium({ siteId: D.secondSiteId }), premium({ siteId: D.secondSiteId, catalogProductId: D.premiumBusinessProductId })], 428, 'MULTIPLE_PRODUCT_ASSIGNMENTS'],
    ['a reference already used', [mailbox({ referenceProductInstanceId: D.assignedInstanceId })], 404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID'],
    ['a FAILED reference', [mailbox({ referenceProductInstanceId: D.failedInstanceId })], 404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID'],
    ['an AWAITING_ACTION reference', [mailbox({ referenceProductInstanceId: D.awaitingInstanceId })], 404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID'],
    ['another account\'s reference', [mailbox({ referenceProductInstanceId: D.otherAccountInstanceId })], 404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID'],
    ['an unknown reference', [mailbox({ referenceProductInstanceId: D.unknownInstanceId })], 404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID'],
    ['one reference twice in a request', [mailbox({ referenceProductInstanceId: D.floatingInstanceId }), mailbox({ referenceProductInstanceId: D.floatingInstanceId })], 404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID'],
  ])('%s → %i %s, and nothing is created', async (_l, products, status, code) => {
    const before = sb.listPackages().length;
    expectAppError(await createV2({ products }), status, code);
    expect(sb.listPackages()).toHaveLength(before);
  });

  it('SITE_NOT_FOUND for another account\'s site names both accounts (as Wix does)', async () => {
    const res = await createV2({ products: [premium({ siteId: D.otherAccountSiteId })] });
    expectAppError(res, 404, 'SITE_NOT_FOUND');
    expect(res.body.message).toContain(D.accountId);
    expect(res.body.message).toContain(D.otherAccountId);
  });

  it('a reference instance (PENDING or ENABLED) is usable once', async () => {
    const first = await createV2({ products: [mailbox({ referenceProductInstanceId: D.floatingInstanceId })] });
    expect(first.status).toBe(200);
    expect(first.body.package.productInstances[0].referenceProductInstanceId).toBe(D.floatingInstanceId);
    expectAppError(await createV2({ products: [mailbox({ referenceProductInstanceId: D.floatingInstanceId })] }), 404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID');
    expect((await createV2({ products: [mailbox({ referenceProductInstanceId: D.pendingInstanceId })] })).status).toBe(200);
  });

  it('a domain is allowed on a site with a PENDING premium plan', async () => {
    const p = await createV2({ products: [premium({ siteId: D.secondSiteId })] });
    expect(p.body.package.productInstances[0].status).toBe('PENDING');
    const d = await createV2({ products: [{ catalogProductId: D.domainProductId, siteId: D.secondSiteId, countryCode: 'US' }] });
    expect(d.status).toBe(200);
  });
});

describe('Cancel Package', () => {
  it('cancels every instance, bumps updatedDate, and echoes a query-string idempotencyKey (SDK style)', async () => {
    const res = await api.call('DELETE', `/resellers/v1/packages/${D.mailboxPackageId}`, { query: { id: D.mailboxPackageId, idempotencyKey: 'cancel-q' } });
    expect(res.status).toBe(200);
    expect(res.body.idempotencyKey).toBe('cancel-q');
    expect(res.body.package.productInstances.map((i: any) => i.status)).toEqual(['CANCELED', 'CANCELED']);
    expect(res.body.package.updatedDate > '2025-06-01').toBe(true);
    expect(res.body.package.productInstances[0].updatedDate).toBe(res.body.package.updatedDate);
  });

  it('takes the idempotencyKey from a JSON body too', async () => {
    const res = await api.call('DELETE', `/resellers/v1/packages/${D.packageId}`, { body: { idempotencyKey: 'cancel-b' } });
    expect(res.body.idempotencyKey).toBe('cancel-b');
  });

  it('drops the failure of a FAILED instance when canceling it', async () => {
    const res = await api.call('DELETE', `/resellers/v1/packages/${D.failedPackageId}`);
    expect(res.body.package.productInstances[0].status).toBe('CANCELED');
    expect(res.body.package.productInstances[0].failure).toBeUndefined();
  });

  it('canceling an already-canceled package succeeds and changes nothing (idempotent)', async () => {
    const first = await api.call('DELETE', `/resellers/v1/packages/${D.packageId}`);
    const second = await api.call('DELETE', `/resellers/v1/packages/${D.packageId}`);
    expect(second.status).toBe(200);
    expect(second.body.package).toEqual(first.body.package);
  });

  it('unknown package → 404; idempotencyKey over 100 → 400', async () => {
    expectAppError(await api.call('DELETE', `/resellers/v1/packages/${D.unknownPackageId}`), 404, 'PACKAGE_NOT_FOUND');
    expect(violations(await api.call('DELETE', `/resellers/v1/packages/${D.packageId}`, { query: { idempotencyKey: 'k'.repeat(101) } }))).toEqual([
      { field: 'idempotencyKey', violatedRule: 'MAX_LENGTH' },
    ]);
  });
});

describe('Update Package External Id', () => {
  it('answers { updatedPackage } with the URL-decoded value', async () => {
    const value = 'crm/42 ü?&';
    const res = await api.call('PATCH', `/resellers/v1/packages/update/${D.packageId}/${encodeURIComponent(value)}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['updatedPackage']);
    expect(res.body.updatedPackage.externalId).toBe(value);
    expect(res.body.updatedPackage.updatedDate > '2025-06-02T09:21:00.000Z').toBe(true);
  });

  it('tolerates a body repeating the path fields', async () => {
    const res = await api.call('PATCH', `/resellers/v1/packages/update/${D.packageId}/abc`, { body: { packageId: D.packageId, externalId: 'abc' } });
    expect(res.body.updatedPackage.externalId).toBe('abc');
  });

  it('over 100 characters → 400; unknown package → 404', async () => {
    expect(violations(await api.call('PATCH', `/resellers/v1/packages/update/${D.packageId}/${'x'.repeat(101)}`))).toEqual([
      { field: 'externalId', violatedRule: 'MAX_LENGTH' },
    ]);
    expectAppError(await api.call('PATCH', `/resellers/v1/packages/update/${D.unknownPackageId}/x`), 404, 'PACKAGE_NOT_FOUND');
  });
});

describe('idempotency keys', () => {
  it('are not deduplicated by default: two creates with one key make two packages', async () => {
    const a = await createV2({ idempotencyKey: 'same', products: [mailbox()] });
    const b = await createV2({ idempotencyKey: 'same', products: [mailbox()] });
    expect(a.body.package.id).not.toBe(b.body.package.id);
  });

  it('dedupeIdempotencyKeys replays the first answer and rejects a different request with the same key', async () => {
    const dd = await startWixSandbox({ dedupeIdempotencyKeys: true });
    try {
      const c = new WixSandboxClient(dd.url, dd.apiKey);
      const body = { idempotencyKey: 'same', products: [mailbox()] };
      const a = await c.call('POST', '/resellers/v2/packages', { body });
      const b = await c.call('POST', '/resellers/v2/packages', { body });
      expect(b.status).toBe(200);
      expect(b.body).toEqual(a.body);
      expect(dd.listPackages().filter((p) => p.id === a.body.package.id)).toHaveLength(1);
      const other = await c.call('POST', '/resellers/v2/packages', { body: { ...body, externalId: 'different' } });
      expectAppError(other, 409, 'ALREADY_EXISTS');
      // The key of a failed write is not burnt.
      const failed = await c.call('DELETE', `/resellers/v1/packages/${D.unknownPackageId}`, { query: { idempotencyKey: 'k2' } });
      expect(failed.status).toBe(404);
      const ok = await c.call('DELETE', `/resellers/v1/packages/${D.packageId}`, { query: { idempotencyKey: 'k2' } });
      expect(ok.status).toBe(200);
    } finally {
      await dd.close();
    }
  });
});
