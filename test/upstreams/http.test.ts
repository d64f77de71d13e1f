import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamHttp, UpstreamTransportError } from '../../src/upstreams/http.js';

let server: Server;
let baseUrl: string;
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hang') {
      hanging.push(res);
      return;
    }
    if (req.url === '/split') {
      // A multi-byte character split across two chunks, and a repeated header.
      const euro = Buffer.from('price: €5', 'utf8');
      res.writeHead(200, [['X-Tag', 'a'], ['X-Tag', 'b'], ['Content-Type', 'text/plain; charset=utf-8']]);
      res.write(euro.subarray(0, 9));
      setTimeout(() => res.end(euro.subarray(9)), 10);
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('UpstreamHttp', () => {
  it('reads a body sent in pieces as UTF-8, and joins a repeated header', async () => {
    const http = new UpstreamHttp({ upstream: 'wix', baseUrl });
    const response = await http.send({ method: 'GET', path: '/split', route: '/split' });
    expect(response).toMatchObject({ status: 200, body: 'price: €5' });
    expect(response.headers['x-tag']).toBe('a, b');
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    await http.close();
  });

  it('gives up on an attempt whose headers do not come within headersTimeoutMs, and a read tries again', async () => {
    const http = new UpstreamHttp({ upstream: 'wix', baseUrl, deadlineMs: 10_000, headersTimeoutMs: 150, resilience: { retry: { maxAttempts: 2 } } });
    const before = hanging.length;
    const error = await http.send({ method: 'GET', path: '/hang', route: '/hang', read: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTransportError);
    // Two attempts, each cut by the headers timeout (undici's timers tick about once a second);
    // without it the first would hold the whole 10 s deadline.
    expect(hanging.length - before).toBe(2);
    await http.close();
  });

  it("keeps a call's deadline while it waits in the pool's queue for a connection", async () => {
    const http = new UpstreamHttp({ upstream: 'wix', baseUrl, connections: 1, deadlineMs: 1_500 });
    const first = http.send({ method: 'GET', path: '/hang', route: '/hang' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const queued = await http.send({ method: 'GET', path: '/ok', route: '/ok', deadlineMs: 100 }).catch((error: unknown) => error);
    const waited = performance.now() - started;
    expect(queued).toBeInstanceOf(UpstreamTransportError);
    expect(queued).toMatchObject({ failure: 'timeout' });
    // It gave up on its own deadline, not when the hanging call ahead of it released the connection.
    expect(waited).toBeLessThan(1_000);
    expect(await first).toMatchObject({ failure: 'timeout' });
    await http.close();
  });

  it('a call cancelled while it waits in the queue is aborted, and the pool serves the next one', async () => {
    const http = new UpstreamHttp({ upstream: 'wix', baseUrl, connections: 1, deadlineMs: 3_000 });
    const first = http.send({ method: 'GET', path: '/hang', route: '/hang', deadlineMs: 500 }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const controller = new AbortController();
    const queued = http.send({ method: 'GET', path: '/ok', route: '/ok', read: true, signal: controller.signal }).catch((error: unknown) => error);
    controller.abort();
    expect(await queued).toMatchObject({ failure: 'aborted' });
    expect(await first).toMatchObject({ failure: 'timeout' });
    // The pool is usable again once the hanging call is gone.
    await expect(http.send({ method: 'GET', path: '/ok', route: '/ok' })).resolves.toMatchObject({ status: 200, body: 'ok' });
    await http.close();
  });
});
