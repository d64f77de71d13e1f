import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWixSandbox, WIX_DEMO as D, WixSandboxClient, type Fault, type WixSandbox } from '../../../src/sandbox/wix/index.js';

let sb: WixSandbox;
let api: WixSandboxClient;

beforeAll(async () => {
  sb = await startWixSandbox();
  api = new WixSandboxClient(sb.url, sb.apiKey);
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

const GET = `/resellers/v1/packages/${D.packageId}`;
const get = () => api.call('GET', GET);
const cancel = () => api.call('DELETE', GET);
const state = () => sb.getPackage(D.packageId)!.productInstances[0]!.status;

describe('status faults', () => {
  it('5xx default body is the Wix system error shape, with x-wix-request-id', async () => {
    sb.faults.add({ fault: { kind: 'status', status: 503 } });
    const res = await get();
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ message: '', details: {} });
    expect(res.requestId).toEqual(expect.any(String));
  });

  it('429 with a Retry-After header and a custom body', async () => {
    sb.faults.add({ fault: { kind: 'status', status: 429, headers: { 'Retry-After': '1' }, body: { message: 'slow down', details: {} } } });
    const res = await get();
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({ message: 'slow down', details: {} });
  });

  it('`times` expires; method and pathPrefix select requests', async () => {
    sb.faults.add({ method: 'GET', pathPrefix: '/resellers/v1/packages/', times: 2, fault: { kind: 'status', status: 500 } });
    expect((await cancel()).status).toBe(200); // DELETE not matched
    expect((await api.call('POST', '/resellers/v1/packages/query', { body: { query: {} } })).status).toBe(200); // POST not matched
    expect([(await get()).status, (await get()).status, (await get()).status]).toEqual([500, 500, 200]);
    expect(sb.faults.list()).toEqual([]);
  });

  it('first matching rule wins; clear() removes all', async () => {
    sb.faults.add({ fault: { kind: 'status', status: 502 } });
    sb.faults.add({ fault: { kind: 'status', status: 504 } });
    expect((await get()).status).toBe(502);
    sb.faults.clear();
    expect((await get()).status).toBe(200);
  });

  it('without applyAfterHandling a faulted write changes nothing; with it, the write happens then fails', async () => {
    sb.faults.add({ method: 'DELETE', times: 1, fault: { kind: 'status', status: 500 } });
    expect((await cancel()).status).toBe(500);
    expect(state()).toBe('ENABLED');
    sb.faults.add({ method: 'DELETE', times: 1, applyAfterHandling: true, fault: { kind: 'status', status: 500 } });
    expect((await cancel()).status).toBe(500);
    expect(state()).toBe('CANCELED');
  });
});

