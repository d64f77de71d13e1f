/**
 * The authorization matrix: each operation, as each role, on an account the caller is bound to and
 * on one it is not, counting the changes that reach the upstream (a denial makes none).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startStack, WIX_DEMO, wixWrites, type CallerName, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.wixSandbox.reset();
  stack.pleskSandbox.reset();
});

type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

interface Case {
  field: string;
  needs: Role;
  document: string;
  /** Variables for the caller's own account and for an account it is not bound to. */
  own: Record<string, unknown>;
  other: Record<string, unknown>;
}

const other = WIX_DEMO.otherAccountId;
const mutationDoc = (field: string, inputType: string) =>
  `mutation ($input: ${inputType}!) { ${field}(input: $input) { __typename ... on Error { code } } }`;

const MUTATIONS: Case[] = [
  {
    field: 'createPackage',
    needs: 'admin',
    document: mutationDoc('createPackage', 'CreatePackageInput'),
    own: { input: { products: [{ catalogProductId: WIX_DEMO.mailboxProductId, countryCode: 'BR', billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } } }] } },
    other: { input: { accountId: other, products: [{ catalogProductId: WIX_DEMO.mailboxProductId, countryCode: 'BR', billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } } }] } },
  },
  {
    field: 'cancelPackage',
    needs: 'admin',
    document: mutationDoc('cancelPackage', 'CancelPackageInput'),
    own: { input: { id: WIX_DEMO.packageId } },
    other: { input: { accountId: other, id: WIX_DEMO.otherAccountPackageId } },
  },
  {
    field: 'cancelProductInstance',
    needs: 'admin',
    document: mutationDoc('cancelProductInstance', 'CancelProductInstanceInput'),
    own: { input: { instanceId: WIX_DEMO.mailboxInstanceId } },
    other: { input: { accountId: other, instanceId: WIX_DEMO.otherAccountInstanceId } },
  },
  {
    field: 'assignProductInstanceToSite',
    needs: 'operator',
    document: mutationDoc('assignProductInstanceToSite', 'AssignProductInstanceToSiteInput'),
    own: { input: { instanceId: WIX_DEMO.floatingInstanceId, siteId: WIX_DEMO.secondSiteId } },
    other: { input: { accountId: other, instanceId: WIX_DEMO.otherAccountInstanceId, siteId: WIX_DEMO.otherAccountSiteId } },
  },
  {
    field: 'unassignProductInstanceFromSite',
    needs: 'operator',
    document: mutationDoc('unassignProductInstanceFromSite', 'UnassignProductInstanceFromSiteInput'),
    own: { input: { instanceId: WIX_DEMO.assignedInstanceId } },
    other: { input: { accountId: other, instanceId: WIX_DEMO.otherAccountInstanceId } },
  },
  {
    field: 'adjustProductInstanceSpecifications',
    needs: 'operator',
    document: mutationDoc('adjustProductInstanceSpecifications', 'AdjustProductInstanceSpecificationsInput'),
    own: { input: { instanceId: WIX_DEMO.assignedInstanceId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 2 } } } },
    other: { input: { accountId: other, instanceId: WIX_DEMO.otherAccountInstanceId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 2 } } } },
  },
  {
    field: 'updatePackageExternalId',
    needs: 'operator',
    document: mutationDoc('updatePackageExternalId', 'UpdatePackageExternalIdInput'),
    own: { input: { id: WIX_DEMO.packageId, externalId: 'crm-1' } },
    other: { input: { accountId: other, id: WIX_DEMO.otherAccountPackageId, externalId: 'crm-1' } },
  },
];

const QUERIES: Case[] = [
  {
    field: 'package',
    needs: 'viewer',
    document: 'query ($id: ID!, $accountId: ID) { package(id: $id, accountId: $accountId) { id } }',
    own: { id: WIX_DEMO.packageId },
    other: { id: WIX_DEMO.otherAccountPackageId, accountId: other },
  },
  {
    field: 'packages',
    needs: 'viewer',
    document: 'query ($accountId: ID) { packages(first: 2, accountId: $accountId) { edges { node { id } } } }',
    own: {},
    other: { accountId: other },
  },
  {
    field: 'productInstance',
    needs: 'viewer',
    document: 'query ($id: ID!, $accountId: ID) { productInstance(instanceId: $id, accountId: $accountId) { instanceId } }',
    own: { id: WIX_DEMO.assignedInstanceId },
    other: { id: WIX_DEMO.otherAccountInstanceId, accountId: other },
  },
];

const ROLES: CallerName[] = ['viewer', 'operator', 'admin'];

describe.each(MUTATIONS)('$field (needs $needs)', (c) => {
  it.each(ROLES)('as %s on its own account', async (role) => {
    const res = await stack.as(role)(c.document, c.own);
    const result = res.body.data[c.field];
    if (RANK[role as Role] >= RANK[c.needs]) {
      expect(result.__typename).toMatch(/Success$/);
      expect(wixWrites(stack)).toHaveLength(1);
    } else {
      expect(result).toEqual({ __typename: 'PermissionDeniedError', code: 'PERMISSION_DENIED' });
      expect(stack.wixSandbox.requests).toHaveLength(0);
    }
  });

  it.each(['viewer', 'operator'] as const)('as %s on an account it is not bound to: denied, no change sent', async (role) => {
    const res = await stack.as(role)(c.document, c.other);
    expect(res.body.data[c.field]).toEqual({ __typename: 'PermissionDeniedError', code: 'PERMISSION_DENIED' });
    expect(wixWrites(stack)).toHaveLength(0);
  });

  it("as another customer's admin on this account: denied, no upstream call", async () => {
    const res = await stack.as('otherAdmin')(c.document, c.own);
    expect(res.body.data[c.field]).toEqual({ __typename: 'PermissionDeniedError', code: 'PERMISSION_DENIED' });
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });

  it('as an admin bound to every account, on the other account: allowed', async () => {
    const res = await stack.as('admin')(c.document, c.other);
    expect(res.body.data[c.field].__typename).toMatch(/Success$/);
    expect(wixWrites(stack)).toHaveLength(1);
    expect(stack.wixSandbox.requests.every((r) => r.headers['wix-account-id'] === other)).toBe(true);
  });
});

