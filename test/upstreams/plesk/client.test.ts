// The client end to end against the Plesk sandbox over loopback HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError } from '../../../src/errors.js';
import { PLESK_DEMO, startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';
import {
  PleskApiError,
  PleskConditionError,
  PleskRequestError,
  compareProtocolVersions,
  createPleskClient,
  resolveProtocolVersion,
  toGatewayError,
} from '../../../src/upstreams/plesk/index.js';
import type { PlanRef, PleskClient, SubscriptionRef } from '../../../src/upstreams/plesk/index.js';

const { subscriptions: SUBS, addonPlans: ADDONS, servicePlans: PLANS } = PLESK_DEMO;

let sb: PleskSandbox;
let client: PleskClient;
const clients: PleskClient[] = [];

function makeClient(options: Partial<Parameters<typeof createPleskClient>[0]> = {}): PleskClient {
  const c = createPleskClient({ baseUrl: sb.url, credentials: { login: sb.login, password: sb.password }, ...options });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  sb = await startPleskSandbox();
  client = makeClient();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sb.close();
});
beforeEach(() => sb.reset());

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('getSubscriptions', () => {
  it('gets N subscriptions in ONE packet, with mixed success and failure, per value in the given order', async () => {
    const lookups = await client.getSubscriptions({ kind: 'id', values: [SUBS.bakery.id, PLESK_DEMO.missing.subscriptionId, SUBS.shop.id, SUBS.cafe.id] });
    expect(sb.requests).toHaveLength(1);
    expect(sb.requests[0]!.operations).toEqual([
      { operator: 'webspace', operation: 'get', filter: { kind: 'id', values: ['44', '9999', '42', '45'] }, plan: null },
    ]);
    expect(lookups.map((l) => [l.value, l.outcome])).toEqual([
      ['44', 'found'],
      ['9999', 'not-found'],
      ['42', 'found'],
      ['45', 'found'],
    ]);
    const [bakery, missing, shop, cafe] = lookups;
    expect(missing).toMatchObject({ outcome: 'not-found', error: { errcode: 1013, layer: 'result', filterValue: '9999' } });
    expect(shop).toMatchObject({
      outcome: 'found',
      item: {
        id: '42',
        name: 'shop.example.com',
        guid: SUBS.shop.guid,
        externalId: 'billing-1001',
        ownerId: '7',
        ownerLogin: 'alice',
        active: true,
        locked: false,
        synchronized: true,
        plans: [
          { guid: PLANS.unlimited.guid, externalId: 'plan-unlimited' },
          { guid: ADDONS.backup.guid, externalId: 'addon-backup-10g' },
          { guid: ADDONS.mailPro.guid, externalId: 'addon-mail-pro' },
        ],
      },
    });
    expect(bakery).toMatchObject({ item: { externalId: 'crm:bob&partners/44', ownerLogin: 'bob' } });
    expect(cafe).toMatchObject({ item: { name: 'café.example.org', asciiName: 'xn--caf-dma.example.org', status: 16, active: false } });
  });

  it('matches results by filter-id, not by position (results reversed)', async () => {
    sb.behaviour.resultOrder = 'reverse';
    const lookups = await client.getSubscriptions({ kind: 'name', values: ['shop.example.com', 'blog.example.com', 'missing.example.org'] });
    expect(lookups.map((l) => (l.outcome === 'found' ? l.item.id : l.outcome))).toEqual(['42', '43', 'not-found']);
  });

  it('a value without any result is not-found (zero results, §5)', async () => {
    sb.behaviour.missingValue = 'omit';
    const lookups = await client.getSubscriptions({ kind: 'guid', values: [SUBS.blog.guid, PLESK_DEMO.missing.planGuid] });
    expect(lookups).toMatchObject([
      { outcome: 'found', item: { id: '43', externalId: null } },
      { value: PLESK_DEMO.missing.planGuid, outcome: 'not-found' },
    ]);
    expect(lookups[1]).not.toHaveProperty('error');
  });

  it('duplicates are sent once and answered for each position; escaping survives the round trip', async () => {
    const lookups = await client.getSubscriptions({ kind: 'externalId', values: ['crm:bob&partners/44', 'crm:bob&partners/44'] });
    expect(sb.requests[0]!.body).toContain('<filter><external-id>crm:bob&amp;partners/44</external-id></filter>');
    expect(lookups.map((l) => l.outcome)).toEqual(['found', 'found']);
  });

  it('an owner-scoped or unknown-kind key is refused before sending', async () => {
    await expect(client.getSubscriptions({ kind: 'id', values: ['abc'] })).rejects.toBeInstanceOf(PleskRequestError);
    await expect(client.getSubscriptions({ kind: 'id', values: [] })).rejects.toMatchObject({ reason: 'no-values' });
    expect(sb.requests).toHaveLength(0);
  });
});

