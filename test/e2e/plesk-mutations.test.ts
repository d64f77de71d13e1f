import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, pleskPackets, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  const everything = stack.responses.join('\n');
  expect(everything).not.toContain(stack.pleskSandbox.password);
  expect(everything).not.toContain(stack.pleskSandbox.secretKey);
  await stack.close();
});
beforeEach(() => stack.pleskSandbox.reset());

const { subscriptions: SUBS, servicePlans: SERVICE, addonPlans: ADDON, missing: MISSING } = PLESK_DEMO;

const RESULT_FIELDS = /* GraphQL */ `
  __typename
  ... on Error { code message }
  ... on NotFoundError { resource id }
  ... on InvalidInputError { issues { path message } }
  ... on PreconditionFailedError { upstream }
  ... on UpstreamError { upstream retryable upstreamCode }`;

const SUCCESS_FIELDS = /* GraphQL */ `
  problems
  plan { guid name kind }
  subscription { id name locked synchronized servicePlan { guid } addonPlans { guid name } }`;

const REMOVE = /* GraphQL */ `
  mutation ($input: RemovePleskSubscriptionAddonInput!) {
    removePleskSubscriptionAddon(input: $input) {
      ${RESULT_FIELDS}
      ... on RemovePleskSubscriptionAddonSuccess { ${SUCCESS_FIELDS} }
    }
  }`;

const ADD = /* GraphQL */ `
  mutation ($input: AddPleskSubscriptionAddonInput!) {
    addPleskSubscriptionAddon(input: $input) {
      ${RESULT_FIELDS}
      ... on AddPleskSubscriptionAddonSuccess { ${SUCCESS_FIELDS} }
    }
  }`;

/** `operator/operation filter-kind:values [plan]` of every packet the sandbox received. */
function packets(): string[] {
  return pleskPackets(stack).flatMap((r) =>
    r.operations.map((op) => {
      const plan = op.plan ? ` plan:${op.plan.guid ?? op.plan.externalId}` : '';
      return `${op.operator}/${op.operation} ${op.filter?.kind ?? '-'}:${op.filter?.values.join(',') ?? ''}${plan}`;
    }),
  );
}

const changes = () => packets().filter((p) => /subscription /.test(p) && !p.startsWith('webspace/get'));
const addonGuids = (id: string) => stack.pleskSandbox.store.subscriptions.find((s) => String(s.id) === id)!.addonGuids;

