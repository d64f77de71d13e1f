import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, unknownIds, WIX_DEMO, wixCalls, type Stack } from '../support/stack.js';

const LOOKUP = `query Instances($instanceIds: [ID!]!, $accountId: ID) {
  productInstancesById(instanceIds: $instanceIds, accountId: $accountId) { instanceId status package { id } }
}`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.wixSandbox.reset());

describe('productInstancesById', () => {
  it('answers in the order asked with each package, null for unknown ids and other accounts, in one Query Packages', async () => {
    const ids = [
      WIX_DEMO.secondMailboxInstanceId,
      WIX_DEMO.unknownInstanceId,
      WIX_DEMO.assignedInstanceId,
      WIX_DEMO.otherAccountInstanceId,
      WIX_DEMO.mailboxInstanceId,
      WIX_DEMO.secondMailboxInstanceId,
    ];
    const res = await stack.gql(LOOKUP, { instanceIds: ids });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.productInstancesById).toEqual([
      { instanceId: WIX_DEMO.secondMailboxInstanceId, status: 'ENABLED', package: { id: WIX_DEMO.mailboxPackageId } },
      null,
      { instanceId: WIX_DEMO.assignedInstanceId, status: 'ENABLED', package: { id: WIX_DEMO.packageId } },
      null,
      { instanceId: WIX_DEMO.mailboxInstanceId, status: 'ENABLED', package: { id: WIX_DEMO.mailboxPackageId } },
      { instanceId: WIX_DEMO.secondMailboxInstanceId, status: 'ENABLED', package: { id: WIX_DEMO.mailboxPackageId } },
    ]);
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query']);
    const filter = (stack.wixSandbox.requests[0]!.body as any).query.filter;
    expect(filter['productInstances.instanceId'].$hasSome).toHaveLength(5);
    expect(filter.accountId).toEqual({ $eq: WIX_DEMO.accountId });
  });

  it('reports malformed ids by index and refuses more than the limit, with no upstream call; no ids is an empty list', async () => {
    const bad = await stack.gql(LOOKUP, { instanceIds: [WIX_DEMO.assignedInstanceId, '../x'] });
    expect(bad.body.data).toEqual({ productInstancesById: null });
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: ['instanceIds', '1'] }] });
    const tooMany = await stack.gql(LOOKUP, { instanceIds: unknownIds(101, '1a500000') });
    expect(tooMany.body.errors![0]!.extensions).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: ['instanceIds'], message: 'must name at most 100 ids; it names 101' }],
    });
    const none = await stack.gql(LOOKUP, { instanceIds: [] });
    expect(none.body).toEqual({ data: { productInstancesById: [] } });
    expect(wixCalls(stack)).toEqual([]);
  });

  it("denies a caller bound to another account before any upstream call", async () => {
    const res = await stack.as('viewer')(LOOKUP, { instanceIds: [WIX_DEMO.assignedInstanceId], accountId: WIX_DEMO.otherAccountId });
    expect(res.body.errors![0]!.extensions?.code).toBe('PERMISSION_DENIED');
    expect(wixCalls(stack)).toEqual([]);
  });

  it('a failed batch leaves an error at each index', async () => {
    stack.wixSandbox.faults.add({ method: 'POST', fault: { kind: 'malformed' } });
    const res = await stack.gql(LOOKUP, { instanceIds: [WIX_DEMO.assignedInstanceId, WIX_DEMO.mailboxInstanceId] });
    expect(res.body.data.productInstancesById).toEqual([null, null]);
    expect(res.body.errors!.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['productInstancesById', 0], 'UPSTREAM_BAD_RESPONSE'],
      [['productInstancesById', 1], 'UPSTREAM_BAD_RESPONSE'],
    ]);
  });
});
