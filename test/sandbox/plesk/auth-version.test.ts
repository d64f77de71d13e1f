// Sandbox: authentication (1001 / 11003 / 1029) and protocol versions (1005, prefixes, get_protos), §1.2, §1.5, §6.2.
import { XMLParser } from 'fast-xml-parser';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['result', 'plan', 'proto'].includes(n) });

let sb: PleskSandbox;
beforeAll(async () => {
  sb = await startPleskSandbox({ login: 'admin', password: 'pw-&<>"', secretKey: 'key-123' });
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

async function post(body: string, headers: Record<string, string>) {
  const res = await request(`${sb.url}/enterprise/control/agent.php`, { method: 'POST', headers: { 'content-type': 'text/xml', ...headers }, body });
  const text = await res.body.text();
  return { status: res.statusCode, type: String(res.headers['content-type']), text, doc: parser.parse(text) };
}

const LOGIN = { HTTP_AUTH_LOGIN: 'admin', HTTP_AUTH_PASSWD: 'pw-&<>"' };
const KEY = { KEY: 'key-123' };
const REMOVE = `<?xml version="1.0" encoding="UTF-8"?>
<packet version="1.6.9.1">
  <webspace>
    <remove-subscription>
      <filter><id>42</id></filter>
      <plan-guid>${PLESK_DEMO.addonPlans.backup.guid}</plan-guid>
    </remove-subscription>
  </webspace>
</packet>`;
const attached = () => sb.store.subscriptions.find((s) => s.id === 42)!.addonGuids.includes(PLESK_DEMO.addonPlans.backup.guid);

describe('authentication', () => {
  it('accepts login + password and KEY', async () => {
    const a = await post('<packet><server><get_protos/></server></packet>', LOGIN);
    const b = await post('<packet><server><get_protos/></server></packet>', KEY);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.doc.packet.server.get_protos.result[0].status).toBe('ok');
    expect(b.doc.packet.server.get_protos.result[0].status).toBe('ok');
    expect(a.type).toBe('text/xml; charset=UTF-8');
  });

  const cases: [string, Record<string, string>, string][] = [
    ['wrong password', { HTTP_AUTH_LOGIN: 'admin', HTTP_AUTH_PASSWD: 'nope' }, '1001'],
    ['wrong login', { HTTP_AUTH_LOGIN: 'root', HTTP_AUTH_PASSWD: 'pw-&<>"' }, '1001'],
    ['wrong key', { KEY: 'bad-key' }, '11003'],
    ['no credentials', {}, '1029'],
    ['login without password', { HTTP_AUTH_LOGIN: 'admin' }, '1029'],
    ['both methods at once', { ...LOGIN, ...KEY }, '1029'],
  ];
  it.each(cases)('%s → system %s with HTTP 200, and nothing runs', async (_name, headers, errcode) => {
    const res = await post(REMOVE, headers);
    expect(res.status).toBe(200);
    expect(res.doc.packet.system).toMatchObject({ status: 'error', errcode });
    expect(res.doc.packet.webspace).toBeUndefined();
    expect(attached()).toBe(true);
    expect(sb.requests.at(-1)).toMatchObject({ systemErrcode: Number(errcode), status: 200 });
  });

  it('the §7.5 shape: version attribute, status, errcode, errtext', async () => {
    const res = await post(REMOVE, { HTTP_AUTH_LOGIN: 'admin', HTTP_AUTH_PASSWD: 'x' });
    expect(res.text).toContain(
      '<packet version="1.6.9.1"><system><status>error</status><errcode>1001</errcode><errtext>Authentication failed - wrong password.</errtext></system></packet>',
    );
  });
});

describe('protocol versions', () => {
  it('an unsupported version → system 1005 with <output>, nothing runs (checked before auth)', async () => {
    for (const version of ['100.0.0', '1.0.0.0', 'abc', '1.6.9.1.1']) {
      const res = await post(REMOVE.replace('1.6.9.1', version), LOGIN);
      expect(res.doc.packet.system).toMatchObject({ errcode: '1005', errtext: 'XML API version not supported.' });
      expect(res.doc.packet.output).toBe('');
    }
    expect((await post(REMOVE.replace('1.6.9.1', '9.9'), { KEY: 'wrong' })).doc.packet.system.errcode).toBe('1005');
    expect(attached()).toBe(true);
  });

  it('prefixes resolve to the newest matching version; no version = newest', async () => {
    for (const [sent, answered] of [
      ['1.6', '1.6.9.1'],
      ['1.6.3', '1.6.3.5'],
      ['1.6.8.0', '1.6.8.0'],
    ]) {
      const res = await post(`<packet version="${sent}"><webspace><get><filter><id>42</id></filter><dataset><gen_info/></dataset></get></webspace></packet>`, LOGIN);
      expect(res.doc.packet['@version']).toBe(answered);
      expect(res.doc.packet.webspace.get.result[0].status).toBe('ok');
    }
    const none = await post('<packet><webspace><get><filter><id>42</id></filter><dataset><gen_info/></dataset></get></webspace></packet>', LOGIN);
    expect(none.doc.packet['@version']).toBe('1.6.9.1');
  });

  it('get_protos lists the configured versions unsorted', async () => {
    const res = await post('<packet><server><get_protos/></server></packet>', KEY);
    expect(res.doc.packet.server.get_protos.result[0].protos.proto).toEqual([
      '1.6.9.1',
      '1.6.3.0',
      '1.6.9.0',
      '1.6.8.0',
      '1.6.3.5',
      '1.6.7.0',
      '1.6.6.0',
      '1.6.5.0',
      '1.6.3.4',
      '1.6.4.0',
    ]);
  });

  it('supportedVersions is configurable; the newest is chosen numerically', async () => {
    const other = await startPleskSandbox({ supportedVersions: ['1.6.9.1', '1.6.10.0'], secretKey: 'k' });
    try {
      const res = await request(`${other.url}/enterprise/control/agent.php`, { method: 'POST', headers: { KEY: 'k' }, body: '<packet><server><get_protos/></server></packet>' });
      expect(parser.parse(await res.body.text()).packet['@version']).toBe('1.6.10.0');
    } finally {
      await other.close();
    }
  });
});