describe('getSubscriptionsOf', () => {
  const { alice, bob } = PLESK_DEMO.customers;

  it("lists one owner's subscriptions in ONE packet, by each kind of owner key", async () => {
    for (const owner of [
      { kind: 'login', value: alice.login },
      { kind: 'id', value: alice.id },
      { kind: 'guid', value: alice.guid },
      { kind: 'externalId', value: alice.externalId },
    ] as const) {
      sb.reset();
      const subs = await client.getSubscriptionsOf(owner);
      expect(subs.map((s) => s.id)).toEqual([SUBS.shop.id, SUBS.blog.id]);
      expect(subs[0]).toMatchObject({ name: SUBS.shop.name, ownerLogin: alice.login });
      expect(sb.requests).toHaveLength(1);
    }
    expect((await client.getSubscriptionsOf({ kind: 'login', value: bob.login })).map((s) => s.id)).toEqual([SUBS.bakery.id, SUBS.cafe.id]);
  });

  it('an owner with no subscription, or none Plesk knows, is an empty list', async () => {
    await expect(client.getSubscriptionsOf({ kind: 'login', value: 'nobody' })).resolves.toEqual([]);
    await expect(client.getSubscriptionsOf({ kind: 'id', value: '999' })).resolves.toEqual([]);
  });

  it('another error result is thrown, naming the owner', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><get><result><status>error</status><errcode>1006</errcode><errtext>Permission denied.</errtext><filter-id>alice</filter-id></result></get></webspace></packet>`;
    sb.faults.add({ times: 1, fault: { kind: 'status', status: 200, body } });
    expect(await failure(client.getSubscriptionsOf({ kind: 'login', value: alice.login }))).toMatchObject({ errcode: 1006, filterValue: alice.login });
  });

  it('a malformed or unknown owner key is refused before sending', async () => {
    await expect(client.getSubscriptionsOf({ kind: 'id', value: 'seven' })).rejects.toBeInstanceOf(PleskRequestError);
    await expect(client.getSubscriptionsOf({ kind: 'guid', value: 'not-a-guid' })).rejects.toBeInstanceOf(PleskRequestError);
    await expect(client.getSubscriptionsOf({ kind: 'toString' as 'id', value: '7' })).rejects.toBeInstanceOf(PleskRequestError);
    expect(sb.requests).toHaveLength(0);
  });
});

describe('plans', () => {
  it('service-plan get and service-plan-addon get tell the main plan from add-ons', async () => {
    const guids = [PLANS.unlimited.guid, ADDONS.backup.guid, PLESK_DEMO.missing.planGuid];
    const service = await client.getServicePlans(guids);
    expect(service.map((l) => l.outcome)).toEqual(['found', 'not-found', 'not-found']);
    expect(service[0]).toMatchObject({ item: { kind: 'service', id: '3', name: 'Unlimited', externalId: 'plan-unlimited', guid: PLANS.unlimited.guid } });
    const classified = await client.classifyPlanGuids(guids);
    expect(classified.map((c) => c.kind)).toEqual(['service', 'addon', 'unknown']);
    expect(classified[1]).toMatchObject({ plan: { name: 'Backup 10 GB', externalId: 'addon-backup-10g' } });
  });

  it('lists every add-on plan (XML-special names intact) and looks plans up by external ID', async () => {
    const addons = await client.listAddonPlans();
    expect(addons.map((p) => [p.id, p.name])).toEqual([
      ['11', 'Backup 10 GB'],
      ['12', 'Mail & Spam <Pro>'],
      ['13', 'SSL "Premium" Certificate'],
    ]);
    expect(sb.requests.at(-1)!.operations[0]).toMatchObject({ operator: 'service-plan-addon', filter: { kind: null, values: [] } });
    const byExternal = await client.getAddonPlans({ kind: 'externalId', values: ['addon-ssl-premium', 'nope'] }, { owner: 'all' });
    expect(byExternal.map((l) => l.outcome)).toEqual(['found', 'not-found']);
    expect(sb.requests.at(-1)!.body).toContain('<owner-all/>');
    expect((await client.listServicePlans()).map((p) => p.name)).toEqual(['Unlimited', 'Starter', 'Business & Co']);
  });
});

describe('add-on changes', () => {
  const shop: SubscriptionRef = { kind: 'id', value: SUBS.shop.id };

  it('removes an add-on, returning the problems text as a warning', async () => {
    const result = await client.removeSubscriptionAddon(shop, { guid: ADDONS.backup.guid });
    expect(result).toEqual({ subscriptionId: '42', problems: PLESK_DEMO.detachWithProblems.problems });
    expect(sb.requests[0]!.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><remove-subscription><filter><id>42</id></filter><plan-guid>${ADDONS.backup.guid}</plan-guid></remove-subscription></webspace></packet>`,
    );
    const [after] = await client.getSubscriptions({ kind: 'id', values: ['42'] });
    expect(after?.outcome === 'found' && after.item.plans.map((p) => p.guid)).toEqual([PLANS.unlimited.guid, ADDONS.mailPro.guid]);
  });

  it('adds an add-on by external ID; adding it twice → ALREADY_ATTACHED', async () => {
    await expect(client.addSubscriptionAddon({ kind: 'name', value: 'shop.example.com' }, { externalId: ADDONS.ssl.externalId })).resolves.toEqual({
      subscriptionId: '42',
      problems: null,
    });
    const again = await failure(client.addSubscriptionAddon(shop, { guid: ADDONS.ssl.guid }));
    expect(again).toMatchObject({ errcode: 1007, layer: 'result', operation: 'webspace/add-subscription' });
    expect(toGatewayError(again)).toMatchObject({ code: 'ALREADY_ATTACHED' });
  });

  it('removing an add-on that is not attached → NOT_ATTACHED; a missing subscription → NotFoundError', async () => {
    const notAttached = await failure(client.removeSubscriptionAddon(shop, { guid: ADDONS.ssl.guid }));
    expect(toGatewayError(notAttached)).toMatchObject({ code: 'NOT_ATTACHED' });
    const missing = await failure(client.removeSubscriptionAddon({ kind: 'id', value: '9999' }, { guid: ADDONS.ssl.guid }));
    expect(missing).toBeInstanceOf(PleskApiError);
    expect(toGatewayError(missing)).toBeInstanceOf(NotFoundError);
  });

  it('switchSubscription changes the main plan or makes the subscription custom', async () => {
    await client.switchSubscription({ kind: 'id', value: SUBS.blog.id }, { guid: PLANS.business.guid });
    await client.switchSubscription({ kind: 'id', value: SUBS.cafe.id }, { noPlan: true });
    const [blog, cafe] = await client.getSubscriptions({ kind: 'id', values: [SUBS.blog.id, SUBS.cafe.id] });
    expect(blog).toMatchObject({ item: { plans: [{ guid: PLANS.business.guid }, { guid: ADDONS.mailPro.guid }] } });
    expect(cafe).toMatchObject({ item: { plans: [], locked: null } });
  });

  it('refused packets never reach the wire', async () => {
    const attempts: (() => Promise<unknown>)[] = [
      () => client.removeSubscriptionAddon({ kind: 'id', value: '' }, { guid: ADDONS.backup.guid }),
      () => client.removeSubscriptionAddon({ kind: 'name' } as SubscriptionRef, { guid: ADDONS.backup.guid }),
      () => client.removeSubscriptionAddon(shop, { guid: ADDONS.backup.guid, externalId: 'x' } as unknown as PlanRef),
      () => client.removeSubscriptionAddon(shop, {} as PlanRef),
      () => client.addSubscriptionAddon(shop, { guid: 'not-a-guid' }),
      () => client.detachAddon({ kind: 'id', value: '' }, { guid: ADDONS.backup.guid }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(PleskRequestError);
    expect(sb.requests).toHaveLength(0);
  });

  it('concurrent changes of one subscription are serialized', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'latency', ms: 150 } });
    const order: string[] = [];
    await Promise.all([
      client.removeSubscriptionAddon(shop, { guid: ADDONS.backup.guid }).then(() => order.push('remove')),
      client.addSubscriptionAddon(shop, { guid: ADDONS.ssl.guid }).then(() => order.push('add')),
    ]);
    expect(order).toEqual(['remove', 'add']);
  });
});

