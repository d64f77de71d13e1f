// Sandbox: webspace get / add-subscription / remove-subscription / switch-subscription / sync-subscription,
// one result per filter value with filter-id, 1013 for missing values, configurable undocumented behaviour.
import { XMLParser } from 'fast-xml-parser';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['result', 'plan'].includes(n) });
const { subscriptions: SUBS, addonPlans: ADDONS, servicePlans: PLANS } = PLESK_DEMO;

let sb: PleskSandbox;
beforeAll(async () => {
  sb = await startPleskSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

interface Result {
  status: string;
  errcode?: string;
  errtext?: string;
  'filter-id'?: string;
  id?: string;
  problems?: string;
  data?: { gen_info?: Record<string, string>; subscriptions?: { subscription?: { locked: string; synchronized: string; plan: { 'plan-guid': string; 'plan-external-id'?: string }[] } } | '' };
}

async function call(operation: string, inner: string): Promise<{ text: string; results: Result[] }> {
  const res = await request(`${sb.url}/enterprise/control/agent.php`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', KEY: sb.secretKey },
    body: `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><${operation}>${inner}</${operation}></webspace></packet>`,
  });
  expect(res.statusCode).toBe(200);
  const text = await res.body.text();
  const doc = parser.parse(text);
  expect(doc.packet.system, text).toBeUndefined();
  const op = doc.packet.webspace[operation];
  return { text, results: op === '' ? [] : (op.result ?? []) };
}

const get = (filter: string, datasets = '<gen_info/><subscriptions/>') => call('get', `<filter>${filter}</filter><dataset>${datasets}</dataset>`);
const change = (operation: string, filter: string, plan: string) => call(operation, `<filter>${filter}</filter>${plan}`);
const addonsOf = (id: number) => sb.store.subscriptions.find((s) => s.id === id)!.addonGuids;

describe('webspace get', () => {
  it('answers the §7.9 shape: gen_info before subscriptions, plans of the main plan and the add-ons', async () => {
    const { results, text } = await get('<id>42</id>');
    expect(results).toHaveLength(1);
    const [r] = results;
    expect(r).toMatchObject({ status: 'ok', 'filter-id': '42', id: '42' });
    expect(r!.data!.gen_info).toEqual({
      cr_date: '2024-03-01',
      name: 'shop.example.com',
      'ascii-name': 'shop.example.com',
      status: '0',
      real_size: '0',
      'owner-id': '7',
      'owner-login': 'alice',
      htype: 'vrt_hst',
      guid: SUBS.shop.guid,
      'vendor-guid': PLESK_DEMO.admin.guid,
      'external-id': 'billing-1001',
    });
    expect(text.indexOf('<gen_info>')).toBeLessThan(text.indexOf('<subscriptions>'));
    expect(text).toMatch(/<status>ok<\/status><filter-id>42<\/filter-id><id>42<\/id><data>/);
    const sub = (r!.data!.subscriptions as { subscription: { locked: string; plan: unknown[] } }).subscription;
    expect(sub).toMatchObject({ locked: 'false', synchronized: 'true' });
    expect(sub.plan).toEqual([
      { 'plan-guid': PLANS.unlimited.guid, 'plan-external-id': 'plan-unlimited' },
      { 'plan-guid': ADDONS.backup.guid, 'plan-external-id': 'addon-backup-10g' },
      { 'plan-guid': ADDONS.mailPro.guid, 'plan-external-id': 'addon-mail-pro' },
    ]);
  });

  it('one result per value with filter-id, 1013 for the missing ones, in request order', async () => {
    const { results } = await get('<name>blog.example.com</name><name>missing.example.org</name><name>BAKERY.example.net</name>', '<gen_info/>');
    expect(results.map((r) => [r.status, r['filter-id'], r.errcode, r.id])).toEqual([
      ['ok', 'blog.example.com', undefined, '43'],
      ['error', 'missing.example.org', '1013', undefined],
      ['ok', 'BAKERY.example.net', undefined, '44'],
    ]);
    expect(results[1]!.data).toBeUndefined();
    expect(results[0]!.data!.subscriptions).toBeUndefined();
  });

  it('filters by guid, external-id (escaped &), IDN name or its punycode, and owner', async () => {
    expect((await get(`<guid>${SUBS.cafe.guid.toUpperCase()}</guid>`)).results[0]).toMatchObject({ id: '45' });
    const external = await get('<external-id>crm:bob&amp;partners/44</external-id>');
    expect(external.results[0]).toMatchObject({ id: '44', 'filter-id': 'crm:bob&partners/44' });
    expect(external.text).toContain('<filter-id>crm:bob&amp;partners/44</filter-id>');
    expect((await get('<name>café.example.org</name>')).results[0]).toMatchObject({ id: '45', data: { gen_info: { 'ascii-name': 'xn--caf-dma.example.org', status: '16' } } });
    expect((await get('<name>xn--caf-dma.example.org</name>')).results[0]).toMatchObject({ id: '45' });
    const owner = await get('<owner-login>bob</owner-login>', '<gen_info/>');
    expect(owner.results.map((r) => [r.id, r['filter-id']])).toEqual([
      ['44', 'bob'],
      ['45', 'bob'],
    ]);
  });

  it('an empty filter lists everything; an empty external-id matches subscriptions without one', async () => {
    expect((await get('', '<gen_info/>')).results.map((r) => r.id)).toEqual(['42', '43', '44', '45']);
    expect((await get('<external-id></external-id>', '<gen_info/>')).results.map((r) => r.id)).toEqual(['43']);
    expect((await get('<id>43</id>')).text).toContain('<external-id/>');
  });

  it('behaviour: omitted results and reversed order', async () => {
    sb.behaviour.missingValue = 'omit';
    sb.behaviour.resultOrder = 'reverse';
    const { results } = await get('<id>42</id><id>9999</id><id>43</id>', '<gen_info/>');
    expect(results.map((r) => r['filter-id'])).toEqual(['43', '42']);
    expect((await get('<id>9999</id>')).results).toEqual([]);
  });
});

describe('add-subscription / remove-subscription', () => {
  it('removes an add-on; detaching backup answers ok with the problems table', async () => {
    const { results, text } = await change('remove-subscription', '<id>42</id>', `<plan-guid>${ADDONS.backup.guid}</plan-guid>`);
    expect(results).toEqual([{ status: 'ok', 'filter-id': '42', id: '42', problems: PLESK_DEMO.detachWithProblems.problems }]);
    expect(text).toContain('<id>42</id><problems>');
    expect(addonsOf(42)).toEqual([ADDONS.mailPro.guid]);
    // without problems
    expect((await change('remove-subscription', '<id>42</id>', '<plan-external-id>addon-mail-pro</plan-external-id>')).results).toEqual([
      { status: 'ok', 'filter-id': '42', id: '42' },
    ]);
    expect(addonsOf(42)).toEqual([]);
  });

  it('removing an add-on that is not attached → 1023 by default (§7.4), configurable to 1013 or ok', async () => {
    const ssl = `<plan-guid>${ADDONS.ssl.guid}</plan-guid>`;
    expect((await change('remove-subscription', '<id>42</id>', ssl)).results).toEqual([
      { status: 'error', errcode: '1023', errtext: 'Add-on plan is not associated with the subscription', 'filter-id': '42', id: '42' },
    ]);
    sb.behaviour.unattachedRemove = 'error-1013';
    expect((await change('remove-subscription', '<id>42</id>', ssl)).results[0]).toMatchObject({ errcode: '1013', id: '42' });
    sb.behaviour.unattachedRemove = 'ok';
    expect((await change('remove-subscription', '<id>42</id>', ssl)).results[0]).toEqual({ status: 'ok', 'filter-id': '42', id: '42' });
  });

  it('remove: unknown plan → 1013, the main plan → 1023, missing subscription → 1013 without id', async () => {
    expect((await change('remove-subscription', '<id>42</id>', `<plan-guid>${PLESK_DEMO.missing.planGuid}</plan-guid>`)).results[0]).toMatchObject({
      errcode: '1013',
      id: '42',
    });
    expect((await change('remove-subscription', '<id>42</id>', `<plan-guid>${PLANS.unlimited.guid}</plan-guid>`)).results[0]).toMatchObject({ errcode: '1023' });
    expect((await change('remove-subscription', '<id>9999</id>', `<plan-guid>${ADDONS.backup.guid}</plan-guid>`)).results).toEqual([
      { status: 'error', errcode: '1013', errtext: 'Subscription does not exist', 'filter-id': '9999' },
    ]);
  });

  it('mixed success and failure in one multi-value packet (§7.6)', async () => {
    const { results } = await change('remove-subscription', '<name>bakery.example.net</name><name>missing.example.org</name>', '<plan-external-id>addon-backup-10g</plan-external-id>');
    expect(results.map((r) => [r.status, r['filter-id'], r.errcode ?? null])).toEqual([
      ['ok', 'bakery.example.net', null],
      ['error', 'missing.example.org', '1013'],
    ]);
    expect(results[0]!.problems).toContain('(bakery.example.net)');
  });

  it('attaches an add-on; duplicates → 1007; a custom subscription → 1023; a service plan is not an add-on → 1013', async () => {
    const ssl = `<plan-guid>${ADDONS.ssl.guid}</plan-guid>`;
    expect((await change('add-subscription', '<id>42</id>', ssl)).results).toEqual([{ status: 'ok', 'filter-id': '42', id: '42' }]);
    expect(addonsOf(42)).toContain(ADDONS.ssl.guid);
    expect((await change('add-subscription', '<id>42</id>', ssl)).results[0]).toMatchObject({ errcode: '1007' });
    expect((await change('add-subscription', '<id>43</id>', `<plan-guid>${PLANS.business.guid}</plan-guid>`)).results[0]).toMatchObject({ errcode: '1013' });
    await change('switch-subscription', '<id>45</id>', '<no-plan/>');
    expect((await change('add-subscription', '<id>45</id>', ssl)).results[0]).toMatchObject({ errcode: '1023' });
    sb.behaviour.duplicateAddErrcode = 1002;
    expect((await change('add-subscription', '<id>42</id>', ssl)).results[0]).toMatchObject({ errcode: '1002' });
  });

  it('an empty filter in a change acts on every subscription (default), or is rejected when configured', async () => {
    const { results } = await change('remove-subscription', '', `<plan-guid>${ADDONS.mailPro.guid}</plan-guid>`);
    expect(results.map((r) => [r.id, r.status, r['filter-id']])).toEqual([
      ['42', 'ok', undefined],
      ['43', 'ok', undefined],
      ['44', 'error', undefined],
      ['45', 'error', undefined],
    ]);
    expect(addonsOf(42)).not.toContain(ADDONS.mailPro.guid);
    expect(addonsOf(43)).toEqual([]);
    expect(sb.requests.at(-1)!.operations[0]!.filter).toEqual({ kind: null, values: [] });

    sb.reset();
    sb.behaviour.emptyMutationFilter = 'reject';
    const res = await request(`${sb.url}/enterprise/control/agent.php`, {
      method: 'POST',
      headers: { KEY: sb.secretKey },
      body: `<packet><webspace><remove-subscription><filter/><plan-guid>${ADDONS.mailPro.guid}</plan-guid></remove-subscription></webspace></packet>`,
    });
    expect(await res.body.text()).toContain('<errcode>1014</errcode>');
    expect(addonsOf(42)).toContain(ADDONS.mailPro.guid);
  });
});

describe('switch-subscription / sync-subscription', () => {
  it('switches the main plan, keeps the add-ons; no-plan makes it custom (no subscription element)', async () => {
    expect((await change('switch-subscription', '<id>43</id>', `<plan-external-id>plan-business</plan-external-id>`)).results[0]).toMatchObject({ status: 'ok', id: '43' });
    const [blog] = (await get('<id>43</id>')).results;
    expect((blog!.data!.subscriptions as { subscription: { plan: { 'plan-guid': string }[] } }).subscription.plan.map((p) => p['plan-guid'])).toEqual([
      PLANS.business.guid,
      ADDONS.mailPro.guid,
    ]);
    expect((await change('switch-subscription', '<id>43</id>', `<plan-guid>${ADDONS.ssl.guid}</plan-guid>`)).results[0]).toMatchObject({ errcode: '1013' });
    await change('switch-subscription', '<id>43</id>', '<no-plan/>');
    const { text } = await get('<id>43</id>');
    expect(text).toContain('<subscriptions/>');
  });

  it('sync-subscription answers ok per value', async () => {
    sb.store.subscriptions.find((s) => s.id === 44)!.locked = true;
    expect((await call('sync-subscription', '<filter><id>44</id></filter>')).results).toEqual([{ status: 'ok', 'filter-id': '44', id: '44' }]);
    expect(sb.store.subscriptions.find((s) => s.id === 44)!.locked).toBe(false);
  });

  it('several operations in one operator element run in order (§7.11)', async () => {
    const res = await request(`${sb.url}/enterprise/control/agent.php`, {
      method: 'POST',
      headers: { KEY: sb.secretKey },
      body: `<packet version="1.6.9.1"><webspace><add-subscription><filter><id>42</id></filter><plan-guid>${ADDONS.ssl.guid}</plan-guid></add-subscription><switch-subscription><filter><id>42</id></filter><no-plan/></switch-subscription></webspace></packet>`,
    });
    expect(await res.body.text()).toContain(
      '<webspace><add-subscription><result><status>ok</status><filter-id>42</filter-id><id>42</id></result></add-subscription><switch-subscription><result><status>ok</status><filter-id>42</filter-id><id>42</id></result></switch-subscription></webspace>',
    );
    expect(addonsOf(42)).toEqual([]);
  });
});
