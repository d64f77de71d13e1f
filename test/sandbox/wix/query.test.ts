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

const query = (q: unknown, accountId?: string) =>
  api.call('POST', '/resellers/v1/packages/query', { body: { query: q }, ...(accountId ? { accountId } : {}) });
const ids = (res: { body: any }): string[] => res.body.packages.map((p: any) => p.id);
const idsWhere = async (filter: unknown): Promise<string[]> => {
  const res = await query({ filter });
  expect(res.status).toBe(200);
  return ids(res).sort();
};
const family = () => sb.listPackages().filter((p) => p.parentAccountId === D.resellerAccountId);
const mine = () => family().filter((p) => p.accountId === D.accountId);

function expectViolation(res: { status: number; body: any }, field?: string): void {
  expect(res.status).toBe(400);
  expect(res.body.details.validationError.fieldViolations).toHaveLength(1);
  if (field) expect(res.body.details.validationError.fieldViolations[0].field).toBe(field);
}

describe('scope, defaults and response shape', () => {
  it('returns the whole reseller family, newest first, under `metadata`', async () => {
    const res = await query({});
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['metadata', 'packages']);
    expect(res.body.metadata).toEqual({ count: D.familyPackageCount, cursors: {} });
    const dates = res.body.packages.map((p: any) => p.createdDate);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(ids(res)).not.toContain(D.foreignPackageId);
    expect(ids(res)).toContain(D.otherAccountPackageId);
    expect(ids(res)).toContain(D.resellerPackageId);
  });

  it('gives the same scope whether the header carries the parent or a sub-account', async () => {
    const asSub = ids(await query({}));
    expect(ids(await query({}, D.resellerAccountId))).toEqual(asSub);
    expect(ids(await query({}, D.otherAccountId))).toEqual(asSub);
    expect(ids(await query({}, D.foreignResellerAccountId))).toEqual([D.foreignPackageId]);
  });

  it('query is required; {} is fine', async () => {
    expectViolation(await api.call('POST', '/resellers/v1/packages/query', { body: {} }), 'query');
    expectViolation(await api.call('POST', '/resellers/v1/packages/query', { body: { query: 'x' } }), 'query');
  });

  it('projects with fields ∪ fieldsets', async () => {
    const res = await query({ fields: ['id'], fieldsets: ['externalId'], filter: { id: D.packageId } });
    expect(res.body.packages).toEqual([{ id: D.packageId, externalId: 'sub-1001' }]);
  });
});