describe('checked attach / detach', () => {
  it('detachAddon checks the plan and the attachment first', async () => {
    const result = await client.detachAddon({ kind: 'name', value: 'bakery.example.net' }, { externalId: 'addon-backup-10g' });
    expect(result).toMatchObject({ subscriptionId: '44', problems: expect.stringContaining('bakery.example.net'), plan: { id: '11' } });
    expect(sb.requests.map((r) => `${r.operations[0]!.operator}/${r.operations[0]!.operation}`)).toEqual([
      'service-plan-addon/get',
      'webspace/get',
      'webspace/get',
      'webspace/remove-subscription',
    ]);
    expect(sb.requests.at(-1)!.operations[0]!.filter).toEqual({ kind: 'id', values: ['44'] });

    sb.clearRequests();
    const error = await failure(client.detachAddon({ kind: 'id', value: '44' }, { guid: ADDONS.backup.guid }));
    expect(error).toBeInstanceOf(PleskConditionError);
    expect(toGatewayError(error)).toBeInstanceOf(PreconditionFailedError);
    expect(toGatewayError(error)).toMatchObject({ code: 'NOT_ATTACHED' });
    expect(sb.requests.some((r) => r.operations[0]!.operation === 'remove-subscription')).toBe(false);
  });

  it('detachAddon refuses the main plan (not an add-on plan) and unknown subscriptions', async () => {
    expect(toGatewayError(await failure(client.detachAddon({ kind: 'id', value: '42' }, { guid: PLANS.unlimited.guid })))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Plesk add-on plan',
    });
    expect(toGatewayError(await failure(client.detachAddon({ kind: 'id', value: '9999' }, { guid: ADDONS.backup.guid })))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Plesk subscription',
    });
  });

  it('attachAddon: ok, ALREADY_ATTACHED, NO_SERVICE_PLAN', async () => {
    await expect(client.attachAddon({ kind: 'id', value: PLESK_DEMO.attachable.subscriptionId }, { guid: PLESK_DEMO.attachable.addonGuid })).resolves.toMatchObject({
      subscriptionId: '42',
    });
    expect(toGatewayError(await failure(client.attachAddon({ kind: 'id', value: '42' }, { guid: ADDONS.ssl.guid })))).toMatchObject({ code: 'ALREADY_ATTACHED' });
    await client.switchSubscription({ kind: 'id', value: '45' }, { noPlan: true });
    expect(toGatewayError(await failure(client.attachAddon({ kind: 'id', value: '45' }, { guid: ADDONS.ssl.guid })))).toMatchObject({ code: 'NO_SERVICE_PLAN' });
  });
});