describe('removePleskSubscriptionAddon', () => {
  it("detaches an add-on: success carries Plesk's problems text and the subscription read again", async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid } });
    expect(res.body.errors).toBeUndefined();
    const result = res.body.data.removePleskSubscriptionAddon;
    expect(result).toEqual({
      __typename: 'RemovePleskSubscriptionAddonSuccess',
      problems: PLESK_DEMO.detachWithProblems.problems,
      plan: { guid: ADDON.backup.guid, name: ADDON.backup.name, kind: 'ADDON' },
      subscription: {
        id: SUBS.shop.id,
        name: SUBS.shop.name,
        locked: false,
        synchronized: true,
        servicePlan: { guid: SERVICE.unlimited.guid },
        addonPlans: [{ guid: ADDON.mailPro.guid, name: ADDON.mailPro.name }],
      },
    });
    expect(addonGuids(SUBS.shop.id)).toEqual([ADDON.mailPro.guid]);
    const sent = packets();
    // Checked detach (§6.5): the add-on plan, the subscription's plans, the change filtered by ID; then the re-read.
    expect(sent.slice(0, 4)).toEqual([
      `service-plan-addon/get guid:${ADDON.backup.guid}`,
      `webspace/get id:${SUBS.shop.id}`,
      `webspace/remove-subscription id:${SUBS.shop.id} plan:${ADDON.backup.guid}`,
      `webspace/get id:${SUBS.shop.id}`,
    ]);
    expect(sent.slice(4).map((p) => p.split(' ')[0]).sort()).toEqual(['service-plan-addon/get', 'service-plan/get']);
  });

  it('problems is null when Plesk sent none', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.blog.id }, planGuid: ADDON.mailPro.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({
      __typename: 'RemovePleskSubscriptionAddonSuccess',
      problems: null,
      subscription: { id: SUBS.blog.id, addonPlans: [] },
    });
  });

  it('names the subscription by name and the plan by external ID; the change is still filtered by subscription ID', async () => {
    const res = await stack.gql(REMOVE, {
      input: { server: 'default', subscription: { name: SUBS.bakery.name }, planExternalId: ADDON.backup.externalId },
    });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({
      __typename: 'RemovePleskSubscriptionAddonSuccess',
      problems: expect.stringContaining(`Disk space for backups (${SUBS.bakery.name})`),
      subscription: { id: SUBS.bakery.id, addonPlans: [] },
    });
    expect(packets()).toContain(`service-plan-addon/get external-id:${ADDON.backup.externalId}`);
    expect(changes()).toEqual([`webspace/remove-subscription id:${SUBS.bakery.id} plan:${ADDON.backup.guid}`]);
  });

  it('by GUID and external ID of the subscription', async () => {
    const byGuid = await stack.gql(REMOVE, { input: { subscription: { guid: SUBS.shop.guid }, planGuid: ADDON.mailPro.guid } });
    expect(byGuid.body.data.removePleskSubscriptionAddon.__typename).toBe('RemovePleskSubscriptionAddonSuccess');
    const byExternal = await stack.gql(REMOVE, { input: { subscription: { externalId: SUBS.shop.externalId }, planGuid: ADDON.backup.guid } });
    expect(byExternal.body.data.removePleskSubscriptionAddon.subscription.addonPlans).toEqual([]);
  });

  it('an add-on that is not attached is PreconditionFailedError NOT_ATTACHED, and nothing is changed', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id }, planGuid: ADDON.ssl.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'PreconditionFailedError', code: 'NOT_ATTACHED', upstream: 'PLESK' });
    expect(changes()).toEqual([]);
  });

  it('the main service plan is not an add-on: NotFoundError for the add-on plan, nothing changed', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id }, planGuid: SERVICE.unlimited.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', resource: 'Plesk add-on plan' });
    expect(changes()).toEqual([]);
  });

  it('an unknown add-on plan is NotFoundError', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id }, planGuid: MISSING.planGuid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'NotFoundError', resource: 'Plesk add-on plan', id: MISSING.planGuid });
  });

  it('an unknown subscription (Plesk 1013) is NotFoundError', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: MISSING.subscriptionId }, planGuid: ADDON.backup.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
      resource: 'Plesk subscription',
      id: MISSING.subscriptionId,
    });
    expect(changes()).toEqual([]);
  });

  it('an unknown subscription name is NotFoundError too', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { name: MISSING.subscriptionName }, planGuid: ADDON.backup.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'NotFoundError', resource: 'Plesk subscription' });
  });

  it('an unknown server is NotFoundError, with no Plesk call', async () => {
    const res = await stack.gql(REMOVE, { input: { server: 'eu-2', subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'NotFoundError', resource: 'Plesk server', id: 'eu-2' });
    expect(pleskPackets(stack)).toEqual([]);
  });

  it("Plesk's per-value permission refusal (1006) is PermissionDeniedError", async () => {
    // The two checks pass; the change itself is refused.
    stack.pleskSandbox.faults.add({ fault: { kind: 'latency', ms: 0 }, times: 2 });
    stack.pleskSandbox.faults.add({
      fault: {
        kind: 'status',
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><remove-subscription><result><status>error</status><errcode>1006</errcode><errtext>Permission denied.</errtext><filter-id>${SUBS.shop.id}</filter-id><id>${SUBS.shop.id}</id></result></remove-subscription></webspace></packet>`,
      },
      times: 1,
    });
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'PermissionDeniedError', code: 'PERMISSION_DENIED' });
    expect(res.text).not.toContain('Permission denied.');
  });

  it("another Plesk failure of the change is an UpstreamError carrying Plesk's errcode", async () => {
    stack.pleskSandbox.faults.add({ fault: { kind: 'latency', ms: 0 }, times: 2 });
    stack.pleskSandbox.faults.add({
      fault: {
        kind: 'status',
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><remove-subscription><result><status>error</status><errcode>1026</errcode><errtext>Component not installed: /usr/local/psa secret path</errtext><filter-id>${SUBS.shop.id}</filter-id></result></remove-subscription></webspace></packet>`,
      },
      times: 1,
    });
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid } });
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UPSTREAM_REJECTED',
      upstream: 'PLESK',
      upstreamCode: '1026',
      retryable: false,
    });
    expect(res.text).not.toContain('/usr/local/psa');
  });
});

