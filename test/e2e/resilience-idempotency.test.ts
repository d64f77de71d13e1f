/**
 * Group J (duplicate submissions) and K (concurrency): a support agent who clicks "cancel" twice,
 * or two agents cancelling one package at once, never cancel twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startStack, WIX_DEMO, wixWrites, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.wixSandbox.reset());

const CANCEL = `mutation ($input: CancelPackageInput!) {
  cancelPackage(input: $input) { __typename ... on Error { code } ... on CancelPackageSuccess { idempotencyKey package { productInstances { status } } } }
}`;

async function auditOf(key: string) {
  const res = await stack.gql(`query ($since: DateTime) { auditLog(first: 10, filter: { since: $since, operation: "cancelPackage" }) { edges { node { idempotencyKey outcome errorCode } } } }`, {
    since: new Date(Date.now() - 60_000).toISOString(),
  });
  return res.body.data.auditLog.edges.map((e: any) => e.node).filter((n: any) => n.idempotencyKey === key);
}

describe('the same key twice', () => {
  it('the second submission replays the first result without calling Wix', async () => {
    const input = { id: WIX_DEMO.packageId, idempotencyKey: 'double-click-1' };
    const first = await stack.gql(CANCEL, { input });
    const second = await stack.gql(CANCEL, { input });
    expect(first.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    expect(second.body).toEqual(first.body);
    expect(wixWrites(stack)).toHaveLength(1);
    expect((await auditOf('double-click-1')).map((r: any) => r.outcome)).toEqual(['REPLAYED', 'SUCCESS']);
  });

  it('a final business error is replayed too', async () => {
    const input = { id: WIX_DEMO.unknownPackageId, idempotencyKey: 'unknown-1' };
    const first = await stack.gql(CANCEL, { input });
    stack.wixSandbox.clearRequests();
    const second = await stack.gql(CANCEL, { input });
    expect(second.body).toEqual(first.body);
    expect(second.body.data.cancelPackage.code).toBe('NOT_FOUND');
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  it('the same key with another input is IDEMPOTENCY_KEY_REUSED and sends nothing', async () => {
    await stack.gql(CANCEL, { input: { id: WIX_DEMO.packageId, idempotencyKey: 'reuse-1' } });
    stack.wixSandbox.clearRequests();
    const res = await stack.gql(CANCEL, { input: { id: WIX_DEMO.mailboxPackageId, idempotencyKey: 'reuse-1' } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  it('the same key while the first still runs is IDEMPOTENCY_IN_PROGRESS', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', times: 1, fault: { kind: 'latency', ms: 400 } });
    const input = { id: WIX_DEMO.packageId, idempotencyKey: 'slow-1' };
    const first = stack.gql(CANCEL, { input });
    await new Promise((r) => setTimeout(r, 150));
    const second = await stack.gql(CANCEL, { input });
    expect(second.body.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect((await first).body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    expect(wixWrites(stack)).toHaveLength(1);
  });

  it('keys are scoped per caller: the same key from two callers is two requests', async () => {
    const a = await stack.as('admin')(CANCEL, { input: { id: WIX_DEMO.packageId, idempotencyKey: 'shared-1' } });
    const b = await stack.as('otherAdmin')(CANCEL, { input: { accountId: WIX_DEMO.otherAccountId, id: WIX_DEMO.otherAccountPackageId, idempotencyKey: 'shared-1' } });
    expect(a.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    expect(b.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    expect(wixWrites(stack)).toHaveLength(2);
  });

  it('after an unknown outcome, a retry with the same key reads first and does not cancel again', async () => {
    // The cancel is applied but its answer lost, and the read-back fails: OUTCOME_UNKNOWN.
    stack.wixSandbox.faults.add({ method: 'DELETE', times: 1, fault: { kind: 'reset' }, applyAfterHandling: true });
    stack.wixSandbox.faults.add({ method: 'GET', times: 1, fault: { kind: 'latency', ms: 0 } });
    stack.wixSandbox.faults.add({ method: 'GET', times: 3, fault: { kind: 'status', status: 503 } });
    const input = { id: WIX_DEMO.packageId, idempotencyKey: 'unknown-outcome-1' };
    const first = await stack.gql(CANCEL, { input });
    expect(first.body.data.cancelPackage.code).toBe('OUTCOME_UNKNOWN');
    const second = await stack.gql(CANCEL, { input });
    expect(second.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    expect(second.body.data.cancelPackage.package.productInstances.every((i: any) => i.status === 'CANCELED')).toBe(true);
    expect(wixWrites(stack)).toHaveLength(1);
  });
});

describe('concurrent changes to one target', () => {
  it('two cancels of one package with different keys: one proceeds, the other is CONFLICT_IN_PROGRESS', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', times: 1, fault: { kind: 'latency', ms: 400 } });
    const [a, b] = await Promise.all([
      stack.gql(CANCEL, { input: { id: WIX_DEMO.packageId, idempotencyKey: 'agent-a' } }),
      new Promise((r) => setTimeout(r, 100)).then(() => stack.gql(CANCEL, { input: { id: WIX_DEMO.packageId, idempotencyKey: 'agent-b' } })),
    ]);
    expect(a.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    expect(b.body.errors?.[0]?.extensions?.code).toBe('CONFLICT_IN_PROGRESS');
    expect(wixWrites(stack)).toHaveLength(1);
    // The conflict freed its key: the same request later runs (and finds the package canceled).
    const later = await stack.gql(CANCEL, { input: { id: WIX_DEMO.packageId, idempotencyKey: 'agent-b' } });
    expect(later.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
  });
});

describe('Plesk changes', () => {
  const REMOVE = `mutation ($input: RemovePleskSubscriptionAddonInput!) {
    removePleskSubscriptionAddon(input: $input) { __typename ... on Error { code } ... on RemovePleskSubscriptionAddonSuccess { idempotencyKey problems subscription { addonPlans { guid } } } }
  }`;
  const detach = (key: string) => ({ input: { subscription: { id: '42' }, planGuid: PLESK_DEMO.detachWithProblems.addonGuid, idempotencyKey: key } });
  const removePackets = () => stack.pleskSandbox.requests.filter((r) => r.body.includes('<remove-subscription>'));
  beforeEach(() => stack.pleskSandbox.reset());

  it('a double-submitted detach replays the first result: one remove-subscription packet', async () => {
    const first = await stack.gql(REMOVE, detach('detach-1'));
    const second = await stack.gql(REMOVE, detach('detach-1'));
    expect(first.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'RemovePleskSubscriptionAddonSuccess', idempotencyKey: 'detach-1' });
    expect(first.body.data.removePleskSubscriptionAddon.problems).toContain('Disk space for backups');
    expect(second.body).toEqual(first.body);
    expect(removePackets()).toHaveLength(1);
  });

  it('without a key, a second detach is a new request and answers NOT_ATTACHED (nothing sent)', async () => {
    await stack.gql(REMOVE, { input: { subscription: { id: '42' }, planGuid: PLESK_DEMO.detachWithProblems.addonGuid } });
    const again = await stack.gql(REMOVE, { input: { subscription: { id: '42' }, planGuid: PLESK_DEMO.detachWithProblems.addonGuid } });
    expect(again.body.data.removePleskSubscriptionAddon).toEqual({ __typename: 'PreconditionFailedError', code: 'NOT_ATTACHED' });
    expect(removePackets()).toHaveLength(1);
  });

  it('after an unknown outcome, the retry with the same key reads the plans and never resends', async () => {
    stack.pleskSandbox.faults.add({ bodyIncludes: '<remove-subscription>', times: 1, fault: { kind: 'reset' }, applyAfterHandling: true });
    // The read-back after the reset fails, so the first answer is OUTCOME_UNKNOWN.
    stack.pleskSandbox.faults.add({ bodyIncludes: '<id>42</id></filter><dataset>', times: 1, fault: { kind: 'latency', ms: 0 } });
    stack.pleskSandbox.faults.add({ bodyIncludes: '<dataset>', times: 3, fault: { kind: 'status', status: 503 } });
    const first = await stack.gql(REMOVE, detach('detach-unknown'));
    expect(first.body.data.removePleskSubscriptionAddon.code).toBe('OUTCOME_UNKNOWN');
    const second = await stack.gql(REMOVE, detach('detach-unknown'));
    expect(second.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'RemovePleskSubscriptionAddonSuccess', problems: null });
    expect(removePackets()).toHaveLength(1);
  });
});
