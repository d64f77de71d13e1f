// Transport faults between the client and agent.php (sandbox faults over loopback): redirects, 5xx pages, resets,
// hangs, drips, oversized bodies, refused connections; and credentials never showing up in any error.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox } from '../../../src/sandbox/plesk/index.js';
import { PleskResponseError, PleskTransportError, createPleskClient, toGatewayError } from '../../../src/upstreams/plesk/index.js';
import type { PleskClient } from '../../../src/upstreams/plesk/index.js';
import type { UpstreamCallRecord } from '../../../src/upstreams/http.js';

const PASSWORD = 'pässword-&<"secret">-42';
const SECRET_KEY = 'sk-9f8e7d6c5b4a-secret-key';
const ADDON = PLESK_DEMO.addonPlans.backup.guid;

let sb: PleskSandbox;
let client: PleskClient;
let sentinel: Server;
let sentinelUrl: string;
let sentinelHits = 0;
const calls: UpstreamCallRecord[] = [];
const clients: PleskClient[] = [];

function makeClient(options: Partial<Parameters<typeof createPleskClient>[0]> = {}): PleskClient {
  const c = createPleskClient({
    baseUrl: sb.url,
    credentials: { login: sb.login, password: PASSWORD },
    deadlineMs: 200,
    writeDeadlineMs: 450,
    maxResponseBytes: 64 * 1024,
    onCall: (call) => calls.push(call),
    ...options,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  sentinel = createServer((_req, res) => {
    sentinelHits += 1;
    res.end('<packet/>');
  });
  await new Promise<void>((resolve) => sentinel.listen(0, '127.0.0.1', resolve));
  sentinelUrl = `http://127.0.0.1:${(sentinel.address() as AddressInfo).port}`;
  sb = await startPleskSandbox({ password: PASSWORD, secretKey: SECRET_KEY });
  client = makeClient();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sb.close();
  await new Promise<void>((resolve) => sentinel.close(() => resolve()));
});
beforeEach(() => {
  sb.reset();
  calls.length = 0;
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const read = () => client.getSubscriptions({ kind: 'id', values: ['42'] });
const write = () => client.removeSubscriptionAddon({ kind: 'id', value: '42' }, { guid: ADDON });
const attached = () => sb.store.subscriptions.find((s) => s.id === 42)!.addonGuids.includes(ADDON);

describe('transport faults', () => {
  it('a 3xx is an error and is never followed (the target is never contacted)', async () => {
    sb.faults.add({ times: 2, fault: { kind: 'redirect', status: 307, location: `${sentinelUrl}/grab` } });
    const error = await failure(read());
    expect(error).toBeInstanceOf(PleskResponseError);
    expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', details: { status: 307 } });
    expect(toGatewayError(await failure(write()))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect(sentinelHits).toBe(0);
    expect(attached()).toBe(true);
  });

  it('an HTML 502 page: read → UPSTREAM_UNAVAILABLE, write → OUTCOME_UNKNOWN; 429 → RATE_LIMITED; 401 → UPSTREAM_AUTH', async () => {
    sb.faults.add({ times: 2, fault: { kind: 'status', status: 502 } });
    expect(toGatewayError(await failure(read()))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { status: 502 } });
    expect(toGatewayError(await failure(write()))).toMatchObject({ code: 'OUTCOME_UNKNOWN', details: { status: 502 } });
    sb.faults.add({ times: 1, fault: { kind: 'status', status: 429, body: 'slow down', headers: { 'retry-after': '7' } } });
    expect(toGatewayError(await failure(read()))).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 7 } });
    sb.faults.add({ times: 1, fault: { kind: 'status', status: 401 } });
    expect(toGatewayError(await failure(read()))).toMatchObject({ code: 'UPSTREAM_AUTH' });
  });

  it('a packet is read whatever the HTTP status', async () => {
    sb.faults.add({
      times: 1,
      fault: { kind: 'status', status: 500, body: '<packet><system><status>error</status><errcode>1003</errcode></system></packet>' },
    });
    expect(toGatewayError(await failure(read()))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { upstreamCode: '1003', status: 500 } });
  });

  it('reset: read → UPSTREAM_UNAVAILABLE; a write reset after Plesk applied it → OUTCOME_UNKNOWN', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'reset' } });
    const error = await failure(read());
    expect(error).toBeInstanceOf(PleskTransportError);
    expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    sb.faults.add({ times: 1, applyAfterHandling: true, fault: { kind: 'reset' } });
    expect(toGatewayError(await failure(write()))).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    expect(attached()).toBe(false); // it did happen: reconcile by reading, never by resending blindly
    expect(sb.requests.filter((r) => r.operations[0]?.operation === 'remove-subscription')).toHaveLength(1);
  });

  it('reset mid-body', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'reset-mid-body' } });
    expect(toGatewayError(await failure(read()))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('hang: the read deadline → UPSTREAM_TIMEOUT, the longer write deadline → OUTCOME_UNKNOWN', async () => {
    sb.faults.add({ times: 2, fault: { kind: 'hang' } });
    let started = performance.now();
    expect(toGatewayError(await failure(read()))).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    const readMs = performance.now() - started;
    started = performance.now();
    expect(toGatewayError(await failure(write()))).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    const writeMs = performance.now() - started;
    expect(readMs).toBeGreaterThanOrEqual(180);
    // The read gave up on its own, shorter deadline.
    expect(readMs).toBeLessThan(writeMs);
    expect(writeMs).toBeGreaterThanOrEqual(420);
    expect(calls.map((c) => [c.route, c.failure])).toEqual([
      ['/enterprise/control/agent.php#webspace/get', 'timeout'],
      ['/enterprise/control/agent.php#webspace/remove-subscription', 'timeout'],
    ]);
  });

  it('a dripping body cannot outlive the deadline', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'drip', intervalMs: 50, bytes: 8 } });
    expect(toGatewayError(await failure(read()))).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('a response over the size cap → UPSTREAM_BAD_RESPONSE (2 MiB by default)', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'oversized', bytes: 100 * 1024 } });
    const error = await failure(read());
    expect(error).toMatchObject({ failure: 'too-large' });
    expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    // Just under the cap is fine (the padding is an XML comment).
    sb.faults.add({ times: 1, applyAfterHandling: true, fault: { kind: 'oversized', bytes: 60 * 1024 } });
    await expect(read()).resolves.toHaveLength(1);
  });

  it('latency within the deadline is fine', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'latency', ms: 100 } });
    await expect(read()).resolves.toMatchObject([{ outcome: 'found' }]);
  });

  it('connection refused → UPSTREAM_UNAVAILABLE, for writes too (nothing was sent)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = makeClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await failure(offline.removeSubscriptionAddon({ kind: 'id', value: '42' }, { guid: ADDON }));
    expect(error).toMatchObject({ failure: 'connect', maybeReceived: false });
    expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('a read can be abandoned through its signal', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'hang' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(client.getSubscriptions({ kind: 'id', values: ['42'] }, { signal: controller.signal }));
    expect(error).toMatchObject({ failure: 'aborted' });
  });
});

