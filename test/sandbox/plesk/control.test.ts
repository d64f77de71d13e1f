// Sandbox: control API (/__sandbox/ with KEY), request log, faults, reset, behaviour, wrong path / method.
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startPleskSandbox } from '../../../src/sandbox/plesk/index.js';
import type { PleskSandbox, RecordedPleskRequest } from '../../../src/sandbox/plesk/index.js';

let sb: PleskSandbox;
beforeAll(async () => {
  sb = await startPleskSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.reset());

async function control(method: 'GET' | 'POST' | 'DELETE' | 'PUT', path: string, body?: unknown, key: string | null = sb.secretKey) {
  const res = await request(`${sb.url}/__sandbox${path}`, {
    method,
    headers: { ...(key !== null ? { KEY: key } : {}), 'content-type': 'application/json' },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function agent(body: string, headers: Record<string, string> = { HTTP_AUTH_LOGIN: sb.login, HTTP_AUTH_PASSWD: sb.password }, method = 'POST') {
  const res = await request(`${sb.url}/enterprise/control/agent.php`, { method: method as 'POST', headers, ...(method === 'POST' ? { body } : {}) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const GET_42 = '<packet version="1.6.9.1"><webspace><get><filter><id>42</id><id>43</id></filter><dataset><gen_info/></dataset></get></webspace></packet>';
const REMOVE = `<packet><webspace><remove-subscription><filter><id>42</id></filter><plan-guid>${PLESK_DEMO.addonPlans.backup.guid}</plan-guid></remove-subscription></webspace></packet>`;

describe('routing', () => {
  it('wrong path → 404, wrong method → 405 with Allow: POST', async () => {
    expect((await agent('<packet/>', {})).status).toBe(200);
    const notFound = await request(`${sb.url}/api/v2/server`);
    await notFound.body.dump();
    expect(notFound.statusCode).toBe(404);
    const get = await agent('', {}, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    expect(sb.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/enterprise/control/agent.php', 200],
      ['GET', '/api/v2/server', 404],
      ['GET', '/enterprise/control/agent.php', 405],
    ]);
  });

  it('every agent.php answer is HTTP 200, errors included', async () => {
    expect((await agent('<packet><bad', {})).status).toBe(200);
    expect((await agent(GET_42, { KEY: 'wrong' })).status).toBe(200);
    expect((await agent(GET_42)).status).toBe(200);
  });
});

describe('request log', () => {
  it('records headers (secrets redacted), body, auth method, version, operations with filter kind and values, status', async () => {
    await agent(GET_42);
    await agent(REMOVE, { KEY: sb.secretKey });
    await agent('<packet><webspace><get><filter><id>1</id><name>x</name></filter><dataset><gen_info/></dataset></get></webspace></packet>');
    const [get, remove, mixed] = sb.requests as [RecordedPleskRequest, RecordedPleskRequest, RecordedPleskRequest];
    expect(get).toMatchObject({
      seq: expect.any(Number),
      method: 'POST',
      path: '/enterprise/control/agent.php',
      body: GET_42,
      auth: 'login',
      version: '1.6.9.1',
      status: 200,
      systemErrcode: null,
      fault: null,
      operations: [{ operator: 'webspace', operation: 'get', filter: { kind: 'id', values: ['42', '43'] }, plan: null }],
    });
    expect(get.headers['http_auth_login']).toBe(sb.login);
    expect(get.headers['http_auth_passwd']).toBe('[redacted]');
    expect(remove).toMatchObject({
      auth: 'key',
      version: null,
      headers: { key: '[redacted]' },
      operations: [{ operator: 'webspace', operation: 'remove-subscription', filter: { kind: 'id', values: ['42'] }, plan: { guid: PLESK_DEMO.addonPlans.backup.guid } }],
    });
    expect(mixed).toMatchObject({ systemErrcode: 1014, operations: [{ filter: { kind: 'id+name', values: ['1', 'x'] } }] });
    expect(JSON.stringify(sb.requests)).not.toContain(sb.password);
    expect(JSON.stringify(sb.requests)).not.toContain(sb.secretKey);
  });

  it('GET / DELETE /__sandbox/requests; clearRequests()', async () => {
    await agent(GET_42);
    const listed = await control('GET', '/requests');
    expect(listed.status).toBe(200);
    expect(listed.json.requests).toHaveLength(1);
    expect(listed.json.requests[0].operations[0].filter).toEqual({ kind: 'id', values: ['42', '43'] });
    expect((await control('DELETE', '/requests')).status).toBe(204);
    expect(sb.requests).toHaveLength(0);
    await agent(GET_42);
    sb.clearRequests();
    expect((await control('GET', '/requests')).json.requests).toEqual([]);
  });
});

describe('control API', () => {
  it('requires the KEY header', async () => {
    expect((await control('GET', '/requests', undefined, null)).status).toBe(401);
    expect((await control('GET', '/requests', undefined, 'wrong')).status).toBe(401);
    expect((await control('POST', '/reset', undefined, sb.password)).status).toBe(401);
  });

  it('unknown route → 404, wrong method → 405', async () => {
    expect((await control('GET', '/nope')).status).toBe(404);
    const wrong = await control('PUT', '/faults', {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('GET, POST, DELETE');
  });

  it('POST / GET / DELETE /__sandbox/faults, validated', async () => {
    const added = await control('POST', '/faults', { times: 1, fault: { kind: 'status', status: 503 } });
    expect(added.status).toBe(201);
    expect((await control('GET', '/faults')).json.faults).toEqual([{ times: 1, fault: { kind: 'status', status: 503 } }]);
    const failed = await agent(GET_42);
    expect(failed.status).toBe(503);
    expect(failed.text).toContain('<html>');
    expect(sb.requests.at(-1)).toMatchObject({ status: 503, fault: 'status' });
    expect((await agent(GET_42)).status).toBe(200); // used up

    expect((await control('POST', '/faults', { fault: { kind: 'explode' } })).status).toBe(400);
    expect((await control('POST', '/faults', '{not json')).status).toBe(400);
    await control('POST', '/faults', { fault: { kind: 'reset' } });
    expect((await control('DELETE', '/faults')).status).toBe(204);
    expect((await agent(GET_42)).status).toBe(200);
  });

  it('a fault applied after handling: the change happens, the answer is lost', async () => {
    await control('POST', '/faults', { times: 1, applyAfterHandling: true, method: 'POST', pathPrefix: '/enterprise', fault: { kind: 'malformed' } });
    const res = await agent(REMOVE);
    expect(res.text.length).toBeGreaterThan(0);
    expect(res.text).not.toContain('</packet>');
    expect(sb.store.subscriptions.find((s) => s.id === 42)!.addonGuids).not.toContain(PLESK_DEMO.addonPlans.backup.guid);
  });

  it('faults can be scoped by method and path prefix', async () => {
    sb.faults.add({ method: 'GET', fault: { kind: 'status', status: 500 } });
    expect((await agent(GET_42)).status).toBe(200);
    expect((await agent('', {}, 'GET')).status).toBe(500);
  });

  it('POST /__sandbox/reset restores demo data and clears requests and faults; GET /__sandbox/state', async () => {
    await agent(REMOVE);
    sb.faults.add({ fault: { kind: 'latency', ms: 1 } });
    expect((await control('POST', '/reset')).status).toBe(204);
    expect(sb.requests).toHaveLength(0);
    expect(sb.faults.list()).toEqual([]);
    const state = await control('GET', '/state');
    expect(state.json.subscriptions.find((s: { id: number }) => s.id === 42).addonGuids).toContain(PLESK_DEMO.addonPlans.backup.guid);
    expect(state.json.subscriptions).toHaveLength(4);
  });

  it('POST /__sandbox/behaviour changes undocumented behaviour, validated; reset restores it', async () => {
    const changed = await control('POST', '/behaviour', { unattachedRemove: 'ok', resultOrder: 'reverse' });
    expect(changed.json.behaviour).toMatchObject({ unattachedRemove: 'ok', resultOrder: 'reverse', duplicateAddErrcode: 1007 });
    expect(sb.behaviour.unattachedRemove).toBe('ok');
    expect((await control('POST', '/behaviour', { unattachedRemove: 'maybe' })).status).toBe(400);
    expect((await control('POST', '/behaviour', { bogus: 1 })).status).toBe(400);
    await control('POST', '/reset');
    expect((await control('GET', '/behaviour')).json.behaviour.unattachedRemove).toBe('error-1023');
  });
});

describe('options', () => {
  it('seed: false starts empty; credentials are random unless given', async () => {
    const empty = await startPleskSandbox({ seed: false });
    try {
      expect(empty.store.subscriptions).toEqual([]);
      expect(empty.password).not.toBe(sb.password);
      expect(empty.secretKey.length).toBeGreaterThanOrEqual(24);
      expect(empty.login).toBe('admin');
      const res = await request(`${empty.url}/enterprise/control/agent.php`, {
        method: 'POST',
        headers: { KEY: empty.secretKey },
        body: '<packet><webspace><get><filter><id>42</id></filter><dataset><gen_info/></dataset></get></webspace></packet>',
      });
      expect(await res.body.text()).toContain('<errcode>1013</errcode>');
    } finally {
      await empty.close();
    }
  });

  it('close() ends hanging requests', async () => {
    const other = await startPleskSandbox();
    other.faults.add({ fault: { kind: 'hang' } });
    const pending = request(`${other.url}/enterprise/control/agent.php`, { method: 'POST', body: '<packet/>' }).then(
      () => 'answered',
      () => 'closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await other.close();
    expect(await pending).toBe('closed');
  });
});