describe('addPleskSubscriptionAddon', () => {
  it('attaches an add-on and shows it in the subscription read again', async () => {
    const res = await stack.gql(ADD, { input: { subscription: { id: PLESK_DEMO.attachable.subscriptionId }, planGuid: ADDON.ssl.guid } });
    expect(res.body.data.addPleskSubscriptionAddon).toMatchObject({
      __typename: 'AddPleskSubscriptionAddonSuccess',
      problems: null,
      plan: { guid: ADDON.ssl.guid, name: ADDON.ssl.name, kind: 'ADDON' },
      subscription: { id: SUBS.shop.id, addonPlans: [{ guid: ADDON.backup.guid }, { guid: ADDON.mailPro.guid }, { guid: ADDON.ssl.guid }] },
    });
    expect(addonGuids(SUBS.shop.id)).toContain(ADDON.ssl.guid);
    expect(changes()).toEqual([`webspace/add-subscription id:${SUBS.shop.id} plan:${ADDON.ssl.guid}`]);
  });

  it('by plan external ID, on a subscription without add-ons', async () => {
    const res = await stack.gql(ADD, { input: { subscription: { id: SUBS.cafe.id }, planExternalId: ADDON.backup.externalId } });
    expect(res.body.data.addPleskSubscriptionAddon).toMatchObject({
      __typename: 'AddPleskSubscriptionAddonSuccess',
      subscription: { id: SUBS.cafe.id, addonPlans: [{ guid: ADDON.backup.guid, name: ADDON.backup.name }] },
    });
  });

  it('an add-on already attached is PreconditionFailedError ALREADY_ATTACHED, nothing sent', async () => {
    const res = await stack.gql(ADD, { input: { subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid } });
    expect(res.body.data.addPleskSubscriptionAddon).toMatchObject({ __typename: 'PreconditionFailedError', code: 'ALREADY_ATTACHED' });
    expect(changes()).toEqual([]);
  });

  it('a custom subscription (no service plan) is PreconditionFailedError NO_SERVICE_PLAN', async () => {
    const cafe = stack.pleskSandbox.store.subscriptions.find((s) => String(s.id) === SUBS.cafe.id)!;
    cafe.servicePlanGuid = null;
    const res = await stack.gql(ADD, { input: { subscription: { id: SUBS.cafe.id }, planGuid: ADDON.ssl.guid } });
    expect(res.body.data.addPleskSubscriptionAddon).toMatchObject({ __typename: 'PreconditionFailedError', code: 'NO_SERVICE_PLAN' });
    expect(changes()).toEqual([]);
  });

  it('a service plan GUID is not an add-on plan: NotFoundError', async () => {
    const res = await stack.gql(ADD, { input: { subscription: { id: SUBS.shop.id }, planGuid: SERVICE.business.guid } });
    expect(res.body.data.addPleskSubscriptionAddon).toMatchObject({ __typename: 'NotFoundError', resource: 'Plesk add-on plan' });
  });

  it('attach then detach in one request: each reads the subscription again', async () => {
    const res = await stack.gql(/* GraphQL */ `mutation {
      add: addPleskSubscriptionAddon(input: { subscription: { id: "${SUBS.blog.id}" }, planGuid: "${ADDON.ssl.guid}" }) {
        ... on AddPleskSubscriptionAddonSuccess { subscription { addonPlans { guid } } }
      }
      remove: removePleskSubscriptionAddon(input: { subscription: { id: "${SUBS.blog.id}" }, planGuid: "${ADDON.ssl.guid}" }) {
        ... on RemovePleskSubscriptionAddonSuccess { subscription { addonPlans { guid } } }
      }
    }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.add.subscription.addonPlans).toEqual([{ guid: ADDON.mailPro.guid }, { guid: ADDON.ssl.guid }]);
    expect(res.body.data.remove.subscription.addonPlans).toEqual([{ guid: ADDON.mailPro.guid }]);
  });
});

describe('authorization', () => {
  const remove = { input: { subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid } };
  const add = { input: { subscription: { id: SUBS.shop.id }, planGuid: ADDON.ssl.guid } };

  it('an operator may attach but not detach', async () => {
    const attached = await stack.as('operator')(ADD, add);
    expect(attached.body.data.addPleskSubscriptionAddon.__typename).toBe('AddPleskSubscriptionAddonSuccess');
    stack.pleskSandbox.clearRequests();
    const detached = await stack.as('operator')(REMOVE, remove);
    expect(detached.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'PermissionDeniedError', code: 'PERMISSION_DENIED' });
    expect(pleskPackets(stack)).toEqual([]);
  });

  it('a viewer may do neither', async () => {
    const attached = await stack.as('viewer')(ADD, add);
    expect(attached.body.data.addPleskSubscriptionAddon.__typename).toBe('PermissionDeniedError');
    const detached = await stack.as('viewer')(REMOVE, remove);
    expect(detached.body.data.removePleskSubscriptionAddon.__typename).toBe('PermissionDeniedError');
    expect(pleskPackets(stack)).toEqual([]);
  });

  it('an admin of another server may not act on this one', async () => {
    const res = await stack.as('otherAdmin')(REMOVE, remove);
    expect(res.body.data.removePleskSubscriptionAddon.__typename).toBe('PermissionDeniedError');
    expect(pleskPackets(stack)).toEqual([]);
    expect(addonGuids(SUBS.shop.id)).toContain(ADDON.backup.guid);
  });
});

describe('input validation (zero Plesk calls)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['both planGuid and planExternalId', { subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid, planExternalId: ADDON.backup.externalId }],
    ['neither planGuid nor planExternalId', { subscription: { id: SUBS.shop.id } }],
    ['a null planGuid alone', { subscription: { id: SUBS.shop.id }, planGuid: null }],
    ['a malformed planGuid', { subscription: { id: SUBS.shop.id }, planGuid: 'backup' }],
    ['a planGuid with markup', { subscription: { id: SUBS.shop.id }, planGuid: `${ADDON.backup.guid}</plan-guid><no-plan/>` }],
    ['an empty planExternalId', { subscription: { id: SUBS.shop.id }, planExternalId: '' }],
    ['a planExternalId over 255 characters', { subscription: { id: SUBS.shop.id }, planExternalId: 'x'.repeat(256) }],
    ['a planExternalId with a control character', { subscription: { id: SUBS.shop.id }, planExternalId: 'addon\u0007' }],
    ['a malformed subscription id', { subscription: { id: '42 ' }, planGuid: ADDON.backup.guid }],
    ['a subscription name with a newline', { subscription: { name: 'a\nb' }, planGuid: ADDON.backup.guid }],
    ['a malformed server name', { server: '../etc', subscription: { id: SUBS.shop.id }, planGuid: ADDON.backup.guid }],
  ];

  it.each(cases)('%s is InvalidInputError', async (_name, input) => {
    for (const [document, field] of [
      [REMOVE, 'removePleskSubscriptionAddon'],
      [ADD, 'addPleskSubscriptionAddon'],
    ] as const) {
      const res = await stack.gql(document, { input });
      expect(res.body.data[field]).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
      expect(res.body.data[field].issues.length).toBeGreaterThan(0);
    }
    expect(pleskPackets(stack)).toEqual([]);
  });

  it('names the offending field', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id }, planGuid: 'nope' } });
    expect(res.body.data.removePleskSubscriptionAddon.issues).toEqual([{ path: ['input', 'planGuid'], message: expect.stringContaining('GUID') }]);
  });

  it('a subscription key with two keys is refused by GraphQL (oneOf)', async () => {
    const res = await stack.gql(REMOVE, { input: { subscription: { id: SUBS.shop.id, name: SUBS.shop.name }, planGuid: ADDON.backup.guid } });
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.[0]?.message).toMatch(/Exactly one key must be specified/);
    expect(pleskPackets(stack)).toEqual([]);
  });
});
