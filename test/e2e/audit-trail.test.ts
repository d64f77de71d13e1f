/**
 * Every mutation leaves an intent and an outcome in the audit store; a store that cannot be written
 * refuses the mutation before anything is sent upstream.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/store.js';
import { startStack, WIX_DEMO, wixWrites, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.wixSandbox.reset());

const CANCEL = `mutation ($input: CancelPackageInput!) { cancelPackage(input: $input) { __typename ... on Error { code } } }`;
const LOG = /* GraphQL */ `
  query ($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      edges { node { id startedAt finishedAt requestId callerName callerKind operation upstream account targetIds input idempotencyKey outcome errorCode upstreamRequestId durationMs } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

async function latest(filter: Record<string, unknown> = {}) {
  const res = await stack.gql(LOG, { filter, first: 1 });
  return res.body.data.auditLog.edges[0]?.node;
}

describe('audit records', () => {
  it('a success: intent and outcome with caller, account, targets, input, key, upstream request id', async () => {
    const res = await stack.as('admin')(CANCEL, { input: { id: WIX_DEMO.packageId, idempotencyKey: 'audit-1' } }, );
    expect(res.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    const record = await latest({ operation: 'cancelPackage' });
    expect(record).toMatchObject({
      callerName: 'admin',
      callerKind: 'SERVICE',
      operation: 'cancelPackage',
      upstream: 'WIX',
      account: WIX_DEMO.accountId,
      targetIds: [WIX_DEMO.packageId],
      idempotencyKey: 'audit-1',
      outcome: 'SUCCESS',
      errorCode: null,
    });
    expect(JSON.parse(record.input)).toEqual({ id: WIX_DEMO.packageId, idempotencyKey: 'audit-1' });
    expect(record.upstreamRequestId).toBe(stack.wixSandbox.requests.at(-1)!.requestId);
    expect(record.requestId).toBe(res.headers.get('x-request-id'));
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(record.finishedAt >= record.startedAt).toBe(true);
  });

  it('an upstream error: outcome error with the gateway code', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', fault: { kind: 'status', status: 503 } });
    const res = await stack.gql(CANCEL, { input: { id: WIX_DEMO.packageId } });
    expect(res.body.data.cancelPackage.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(await latest({ operation: 'cancelPackage' })).toMatchObject({ outcome: 'ERROR', errorCode: 'UPSTREAM_UNAVAILABLE' });
  });

  it('a business error: outcome error NOT_FOUND, and no change was sent', async () => {
    await stack.gql(CANCEL, { input: { id: WIX_DEMO.unknownPackageId } });
    expect(await latest({ targetId: WIX_DEMO.unknownPackageId })).toMatchObject({ outcome: 'ERROR', errorCode: 'NOT_FOUND' });
    expect(wixWrites(stack)).toEqual([]);
  });

  it('a denial by role: outcome denied, written although the resolver never ran', async () => {
    await stack.as('viewer')(CANCEL, { input: { id: WIX_DEMO.packageId } });
    expect(await latest({ caller: 'viewer' })).toMatchObject({
      callerName: 'viewer',
      operation: 'cancelPackage',
      account: WIX_DEMO.accountId,
      targetIds: [WIX_DEMO.packageId],
      outcome: 'DENIED',
      errorCode: 'PERMISSION_DENIED',
    });
  });

  it('a denial by account binding: outcome denied', async () => {
    await stack.as('otherAdmin')(CANCEL, { input: { id: WIX_DEMO.packageId } });
    expect(await latest({ caller: 'otherAdmin' })).toMatchObject({ outcome: 'DENIED', errorCode: 'PERMISSION_DENIED' });
    expect(stack.wixSandbox.requests).toEqual([]);
  });

  it('filters by account, target, caller, operation and time, and pages without gaps', async () => {
    const since = new Date().toISOString();
    for (const id of [WIX_DEMO.packageId, WIX_DEMO.mailboxPackageId, WIX_DEMO.floatingPackageId]) {
      await stack.gql(CANCEL, { input: { id } });
    }
    const all: string[] = [];
    let after: string | null = null;
    do {
      const res: any = await stack.gql(LOG, { filter: { since, operation: 'cancelPackage', accountId: WIX_DEMO.accountId, caller: 'admin' }, first: 1, after });
      all.push(...res.body.data.auditLog.edges.map((e: any) => e.node.targetIds[0]));
      after = res.body.data.auditLog.pageInfo.hasNextPage ? res.body.data.auditLog.pageInfo.endCursor : null;
    } while (after);
    expect(all).toEqual([WIX_DEMO.floatingPackageId, WIX_DEMO.mailboxPackageId, WIX_DEMO.packageId]);
    const none = await stack.gql(LOG, { filter: { until: since, targetId: WIX_DEMO.floatingPackageId, operation: 'cancelPackage', since: '2000-01-01T00:00:00Z' } });
    expect(none.body.data.auditLog.edges.every((e: any) => e.node.startedAt < since)).toBe(true);
  });

  it('Package.history lists the records about the package and its instances', async () => {
    await stack.gql(CANCEL, { input: { id: WIX_DEMO.mailboxPackageId } });
    await stack.gql(`mutation { cancelProductInstance(input: { instanceId: "${WIX_DEMO.secondMailboxInstanceId}" }) { __typename } }`);
    const res = await stack.gql(`{ package(id: "${WIX_DEMO.mailboxPackageId}") { history(first: 10) { edges { node { operation outcome } } } } }`);
    const operations = res.body.data.package.history.edges.map((e: any) => e.node.operation);
    expect(operations.slice(0, 2)).toEqual(['cancelProductInstance', 'cancelPackage']);
    const viewer = await stack.as('viewer')(`{ package(id: "${WIX_DEMO.mailboxPackageId}") { id history { edges { node { id } } } } }`);
    expect(viewer.body.data.package).toEqual({ id: WIX_DEMO.mailboxPackageId, history: null });
    expect(viewer.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
  });

  it('an admin bound to one account reads only that account', async () => {
    const res = await stack.as('otherAdmin')(LOG, { filter: { accountId: WIX_DEMO.accountId } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
    const own = await stack.as('otherAdmin')(LOG, { filter: { accountId: WIX_DEMO.otherAccountId } });
    expect(own.body.errors).toBeUndefined();
  });
});

describe('an audit store that cannot be written', () => {
  it('refuses the mutation with AUDIT_UNAVAILABLE and sends nothing upstream', async () => {
    const broken = openAuditStore({ path: ':memory:' });
    broken.close();
    const local = await startStack({ gateway: { audit: broken } });
    try {
      const res = await local.gql(CANCEL, { input: { id: WIX_DEMO.packageId } });
      // The result union is non-null, so the refusal nulls the whole mutation response.
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
      expect(local.wixSandbox.requests).toEqual([]);
      const ready = await local.fetch('/ready');
      expect(ready.status).toBe(503);
    } finally {
      await local.close();
    }
  });
});
