import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, pleskPackets, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  // Neither Plesk credential ever reaches a GraphQL response.
  const everything = stack.responses.join('\n');
  expect(everything).not.toContain(stack.pleskSandbox.password);
  expect(everything).not.toContain(stack.pleskSandbox.secretKey);
  expect(everything).not.toContain(stack.pleskSandbox.url);
  await stack.close();
});
beforeEach(() => stack.pleskSandbox.reset());

const { subscriptions: SUBS, servicePlans: SERVICE, addonPlans: ADDON, missing: MISSING } = PLESK_DEMO;

/** `operator/operation filter-kind:values` of every packet the sandbox received. */
function packets(): string[] {
  return pleskPackets(stack).flatMap((r) =>
    r.operations.map((op) => `${op.operator}/${op.operation} ${op.filter?.kind ?? '-'}:${op.filter?.values.join(',') ?? ''}`),
  );
}

const SUBSCRIPTION = /* GraphQL */ `
  query ($server: String, $by: PleskSubscriptionKey!) {
    pleskSubscription(server: $server, by: $by) {
      server id name asciiName guid externalId status active locked synchronized ownerLogin createdDate
      servicePlan { id guid externalId name kind }
      addonPlans { id guid externalId name kind }
    }
  }`;

describe('pleskSubscription(by: id)', () => {
  it('reads a subscription with its service plan and add-on plans told apart', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { id: SUBS.shop.id } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.pleskSubscription).toEqual({
      server: 'default',
      id: SUBS.shop.id,
      name: SUBS.shop.name,
      asciiName: SUBS.shop.asciiName,
      guid: SUBS.shop.guid,
      externalId: SUBS.shop.externalId,
      status: 0,
      active: true,
      locked: false,
      synchronized: true,
      ownerLogin: 'alice',
      createdDate: SUBS.shop.createdDate,
      servicePlan: { ...SERVICE.unlimited, kind: 'SERVICE' },
      addonPlans: [
        { ...ADDON.backup, kind: 'ADDON' },
        { ...ADDON.mailPro, kind: 'ADDON' },
      ],
    });
    const planGuids = [SERVICE.unlimited.guid, ADDON.backup.guid, ADDON.mailPro.guid];
    // webspace get, then both plan look-ups with every GUID (§4.7), in parallel.
    const sent = packets();
    expect(sent[0]).toBe(`webspace/get id:${SUBS.shop.id}`);
    expect(sent.slice(1).sort()).toEqual([`service-plan-addon/get guid:${planGuids.join(',')}`, `service-plan/get guid:${planGuids.join(',')}`]);
  });

  it('asks for no plan when no plan field is selected', async () => {
    const res = await stack.gql(`query { pleskSubscription(by: { id: "${SUBS.shop.id}" }) { id name } }`);
    expect(res.body.data.pleskSubscription).toEqual({ id: SUBS.shop.id, name: SUBS.shop.name });
    expect(packets()).toEqual([`webspace/get id:${SUBS.shop.id}`]);
  });

  it('sends the credentials as headers, one method only', async () => {
    await stack.gql(`query { pleskSubscription(by: { id: "${SUBS.shop.id}" }) { id } }`);
    const sent = pleskPackets(stack)[0]!;
    expect(sent.auth).toBe('login');
    expect(sent.headers['http_auth_passwd']).toBe('[redacted]');
    expect(sent.version).toBe('1.6.9.1');
  });

  it('shows a disabled subscription (status 16) with an IDN name', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { id: SUBS.cafe.id } });
    expect(res.body.data.pleskSubscription).toMatchObject({
      name: 'café.example.org',
      asciiName: 'xn--caf-dma.example.org',
      status: 16,
      active: false,
      servicePlan: { guid: SERVICE.starter.guid },
      addonPlans: [],
    });
  });

  it('gives a null externalId for an empty <external-id/>', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { id: SUBS.blog.id } });
    expect(res.body.data.pleskSubscription).toMatchObject({ externalId: null, addonPlans: [{ guid: ADDON.mailPro.guid, name: 'Mail & Spam <Pro>' }] });
  });

  it('is null for an unknown id (Plesk 1013), without an error', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { id: MISSING.subscriptionId } });
    expect(res.body).toEqual({ data: { pleskSubscription: null } });
    expect(packets()).toEqual([`webspace/get id:${MISSING.subscriptionId}`]);
  });

  it('is null when Plesk sends no result at all for the value', async () => {
    stack.pleskSandbox.behaviour.missingValue = 'omit';
    const res = await stack.gql(SUBSCRIPTION, { by: { id: MISSING.subscriptionId } });
    expect(res.body).toEqual({ data: { pleskSubscription: null } });
  });
});

