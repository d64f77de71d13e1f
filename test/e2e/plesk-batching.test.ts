import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, pleskPackets, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.pleskSandbox.reset());

const { subscriptions: SUBS, servicePlans: SERVICE, addonPlans: ADDON, missing: MISSING } = PLESK_DEMO;

/** The operations the sandbox received, one entry per packet. */
function operations() {
  return pleskPackets(stack).map((r) => {
    expect(r.operations).toHaveLength(1);
    return r.operations[0]!;
  });
}

const byOperation = (name: string) => operations().filter((op) => `${op.operator}/${op.operation}` === name);

/** One aliased `pleskSubscription` per key literal. */
function document(keys: string[], selection = 'id'): string {
  return `query { ${keys.map((key, i) => `s${i}: pleskSubscription(by: ${key}) { ${selection} }`).join(' ')} }`;
}

const id = (value: string) => `{ id: "${value}" }`;
const name = (value: string) => `{ name: "${value}" }`;

describe('pleskSubscription look-ups in one operation', () => {
  it('N look-ups by id are ONE webspace get packet with N filter values, answered in order', async () => {
    const ids = [SUBS.shop.id, SUBS.blog.id, MISSING.subscriptionId, SUBS.bakery.id, SUBS.cafe.id];
    const res = await stack.gql(document(ids.map(id), 'id name'));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      s0: { id: SUBS.shop.id, name: SUBS.shop.name },
      s1: { id: SUBS.blog.id, name: SUBS.blog.name },
      s2: null,
      s3: { id: SUBS.bakery.id, name: SUBS.bakery.name },
      s4: { id: SUBS.cafe.id, name: SUBS.cafe.name },
    });
    expect(pleskPackets(stack)).toHaveLength(1);
    expect(operations()[0]).toMatchObject({ operator: 'webspace', operation: 'get', filter: { kind: 'id', values: ids } });
  });

  it('a repeated key is sent once', async () => {
    const res = await stack.gql(document([id(SUBS.shop.id), id(SUBS.blog.id), id(SUBS.shop.id)]));
    expect(res.body.data).toEqual({ s0: { id: SUBS.shop.id }, s1: { id: SUBS.blog.id }, s2: { id: SUBS.shop.id } });
    expect(operations()).toEqual([expect.objectContaining({ filter: { kind: 'id', values: [SUBS.shop.id, SUBS.blog.id] } })]);
  });

  it('one packet per key kind: ids and names never share a filter (Plesk rejects mixed kinds)', async () => {
    const res = await stack.gql(document([id(SUBS.shop.id), name(SUBS.blog.name), id(SUBS.bakery.id), name(SUBS.cafe.name)]));
    expect(res.body.data).toEqual({ s0: { id: SUBS.shop.id }, s1: { id: SUBS.blog.id }, s2: { id: SUBS.bakery.id }, s3: { id: SUBS.cafe.id } });
    const filters = byOperation('webspace/get').map((op) => op.filter);
    expect(filters).toHaveLength(2);
    expect(filters).toEqual(
      expect.arrayContaining([
        { kind: 'id', values: [SUBS.shop.id, SUBS.bakery.id] },
        { kind: 'name', values: [SUBS.blog.name, SUBS.cafe.name] },
      ]),
    );
  });

  it('100 look-ups (the alias limit) are still one packet', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => String(1000 + i));
    ids[0] = SUBS.shop.id;
    const res = await stack.gql(document(ids.map(id)));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.s0).toEqual({ id: SUBS.shop.id });
    expect(Object.values(res.body.data).filter((v) => v === null)).toHaveLength(99);
    expect(pleskPackets(stack)).toHaveLength(1);
    expect(operations()[0]!.filter!.values).toHaveLength(100);
  });

  it('results are matched by filter-id, not position', async () => {
    stack.pleskSandbox.behaviour.resultOrder = 'reverse';
    const res = await stack.gql(document([id(SUBS.shop.id), id(MISSING.subscriptionId), id(SUBS.cafe.id)], 'id name'));
    expect(res.body.data).toEqual({ s0: { id: SUBS.shop.id, name: SUBS.shop.name }, s1: null, s2: { id: SUBS.cafe.id, name: SUBS.cafe.name } });
    expect(pleskPackets(stack)).toHaveLength(1);
  });
});