describe('credentials never appear in an error', () => {
  function assertClean(error: unknown): void {
    const texts = [
      String(error),
      (error as Error).message,
      (error as Error).stack ?? '',
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
      JSON.stringify(toGatewayError(error)),
      inspect(toGatewayError(error), { depth: 10 }),
    ];
    for (const text of texts) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('secret');
      expect(text).not.toContain(SECRET_KEY);
    }
  }

  it('bad password, bad key, transport failures, redirects and echoing error texts', async () => {
    const wrongPassword = makeClient({ credentials: { login: sb.login, password: `${PASSWORD}-wrong` } });
    assertClean(await failure(wrongPassword.getSubscriptions({ kind: 'id', values: ['42'] })));
    const wrongKey = makeClient({ credentials: { secretKey: `${SECRET_KEY}-wrong` } });
    assertClean(await failure(wrongKey.getProtocols()));

    // A panel whose error text echoes the credentials.
    sb.faults.add({
      times: 1,
      fault: {
        kind: 'status',
        status: 200,
        body: `<packet><system><status>error</status><errcode>1001</errcode><errtext>Login admin with password ${PASSWORD} and key ${SECRET_KEY} refused</errtext></system><output>${SECRET_KEY}</output></packet>`,
      },
    });
    assertClean(await failure(read()));

    for (const fault of [{ kind: 'reset' }, { kind: 'redirect', location: `${sentinelUrl}/x` }, { kind: 'hang' }, { kind: 'malformed' }] as const) {
      sb.faults.add({ times: 1, fault });
      assertClean(await failure(write()));
    }
    sb.faults.clear();
    const keyClient = makeClient({ credentials: { secretKey: SECRET_KEY } });
    sb.faults.add({ times: 1, fault: { kind: 'reset' } });
    assertClean(await failure(keyClient.getSubscriptions({ kind: 'id', values: ['42'] })));
    expect(() => makeClient({ credentials: { login: 'admin', password: `${PASSWORD}\r\nX: y` } })).toThrowError(/characters an HTTP header cannot carry/);
    expect(() => makeClient({ credentials: { login: 'admin', password: 'пароль' } })).toThrowError(/characters an HTTP header cannot carry/);
    try {
      makeClient({ credentials: { login: 'admin', password: `${PASSWORD}\r\n` } });
    } catch (error) {
      assertClean(error);
    }
  });
});