describe('credentials and versions', () => {
  it('sends exactly one auth method: login + password, or KEY', async () => {
    await client.getSubscriptions({ kind: 'id', values: ['42'] });
    const keyClient = makeClient({ credentials: { secretKey: sb.secretKey } });
    await keyClient.getSubscriptions({ kind: 'id', values: ['42'] });
    expect(sb.requests.map((r) => r.auth)).toEqual(['login', 'key']);
    expect(sb.requests[0]!.headers['content-type']).toBe('text/xml; charset=UTF-8');
    expect(sb.requests[0]!.headers['http_auth_login']).toBe(sb.login);
    expect(sb.requests.every((r) => r.systemErrcode === null)).toBe(true);
    expect(() => makeClient({ credentials: { login: 'a', password: 'b', secretKey: 'c' } as never })).toThrow(PleskRequestError);
  });

  it('bad password → 1001, bad key → 11003, both UPSTREAM_AUTH, with nothing executed', async () => {
    const badPassword = await failure(makeClient({ credentials: { login: sb.login, password: 'wrong' } }).removeSubscriptionAddon({ kind: 'id', value: '42' }, { guid: ADDONS.backup.guid }));
    expect(badPassword).toMatchObject({ errcode: 1001, layer: 'system' });
    expect(toGatewayError(badPassword)).toMatchObject({ code: 'UPSTREAM_AUTH', details: { upstreamCode: '1001' } });
    const badKey = await failure(makeClient({ credentials: { secretKey: 'bad-key' } }).getSubscriptions({ kind: 'id', values: ['42'] }));
    expect(toGatewayError(badKey)).toMatchObject({ code: 'UPSTREAM_AUTH', details: { upstreamCode: '11003' } });
    expect(sb.store.subscriptions.find((s) => s.id === 42)!.addonGuids).toContain(ADDONS.backup.guid);
  });

  it('unsupported version → 1005 (UPSTREAM_REJECTED); a prefix version works; get_protos sorts numerically', async () => {
    const old = makeClient({ protocolVersion: '1.0.0.0' });
    const error = await failure(old.getSubscriptions({ kind: 'id', values: ['42'] }));
    expect(error).toMatchObject({ errcode: 1005, layer: 'system' });
    expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_REJECTED', details: { upstreamCode: '1005' } });
    // get_protos is sent without a version, so the check works even with a bad pin.
    expect(await old.checkProtocolVersion()).toMatchObject({ pinned: '1.0.0.0', resolved: null });
    const prefix = makeClient({ protocolVersion: '1.6' });
    await expect(prefix.getSubscriptions({ kind: 'id', values: ['42'] })).resolves.toHaveLength(1);
    expect(await prefix.checkProtocolVersion()).toMatchObject({ resolved: '1.6.9.1', protocols: { latest: '1.6.9.1' } });
    expect(() => makeClient({ protocolVersion: 'latest' })).toThrow(PleskRequestError);
  });

  it('numeric version comparison', () => {
    expect(compareProtocolVersions('1.6.10.0', '1.6.9.1')).toBe(1);
    expect(compareProtocolVersions('1.6.9', '1.6.9.0')).toBe(0);
    expect(['1.6.9.1', '1.6.10.0', '1.4.2.0', '1.4.1.1'].sort(compareProtocolVersions)).toEqual(['1.4.1.1', '1.4.2.0', '1.6.9.1', '1.6.10.0']);
    expect(resolveProtocolVersion(['1.6.9.1', '1.6.10.0', '1.5.0.0'], '1.6')).toBe('1.6.10.0');
    expect(resolveProtocolVersion(['1.6.9.1'], '1.6.9.1')).toBe('1.6.9.1');
    expect(resolveProtocolVersion(['1.6.9.1'], '1.6.1')).toBeNull();
  });
});
