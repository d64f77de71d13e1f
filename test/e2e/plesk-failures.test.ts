import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/sandbox/faults.js';
import { lastAudit, PLESK_DEMO, pleskPackets, startStack, type Stack } from '../support/stack.js';

const { subscriptions: SUBS, addonPlans: ADDON } = PLESK_DEMO;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ pleskDeadlineMs: 1_000 });
});
afterAll(async () => {
  // No response of this file carries a Plesk credential, Plesk's own error text, a stack trace or the panel's URL.
  const everything = stack.responses.join('\n');
  expect(everything).not.toContain(stack.pleskSandbox.password);
  expect(everything).not.toContain(stack.pleskSandbox.secretKey);
  expect(everything).not.toContain(stack.pleskSandbox.url);
  expect(everything).not.toContain('wrong password');
  expect(everything).not.toContain('Secret key validation failed');
  expect(everything).not.toMatch(/\bat .+\.(ts|js):\d+/);
  await stack.close();
});
beforeEach(() => stack.pleskSandbox.reset());

/** A packet-level `<system>` error as Plesk sends it (§6.1, §7.5). */
function systemPacket(errcode: number, errtext: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<packet version="1.6.9.1"><system><status>error</status><errcode>${errcode}</errcode><errtext>${errtext}</errtext></system></packet>`;
}

/** Lets the first `skip` agent.php requests through untouched, then applies `fault` once. */
/** Faults the request after `skip` others; `times` > 1 for a read, which is tried 3 times. */
function faultAt(skip: number, fault: Fault, applyAfterHandling = false, times = 1): void {
  if (skip > 0) stack.pleskSandbox.faults.add({ fault: { kind: 'latency', ms: 0 }, times: skip });
  stack.pleskSandbox.faults.add({ fault, times, ...(applyAfterHandling ? { applyAfterHandling } : {}) });
}

const READ_ATTEMPTS = 3;

const READ = `query { pleskSubscription(by: { id: "${SUBS.shop.id}" }) { id name } }`;

const REMOVE = /* GraphQL */ `mutation {
  removePleskSubscriptionAddon(input: { subscription: { id: "${SUBS.shop.id}" }, planGuid: "${ADDON.backup.guid}" }) {
    __typename
    ... on Error { code message }
    ... on UpstreamError { upstream retryable upstreamCode }
    ... on RemovePleskSubscriptionAddonSuccess { problems subscription { id addonPlans { guid } } }
  }
}`;

const attached = () => stack.pleskSandbox.store.subscriptions.find((s) => String(s.id) === SUBS.shop.id)!.addonGuids.includes(ADDON.backup.guid);

const DOCTYPE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE packet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<packet version="1.6.9.1"><webspace><get><result><status>ok</status><filter-id>&b;</filter-id></result></get></webspace></packet>`;

const EXTERNAL_ENTITY = `<?xml version="1.0"?><!DOCTYPE packet [<!ENTITY x SYSTEM "file:///etc/passwd">]><packet><webspace><get><result><status>ok</status><filter-id>&x;</filter-id></result></get></webspace></packet>`;

describe('a failing Plesk panel on reads: a GraphQL error with a code, never a wrong answer', () => {
  it.each([
    ['HTTP 500 HTML page', 'UPSTREAM_UNAVAILABLE', { kind: 'status', status: 500 }, undefined],
    ['HTTP 503 HTML page', 'UPSTREAM_UNAVAILABLE', { kind: 'status', status: 503 }, undefined],
    ['connection reset', 'UPSTREAM_UNAVAILABLE', { kind: 'reset' }, undefined],
    ['reset mid-body', 'UPSTREAM_UNAVAILABLE', { kind: 'reset-mid-body' }, undefined],
    ['truncated XML', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed' }, undefined],
    ['not XML at all', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed', body: 'Service Temporarily Unavailable' }, undefined],
    ['an HTML page with status 200', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed', body: '<html><body><h1>Plesk is updating</h1></body></html>' }, undefined],
    ['an empty 200 body', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed', body: '' }, undefined],
    ['a DOCTYPE with entity expansion', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed', body: DOCTYPE }, undefined],
    ['an external entity (XXE)', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed', body: EXTERNAL_ENTITY }, undefined],
    ['an oversized body (3 MiB)', 'UPSTREAM_BAD_RESPONSE', { kind: 'oversized', bytes: 3 * 1024 * 1024 }, undefined],
    ['a redirect', 'UPSTREAM_BAD_RESPONSE', { kind: 'redirect', location: 'http://127.0.0.1:9/steal' }, undefined],
    ['HTTP 401 from a proxy', 'UPSTREAM_AUTH', { kind: 'status', status: 401 }, undefined],
    ['bad credentials (system 1001)', 'UPSTREAM_AUTH', { kind: 'status', status: 200, body: systemPacket(1001, 'Authentication failed - wrong password.') }, '1001'],
    ['bad secret key (system 11003)', 'UPSTREAM_AUTH', { kind: 'status', status: 200, body: systemPacket(11003, 'Secret key validation failed.') }, '11003'],
    ['API access denied (system 1006)', 'UPSTREAM_AUTH', { kind: 'status', status: 200, body: systemPacket(1006, 'Permission denied.') }, '1006'],
    ['packet refused (system 1014)', 'UPSTREAM_REJECTED', { kind: 'status', status: 200, body: systemPacket(1014, 'Parser error: Request is invalid.') }, '1014'],
    ['agent initialisation failed (system 1003)', 'UPSTREAM_UNAVAILABLE', { kind: 'status', status: 200, body: systemPacket(1003, 'Agent initialisation failed.') }, '1003'],
    ['a hung panel (1 s deadline)', 'UPSTREAM_TIMEOUT', { kind: 'hang' }, undefined],
    ['a dripping body (1 s deadline)', 'UPSTREAM_TIMEOUT', { kind: 'drip', intervalMs: 100, bytes: 8 }, undefined],
  ] as const)('%s → %s', async (_name, code, fault, upstreamCode) => {
    stack.pleskSandbox.faults.add({ fault: fault as Fault });
    const res = await stack.gql(READ);
    expect(res.status).toBe(200);
    expect(res.body.data?.pleskSubscription ?? null).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    const error = res.body.errors![0]!;
    expect(error.path).toEqual(['pleskSubscription']);
    expect(error.extensions).toMatchObject({ code, upstream: 'plesk' });
    expect(error.extensions?.upstreamCode).toBe(upstreamCode);
    expect(error.message).toMatch(/Plesk API/);
    expect(Object.keys(error.extensions ?? {})).not.toContain('stacktrace');
  });

  it('429 is RATE_LIMITED with the retry-after hint', async () => {
    stack.pleskSandbox.faults.add({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '9' } } });
    const res = await stack.gql(READ);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 9, retryable: true });
  });

  it('a per-value error other than 1013 is an error, not null', async () => {
    stack.pleskSandbox.faults.add({
      fault: {
        kind: 'status',
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><get><result><status>error</status><errcode>1023</errcode><errtext>Operation failed.</errtext><filter-id>${SUBS.shop.id}</filter-id></result></get></webspace></packet>`,
      },
    });
    const res = await stack.gql(READ);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', upstreamCode: '1023' });
  });

  it('a result for a value that was not asked for is never shown', async () => {
    stack.pleskSandbox.faults.add({
      fault: {
        kind: 'status',
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><webspace><get><result><status>ok</status><filter-id>${SUBS.cafe.id}</filter-id><id>${SUBS.cafe.id}</id><data><gen_info><cr_date>2025-06-30</cr_date><name>${SUBS.cafe.name}</name><ascii-name>${SUBS.cafe.asciiName}</ascii-name><status>16</status><real_size>0</real_size><htype>vrt_hst</htype><guid>${SUBS.cafe.guid}</guid><vendor-guid>${PLESK_DEMO.admin.guid}</vendor-guid><external-id/></gen_info></data></result></get></webspace></packet>`,
      },
    });
    const res = await stack.gql(READ);
    expect(res.body).toEqual({ data: { pleskSubscription: null } });
  });

  it('a read that fails once is retried and succeeds: two packets for one look-up', async () => {
    stack.pleskSandbox.clearRequests();
    faultAt(0, { kind: 'status', status: 503 });
    const res = await stack.gql(READ);
    expect(res.body).toEqual({ data: { pleskSubscription: { id: SUBS.shop.id, name: SUBS.shop.name } } });
    expect(stack.pleskSandbox.requests).toHaveLength(2);
  });

  it('a failing plan look-up fails the plan fields, with a code', async () => {
    faultAt(1, { kind: 'status', status: 500 }, false, 2 * READ_ATTEMPTS);
    const res = await stack.gql(`query { pleskSubscription(by: { id: "${SUBS.shop.id}" }) { id servicePlan { guid } } }`);
    expect(res.body.data.pleskSubscription).toEqual({ id: SUBS.shop.id, servicePlan: null });
    expect(res.body.errors![0]).toMatchObject({ path: ['pleskSubscription', 'servicePlan'], extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'plesk' } });
  });

  it('pleskAddonPlans on a failing panel is a coded error', async () => {
    stack.pleskSandbox.faults.add({ fault: { kind: 'status', status: 200, body: systemPacket(1001, 'Authentication failed - wrong password.') } });
    const res = await stack.gql(`query { pleskAddonPlans { guid } }`);
    expect(res.body.data).toEqual({ pleskAddonPlans: null });
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH', upstreamCode: '1001', retryable: false });
  });
});

describe('a failing Plesk panel on changes: a typed UpstreamError, OUTCOME_UNKNOWN once the change was sent', () => {
  // The checked detach reads first (add-on plan, subscription, plan kinds); the fault hits the change.
  const onChange = (fault: Fault, applyAfterHandling = false) =>
    stack.pleskSandbox.faults.add({ bodyIncludes: '<remove-subscription>', times: 1, fault, ...(applyAfterHandling ? { applyAfterHandling } : {}) });

  it.each([
    ['HTTP 500', { kind: 'status', status: 500 }],
    ['connection reset', { kind: 'reset' }],
    ['truncated XML', { kind: 'malformed' }],
    ['a DOCTYPE answer', { kind: 'malformed', body: DOCTYPE }],
    ['an oversized answer', { kind: 'oversized', bytes: 3 * 1024 * 1024 }],
    ['a hung panel (1 s deadline)', { kind: 'hang' }],
  ] as const)('%s on remove-subscription: read back, not detached, so UPSTREAM_UNAVAILABLE; sent once', async (_name, fault) => {
    onChange(fault as Fault);
    const res = await stack.gql(REMOVE);
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_UNAVAILABLE', upstream: 'PLESK', retryable: true });
    expect(lastAudit(stack)).toMatchObject({ operation: 'removePleskSubscriptionAddon', outcome: 'error', errorCode: 'UPSTREAM_UNAVAILABLE' });
    // Sent once, never retried by the gateway (a faulted request is logged unparsed: read its body).
    expect(pleskPackets(stack).filter((r) => r.body.includes('<remove-subscription>'))).toHaveLength(1);
    expect(attached()).toBe(true);
  });

  it('a reset after Plesk applied the change: read back, found detached, reported as the success it was', async () => {
    onChange({ kind: 'reset' }, true);
    const res = await stack.gql(REMOVE);
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({
      __typename: 'RemovePleskSubscriptionAddonSuccess',
      problems: null,
      subscription: { id: SUBS.shop.id, addonPlans: [{ guid: ADDON.mailPro.guid }] },
    });
    expect(attached()).toBe(false);
    expect(pleskPackets(stack).filter((r) => r.body.includes('<remove-subscription>'))).toHaveLength(1);
  });

  it('when the read-back fails too, the outcome is OUTCOME_UNKNOWN', async () => {
    onChange({ kind: 'reset' }, true);
    // Every read after the change fails (three attempts each).
    stack.pleskSandbox.faults.add({ bodyIncludes: '<id>42</id></filter><dataset>', times: 1, fault: { kind: 'latency', ms: 0 } });
    stack.pleskSandbox.faults.add({ bodyIncludes: '<dataset>', fault: { kind: 'status', status: 503 } });
    const res = await stack.gql(REMOVE);
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', retryable: true });
    expect(lastAudit(stack)).toMatchObject({ operation: 'removePleskSubscriptionAddon', outcome: 'error', errorCode: 'OUTCOME_UNKNOWN' });
  });

  it('a failure before the change (the checks) is not OUTCOME_UNKNOWN, and nothing is changed', async () => {
    faultAt(0, { kind: 'status', status: 500 }, false, READ_ATTEMPTS);
    const first = await stack.gql(REMOVE);
    expect(first.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_UNAVAILABLE' });
    faultAt(1, { kind: 'hang' });
    const second = await stack.gql(REMOVE);
    expect(second.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_TIMEOUT' });
    expect(attached()).toBe(true);
    expect(pleskPackets(stack).some((r) => r.body.includes('<remove-subscription>'))).toBe(false);
  });

  it("bad credentials (1001) are UPSTREAM_AUTH carrying Plesk's errcode", async () => {
    stack.pleskSandbox.faults.add({ fault: { kind: 'status', status: 200, body: systemPacket(1001, 'Authentication failed - wrong password.') } });
    const res = await stack.gql(REMOVE);
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({
      __typename: 'UpstreamError',
      code: 'UPSTREAM_AUTH',
      upstream: 'PLESK',
      upstreamCode: '1001',
      retryable: false,
    });
    expect(res.text).not.toContain('wrong password');
  });

  it('a packet-level refusal of the change itself (1014) is UPSTREAM_REJECTED: nothing ran', async () => {
    onChange({ kind: 'status', status: 200, body: systemPacket(1014, 'Parser error: Request is invalid.') });
    const res = await stack.gql(REMOVE);
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_REJECTED', upstreamCode: '1014' });
    expect(lastAudit(stack)).toMatchObject({ operation: 'removePleskSubscriptionAddon', outcome: 'error', errorCode: 'UPSTREAM_REJECTED' });
  });

  it('a failed re-read after a confirmed change still reports the success', async () => {
    faultAt(3, { kind: 'reset' }, false, READ_ATTEMPTS);
    const res = await stack.gql(REMOVE);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({
      __typename: 'RemovePleskSubscriptionAddonSuccess',
      problems: expect.stringContaining('Disk space for backups'),
      subscription: { id: SUBS.shop.id, addonPlans: [{ guid: ADDON.mailPro.guid }] },
    });
    expect(attached()).toBe(false);
    expect(stack.logLines.some((line) => line.includes('not readable after an add-on change'))).toBe(true);
  });
});

describe('an unsupported protocol version', () => {
  let old: Stack;
  beforeAll(async () => {
    old = await startStack({ plesk: { supportedVersions: ['1.6.3.0', '1.6.3.5', '1.6.5.0'] } });
  });
  afterAll(async () => {
    expect(old.responses.join('\n')).not.toContain(old.pleskSandbox.password);
    await old.close();
  });

  it('is UPSTREAM_REJECTED with errcode 1005 on a read', async () => {
    const res = await old.gql(READ);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', upstream: 'plesk', upstreamCode: '1005', retryable: false });
    expect(old.pleskSandbox.requests[0]!.systemErrcode).toBe(1005);
  });

  it('and an UpstreamError with errcode 1005 on a change', async () => {
    const res = await old.gql(REMOVE);
    expect(res.body.data.removePleskSubscriptionAddon).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_REJECTED', upstreamCode: '1005' });
    expect(lastAudit(old)).toMatchObject({ operation: 'removePleskSubscriptionAddon', outcome: 'error', errorCode: 'UPSTREAM_REJECTED' });
  });
});
