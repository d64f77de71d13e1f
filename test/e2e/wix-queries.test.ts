import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, WIX_DEMO, wixCalls, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.wixSandbox.clearRequests());

const PACKAGE = /* GraphQL */ `
  query ($id: ID!, $accountId: ID) {
    package(id: $id, accountId: $accountId) {
      id accountId externalId createdDate updatedDate
      productInstances {
        instanceId siteId isFloating catalogProductId status countryCode expirationDate discountCode
        referenceProductInstanceId createdDate updatedDate
        failure { code message }
        billingInfo { type cycleDuration { unit count } }
        package { id }
      }
    }
  }`;

describe('package(id)', () => {
  it('reads a package of the default account with one Get Package call', async () => {
    const res = await stack.gql(PACKAGE, { id: WIX_DEMO.packageId });
    expect(res.body.errors).toBeUndefined();
    const pkg = res.body.data.package;
    expect(pkg.id).toBe(WIX_DEMO.packageId);
    expect(pkg.accountId).toBe(WIX_DEMO.accountId);
    const instance = pkg.productInstances.find((i: any) => i.instanceId === WIX_DEMO.assignedInstanceId);
    expect(instance).toMatchObject({ siteId: WIX_DEMO.siteId, isFloating: false, status: 'ENABLED', package: { id: WIX_DEMO.packageId } });
    expect(instance.billingInfo.type).toMatch(/RECURRING|ONE_TIME/);
    expect(wixCalls(stack)).toEqual([`GET /resellers/v1/packages/${WIX_DEMO.packageId}`]);
    const sent = stack.wixSandbox.requests[0]!;
    expect(sent.headers.authorization).toBe(stack.wixSandbox.apiKey);
    expect(sent.headers['wix-account-id']).toBe(WIX_DEMO.accountId);
  });

  it('is null for an unknown id', async () => {
    const res = await stack.gql(PACKAGE, { id: WIX_DEMO.unknownPackageId });
    expect(res.body).toEqual({ data: { package: null } });
  });

  it("is null for another account's package (never shown across accounts)", async () => {
    const res = await stack.gql(PACKAGE, { id: WIX_DEMO.otherAccountPackageId });
    expect(res.body).toEqual({ data: { package: null } });
  });

  it('reads through an explicit accountId', async () => {
    const res = await stack.gql(PACKAGE, { id: WIX_DEMO.otherAccountPackageId, accountId: WIX_DEMO.otherAccountId });
    expect(res.body.data.package.accountId).toBe(WIX_DEMO.otherAccountId);
    expect(stack.wixSandbox.requests[0]!.headers['wix-account-id']).toBe(WIX_DEMO.otherAccountId);
  });

  it('shows a FAILED instance with its failure reason and a floating instance as floating', async () => {
    const failed = await stack.gql(PACKAGE, { id: WIX_DEMO.failedPackageId });
    const failedInstance = failed.body.data.package.productInstances[0];
    expect(failedInstance.status).toBe('FAILED');
    expect(failedInstance.failure.code).toBe('DELIVERY_TIMEOUT');
    const floating = await stack.gql(PACKAGE, { id: WIX_DEMO.floatingPackageId });
    expect(floating.body.data.package.productInstances[0]).toMatchObject({ isFloating: true, siteId: null });
  });

  it('rejects a malformed id and an unknown account before any upstream call', async () => {
    const bad = await stack.gql(PACKAGE, { id: 'not-a-guid' });
    expect(bad.body.data.package).toBeNull();
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const badAccount = await stack.gql(PACKAGE, { id: WIX_DEMO.packageId, accountId: '1; DROP TABLE' });
    expect(badAccount.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const both = await stack.gql(PACKAGE, { id: 'x', accountId: 'y' });
    expect(both.body.errors?.[0]?.extensions?.issues).toEqual([
      { path: ['accountId'], message: 'must be a GUID such as 3f2a9c4e-1b7d-4c2e-9a55-0d6e8f1b2c3d' },
      { path: ['id'], message: 'must be a GUID such as 3f2a9c4e-1b7d-4c2e-9a55-0d6e8f1b2c3d' },
    ]);
    expect(wixCalls(stack)).toEqual([]);
  });

  it('reads an upper-case GUID as the lower-case one Wix uses', async () => {
    const res = await stack.gql(PACKAGE, { id: WIX_DEMO.packageId.toUpperCase() });
    expect(res.body.data.package.id).toBe(WIX_DEMO.packageId);
  });

  it('reports an unknown account as NOT_FOUND', async () => {
    const res = await stack.gql(PACKAGE, { id: WIX_DEMO.packageId, accountId: WIX_DEMO.unknownAccountId });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(res.body.errors?.[0]?.message).toBe('Account was not found.');
  });
});

describe('productInstance(instanceId)', () => {
  const QUERY = /* GraphQL */ `
    query ($instanceId: ID!) {
      productInstance(instanceId: $instanceId) { instanceId status isFloating package { id accountId } }
    }`;

  it('finds the instance and its package with one Query Packages call', async () => {
    const res = await stack.gql(QUERY, { instanceId: WIX_DEMO.floatingInstanceId });
    expect(res.body.data.productInstance).toEqual({
      instanceId: WIX_DEMO.floatingInstanceId,
      status: 'ENABLED',
      isFloating: true,
      package: { id: WIX_DEMO.floatingPackageId, accountId: WIX_DEMO.accountId },
    });
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query']);
    const body = stack.wixSandbox.requests[0]!.body as any;
    expect(body.query.filter).toEqual({
      'productInstances.instanceId': { $hasSome: [WIX_DEMO.floatingInstanceId] },
      accountId: { $eq: WIX_DEMO.accountId },
    });
  });

  it('rejects a malformed instance id before any upstream call', async () => {
    const bad = await stack.gql(QUERY, { instanceId: '../packages' });
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: ['instanceId'] }] });
    expect(wixCalls(stack)).toEqual([]);
  });

  it("is null for an unknown instance and for another account's instance", async () => {
    expect((await stack.gql(QUERY, { instanceId: WIX_DEMO.unknownInstanceId })).body.data.productInstance).toBeNull();
    expect((await stack.gql(QUERY, { instanceId: WIX_DEMO.otherAccountInstanceId })).body.data.productInstance).toBeNull();
  });
});

