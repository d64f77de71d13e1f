import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHUNKED_LOOKUPS, expectChunkedCalls, startStack, unknownIds, WIX_DEMO, wixCalls, type Stack } from '../support/stack.js';

const LOOKUP = `query Rows($ids: [ID!]!, $accountId: ID) {
  packagesById(ids: $ids, accountId: $accountId) { id productInstances { instanceId } }
}`;

const GUID_MESSAGE = 'must be a GUID such as 3f2a9c4e-1b7d-4c2e-9a55-0d6e8f1b2c3d';

describe('packagesById with the default limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.wixSandbox.reset());

  it('answers in the order asked, repeats included, null for unknown ids and other accounts, in one Query Packages', async () => {
    const ids = [WIX_DEMO.mailboxPackageId, WIX_DEMO.unknownPackageId, WIX_DEMO.packageId, WIX_DEMO.otherAccountPackageId, WIX_DEMO.mailboxPackageId];
    const res = await stack.gql(LOOKUP, { ids });
    expect(res.body.errors).toBeUndefined();
    const rows = res.body.data.packagesById as ({ id: string; productInstances: unknown[] } | null)[];
    expect(rows.map((row) => row?.id ?? null)).toEqual([WIX_DEMO.mailboxPackageId, null, WIX_DEMO.packageId, null, WIX_DEMO.mailboxPackageId]);
    expect(rows[0]!.productInstances).toHaveLength(2);
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query']);
    const filter = (stack.wixSandbox.requests[0]!.body as any).query.filter;
    expect(filter.id.$in).toEqual([WIX_DEMO.mailboxPackageId, WIX_DEMO.unknownPackageId, WIX_DEMO.packageId, WIX_DEMO.otherAccountPackageId]);
    expect(filter.accountId).toEqual({ $eq: WIX_DEMO.accountId });
  });

  it('shares the request loader with package(id): one upstream call for both', async () => {
    const res = await stack.gql(`query {
      a: packagesById(ids: ["${WIX_DEMO.packageId}", "${WIX_DEMO.mailboxPackageId}"]) { id }
      b: package(id: "${WIX_DEMO.domainPackageId}") { id }
    }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ a: [{ id: WIX_DEMO.packageId }, { id: WIX_DEMO.mailboxPackageId }], b: { id: WIX_DEMO.domainPackageId } });
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query']);
  });

  it('one id is a Get Package; no ids is an empty list and no call', async () => {
    const one = await stack.gql(LOOKUP, { ids: [WIX_DEMO.packageId.toUpperCase()] });
    expect(one.body.data.packagesById).toEqual([{ id: WIX_DEMO.packageId, productInstances: expect.any(Array) }]);
    expect(wixCalls(stack)).toEqual([`GET /resellers/v1/packages/${WIX_DEMO.packageId}`]);
    stack.wixSandbox.clearRequests();
    const none = await stack.gql(LOOKUP, { ids: [] });
    expect(none.body).toEqual({ data: { packagesById: [] } });
    expect(wixCalls(stack)).toEqual([]);
  });

  it('reports every malformed id by its index, and makes no upstream call', async () => {
    const res = await stack.gql(LOOKUP, { ids: [WIX_DEMO.packageId, 'not-a-guid', 42, '../packages'] });
    expect(res.body.data).toEqual({ packagesById: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]!.extensions).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [
        { path: ['ids', '1'], message: GUID_MESSAGE },
        { path: ['ids', '2'], message: GUID_MESSAGE },
        { path: ['ids', '3'], message: GUID_MESSAGE },
      ],
    });
    const badAccount = await stack.gql(LOOKUP, { ids: [WIX_DEMO.packageId], accountId: 'x' });
    expect(badAccount.body.errors![0]!.extensions).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: ['accountId'] }] });
    expect(wixCalls(stack)).toEqual([]);
  });

  it('refuses more ids than the limit (100 by default) before any upstream call', async () => {
    const ok = await stack.gql(LOOKUP, { ids: unknownIds(100) });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.packagesById).toHaveLength(100);
    stack.wixSandbox.clearRequests();
    const res = await stack.gql(LOOKUP, { ids: unknownIds(101) });
    expect(res.body.data).toEqual({ packagesById: null });
    expect(res.body.errors![0]!.extensions).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: ['ids'], message: 'must name at most 100 ids; it names 101' }],
    });
    expect(wixCalls(stack)).toEqual([]);
  });

  it('counts the ids of every list look-up of a request against one limit, aliases included', async () => {
    const doc = `query Two($a: [ID!]!, $b: [ID!]!) {
      first: packagesById(ids: $a) { id }
      second: packagesById(ids: $b) { id }
    }`;
    const res = await stack.gql(doc, { a: unknownIds(60), b: unknownIds(60) });
    // The first look-up was within the limit and keeps its answer (60 unknown ids).
    expect(res.body.data).toEqual({ first: Array(60).fill(null), second: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]!.path).toEqual(['second']);
    expect(res.body.errors![0]!.extensions).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: ['ids'], message: 'names 60 ids, and the list look-ups of one request may name 100 in all: 40 are left' }],
    });
    const mixed = await stack.gql(`query Mixed($a: [ID!]!, $b: [ID!]!) {
      packagesById(ids: $a) { id }
      productInstancesById(instanceIds: $b) { instanceId }
    }`, { a: unknownIds(50), b: [WIX_DEMO.assignedInstanceId, ...unknownIds(50)] });
    expect(mixed.body.errors?.[0]?.path).toEqual(['productInstancesById']);
    const within = await stack.gql(doc, { a: unknownIds(60), b: unknownIds(40) });
    expect(within.body.errors).toBeUndefined();
  });

  it("checks the caller's account: a viewer bound elsewhere is denied, with no upstream call", async () => {
    const res = await stack.as('otherAdmin')(LOOKUP, { ids: [WIX_DEMO.packageId] });
    expect(res.body.data).toEqual({ packagesById: null });
    expect(res.body.errors![0]!.extensions?.code).toBe('PERMISSION_DENIED');
    const viewer = await stack.as('viewer')(LOOKUP, { ids: [WIX_DEMO.packageId], accountId: WIX_DEMO.otherAccountId });
    expect(viewer.body.errors![0]!.extensions?.code).toBe('PERMISSION_DENIED');
    expect(wixCalls(stack)).toEqual([]);
    const allowed = await stack.as('viewer')(LOOKUP, { ids: [WIX_DEMO.packageId] });
    expect(allowed.body.data.packagesById).toEqual([{ id: WIX_DEMO.packageId, productInstances: expect.any(Array) }]);
  });
});

describe('packagesById with a raised limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ limits: { maxLookupIds: 1000 } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.wixSandbox.reset());

  it.each(CHUNKED_LOOKUPS)('%i distinct ids take %i upstream calls (chunks of 100)', async (n, calls) => {
    const res = await stack.gql(LOOKUP, { ids: unknownIds(n) });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.packagesById).toEqual(Array.from({ length: n }, () => null));
    expectChunkedCalls(stack, n, calls);
  });

  it('a failed batch leaves an error at each of its indexes; the other batch still answers', async () => {
    const ids = [WIX_DEMO.packageId, ...unknownIds(199)];
    // The second chunk (ids 100-199) holds unknownIds' 99th onwards.
    stack.wixSandbox.faults.add({ method: 'POST', bodyIncludes: unknownIds(150)[149]!, fault: { kind: 'malformed' } });
    const res = await stack.gql(LOOKUP, { ids });
    const rows = res.body.data.packagesById as ({ id: string } | null)[];
    expect(rows).toHaveLength(200);
    expect(rows[0]).toMatchObject({ id: WIX_DEMO.packageId });
    expect(rows.slice(100).every((row) => row === null)).toBe(true);
    const errors = res.body.errors!;
    expect(errors).toHaveLength(100);
    expect(errors.map((e) => e.path)).toEqual(Array.from({ length: 100 }, (_, k) => ['packagesById', 100 + k]));
    expect(new Set(errors.map((e) => e.extensions?.code))).toEqual(new Set(['UPSTREAM_BAD_RESPONSE']));
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query', 'POST /resellers/v1/packages/query']);
  });

  it('a response of several hundred KB (1000 failed rows) arrives whole, its Content-Length its bytes', async () => {
    stack.wixSandbox.faults.add({ method: 'POST', fault: { kind: 'malformed' } });
    const res = await stack.gql(LOOKUP, { ids: unknownIds(1000) });
    expect(res.text.length).toBeGreaterThan(128 * 1024);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
    expect(res.body.data.packagesById).toEqual(Array.from({ length: 1000 }, () => null));
    expect(res.body.errors!.map((e) => e.path)).toEqual(Array.from({ length: 1000 }, (_, k) => ['packagesById', k]));
    expect(new Set(res.body.errors!.map((e) => e.extensions?.code))).toEqual(new Set(['UPSTREAM_BAD_RESPONSE']));
  });
});
