// Sandbox: request checks → packet-level 1014 with libxml2's wording (§6.4, §7.7, §7.12), nothing executed.
import { XMLParser } from 'fast-xml-parser';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['result'].includes(n) });
const BACKUP = PLESK_DEMO.addonPlans.backup.guid;

let sb: PleskSandbox;
beforeAll(async () => {
  sb = await startPleskSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

async function post(body: string) {
  const res = await request(`${sb.url}/enterprise/control/agent.php`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=UTF-8', HTTP_AUTH_LOGIN: sb.login, HTTP_AUTH_PASSWD: sb.password },
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, doc: parser.parse(text) };
}

/** Posts `body` and returns the errtext of the expected packet-level 1014. */
async function rejected(body: string): Promise<string> {
  const res = await post(body);
  expect(res.status).toBe(200);
  expect(res.doc.packet.system, res.text).toMatchObject({ status: 'error', errcode: '1014' });
  return res.doc.packet.system.errtext as string;
}

const untouched = () => expect(sb.store.subscriptions.find((s) => s.id === 42)!.addonGuids).toContain(BACKUP);

describe('not well-formed → "Cannot parse"', () => {
  it.each([
    ['§6.2 testInvalidXmlRequest', '<packet><wrongly formatted xml</packet>'],
    ['missing </packet>', `<packet><webspace><remove-subscription><filter><id>42</id></filter><plan-guid>${BACKUP}</plan-guid></remove-subscription></webspace>`],
    ['mismatched tags', '<packet><webspace></server></packet>'],
    ['empty body', ''],
    ['not XML', 'hello'],
    ['undeclared entity', '<packet><webspace><get><filter><name>&foo;</name></filter><dataset><gen_info/></dataset></get></webspace></packet>'],
  ])('%s', async (_name, body) => {
    expect(await rejected(body)).toMatch(/^Parser error: Cannot parse the XML from the source specified/);
    untouched();
  });

  it('DOCTYPE and ENTITY declarations are refused (XXE, billion laughs)', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE packet [<!ENTITY x SYSTEM "file:///etc/passwd">]><packet><webspace><get><filter><name>&x;</name></filter><dataset><gen_info/></dataset></get></webspace></packet>`;
    expect(await rejected(xxe)).toContain('DTD is not allowed');
    expect(await rejected('<!DOCTYPE packet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><packet>&b;</packet>')).toContain('DTD is not allowed');
  });
});

describe('schema-invalid → "Request is invalid. Error in line N: …"', () => {
  it('§7.7(b): plan-guid before filter, word for word', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<packet version="1.6.9.1">
  <webspace>
    <remove-subscription>
      <plan-guid>${BACKUP}</plan-guid>
      <filter><id>42</id></filter>
    </remove-subscription>
  </webspace>
</packet>`;
    expect(await rejected(body)).toBe(
      "Parser error: Request is invalid. Error in line 5: Element 'plan-guid': This element is not expected. Expected is ( filter ).",
    );
    untouched();
  });

  it('§3: mixed filter kinds', async () => {
    const body = `<packet><webspace><remove-subscription><filter><id>42</id><name>x</name></filter><plan-guid>${BACKUP}</plan-guid></remove-subscription></webspace></packet>`;
    expect(await rejected(body)).toBe("Parser error: Request is invalid. Error in line 1: Element 'name': This element is not expected. Expected is ( id ).");
    untouched();
  });

  it('both plan-guid and plan-external-id: rejected at the second one', async () => {
    const body = `<packet><webspace><remove-subscription><filter><id>42</id></filter><plan-guid>${BACKUP}</plan-guid><plan-external-id>addon-backup-10g</plan-external-id></remove-subscription></webspace></packet>`;
    expect(await rejected(body)).toContain("Element 'plan-external-id': This element is not expected.");
    untouched();
  });

  it('neither plan element, or no filter', async () => {
    expect(await rejected('<packet><webspace><remove-subscription><filter><id>42</id></filter></remove-subscription></webspace></packet>')).toContain(
      "Element 'remove-subscription': Missing child element(s). Expected is one of ( plan-guid, plan-external-id ).",
    );
    expect(await rejected(`<packet><webspace><add-subscription><plan-guid>${BACKUP}</plan-guid></add-subscription></webspace></packet>`)).toContain(
      "Element 'plan-guid': This element is not expected. Expected is ( filter ).",
    );
  });

  it('get: dataset before filter, unknown dataset, duplicate dataset flag, missing dataset', async () => {
    expect(await rejected('<packet><webspace><get><dataset><gen_info/></dataset><filter/></get></webspace></packet>')).toContain(
      "Element 'dataset': This element is not expected. Expected is ( filter ).",
    );
    expect(await rejected('<packet><webspace><get><filter/><dataset><bogus/></dataset></get></webspace></packet>')).toContain("Element 'bogus': This element is not expected.");
    expect(await rejected('<packet><webspace><get><filter/><dataset><gen_info/><gen_info/></dataset></get></webspace></packet>')).toContain(
      "Element 'gen_info': This element is not expected.",
    );
    expect(await rejected('<packet><webspace><get><filter/></get></webspace></packet>')).toContain("Element 'get': Missing child element(s). Expected is ( dataset ).");
  });

  it('unknown operator (§6.2 testUnknownOperator), unknown operation, wrong root, stray text, attributes', async () => {
    expect(await rejected('<packet><unknown/></packet>')).toContain("Element 'unknown': This element is not expected. Expected is one of ( server, webspace");
    expect(await rejected('<packet><webspace><get-subscriptions/></webspace></packet>')).toContain("Element 'get-subscriptions': This element is not expected.");
    expect(await rejected('<request/>')).toContain("Element 'request': No matching global declaration available for the validation root.");
    expect(await rejected('<packet>hello<server><get_protos/></server></packet>')).toContain("Character content other than whitespace is not allowed");
    expect(await rejected('<packet><server><get_protos x="1"/></server></packet>')).toContain("attribute 'x': The attribute 'x' is not allowed.");
    expect(await rejected('<packet/>')).toContain("Element 'packet': Missing child element(s).");
  });

  it('id_type values and element content in simple types', async () => {
    expect(await rejected('<packet><webspace><get><filter><id>abc</id></filter><dataset><gen_info/></dataset></get></webspace></packet>')).toContain(
      "Element 'id': 'abc' is not a valid value of the atomic type 'id_type'.",
    );
    expect(await rejected('<packet><webspace><get><filter><id>0</id></filter><dataset><gen_info/></dataset></get></webspace></packet>')).toContain("'0' is not a valid value");
    expect(await rejected('<packet><webspace><get><filter><name><x/></name></filter><dataset><gen_info/></dataset></get></webspace></packet>')).toContain(
      "Element 'name': Element content is not allowed, because the content type is a simple type.",
    );
    expect(await rejected('<packet><service-plan><get><filter><owner-id>1</owner-id></filter></get></service-plan></packet>')).toContain(
      "Element 'owner-id': This element is not expected. Expected is one of ( name, id, guid, external-id ).",
    );
  });

  it('one invalid operation rejects the whole packet: nothing runs', async () => {
    const body = `<packet><webspace><remove-subscription><filter><id>42</id></filter><plan-guid>${BACKUP}</plan-guid></remove-subscription><get><dataset/></get></webspace></packet>`;
    expect(await rejected(body)).toContain("Element 'dataset'");
    untouched();
  });

  it('the line number follows the document', async () => {
    const body = '<?xml version="1.0"?>\n<packet>\n\n<webspace>\n<get>\n<filter>\n<id>1</id>\n<guid>x</guid>\n</filter>\n</get>\n</webspace>\n</packet>';
    expect(await rejected(body)).toMatch(/Error in line 8: Element 'guid'/);
  });
});

describe('valid packets run', () => {
  it('request-settings, whitespace, comments and several operators in one packet', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<packet version="1.6.9.1">
  <request-settings><setting><name>x</name><value>y</value></setting></request-settings>
  <server><get_protos/></server>
  <webspace>
    <get><filter><id>42</id></filter><dataset><gen_info/></dataset></get>
  </webspace>
</packet>`;
    const res = await post(body);
    expect(res.doc.packet.system).toBeUndefined();
    expect(res.doc.packet.server.get_protos.result[0].status).toBe('ok');
    expect(res.doc.packet.webspace.get.result[0].data.gen_info.name).toBe('shop.example.com');
    expect(res.text.indexOf('<server>')).toBeLessThan(res.text.indexOf('<webspace>'));
  });
});