describe('pleskSubscription by the other keys', () => {
  it('by name', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { name: SUBS.bakery.name } });
    expect(res.body.data.pleskSubscription).toMatchObject({ id: SUBS.bakery.id, servicePlan: { name: 'Business & Co' } });
    expect(packets()[0]).toBe(`webspace/get name:${SUBS.bakery.name}`);
  });

  it('by IDN name in Unicode form', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { name: SUBS.cafe.name } });
    expect(res.body.data.pleskSubscription).toMatchObject({ id: SUBS.cafe.id });
  });

  it('by GUID, normalised to lower case', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { guid: SUBS.blog.guid.toUpperCase() } });
    expect(res.body.data.pleskSubscription).toMatchObject({ id: SUBS.blog.id, guid: SUBS.blog.guid });
    expect(packets()[0]).toBe(`webspace/get guid:${SUBS.blog.guid}`);
  });

  it('by external ID with XML-special characters (escaped on the wire, matched back)', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { externalId: SUBS.bakery.externalId } });
    expect(res.body.data.pleskSubscription).toMatchObject({ id: SUBS.bakery.id, externalId: SUBS.bakery.externalId });
    expect(packets()[0]).toBe(`webspace/get external-id:${SUBS.bakery.externalId}`);
    expect(pleskPackets(stack)[0]!.body).toContain('crm:bob&amp;partners/44');
  });

  it('by an unknown name is null', async () => {
    const res = await stack.gql(SUBSCRIPTION, { by: { name: MISSING.subscriptionName } });
    expect(res.body).toEqual({ data: { pleskSubscription: null } });
  });
});

