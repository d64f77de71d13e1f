/**
 * A panel behind TLS with its own certificate (PLESK_CA_FILE): trusted when its CA is given, and
 * refused otherwise, before anything is sent. The panel is the sandbox behind a TLS front on
 * loopback; the certificate is a test fixture (test/fixtures/tls, self-signed for 127.0.0.1).
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPleskSandbox, type PleskSandbox } from '../../../src/sandbox/plesk/index.js';
import { createPleskClient, toGatewayError } from '../../../src/upstreams/plesk/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url), 'utf8');
const CERT = fixture('panel.cert.pem');
const KEY = fixture('panel.key.pem');

let sandbox: PleskSandbox;
let front: Server;
let panelUrl: string;

beforeAll(async () => {
  sandbox = await startPleskSandbox();
  const upstream = new URL(sandbox.url);
  // Terminates TLS and passes each request on to the sandbox as it is.
  front = createServer({ cert: CERT, key: KEY }, (req, res) => {
    const inner = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    inner.on('error', () => res.destroy());
    req.pipe(inner);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  panelUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => front.close(() => resolve()));
  await sandbox.close();
});

describe('a Plesk panel behind TLS', () => {
  it('is trusted with its CA', async () => {
    const client = createPleskClient({ baseUrl: panelUrl, credentials: { login: sandbox.login, password: sandbox.password }, ca: CERT, deadlineMs: 3_000 });
    try {
      await expect(client.getProtocols()).resolves.toMatchObject({ latest: expect.any(String) });
    } finally {
      await client.close();
    }
  });

  it('without it, is refused before anything is sent: a connect failure, nothing reached the panel', async () => {
    const before = sandbox.requests.length;
    const client = createPleskClient({ baseUrl: panelUrl, credentials: { login: sandbox.login, password: sandbox.password }, deadlineMs: 3_000 });
    try {
      const error = await client.removeSubscriptionAddon({ kind: 'id', value: '42' }, { guid: '00000000-0000-4000-8000-000000000001' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ failure: 'connect', maybeReceived: false });
      // A change that certainly did not reach the panel is not an unknown outcome.
      expect(toGatewayError(error)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(JSON.stringify(toGatewayError(error))).not.toContain(sandbox.password);
    } finally {
      await client.close();
    }
    expect(sandbox.requests.length).toBe(before);
  });
});
