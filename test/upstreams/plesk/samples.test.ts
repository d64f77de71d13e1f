// Every sample response of plesk-xml-api.md §7, copied verbatim, served over real HTTP (the sandbox's `status`
// fault answers 200 with the sample) and read by the client; plus the raw parse of the multi-result sample.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError, UpstreamError } from '../../../src/errors.js';
import { startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';
import { PleskApiError, PleskResponseError, createPleskClient, toGatewayError } from '../../../src/upstreams/plesk/index.js';
import type { PleskClient } from '../../../src/upstreams/plesk/index.js';
import { operationResults, parsePacket } from '../../../src/upstreams/plesk/parse.js';

const ADDON = '5f1b4c6e-0a8e-4d0b-9a57-0c1d2e3f4a5b';
const PLAN = 'a6f0c1d2-3e4f-4a5b-8c7d-9e0f1a2b3c4d';

// ----- §7 fixtures, verbatim ---------------------------------------------------------------------------------

const S7_2_OK = `<?xml version="1.0" encoding="UTF-8"?>
<packet version="1.6.9.1">
  <webspace>
    <remove-subscription>
      <result><status>ok</status><filter-id>42</filter-id><id>42</id></result>
    </remove-subscription>
  </webspace>
</packet>`;

const S7_2_PROBLEMS_RESULT = `<result>
  <status>ok</status><filter-id>42</filter-id><id>42</id>
  <problems>Description Current Requested Allowed
Mailbox size (shop.example.net) 20 GB 10 GB 10 GB</problems>
</result>`;

const S7_3 = `<packet version="1.6.9.1">
  <webspace>
    <remove-subscription>
      <result>
        <status>error</status><errcode>1013</errcode><errtext>Subscription does not exist</errtext>
        <filter-id>9999</filter-id>
      </result>
    </remove-subscription>
  </webspace>
</packet>`;

const S7_3_EMPTY = `<packet version="1.6.9.1"><webspace><remove-subscription/></webspace></packet>`;

const S7_4 = `<packet version="1.6.9.1">
  <webspace>
    <remove-subscription>
      <result>
        <status>error</status><errcode>1023</errcode>
        <errtext>Add-on plan is not associated with the subscription</errtext>
        <filter-id>42</filter-id><id>42</id>
      </result>
    </remove-subscription>
  </webspace>
</packet>`;

const S7_5 = `<packet version="1.6.9.1">
  <system>
    <status>error</status>
    <errcode>1001</errcode>
    <errtext>Authentication failed - wrong password.</errtext>
  </system>
</packet>`;

const S7_6 = `<packet>
  <webspace>
    <remove-subscription>
      <result><status>ok</status><filter-id>shop.example.net</filter-id><id>42</id></result>
      <result>
        <status>error</status><errcode>1013</errcode><errtext>Subscription does not exist</errtext>
        <filter-id>missing.example.org</filter-id>
      </result>
    </remove-subscription>
  </webspace>
</packet>`;

const S7_7A = `<packet>
  <system><status>error</status><errcode>1014</errcode><errtext>Parser error: Cannot parse the XML from the source specified</errtext></system>
</packet>`;

const S7_7B = `<packet>
  <system>
    <status>error</status><errcode>1014</errcode>
    <errtext>Parser error: Request is invalid. Error in line 5: Element 'plan-guid': This element is not expected. Expected is ( filter ).</errtext>
  </system>
</packet>`;

const S7_8 = `<packet>
  <system><status>error</status><errcode>1005</errcode><errtext>XML API version not supported.</errtext></system>
  <output></output>
</packet>`;

const S7_9 = `<packet version="1.6.9.1">
  <webspace>
    <get>
      <result>
        <status>ok</status><filter-id>42</filter-id><id>42</id>
        <data>
          <gen_info>
            <cr_date>2024-03-01</cr_date><name>shop.example.net</name><ascii-name>shop.example.net</ascii-name>
            <status>0</status><real_size>0</real_size><owner-id>7</owner-id><htype>vrt_hst</htype>
            <guid>0d5e8a7c-1b2f-4c3d-9e8f-7a6b5c4d3e2f</guid>
            <vendor-guid>9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d</vendor-guid>
            <external-id/>
          </gen_info>
          <subscriptions>
            <subscription>
              <locked>false</locked><synchronized>true</synchronized>
              <plan><plan-guid>a6f0c1d2-3e4f-4a5b-8c7d-9e0f1a2b3c4d</plan-guid></plan>
              <plan><plan-guid>5f1b4c6e-0a8e-4d0b-9a57-0c1d2e3f4a5b</plan-guid><plan-external-id>addon-backup-10g</plan-external-id></plan>
            </subscription>
          </subscriptions>
        </data>
      </result>
    </get>
  </webspace>
</packet>`;

const S7_10_SERVICE = `<packet version="1.6.9.1">
  <service-plan>
    <get>
      <result>
        <status>ok</status><id>3</id><name>Unlimited</name>
        <guid>a6f0c1d2-3e4f-4a5b-8c7d-9e0f1a2b3c4d</guid><external-id/><owner-id>1</owner-id>
      </result>
      <result><status>error</status><errcode>1013</errcode><errtext>Service plan does not exist.</errtext></result>
    </get>
  </service-plan>
</packet>`;

const S7_10_ADDON = `<packet version="1.6.9.1">
  <service-plan-addon>
    <get>
      <result>
        <status>ok</status><id>11</id><name>Backup 10 GB</name>
        <guid>5f1b4c6e-0a8e-4d0b-9a57-0c1d2e3f4a5b</guid><external-id>addon-backup-10g</external-id>
        <owner-login>admin</owner-login>
      </result>
    </get>
  </service-plan-addon>
</packet>`;

const S7_11 = `<packet version="1.6.9.1">
  <webspace>
    <add-subscription><result><status>ok</status><filter-id>42</filter-id><id>42</id></result></add-subscription>
    <switch-subscription><result><status>ok</status><filter-id>42</filter-id><id>42</id></result></switch-subscription>
  </webspace>
</packet>`;

// ----- harness --------------------------------------------------------------------------------------------------

let sb: PleskSandbox;
let client: PleskClient;

beforeAll(async () => {
  sb = await startPleskSandbox();
  client = createPleskClient({ baseUrl: sb.url, credentials: { secretKey: sb.secretKey } });
});
afterAll(async () => {
  await client.close();
  await sb.close();
});
beforeEach(() => {
  sb.reset();
});

/** The next agent.php call is answered with `body` (HTTP 200). */
function serve(body: string): void {
  sb.faults.add({ times: 1, fault: { kind: 'status', status: 200, body } });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('§7 samples read by the client', () => {
  it('§7.2 remove-subscription success', async () => {
    serve(S7_2_OK);
    await expect(client.removeSubscriptionAddon({ kind: 'id', value: '42' }, { guid: ADDON })).resolves.toEqual({ subscriptionId: '42', problems: null });
  });

  it('§7.2 success with a problems table is kept as text', async () => {
    serve(S7_2_OK.replace('<result><status>ok</status><filter-id>42</filter-id><id>42</id></result>', S7_2_PROBLEMS_RESULT));
    const result = await client.removeSubscriptionAddon({ kind: 'id', value: '42' }, { guid: ADDON });
    expect(result).toEqual({
      subscriptionId: '42',
      problems: 'Description Current Requested Allowed\nMailbox size (shop.example.net) 20 GB 10 GB 10 GB',
    });
  });

  it('§7.3 not found, as a 1013 result and as an empty operation element', async () => {
    serve(S7_3);
    const error = await failure(client.removeSubscriptionAddon({ kind: 'id', value: '9999' }, { guid: ADDON }));
    expect(error).toBeInstanceOf(PleskApiError);
    expect(error).toMatchObject({ errcode: 1013, layer: 'result', operation: 'webspace/remove-subscription', filterValue: '9999' });
    expect(toGatewayError(error)).toBeInstanceOf(NotFoundError);

    serve(S7_3_EMPTY);
    const empty = await failure(client.removeSubscriptionAddon({ kind: 'id', value: '9999' }, { guid: ADDON }));
    expect(toGatewayError(empty)).toBeInstanceOf(NotFoundError);
  });

  it('§7.4 plan not attached (placeholder 1023) → NOT_ATTACHED', async () => {
    serve(S7_4);
    const error = await failure(client.removeSubscriptionAddon({ kind: 'id', value: '42' }, { guid: ADDON }));
    expect(error).toMatchObject({ errcode: 1023, layer: 'result', resultId: '42' });
    const mapped = toGatewayError(error);
    expect(mapped).toBeInstanceOf(PreconditionFailedError);
    expect(mapped).toMatchObject({ code: 'NOT_ATTACHED', upstream: 'plesk' });
  });

  it('§7.5 authentication failure, packet level', async () => {
    serve(S7_5);
    const error = await failure(client.getSubscriptions({ kind: 'id', values: ['42'] }));
    expect(error).toMatchObject({ errcode: 1001, layer: 'system', operation: 'webspace/get' });
    expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_AUTH', details: { upstreamCode: '1001', status: 200 } });
    serve(S7_5.replace('1001', '11003'));
    expect(toGatewayError(await failure(client.getSubscriptions({ kind: 'id', values: ['42'] })))).toMatchObject({
      code: 'UPSTREAM_AUTH',
      details: { upstreamCode: '11003' },
    });
  });

  it('§7.6 mixed results parse as two results matched by filter-id', () => {
    const results = operationResults(parsePacket(S7_6), 'webspace/remove-subscription', 200);
    expect(results.map((r) => [r.status, r.filterId, r.errcode, r.id])).toEqual([
      ['ok', 'shop.example.net', null, '42'],
      ['error', 'missing.example.org', 1013, undefined],
    ]);
  });

  it('§7.6 answered to a single-value change: a result for another value is never success', async () => {
    serve(S7_6);
    const error = await failure(client.removeSubscriptionAddon({ kind: 'name', value: 'shop.example.net' }, { externalId: 'addon-backup-10g' }));
    expect(error).toBeInstanceOf(PleskResponseError);
    expect(error).toMatchObject({ reason: 'unmatched-result' });
    expect(toGatewayError(error)).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
  });

  it('§7.7 malformed packets (1014, both forms) → UPSTREAM_REJECTED', async () => {
    for (const sample of [S7_7A, S7_7B]) {
      serve(sample);
      const error = await failure(client.getSubscriptions({ kind: 'id', values: ['42'] }));
      expect(error).toMatchObject({ errcode: 1014, layer: 'system' });
      const mapped = toGatewayError(error) as UpstreamError;
      expect(mapped).toMatchObject({ code: 'UPSTREAM_REJECTED', retryable: false, details: { upstreamCode: '1014' } });
      expect(mapped.message).not.toContain('Parser error');
    }
  });

  it('§7.8 unsupported version, with the <output> element kept for logs only', async () => {
    serve(S7_8);
    const error = (await failure(client.getSubscriptions({ kind: 'id', values: ['42'] }))) as PleskApiError;
    expect(error).toMatchObject({ errcode: 1005, layer: 'system' });
    expect(error.output).toBe('');
    expect(error.errtext).toBe('XML API version not supported.');
    expect(Object.keys(error)).not.toContain('errtext');
    expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_REJECTED', details: { upstreamCode: '1005' } });
  });

  it('§7.9 webspace get with gen_info and subscriptions', async () => {
    serve(S7_9);
    const [lookup] = await client.getSubscriptions({ kind: 'id', values: ['42'] });
    expect(lookup).toEqual({
      value: '42',
      outcome: 'found',
      item: {
        id: '42',
        name: 'shop.example.net',
        asciiName: 'shop.example.net',
        guid: '0d5e8a7c-1b2f-4c3d-9e8f-7a6b5c4d3e2f',
        externalId: null,
        createdDate: '2024-03-01',
        status: 0,
        active: true,
        ownerId: '7',
        ownerLogin: null,
        vendorGuid: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        hostingType: 'vrt_hst',
        plans: [
          { guid: PLAN, externalId: null },
          { guid: ADDON, externalId: 'addon-backup-10g' },
        ],
        locked: false,
        synchronized: true,
      },
    });
  });

  it('§7.10 service-plan get: ok for the plan, per-result 1013 (no filter-id) for the add-on GUID', async () => {
    serve(S7_10_SERVICE);
    const lookups = await client.getServicePlans([PLAN, ADDON]);
    expect(lookups).toEqual([
      {
        value: PLAN,
        outcome: 'found',
        item: { kind: 'service', id: '3', guid: PLAN, externalId: null, name: 'Unlimited', ownerId: '1', ownerLogin: null },
      },
      { value: ADDON, outcome: 'not-found' },
    ]);
  });

  it('§7.10 service-plan-addon get', async () => {
    serve(S7_10_ADDON);
    expect(await client.getAddonPlans([ADDON])).toEqual([
      {
        value: ADDON,
        outcome: 'found',
        item: { kind: 'addon', id: '11', guid: ADDON, externalId: 'addon-backup-10g', name: 'Backup 10 GB', ownerId: null, ownerLogin: 'admin' },
      },
    ]);
  });

  it('§7.11 add-subscription and switch-subscription results in one operator element', async () => {
    serve(S7_11);
    await expect(client.addSubscriptionAddon({ kind: 'id', value: '42' }, { guid: ADDON })).resolves.toEqual({ subscriptionId: '42', problems: null });
    serve(S7_11);
    await expect(client.switchSubscription({ kind: 'id', value: '42' }, { noPlan: true })).resolves.toEqual({ subscriptionId: '42', problems: null });
  });

  it('whitespace between elements is insignificant (compact and indented samples read the same)', async () => {
    serve(S7_9.replace(/>\s+</g, '><'));
    const [compact] = await client.getSubscriptions({ kind: 'id', values: ['42'] });
    serve(S7_9);
    const [indented] = await client.getSubscriptions({ kind: 'id', values: ['42'] });
    expect(compact).toEqual(indented);
  });
});