describe('plans of a subscription', () => {
  it('a custom subscription (no plan) has no service plan and no add-ons, and no plan look-up is made', async () => {
    const cafe = stack.pleskSandbox.store.subscriptions.find((s) => String(s.id) === SUBS.cafe.id)!;
    cafe.servicePlanGuid = null;
    cafe.addonGuids = [];
    const res = await stack.gql(SUBSCRIPTION, { by: { id: SUBS.cafe.id } });
    expect(res.body.data.pleskSubscription).toMatchObject({ servicePlan: null, addonPlans: [], locked: null, synchronized: null });
    expect(packets()).toEqual([`webspace/get id:${SUBS.cafe.id}`]);
  });

  it('drops (and logs) a plan GUID that is neither a service plan nor an add-on plan in scope', async () => {
    const shop = stack.pleskSandbox.store.subscriptions.find((s) => String(s.id) === SUBS.shop.id)!;
    shop.addonGuids.push(MISSING.planGuid);
    const res = await stack.gql(SUBSCRIPTION, { by: { id: SUBS.shop.id } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.pleskSubscription.addonPlans.map((p: any) => p.guid)).toEqual([ADDON.backup.guid, ADDON.mailPro.guid]);
    expect(stack.logLines.some((line) => line.includes(MISSING.planGuid) && line.includes('dropped'))).toBe(true);
  });

  it('an add-on plan owned by someone else (out of the look-up scope) is dropped too', async () => {
    const backup = stack.pleskSandbox.store.plans.find((p) => p.guid === ADDON.backup.guid)!;
    backup.ownerId = 7;
    backup.ownerLogin = 'alice';
    const res = await stack.gql(SUBSCRIPTION, { by: { id: SUBS.shop.id } });
    expect(res.body.data.pleskSubscription.addonPlans.map((p: any) => p.guid)).toEqual([ADDON.mailPro.guid]);
  });
});

describe('server argument', () => {
  it('accepts the default server by name, case-insensitively', async () => {
    const res = await stack.gql(SUBSCRIPTION, { server: 'DEFAULT', by: { id: SUBS.shop.id } });
    expect(res.body.data.pleskSubscription.server).toBe('default');
  });

  it('an unknown server is a NOT_FOUND error, with no Plesk call', async () => {
    const res = await stack.gql(SUBSCRIPTION, { server: 'other-panel', by: { id: SUBS.shop.id } });
    expect(res.body.data?.pleskSubscription ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(pleskPackets(stack)).toEqual([]);
  });

  it.each(['', 'bad name', '-leading', 'a'.repeat(64), 'panel/../x'])('a malformed server name %j is INVALID_INPUT, with no Plesk call', async (server) => {
    const res = await stack.gql(SUBSCRIPTION, { server, by: { id: SUBS.shop.id } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(pleskPackets(stack)).toEqual([]);
  });
});

describe('authorization', () => {
  it('a viewer may read', async () => {
    const res = await stack.as('viewer')(SUBSCRIPTION, { by: { id: SUBS.shop.id } });
    expect(res.body.data.pleskSubscription.id).toBe(SUBS.shop.id);
    const plans = await stack.as('viewer')(`query { pleskAddonPlans { guid } }`);
    expect(plans.body.data.pleskAddonPlans).toHaveLength(3);
  });

  it('a caller without this server in scope is PERMISSION_DENIED, with no Plesk call', async () => {
    const res = await stack.as('otherAdmin')(SUBSCRIPTION, { by: { id: SUBS.shop.id } });
    expect(res.body.data.pleskSubscription).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
    const plans = await stack.as('otherAdmin')(`query { pleskAddonPlans { guid } }`);
    expect(plans.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
    expect(pleskPackets(stack)).toEqual([]);
  });
});

describe('key validation (zero Plesk calls)', () => {
  it.each([
    ['no key', '{}'],
    ['two keys', `{ id: "42", name: "${SUBS.shop.name}" }`],
    ['a null key', '{ id: null }'],
  ])('%s in the document is refused by GraphQL validation (oneOf)', async (_name, literal) => {
    const res = await stack.gql(`query { pleskSubscription(by: ${literal}) { id } }`);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.[0]?.message).toMatch(/exactly one key|must be non-null/);
    expect(pleskPackets(stack)).toEqual([]);
  });

  it.each([
    ['no key', {}],
    ['two keys', { id: '42', guid: SUBS.shop.guid }],
  ])('%s in variables is refused', async (_name, by) => {
    const res = await stack.gql(SUBSCRIPTION, { by });
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.message).toMatch(/Exactly one key must be specified/);
    expect(pleskPackets(stack)).toEqual([]);
  });

  it.each([
    ['id with a leading zero', { id: '042' }, 'id'],
    ['zero id', { id: '0' }, 'id'],
    ['negative id', { id: '-1' }, 'id'],
    ['id with letters', { id: '42abc' }, 'id'],
    ['id over 2^31-1', { id: '2147483648' }, 'id'],
    ['malformed GUID', { guid: 'not-a-guid' }, 'guid'],
    ['GUID with injection', { guid: `${SUBS.shop.guid}</guid><id>1` }, 'guid'],
    ['empty name', { name: '' }, 'name'],
    ['name with a newline', { name: 'shop.example.com\nx' }, 'name'],
    ['name over 255 characters', { name: `${'a'.repeat(252)}.com` }, 'name'],
    ['name with outer spaces', { name: ' shop.example.com' }, 'name'],
    ['external ID with a NUL', { externalId: 'billing\u00001001' }, 'externalId'],
    ['empty external ID', { externalId: '' }, 'externalId'],
  ])('%s is INVALID_INPUT naming the field', async (_name, by, field) => {
    const res = await stack.gql(SUBSCRIPTION, { by });
    expect(res.body.data?.pleskSubscription ?? null).toBeNull();
    const error = res.body.errors?.[0];
    expect(error?.extensions?.code).toBe('INVALID_INPUT');
    expect(error?.extensions?.issues?.[0]?.path).toEqual(['by', field]);
    expect(pleskPackets(stack)).toEqual([]);
  });

  it('an id given as a GraphQL integer is accepted', async () => {
    const res = await stack.gql(`query { pleskSubscription(by: { id: ${SUBS.shop.id} }) { id } }`);
    expect(res.body.data.pleskSubscription).toEqual({ id: SUBS.shop.id });
  });
});

describe('pleskAddonPlans', () => {
  it('lists the add-on plans in one service-plan-addon get with an empty filter', async () => {
    const res = await stack.gql(`query { pleskAddonPlans { id guid externalId name kind } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.pleskAddonPlans).toEqual(Object.values(ADDON).map((plan) => ({ ...plan, kind: 'ADDON' })));
    expect(packets()).toEqual(['service-plan-addon/get -:']);
  });

  it('is an empty list when the server has no add-on plan in scope', async () => {
    stack.pleskSandbox.store.plans = stack.pleskSandbox.store.plans.filter((p) => p.kind === 'service');
    const res = await stack.gql(`query { pleskAddonPlans(server: "default") { guid } }`);
    expect(res.body).toEqual({ data: { pleskAddonPlans: [] } });
  });

  it('an unknown server is NOT_FOUND', async () => {
    const res = await stack.gql(`query { pleskAddonPlans(server: "nowhere") { guid } }`);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(pleskPackets(stack)).toEqual([]);
  });
});

describe('pleskSubscriptions(owner)', () => {
  const { alice } = PLESK_DEMO.customers;
  const OF_OWNER = /* GraphQL */ `
    query ($owner: PleskOwnerKey!) {
      pleskSubscriptions(owner: $owner) { id name ownerLogin servicePlan { guid } addonPlans { guid } }
    }`;

  it("lists a customer's subscriptions with their plans: one webspace get, the plans of all in one look-up each", async () => {
    const res = await stack.gql(OF_OWNER, { owner: { login: alice.login } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.pleskSubscriptions).toEqual([
      { id: SUBS.shop.id, name: SUBS.shop.name, ownerLogin: 'alice', servicePlan: { guid: SERVICE.unlimited.guid }, addonPlans: [{ guid: ADDON.backup.guid }, { guid: ADDON.mailPro.guid }] },
      { id: SUBS.blog.id, name: SUBS.blog.name, ownerLogin: 'alice', servicePlan: expect.any(Object), addonPlans: expect.any(Array) },
    ]);
    const sent = packets();
    expect(sent[0]).toBe('webspace/get owner-login:alice');
    expect(sent.slice(1).map((p) => p.split(' ')[0]).sort()).toEqual(['service-plan-addon/get', 'service-plan/get']);
  });

  it('by the owner id, GUID or external id too; an unknown owner has no subscription', async () => {
    for (const owner of [{ id: alice.id }, { guid: alice.guid.toUpperCase() }, { externalId: alice.externalId }]) {
      const res = await stack.gql(`query ($owner: PleskOwnerKey!) { pleskSubscriptions(owner: $owner) { id } }`, { owner });
      expect(res.body.data.pleskSubscriptions).toEqual([{ id: SUBS.shop.id }, { id: SUBS.blog.id }]);
    }
    const none = await stack.gql(`query { pleskSubscriptions(owner: { login: "nobody" }) { id } }`);
    expect(none.body).toEqual({ data: { pleskSubscriptions: [] } });
  });

  it('a malformed owner key, two keys or a server out of scope: an error and no Plesk call', async () => {
    stack.pleskSandbox.clearRequests();
    const bad = await stack.gql(OF_OWNER, { owner: { id: 'seven' } });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const two = await stack.gql(OF_OWNER, { owner: { id: alice.id, login: alice.login } });
    expect(two.body.errors).toHaveLength(1);
    const denied = await stack.as('otherAdmin')(OF_OWNER, { owner: { login: alice.login } });
    expect(denied.body.data.pleskSubscriptions).toBeNull();
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('PERMISSION_DENIED');
    expect(pleskPackets(stack)).toEqual([]);
  });
});
