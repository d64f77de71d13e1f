import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { startPleskSandbox, type PleskSandbox } from '../../src/sandbox/plesk/index.js';
import { createPleskClient, type PleskClient } from '../../src/upstreams/plesk/index.js';
import { checkPleskProtocols } from '../../src/upstreams/setup.js';

/** The start-up check of the pinned Plesk protocol, against real sandboxes over HTTP. */
describe('checkPleskProtocols', () => {
  let current: PleskSandbox;
  let older: PleskSandbox;
  beforeAll(async () => {
    current = await startPleskSandbox();
    older = await startPleskSandbox({ supportedVersions: ['1.6.8.0', '1.6.7.0'] });
  });
  afterAll(async () => {
    await Promise.all([current.close(), older.close()]);
  });

  const client = (baseUrl: string, sandbox: PleskSandbox): PleskClient =>
    createPleskClient({ baseUrl, credentials: { login: sandbox.login, password: sandbox.password }, protocolVersion: '1.6.9.1', deadlineMs: 2_000 });

  it('logs, per server, whether the pinned version is served; an unreachable panel is a warning', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const clients = new Map([
      ['current', client(current.url, current)],
      ['older', client(older.url, older)],
      ['offline', client(`http://127.0.0.1:${port}`, current)],
    ]);
    await checkPleskProtocols(clients, log);
    const byServer = Object.fromEntries(lines.map((line) => [line.server, line]));
    expect(byServer.current).toMatchObject({ level: 30, pinned: '1.6.9.1', resolved: '1.6.9.1', msg: 'Plesk server current serves protocol 1.6.9.1' });
    expect(byServer.older).toMatchObject({
      level: 50,
      pinned: '1.6.9.1',
      served: ['1.6.8.0', '1.6.7.0'],
      msg: 'Plesk server older does not serve protocol 1.6.9.1 (it serves 1.6.8.0, 1.6.7.0): set PLESK_PROTOCOL_VERSION',
    });
    expect(byServer.offline).toMatchObject({ level: 40, code: 'UPSTREAM_UNAVAILABLE' });
    await Promise.all([...clients.values()].map((c) => c.close()));
  });
});