describe('transport faults', () => {
  it('latency delays then answers normally (before or after handling)', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'latency', ms: 120 } });
    let t = Date.now();
    const res = await get();
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    expect(res.body.package.id).toBe(D.packageId);

    sb.faults.add({ times: 1, applyAfterHandling: true, fault: { kind: 'latency', ms: 120 } });
    t = Date.now();
    const pending = cancel();
    await new Promise((r) => setTimeout(r, 40));
    expect(state()).toBe('CANCELED'); // handled already, answer still delayed
    expect((await pending).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
  });

  it('reset destroys the socket before any response; logged with status 0', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'reset' } });
    await expect(get()).rejects.toThrow();
    expect(sb.requests.at(-1)).toMatchObject({ path: GET, status: 0 });
  });

  it('reset after handling: the write is applied, the answer lost', async () => {
    sb.faults.add({ times: 1, method: 'DELETE', applyAfterHandling: true, fault: { kind: 'reset' } });
    await expect(cancel()).rejects.toThrow();
    expect(state()).toBe('CANCELED');
  });

  it('reset-mid-body sends headers and part of the body, then drops the connection', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'reset-mid-body' } });
    const res = await request(`${sb.url}${GET}`, { headers: { authorization: sb.apiKey, 'wix-account-id': D.accountId } });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    expect(sb.requests.at(-1)!.status).toBe(200);
  });

  it('malformed answers 200 with an unparsable body (default: truncated JSON)', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'malformed' } });
    sb.faults.add({ times: 1, fault: { kind: 'malformed', body: '<html>proxy error</html>' } });
    const a = await get();
    expect(a.status).toBe(200);
    expect(() => JSON.parse(a.text)).toThrow();
    expect(a.text.startsWith('{"package":')).toBe(true);
    expect((await get()).text).toBe('<html>proxy error</html>');
  });

  it('malformed after handling truncates the real answer', async () => {
    sb.faults.add({ times: 1, applyAfterHandling: true, fault: { kind: 'malformed' } });
    const res = await get();
    expect(res.text.startsWith(`{"package":{"id":"${D.packageId}"`)).toBe(true);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('drip sends a valid body slowly', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'drip', intervalMs: 20, bytes: 200 } });
    const res = await request(`${sb.url}${GET}`, { headers: { authorization: sb.apiKey, 'wix-account-id': D.accountId } });
    const headersAt = Date.now();
    expect(res.statusCode).toBe(200);
    const text = await res.body.text();
    expect(Date.now() - headersAt).toBeGreaterThanOrEqual(40);
    expect(JSON.parse(text).package.id).toBe(D.packageId);
  });

  it('oversized answers 200 with a valid JSON body of exactly the requested size', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'oversized', bytes: 300_000 } });
    sb.faults.add({ times: 1, applyAfterHandling: true, fault: { kind: 'oversized', bytes: 300_000 } });
    const a = await get();
    expect(a.status).toBe(200);
    expect(Buffer.byteLength(a.text)).toBe(300_000);
    expect(typeof a.body).toBe('object');
    const b = await get();
    expect(Buffer.byteLength(b.text)).toBe(300_000);
    expect(b.body.package.id).toBe(D.packageId);
  });

  it('redirect answers 3xx with a Location (undici.request does not follow)', async () => {
    sb.faults.add({ times: 1, fault: { kind: 'redirect', location: 'http://127.0.0.1:9/elsewhere', status: 307 } });
    sb.faults.add({ times: 1, fault: { kind: 'redirect', location: '/x' } });
    const a = await get();
    expect(a.status).toBe(307);
    expect(a.headers['location']).toBe('http://127.0.0.1:9/elsewhere');
    expect((await get()).status).toBe(302);
    expect(sb.requests.map((r) => r.status)).toEqual([307, 302]);
  });

  it('hang never answers; close() tears the socket down promptly', async () => {
    const own = await startWixSandbox();
    own.faults.add({ fault: { kind: 'hang' } });
    own.faults.add({ fault: { kind: 'drip', intervalMs: 10_000 } }); // never reached: first rule wins
    const pending = new WixSandboxClient(own.url, own.apiKey).call('GET', GET);
    const outcome = pending.then(() => 'answered', () => 'rejected');
    const winner = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('still waiting'), 150))]);
    expect(winner).toBe('still waiting');
    // close() must not wait for the hung socket (a hang would fail the test by its timeout).
    await own.close();
    expect(await outcome).toBe('rejected');
    expect(own.requests[0]!.status).toBe(0);
  });

  it('close() also ends a slow drip', async () => {
    const own = await startWixSandbox();
    own.faults.add({ fault: { kind: 'drip', intervalMs: 5_000 } });
    const res = await request(`${own.url}${GET}`, { headers: { authorization: own.apiKey, 'wix-account-id': D.accountId } });
    const body = res.body.text().then(() => 'done', () => 'rejected');
    await own.close();
    expect(await body).toBe('rejected');
  });
});

describe('rule validation', () => {
  it.each<unknown>([
    { fault: { kind: 'explode' } },
    { fault: { kind: 'latency' } },
    { fault: { kind: 'status', status: 99 } },
    { fault: { kind: 'redirect', location: '/x', status: 303 } },
    { fault: { kind: 'oversized', bytes: 0 } },
    { times: 0, fault: { kind: 'reset' } },
    { fault: { kind: 'reset' }, applyAfterHandling: 'yes' },
  ])('rejects %j', (rule) => {
    expect(() => sb.faults.add(rule as { fault: Fault })).toThrow();
  });
});