describe('filters', () => {
  it('accountId $eq narrows to one sub-account', async () => {
    expect(await idsWhere({ accountId: { $eq: D.accountId } })).toEqual(mine().map((p) => p.id).sort());
    expect(mine()).toHaveLength(D.accountPackageCount);
  });

  it('plain equality, $ne, $in, $exists', async () => {
    expect(await idsWhere({ externalId: 'sub-1001' })).toEqual([D.packageId]);
    expect(await idsWhere({ id: { $in: [D.packageId, D.failedPackageId, D.foreignPackageId] } })).toEqual([D.packageId, D.failedPackageId].sort());
    expect(await idsWhere({ accountId: { $ne: D.accountId } })).toEqual([D.otherAccountPackageId, D.resellerPackageId, family().find((p) => p.externalId === 'other-2002')!.id].sort());
    const noExternal = await idsWhere({ externalId: { $exists: false } });
    expect(noExternal).toHaveLength(2);
    expect(await idsWhere({ externalId: { $exists: true } })).toHaveLength(D.familyPackageCount - 2);
  });

  it('date operators (ISO strings or {$date})', async () => {
    const since = await idsWhere({ createdDate: { $gte: '2025-06-01T00:00:00.000Z' } });
    expect(since).toEqual([D.packageId, D.domainPackageId, D.pendingPackageId, D.awaitingPackageId].sort());
    expect(await idsWhere({ createdDate: { $gt: { $date: '2025-06-10T12:00:00.000Z' } } })).toEqual([D.awaitingPackageId]);
    expect(await idsWhere({ createdDate: { $eq: '2025-06-02T09:15:00Z' } })).toEqual([D.packageId]);
    expect(await idsWhere({ updatedDate: { $lt: '2024-11-01T00:00:00.000Z', $gte: '2024-10-01T00:00:00.000Z' } })).toHaveLength(2);
    expect((await idsWhere({ createdDate: { $ne: '2025-06-02T09:15:00.000Z' } })).length).toBe(D.familyPackageCount - 1);
  });

  it('productInstances.<sub> with $hasSome / $hasAll', async () => {
    expect(await idsWhere({ 'productInstances.status': { $hasSome: ['FAILED'] } })).toHaveLength(2);
    expect(await idsWhere({ 'productInstances.status': { $hasSome: ['AWAITING_ACTION', 'PENDING'] } })).toEqual([D.pendingPackageId, D.awaitingPackageId].sort());
    const mixed = await idsWhere({ 'productInstances.status': { $hasAll: ['CANCELED', 'ENABLED'] } });
    expect(mixed).toEqual([family().find((p) => p.externalId === 'legacy-42')!.id]);
    expect(await idsWhere({ 'productInstances.failure.code': { $hasSome: ['DELIVERY_TIMEOUT'] } })).toEqual([D.failedPackageId]);
    expect(await idsWhere({ 'productInstances.billingInfo.cycleDuration': { $hasSome: [{ unit: 'YEAR', count: 1 }] }, accountId: D.otherAccountId })).toEqual([D.otherAccountPackageId]);
    expect(await idsWhere({ 'productInstances.createdDate': { $hasSome: ['2025-06-02T09:15:00.000Z'] } })).toEqual([D.packageId]);
    expect(await idsWhere({ productInstances: { $hasSome: [{ status: 'ENABLED', siteId: D.otherAccountSiteId }] } })).toEqual([D.otherAccountPackageId]);
  });

  it('two $hasSome conditions may be met by different instances', async () => {
    const created = await api.call('POST', '/resellers/v2/packages', {
      body: { products: [1, 2].map((n) => ({ catalogProductId: D.mailboxProductId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } }, countryCode: 'US', ...(n === 2 ? { siteId: D.secondSiteId } : {}) })) },
    });
    const pkg = created.body.package;
    sb.setInstanceStatus(pkg.productInstances[0].instanceId, 'ENABLED'); // floating, ENABLED
    // the instance on secondSiteId stays PENDING
    const hit = await idsWhere({ 'productInstances.status': { $hasSome: ['ENABLED'] }, 'productInstances.siteId': { $hasSome: [D.secondSiteId] } });
    expect(hit).toEqual([pkg.id]);
  });

  it('$and, $or, $not', async () => {
    expect(await idsWhere({ $or: [{ id: D.packageId }, { externalId: 'sub-1004' }] })).toEqual([D.packageId, D.failedPackageId].sort());
    expect(await idsWhere({ $and: [{ accountId: D.accountId }, { externalId: { $in: ['sub-1001', 'other-2001'] } }] })).toEqual([D.packageId]);
    expect(await idsWhere({ $not: { accountId: D.accountId } })).toHaveLength(D.familyPackageCount - D.accountPackageCount);
  });

  it.each([
    ['an unsupported field', { status: 'ENABLED' }],
    ['an unsupported sub-field', { 'productInstances.discountCode': { $hasSome: ['X'] } }],
    ['an unsupported operator', { externalId: { $startsWith: 'sub' } }],
    ['$gt on a scalar field', { id: { $gt: 'a' } }],
    ['$hasSome on a scalar field', { accountId: { $hasSome: [D.accountId] } }],
    ['$eq on productInstances', { 'productInstances.status': 'ENABLED' }],
    ['$in with a non-array', { id: { $in: D.packageId } }],
    ['$exists with a non-boolean', { externalId: { $exists: 'yes' } }],
    ['a bad date', { createdDate: { $gt: 'yesterday' } }],
    ['an unknown logical operator', { $nor: [{ id: D.packageId }] }],
    ['$or with a non-array', { $or: { id: D.packageId } }],
    ['a non-object filter', ['x']],
  ])('%s → 400', async (_l, filter) => {
    expectViolation(await query({ filter }));
  });
});

describe('sorting', () => {
  it('sorts by createdDate ASC and updatedDate DESC; order defaults to ASC', async () => {
    const asc = await query({ sort: [{ fieldName: 'createdDate' }] });
    const dates = asc.body.packages.map((p: any) => p.createdDate);
    expect(dates).toEqual([...dates].sort());
    const upd = await query({ sort: [{ fieldName: 'updatedDate', order: 'DESC' }] });
    const u = upd.body.packages.map((p: any) => p.updatedDate);
    expect(u).toEqual([...u].sort().reverse());
  });

  it.each([
    [[{ fieldName: 'id' }]],
    [[{ fieldName: 'createdDate', order: 'UP' }]],
    [{ fieldName: 'createdDate' }],
  ])('rejects sort %j', async (sort) => {
    expectViolation(await query({ sort }));
  });
});

