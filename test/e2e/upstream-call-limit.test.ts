import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/security/limits.js';
import { PLESK_DEMO, pleskPackets, startStack, unknownIds, WIX_DEMO, wixCalls, wixWrites, type Stack } from '../support/stack.js';

const LIMIT = 3;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ limits: { maxUpstreamCalls: LIMIT } });
});
afterAll(() => stack.close());
beforeEach(async () => {
  await Promise.all([stack.wixSandbox.reset(), stack.pleskSandbox.reset()]);
});

/**
 * `count` aliased `package(accountId, id)` fields, each in an account of its own, so each is a Wix
 * call of its own: the two demo accounts' packages first, then accounts Wix does not know.
 */
function lookUps(count: number): string {
  const asked = [
    [WIX_DEMO.accountId, WIX_DEMO.packageId],
    [WIX_DEMO.otherAccountId, WIX_DEMO.otherAccountPackageId],
    ...unknownIds(count, 'acc00000').map((account) => [account, WIX_DEMO.packageId]),
  ].slice(0, count);
  return `query { ${asked.map(([account, id], k) => `p${k}: package(accountId: "${account}", id: "${id}") { id }`).join(' ')} }`;
}

function refusals(body: { errors?: { path?: unknown[]; message: string; extensions?: Record<string, unknown> }[] }) {
  return (body.errors ?? []).filter((error) => error.extensions?.code === 'TOO_MANY_UPSTREAM_CALLS');
}

describe('upstream calls per query', () => {
  it(`makes at most ${LIMIT} calls; the fields past the limit get TOO_MANY_UPSTREAM_CALLS, the others their answers`, async () => {
    const res = await stack.gql(lookUps(5));
    expect(res.status).toBe(200);
    expect(wixCalls(stack)).toHaveLength(LIMIT);
    expect(res.body.data).toEqual({
      p0: { id: WIX_DEMO.packageId },
      p1: { id: WIX_DEMO.otherAccountPackageId },
      p2: null,
      p3: null,
      p4: null,
    });
    const refused = refusals(res.body);
    expect(refused.map((error) => error.path)).toEqual([['p3'], ['p4']]);
    expect(refused[0]!.message).toBe(
      `This request reached its limit of ${LIMIT} upstream calls, so this Wix call was not made; ask for fewer fields per request.`,
    );
    // p2 was asked of Wix, which does not know its account.
    expect(res.body.errors?.find((error) => error.path?.[0] === 'p2')?.extensions?.code).toBe('NOT_FOUND');
  });

  it('logs one warning for the request, however many fields were refused', async () => {
    const before = stack.logLines.length;
    await stack.gql(lookUps(6));
    const warnings = stack.logLines.slice(before).filter((line) => line.includes('request reached its upstream call limit'));
    expect(warnings).toHaveLength(1);
    const warning = JSON.parse(warnings[0]!);
    expect(warning).toMatchObject({ level: 40, limit: LIMIT, requestId: expect.any(String) });
    // The operation's own line counts the calls that were made.
    const operation = stack.logLines.slice(before).map((line) => JSON.parse(line)).find((line) => line.msg === 'graphql operation');
    expect(operation).toMatchObject({ requestId: warning.requestId, upstreamCalls: LIMIT });
    expect([...operation.errorCodes].sort()).toEqual(['NOT_FOUND', 'TOO_MANY_UPSTREAM_CALLS']);
  });

  it('counts per request: the next request has calls of its own', async () => {
    for (let k = 0; k < 2; k++) expect(refusals((await stack.gql(lookUps(LIMIT))).body)).toEqual([]);
    expect(wixCalls(stack)).toHaveLength(2 * LIMIT);
  });

  it('counts calls, not fields: 100 look-ups batched into one call need one', async () => {
    const ids = [WIX_DEMO.packageId, ...unknownIds(99)];
    const fields = ids.map((id, k) => `p${k}: package(id: "${id}") { id }`).join(' ');
    const res = await stack.gql(`query { ${fields} }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.p0).toEqual({ id: WIX_DEMO.packageId });
    expect(wixCalls(stack)).toEqual(['POST /resellers/v1/packages/query']);
  });

  it('counts Plesk packets: a subscription whose plans would exceed the limit answers without them', async () => {
    const limited = await startStack({ limits: { maxUpstreamCalls: 1 } });
    try {
      const res = await limited.gql(`query ($id: ID!) { pleskSubscription(by: { id: $id }) { name servicePlan { name } addonPlans { name } } }`, {
        id: PLESK_DEMO.subscriptions.shop.id,
      });
      expect(pleskPackets(limited)).toHaveLength(1);
      expect(res.body.data.pleskSubscription).toBeNull();
      const refused = refusals(res.body);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.message).toContain('this Plesk call was not made');
      expect(refused[0]!.path?.[0]).toBe('pleskSubscription');
    } finally {
      await limited.close();
    }
  });

  it('does not count a mutation operation: a change is never cut off halfway', async () => {
    const limited = await startStack({ limits: { maxUpstreamCalls: 1 } });
    try {
      const res = await limited.gql(
        `mutation ($input: CancelPackageInput!) { cancelPackage(input: $input) { __typename ... on CancelPackageSuccess { package { productInstances { status } } } } }`,
        { input: { id: WIX_DEMO.packageId } },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
      expect(wixCalls(limited).length).toBeGreaterThan(1);
      expect(wixWrites(limited)).toEqual([`DELETE /resellers/v1/packages/${WIX_DEMO.packageId}`]);
    } finally {
      await limited.close();
    }
  });
});

describe('the default limit', () => {
  it(`is ${DEFAULT_LIMITS.maxUpstreamCalls} calls per query`, async () => {
    const defaults = await startStack();
    try {
      const res = await defaults.gql(lookUps(DEFAULT_LIMITS.maxUpstreamCalls + 1));
      expect(wixCalls(defaults)).toHaveLength(DEFAULT_LIMITS.maxUpstreamCalls);
      expect(refusals(res.body)).toHaveLength(1);
    } finally {
      await defaults.close();
    }
  });
});
