// Hostile and broken agent.php answers (bad-inputs-and-faults.md §7 H and I): XXE, entity expansion, truncation,
// mismatched tags, numeric coercion, deep nesting, prototype names. Served by the sandbox's `malformed` fault; an
// external-entity target is a sentinel HTTP server that must never be hit.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';
import { PleskResponseError, createPleskClient, toGatewayError } from '../../../src/upstreams/plesk/index.js';
import type { PleskClient } from '../../../src/upstreams/plesk/index.js';
import { parsePacket } from '../../../src/upstreams/plesk/parse.js';

let sb: PleskSandbox;
let client: PleskClient;
let sentinel: Server;
let sentinelUrl: string;
let sentinelHits = 0;

beforeAll(async () => {
  sentinel = createServer((_req, res) => {
    sentinelHits += 1;
    res.end('<leak>secret</leak>');
  });
  await new Promise<void>((resolve) => sentinel.listen(0, '127.0.0.1', resolve));
  sentinelUrl = `http://127.0.0.1:${(sentinel.address() as AddressInfo).port}`;
  sb = await startPleskSandbox();
  client = createPleskClient({ baseUrl: sb.url, credentials: { login: sb.login, password: sb.password } });
});
afterAll(async () => {
  await client.close();
  await sb.close();
  await new Promise<void>((resolve) => sentinel.close(() => resolve()));
});
beforeEach(() => sb.reset());

function serveMalformed(body: string): void {
  sb.faults.add({ times: 1, fault: { kind: 'malformed', body } });
}

async function readFails(body: string): Promise<PleskResponseError> {
  serveMalformed(body);
  let caught: unknown;
  try {
    await client.getSubscriptions({ kind: 'id', values: ['42'] });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PleskResponseError);
  expect(toGatewayError(caught)).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'plesk' });
  return caught as PleskResponseError;
}