describe('plans of N subscriptions', () => {
  const PLANS = 'servicePlan { guid name } addonPlans { guid name }';

  it('cost one service-plan get and one service-plan-addon get in all, each with every distinct GUID once', async () => {
    const ids = [SUBS.shop.id, SUBS.blog.id, SUBS.bakery.id, SUBS.cafe.id];
    const res = await stack.gql(document(ids.map(id), `id ${PLANS}`));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      s0: { id: SUBS.shop.id, servicePlan: { guid: SERVICE.unlimited.guid, name: SERVICE.unlimited.name }, addonPlans: [{ guid: ADDON.backup.guid, name: ADDON.backup.name }, { guid: ADDON.mailPro.guid, name: ADDON.mailPro.name }] },
      s1: { id: SUBS.blog.id, servicePlan: { guid: SERVICE.starter.guid, name: SERVICE.starter.name }, addonPlans: [{ guid: ADDON.mailPro.guid, name: ADDON.mailPro.name }] },
      s2: { id: SUBS.bakery.id, servicePlan: { guid: SERVICE.business.guid, name: SERVICE.business.name }, addonPlans: [{ guid: ADDON.backup.guid, name: ADDON.backup.name }] },
      s3: { id: SUBS.cafe.id, servicePlan: { guid: SERVICE.starter.guid, name: SERVICE.starter.name }, addonPlans: [] },
    });
    expect(pleskPackets(stack)).toHaveLength(3);
    expect(byOperation('webspace/get')).toHaveLength(1);
    const distinct = [SERVICE.unlimited.guid, ADDON.backup.guid, ADDON.mailPro.guid, SERVICE.starter.guid, SERVICE.business.guid];
    for (const operation of ['service-plan/get', 'service-plan-addon/get']) {
      const sent = byOperation(operation);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.filter!.kind).toBe('guid');
      expect([...sent[0]!.filter!.values].sort()).toEqual([...distinct].sort());
    }
  });

  it('selecting only servicePlan, or only addonPlans, costs the same two plan packets', async () => {
    const ids = [SUBS.shop.id, SUBS.blog.id, SUBS.bakery.id];
    for (const selection of ['servicePlan { guid }', 'addonPlans { guid }']) {
      stack.pleskSandbox.clearRequests();
      const res = await stack.gql(document(ids.map(id), selection));
      expect(res.body.errors).toBeUndefined();
      expect(byOperation('webspace/get')).toHaveLength(1);
      expect(byOperation('service-plan/get')).toHaveLength(1);
      expect(byOperation('service-plan-addon/get')).toHaveLength(1);
    }
  });

  it('the same subscription asked twice with both plan fields is read and classified once', async () => {
    const res = await stack.gql(document([id(SUBS.shop.id), id(SUBS.shop.id)], PLANS));
    expect(res.body.data.s0).toEqual(res.body.data.s1);
    expect(pleskPackets(stack)).toHaveLength(3);
  });
});

describe('pleskAddonPlans', () => {
  it('asked by several fields of one request is one packet; the next request asks again', async () => {
    const res = await stack.gql(`query { menu: pleskAddonPlans { guid name } picker: pleskAddonPlans { guid } again: pleskAddonPlans { guid } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.menu).toHaveLength(3);
    expect(res.body.data.picker).toEqual(res.body.data.menu.map(({ guid }: { guid: string }) => ({ guid })));
    expect(res.body.data.again).toEqual(res.body.data.picker);
    expect(byOperation('service-plan-addon/get')).toHaveLength(1);
    await stack.gql(`query { pleskAddonPlans { guid } }`);
    expect(byOperation('service-plan-addon/get')).toHaveLength(2);
  });
});

describe('after a change', () => {
  it('a mutation reads the subscription again instead of reusing what the checks read', async () => {
    const res = await stack.gql(/* GraphQL */ `mutation {
      removePleskSubscriptionAddon(input: { subscription: { id: "${SUBS.shop.id}" }, planGuid: "${ADDON.mailPro.guid}" }) {
        ... on RemovePleskSubscriptionAddonSuccess { subscription { id addonPlans { guid } } }
      }
    }`);
    expect(res.body.data.removePleskSubscriptionAddon.subscription.addonPlans).toEqual([{ guid: ADDON.backup.guid }]);
    const webspace = byOperation('webspace/get');
    expect(webspace).toHaveLength(2);
    expect(webspace.every((op) => op.filter?.kind === 'id' && op.filter.values.join() === SUBS.shop.id)).toBe(true);
    expect(byOperation('webspace/remove-subscription')).toHaveLength(1);
  });
});