describe('packages connection', () => {
  const LIST = /* GraphQL */ `
    query ($first: Int, $after: String, $filter: PackagesFilter, $accountId: ID) {
      packages(first: $first, after: $after, filter: $filter, accountId: $accountId) {
        edges { cursor node { id accountId createdDate externalId productInstances { status siteId catalogProductId } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;

  async function all(first: number, filter?: Record<string, unknown>) {
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res: any = await stack.gql(LIST, { first, after, filter });
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data.packages;
      ids.push(...conn.edges.map((e: any) => e.node.id));
      if (!conn.pageInfo.hasNextPage) return ids;
      after = conn.pageInfo.endCursor;
    }
    throw new Error('did not finish paging');
  }

  it("lists only the account's own packages, newest first", async () => {
    const res = await stack.gql(LIST, { first: 100 });
    const nodes = res.body.data.packages.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(WIX_DEMO.accountPackageCount);
    expect(nodes.every((n: any) => n.accountId === WIX_DEMO.accountId)).toBe(true);
    const dates = nodes.map((n: any) => n.createdDate);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(res.body.data.packages.pageInfo.hasNextPage).toBe(false);
    const body = stack.wixSandbox.requests[0]!.body as any;
    expect(body.query.filter.accountId).toEqual({ $eq: WIX_DEMO.accountId });
  });

  it.each([1, 2, 4, 7])('pages through everything with first=%i, without duplicates or gaps', async (first) => {
    const everything = await all(100);
    const paged = await all(first);
    expect(paged).toEqual(everything);
  });

  it('filters by status, site, catalog product, external id and creation date', async () => {
    const failed = await stack.gql(LIST, { first: 100, filter: { status: ['FAILED'] } });
    const failedNodes = failed.body.data.packages.edges.map((e: any) => e.node);
    expect(failedNodes.length).toBeGreaterThan(0);
    expect(failedNodes.every((n: any) => n.productInstances.some((i: any) => i.status === 'FAILED'))).toBe(true);

    const onSite = await stack.gql(LIST, { first: 100, filter: { siteId: WIX_DEMO.siteId } });
    const siteNodes = onSite.body.data.packages.edges.map((e: any) => e.node);
    expect(siteNodes.map((n: any) => n.id)).toContain(WIX_DEMO.packageId);
    expect(siteNodes.every((n: any) => n.productInstances.some((i: any) => i.siteId === WIX_DEMO.siteId))).toBe(true);

    const byProduct = await stack.gql(LIST, { first: 100, filter: { catalogProductId: WIX_DEMO.domainProductId } });
    const productNodes = byProduct.body.data.packages.edges.map((e: any) => e.node);
    expect(productNodes.length).toBeGreaterThan(0);
    expect(productNodes.every((n: any) => n.productInstances.some((i: any) => i.catalogProductId === WIX_DEMO.domainProductId))).toBe(true);

    const everything = (await stack.gql(LIST, { first: 100 })).body.data.packages.edges.map((e: any) => e.node);
    const withExternal = everything.find((n: any) => n.externalId);
    const byExternal = await stack.gql(LIST, { first: 100, filter: { externalId: withExternal.externalId } });
    expect(byExternal.body.data.packages.edges.map((e: any) => e.node.id)).toContain(withExternal.id);

    const dates = everything.map((n: any) => n.createdDate).sort();
    const middle = dates[Math.floor(dates.length / 2)];
    const after = await stack.gql(LIST, { first: 100, filter: { createdAfter: middle } });
    const before = await stack.gql(LIST, { first: 100, filter: { createdBefore: middle } });
    const afterDates = after.body.data.packages.edges.map((e: any) => e.node.createdDate);
    const beforeDates = before.body.data.packages.edges.map((e: any) => e.node.createdDate);
    expect(afterDates.every((d: string) => d >= middle)).toBe(true);
    expect(beforeDates.every((d: string) => d < middle)).toBe(true);
    expect(afterDates.length + beforeDates.length).toBe(everything.length);
  });

  it('pages a filtered list with cursors', async () => {
    const filter = { status: ['ENABLED'] };
    const everything = await all(100, filter);
    expect(await all(2, filter)).toEqual(everything);
  });

  it('rejects first above 100, a foreign cursor and a cursor of another filter without upstream calls', async () => {
    const tooMany = await stack.gql(LIST, { first: 101 });
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const garbage = await stack.gql(LIST, { first: 2, after: 'bm90IGEgY3Vyc29y' });
    expect(garbage.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    stack.wixSandbox.clearRequests();
    const page = await stack.gql(LIST, { first: 2 });
    const cursor = page.body.data.packages.pageInfo.endCursor;
    stack.wixSandbox.clearRequests();
    const otherFilter = await stack.gql(LIST, { first: 2, after: cursor, filter: { status: ['FAILED'] } });
    expect(otherFilter.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const otherAccount = await stack.gql(LIST, { first: 2, after: cursor, accountId: WIX_DEMO.otherAccountId });
    expect(otherAccount.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(wixCalls(stack)).toEqual([]);
  });
});