const OK_GET = (inner: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><get>${inner}</get></webspace></packet>`;

describe('XXE and entity expansion are refused before parsing', () => {
  it('external entity (http and file) → doctype; the sentinel is never contacted', async () => {
    for (const target of [`${sentinelUrl}/xxe`, 'file:///etc/passwd']) {
      const body = `<?xml version="1.0"?><!DOCTYPE packet [<!ENTITY xxe SYSTEM "${target}">]><packet><webspace><get><result><status>ok</status><filter-id>&xxe;</filter-id></result></get></webspace></packet>`;
      expect((await readFails(body)).reason).toBe('doctype');
    }
    expect(sentinelHits).toBe(0);
  });

  it('billion laughs → doctype', async () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i += 1) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const body = `<?xml version="1.0"?><!DOCTYPE packet [${entities.join('')}]><packet><x>&lol9;</x></packet>`;
    expect((await readFails(body)).reason).toBe('doctype');
  });

  it('one big entity referenced many times, parameter entities, lowercase doctype, two doctypes → doctype', async () => {
    const big = `<!DOCTYPE packet [<!ENTITY big "${'x'.repeat(50_000)}">]><packet>${'&big;'.repeat(1000)}</packet>`;
    expect((await readFails(big)).reason).toBe('doctype');
    expect((await readFails(`<!DOCTYPE p [<!ENTITY % p SYSTEM "${sentinelUrl}/p"> %p;]><packet/>`)).reason).toBe('doctype');
    expect((await readFails('<!doctype packet><packet/>')).reason).toBe('doctype');
    expect((await readFails('<!DOCTYPE a><!DOCTYPE b><packet/>')).reason).toBe('doctype');
    expect(sentinelHits).toBe(0);
  });

  it('an undeclared entity or HTML-only entity is malformed XML, not text', async () => {
    expect((await readFails(OK_GET('<result><status>ok</status><filter-id>&xxe;</filter-id></result>'))).reason).toBe('malformed');
    expect((await readFails(OK_GET('<result><status>ok</status><filter-id>a&nbsp;b</filter-id></result>'))).reason).toBe('malformed');
    expect((await readFails(OK_GET('<result><status>ok</status><filter-id>&#0;</filter-id></result>'))).reason).toBe('malformed');
  });
});

describe('broken XML is an error, never a partial object', () => {
  it('truncated packet (fast-xml-parser alone would return a partial object)', async () => {
    expect((await readFails('<packet><webspace><get><result><status>ok</status>')).reason).toBe('malformed');
    // The sandbox's default malformed body: its sample answer cut in half.
    sb.faults.add({ times: 1, fault: { kind: 'malformed' } });
    await expect(client.getSubscriptions({ kind: 'id', values: ['42'] })).rejects.toMatchObject({ reason: 'malformed' });
  });

  it('a real answer truncated after handling', async () => {
    sb.faults.add({ times: 1, applyAfterHandling: true, fault: { kind: 'malformed' } });
    await expect(client.getSubscriptions({ kind: 'id', values: ['42', '43'] })).rejects.toMatchObject({ reason: 'malformed' });
  });

  it('mismatched tags', async () => {
    expect((await readFails('<packet><a>1</b></packet>')).reason).toBe('malformed');
  });

  it('empty body, HTML page, JSON, two roots, wrong root', async () => {
    expect((await readFails('')).reason).toBe('empty');
    expect((await readFails('<html><body><h1>502 Bad Gateway</h1></body></html>')).reason).toBe('unexpected-root');
    expect((await readFails('{"packet":{}}')).reason).toBe('malformed');
    expect((await readFails('<packet/><packet/>')).reason).toBe('unexpected-root');
    expect((await readFails('<result><status>ok</status></result>')).reason).toBe('unexpected-root');
  });

  it('5,000-deep nesting and prototype-polluting names', async () => {
    const deep = `<packet>${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}</packet>`;
    expect((await readFails(deep)).reason).toBe('malformed');
    expect((await readFails(OK_GET('<result><status>ok</status><__proto__><polluted>1</polluted></__proto__></result>'))).reason).toMatch(
      /malformed|unexpected-shape/,
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('wrong shapes: unknown status, a result with child elements where text belongs, system with status ok', async () => {
    expect((await readFails(OK_GET('<result><status>maybe</status><filter-id>42</filter-id></result>'))).reason).toBe('unexpected-shape');
    expect((await readFails(OK_GET('<result><status>ok</status><filter-id><x/></filter-id></result>'))).reason).toBe('unexpected-shape');
    expect((await readFails('<packet><system><status>ok</status></system></packet>')).reason).toBe('unexpected-shape');
    expect((await readFails('<packet><customer><get/></customer></packet>')).reason).toBe('unexpected-shape');
    expect((await readFails(OK_GET('<result><status>error</status><errcode>12ab</errcode><filter-id>42</filter-id></result>'))).reason).toBe(
      'unexpected-shape',
    );
    // ok but no data although gen_info was asked for
    expect((await readFails(OK_GET('<result><status>ok</status><filter-id>42</filter-id><id>42</id></result>'))).reason).toBe('unexpected-shape');
  });
});

describe('values stay strings', () => {
  it('no numeric coercion of ids, GUIDs or names; predefined and numeric entities decoded once', async () => {
    const gen = (name: string, guid: string, external: string): string =>
      `<data><gen_info><cr_date>2024-01-01</cr_date><name>${name}</name><ascii-name>${name}</ascii-name><status>0</status><real_size>0</real_size><htype>vrt_hst</htype><guid>${guid}</guid><vendor-guid>1e5</vendor-guid><external-id>${external}</external-id></gen_info></data>`;
    serveMalformed(
      OK_GET(
        `<result><status>ok</status><filter-id>0x1A</filter-id><id>00123</id>${gen('0x1A', '1e5', '00123')}</result>` +
          `<result><status>ok</status><filter-id>caf&#233;&amp;co</filter-id><id>7</id>${gen('caf&#xE9;&amp;co', 'g', '&amp;#65; &lt;b&gt; &quot;q&quot;')}</result>`,
      ),
    );
    const [hex, cafe] = await client.getSubscriptions({ kind: 'name', values: ['0x1A', 'café&co'] });
    expect(hex).toMatchObject({ outcome: 'found', item: { id: '00123', name: '0x1A', guid: '1e5', vendorGuid: '1e5', externalId: '00123' } });
    expect(cafe).toMatchObject({ outcome: 'found', item: { name: 'café&co', externalId: '&#65; <b> "q"' } });
  });

  it('one result parses like two (always an array)', () => {
    const one = parsePacket(OK_GET('<result><status>ok</status></result>'));
    const two = parsePacket(OK_GET('<result><status>ok</status></result><result><status>ok</status></result>'));
    expect(Array.isArray((one.body['webspace'] as { get: { result: unknown } }).get.result)).toBe(true);
    expect(Array.isArray((two.body['webspace'] as { get: { result: unknown } }).get.result)).toBe(true);
  });

  it('a BOM and CDATA are fine', async () => {
    serveMalformed(
      `\ufeff<?xml version="1.0" encoding="UTF-8"?><packet><service-plan-addon><get><result><status>ok</status><id>1</id><name><![CDATA[A & <B>]]></name><guid>g</guid></result></get></service-plan-addon></packet>`,
    );
    expect(await client.listAddonPlans()).toMatchObject([{ id: '1', name: 'A & <B>', guid: 'g' }]);
  });
});
