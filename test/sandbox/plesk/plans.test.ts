// Sandbox: service-plan get and service-plan-addon get (§4.6, §7.10): no filter-id, 1013 per unknown value,
// filter kinds, owner scope.
import { XMLParser } from 'fast-xml-parser';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';

const parser = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'result' });
const { addonPlans: ADDONS, servicePlans: PLANS } = PLESK_DEMO;

let sb: PleskSandbox;
beforeAll(async () => {
  sb = await startPleskSandbox();
});
afterAll(() => sb.close());

type PlanResult = Record<string, string>;

async function planGet(operator: 'service-plan' | 'service-plan-addon', inner: string): Promise<{ text: string; results: PlanResult[] }> {
  const res = await request(`${sb.url}/enterprise/control/agent.php`, {
    method: 'POST',
    headers: { HTTP_AUTH_LOGIN: sb.login, HTTP_AUTH_PASSWD: sb.password },
    body: `<packet version="1.6.9.1"><${operator}><get>${inner}</get></${operator}></packet>`,
  });
  const text = await res.body.text();
  const doc = parser.parse(text);
  expect(doc.packet.system, text).toBeUndefined();
  return { text, results: doc.packet[operator].get.result };
}

describe('service-plan get', () => {
  it('§7.10: the service plan GUID is ok, the add-on GUID is a 1013 without filter-id', async () => {
    const { results, text } = await planGet('service-plan', `<filter><guid>${PLANS.unlimited.guid}</guid><guid>${ADDONS.backup.guid}</guid></filter>`);
    expect(results).toEqual([
      { status: 'ok', id: '3', name: 'Unlimited', guid: PLANS.unlimited.guid, 'external-id': 'plan-unlimited', 'owner-id': '1', 'owner-login': 'admin' },
      { status: 'error', errcode: '1013', errtext: 'Service plan does not exist.' },
    ]);
    expect(text).not.toContain('filter-id');
    expect(text).toContain('<status>ok</status><id>3</id><name>Unlimited</name><guid>');
  });

  it('filters by id, name (escaped &), external-id; an empty filter lists all', async () => {
    expect((await planGet('service-plan', '<filter><id>5</id></filter>')).results[0]).toMatchObject({ name: 'Business & Co' });
    const byName = await planGet('service-plan', '<filter><name>Business &amp; Co</name></filter>');
    expect(byName.results[0]).toMatchObject({ id: '5' });
    expect(byName.text).toContain('<name>Business &amp; Co</name>');
    expect((await planGet('service-plan', '<filter><external-id>plan-starter</external-id></filter>')).results[0]).toMatchObject({ id: '4' });
    expect((await planGet('service-plan', '<filter/>')).results.map((r) => r['id'])).toEqual(['3', '4', '5']);
  });

  it('owner scope: own plans by default, owner-id / owner-login / owner-all', async () => {
    expect((await planGet('service-plan', '<filter/><owner-all/>')).results).toHaveLength(3);
    expect((await planGet('service-plan', '<filter/><owner-login>admin</owner-login>')).results).toHaveLength(3);
    expect((await planGet('service-plan', '<filter/><owner-id>7</owner-id>')).results).toEqual([
      { status: 'error', errcode: '1013', errtext: 'Service plan does not exist.' },
    ]);
    expect((await planGet('service-plan', `<filter><guid>${PLANS.starter.guid}</guid></filter><owner-login>alice</owner-login>`)).results[0]).toMatchObject({
      errcode: '1013',
    });
  });
});

describe('service-plan-addon get', () => {
  it('§7.10: the add-on by GUID; names with &, <, > and quotes are escaped', async () => {
    const { results, text } = await planGet('service-plan-addon', '<filter/>');
    expect(results.map((r) => [r['id'], r['name'], r['external-id']])).toEqual([
      ['11', 'Backup 10 GB', 'addon-backup-10g'],
      ['12', 'Mail & Spam <Pro>', 'addon-mail-pro'],
      ['13', 'SSL "Premium" Certificate', 'addon-ssl-premium'],
    ]);
    expect(text).toContain('<name>Mail &amp; Spam &lt;Pro&gt;</name>');
    expect(text).toContain('<name>SSL &quot;Premium&quot; Certificate</name>');
  });

  it('one result per value; unknown and service-plan GUIDs → 1013', async () => {
    const { results } = await planGet(
      'service-plan-addon',
      `<filter><guid>${ADDONS.ssl.guid}</guid><guid>${PLANS.unlimited.guid}</guid><guid>${PLESK_DEMO.missing.planGuid}</guid></filter>`,
    );
    expect(results.map((r) => [r.status, r['guid'] ?? r['errcode']])).toEqual([
      ['ok', ADDONS.ssl.guid],
      ['error', '1013'],
      ['error', '1013'],
    ]);
  });
});