describe('a target outside the account is never changed', () => {
  it('cancelPackage of another account\'s package through the caller\'s own account: NotFound, zero changes', async () => {
    const res = await stack.as('admin')(MUTATIONS[1]!.document, { input: { id: WIX_DEMO.otherAccountPackageId } });
    expect(res.body.data.cancelPackage).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(wixWrites(stack)).toHaveLength(0);
  });

  it("unassign of another account's instance: NotFound, zero changes", async () => {
    const res = await stack.as('operator')(MUTATIONS[4]!.document, { input: { instanceId: WIX_DEMO.otherAccountInstanceId } });
    expect(res.body.data.unassignProductInstanceFromSite).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(wixWrites(stack)).toHaveLength(0);
  });
});

describe.each(QUERIES)('$field', (c) => {
  it.each(ROLES)('as %s on its own account', async (role) => {
    const res = await stack.as(role)(c.document, c.own);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data[c.field]).not.toBeNull();
  });

  it.each(['viewer', 'operator'] as const)('as %s on another account: PERMISSION_DENIED, no upstream call', async (role) => {
    const res = await stack.as(role)(c.document, c.other);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });
});

describe('auditLog', () => {
  it.each(['viewer', 'operator'] as const)('is refused to %s', async (role) => {
    const res = await stack.as(role)('{ auditLog { edges { node { id } } } }');
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
  });
});

describe('Plesk operations', () => {
  const SUBSCRIPTION = `query ($server: String) { pleskSubscription(server: $server, by: { id: "42" }) { id } }`;
  const ADD = `mutation ($input: AddPleskSubscriptionAddonInput!) { addPleskSubscriptionAddon(input: $input) { __typename ... on Error { code } } }`;
  const REMOVE = `mutation ($input: RemovePleskSubscriptionAddonInput!) { removePleskSubscriptionAddon(input: $input) { __typename ... on Error { code } } }`;
  const attach = { subscription: { id: '42' }, planGuid: PLESK_DEMO.attachable.addonGuid };
  const detach = { subscription: { id: '42' }, planGuid: PLESK_DEMO.detachWithProblems.addonGuid };
  const changes = () => stack.pleskSandbox.requests.filter((r) => r.operations.some((o) => o.operation.endsWith('-subscription')));

  it.each(ROLES)('pleskSubscription as %s on its own server', async (role) => {
    const res = await stack.as(role)(SUBSCRIPTION, {});
    expect(res.body.data.pleskSubscription).toEqual({ id: '42' });
  });

  it('pleskSubscription on a server the caller is not bound to: PERMISSION_DENIED, no packet', async () => {
    const res = await stack.as('otherAdmin')(SUBSCRIPTION, {});
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
    expect(stack.pleskSandbox.requests).toHaveLength(0);
  });

  it.each([
    ['viewer', ADD, attach, false],
    ['operator', ADD, attach, true],
    ['admin', ADD, attach, true],
    ['viewer', REMOVE, detach, false],
    ['operator', REMOVE, detach, false],
    ['admin', REMOVE, detach, true],
  ] as const)('as %s: %#', async (role, document, input, allowed) => {
    const res = await stack.as(role)(document, { input });
    const result = Object.values(res.body.data)[0] as { __typename: string };
    if (allowed) {
      expect(result.__typename).toMatch(/Success$/);
      expect(changes()).toHaveLength(1);
    } else {
      expect(result).toEqual({ __typename: 'PermissionDeniedError', code: 'PERMISSION_DENIED' });
      expect(stack.pleskSandbox.requests).toHaveLength(0);
    }
  });

  it.each([
    ['operator', ADD, { ...attach, server: 'eu-2' }],
    ['otherAdmin', REMOVE, detach],
  ] as const)('%s on a server it is not bound to: denied, no packet', async (role, document, input) => {
    const res = await stack.as(role)(document, { input });
    expect(Object.values(res.body.data)[0]).toEqual({ __typename: 'PermissionDeniedError', code: 'PERMISSION_DENIED' });
    expect(stack.pleskSandbox.requests).toHaveLength(0);
  });

  it('a Plesk detach is audited under the server name', async () => {
    await stack.as('admin')(REMOVE, { input: detach });
    const log = await stack.gql(`{ auditLog(first: 1, filter: { operation: "removePleskSubscriptionAddon" }) { edges { node { account upstream targetIds outcome } } } }`);
    expect(log.body.data.auditLog.edges[0].node).toEqual({
      account: 'default',
      upstream: 'PLESK',
      targetIds: [PLESK_DEMO.detachWithProblems.addonGuid, '42'],
      outcome: 'SUCCESS',
    });
  });
});
