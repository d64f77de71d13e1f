import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHUNKED_LOOKUPS, expectChunkedCalls, startStack, unknownIds, WIX_DEMO, wixCalls, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  // Batching is exercised past the default alias limit of 100, up to the benchmark's 1000 ids.
  stack = await startStack({ limits: { maxAliases: 1000, maxTokens: 50_000, maxCost: 1_000_000 } });
});
afterAll(() => stack.close());
beforeEach(() => stack.wixSandbox.clearRequests());

/** A document with one aliased `package(id)` per id. */
function packagesDocument(ids: string[]): string {
  return `query { ${ids.map((id, i) => `p${i}: package(id: "${id}") { id }`).join(' ')} }`;
}

describe('batching of look-ups in one operation', () => {
  it('a lone package look-up is one Get Package', async () => {
    await stack.gql(packagesDocument([WIX_DEMO.packageId]));
    expect(wixCalls(stack)).toEqual([`GET /resellers/v1/packages/${WIX_DEMO.packageId}`]);
  });

  it('N package look-ups become one Query Packages with id $in, deduplicated', async () => {
    const ids = [WIX_DEMO.packageId, WIX_DEMO.floatingPackageId, WIX_DEMO.failedPackageId, WIX_DEMO.packageId, WIX_DEMO.unknownPackageId];
    const res = await stack.gql(packagesDocument(ids));
    expect(res.body.data).toEqual({
      p0: { id: WIX_DEMO.packageId },
      p1: { id: WIX_DEMO.floatingPackageId },
      p2: { id: WIX_DEMO.failedPackageId },
      p3: { id: WIX_DEMO.packageId },
      p4: null,
    });
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query']);
    const filter = (stack.wixSandbox.requests[0]!.body as any).query.filter;
    expect(filter.id.$in).toEqual([WIX_DEMO.packageId, WIX_DEMO.floatingPackageId, WIX_DEMO.failedPackageId, WIX_DEMO.unknownPackageId]);
    expect(filter.accountId).toEqual({ $eq: WIX_DEMO.accountId });
  });

  it.each(CHUNKED_LOOKUPS)('%i distinct ids take %i upstream calls (chunks of 100)', async (n, calls) => {
    const res = await stack.gql(packagesDocument(unknownIds(n)));
    expect(res.body.errors).toBeUndefined();
    expectChunkedCalls(stack, n, calls);
  });

  it("another account's package in a batch comes back null", async () => {
    const res = await stack.gql(packagesDocument([WIX_DEMO.packageId, WIX_DEMO.otherAccountPackageId]));
    expect(res.body.data).toEqual({ p0: { id: WIX_DEMO.packageId }, p1: null });
  });

  it('N instance look-ups become one Query Packages with $hasSome, and their packages are not fetched again', async () => {
    const ids = [WIX_DEMO.assignedInstanceId, WIX_DEMO.mailboxInstanceId, WIX_DEMO.secondMailboxInstanceId];
    const doc = `query { ${ids.map((id, i) => `i${i}: productInstance(instanceId: "${id}") { instanceId package { id productInstances { instanceId } } }`).join(' ')} a: package(id: "${WIX_DEMO.mailboxPackageId}") { id } }`;
    const res = await stack.gql(doc);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.i1.package.id).toBe(WIX_DEMO.mailboxPackageId);
    expect(res.body.data.i2.package.id).toBe(WIX_DEMO.mailboxPackageId);
    const calls = wixCalls(stack);
    const queries = stack.wixSandbox.requests.map((r) => (r.body as any)?.query?.filter);
    expect(queries.some((f) => f?.['productInstances.instanceId']?.$hasSome?.length === 3)).toBe(true);
    expect(calls.length).toBeLessThanOrEqual(2);
  });

  it('a page asked by several fields is one call; another page is another', async () => {
    const page = (alias: string, first: number, fields: string) => `${alias}: packages(first: ${first}) { edges { node { ${fields} } } }`;
    const res = await stack.gql(`query { ${page('list', 5, 'id')} ${page('badge', 5, 'id createdDate')} ${page('same', 5, 'id')} ${page('other', 6, 'id')} }`);
    expect(res.body.errors).toBeUndefined();
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query', 'POST /resellers/v1/packages/query']);
    const ids = (alias: string) => res.body.data[alias].edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(ids('list')).toHaveLength(5);
    expect(ids('badge')).toEqual(ids('list'));
    expect(ids('same')).toEqual(ids('list'));
    expect(ids('other')).toEqual([...ids('list'), expect.any(String)]);
    // The next request asks again.
    await stack.gql(`query { ${page('list', 5, 'id')} }`);
    expect(wixCalls(stack)).toHaveLength(3);
  });

  it('a package read after a mutation in the same request uses the mutation result', async () => {
    stack.wixSandbox.reset();
    const res = await stack.gql(`mutation {
      cancelPackage(input: { id: "${WIX_DEMO.mailboxPackageId}" }) { __typename }
    }`);
    expect(res.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    // The ownership check reads the package once; the cancel is the only change.
    expect(wixCalls(stack)).toEqual([`GET /resellers/v1/packages/${WIX_DEMO.mailboxPackageId}`, `DELETE /resellers/v1/packages/${WIX_DEMO.mailboxPackageId}`]);
  });
});