describe('cursor paging', () => {
  it('walks every page with no duplicates or omissions, and back with prev', async () => {
    const all = ids(await query({}));
    const pages: string[][] = [];
    const cursors: string[] = [];
    let res = await query({ cursorPaging: { limit: 4 } });
    for (;;) {
      expect(res.status).toBe(200);
      expect(res.body.metadata.count).toBe(res.body.packages.length);
      pages.push(ids(res));
      const next = res.body.metadata.cursors.next;
      if (!next) break;
      cursors.push(next);
      res = await query({ cursorPaging: { cursor: next, limit: 4 } });
    }
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 2]);
    expect(pages.flat()).toEqual(all);
    expect(res.body.metadata.cursors.prev).toEqual(expect.any(String));
    const back = await query({ cursorPaging: { cursor: res.body.metadata.cursors.prev, limit: 4 } });
    expect(ids(back)).toEqual(pages[3]);
    expect((await query({ cursorPaging: { limit: 4 } })).body.metadata.cursors.prev).toBeUndefined();
  });

  it('keeps the original filter and sort inside the cursor; the limit may change', async () => {
    const first = await query({ filter: { accountId: D.accountId }, sort: [{ fieldName: 'createdDate', order: 'ASC' }], cursorPaging: { limit: 5 } });
    const second = await query({ cursorPaging: { cursor: first.body.metadata.cursors.next, limit: 100 } });
    const got = [...ids(first), ...ids(second)];
    const expected = mine().sort((a, b) => a.createdDate.localeCompare(b.createdDate)).map((p) => p.id);
    expect(got).toEqual(expected);
    expect(second.body.metadata.cursors.next).toBeUndefined();
  });

  it('is stable when a package is created between pages', async () => {
    const first = await query({ cursorPaging: { limit: 5 } });
    await api.call('POST', '/resellers/v2/packages', { body: { products: [{ catalogProductId: D.oneTimeProductId, countryCode: 'US' }] } });
    const rest = await query({ cursorPaging: { cursor: first.body.metadata.cursors.next } });
    const seen = [...ids(first), ...ids(rest)];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(D.familyPackageCount);
  });

  it('a cursor sent with a filter or a sort → 400 invalid cursor; a forged cursor → 400', async () => {
    const next = (await query({ cursorPaging: { limit: 2 } })).body.metadata.cursors.next;
    for (const extra of [{ filter: { id: D.packageId } }, { sort: [{ fieldName: 'createdDate' }] }]) {
      const res = await query({ ...extra, cursorPaging: { cursor: next } });
      expectViolation(res, 'query.cursorPaging.cursor');
      expect(res.body.message).toContain('invalid cursor');
    }
    const tampered = `${next.slice(0, -3)}abc`;
    expectViolation(await query({ cursorPaging: { cursor: tampered } }), 'query.cursorPaging.cursor');
    expectViolation(await query({ cursorPaging: { cursor: 'garbage' } }), 'query.cursorPaging.cursor');
  });

  it('limit: default 100, max 100, no negatives', async () => {
    expect((await query({ cursorPaging: { limit: 100 } })).status).toBe(200);
    const over = await query({ cursorPaging: { limit: 101 } });
    expectViolation(over, 'query.cursorPaging.limit');
    expect(over.body.details.validationError.fieldViolations[0]).toMatchObject({ violatedRule: 'MAX', data: { threshold: 100 } });
    expectViolation(await query({ cursorPaging: { limit: -1 } }), 'query.cursorPaging.limit');
    expectViolation(await query({ cursorPaging: { limit: 2.5 } }), 'query.cursorPaging.limit');
  });
});

describe('offset paging', () => {
  it('returns offset and total, never cursors', async () => {
    const all = ids(await query({}));
    const res = await query({ paging: { limit: 5, offset: 10 } });
    expect(res.body.metadata).toEqual({ count: 5, offset: 10, total: D.familyPackageCount });
    expect(ids(res)).toEqual(all.slice(10, 15));
    const end = await query({ paging: { offset: 100 } });
    expect(end.body.metadata).toEqual({ count: 0, offset: 100, total: D.familyPackageCount });
  });

  it('applies filters; rejects bad limits/offsets and paging together with cursorPaging', async () => {
    const res = await query({ filter: { accountId: D.otherAccountId }, paging: { limit: 1 } });
    expect(res.body.metadata).toEqual({ count: 1, offset: 0, total: 2 });
    expectViolation(await query({ paging: { limit: 101 } }), 'query.paging.limit');
    expectViolation(await query({ paging: { offset: -5 } }), 'query.paging.offset');
    expectViolation(await query({ paging: { limit: 1 }, cursorPaging: { limit: 1 } }), 'query');
  });
});
