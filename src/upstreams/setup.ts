/**
 * Builds the upstream clients from the configuration, starting the embedded sandboxes for the
 * upstreams that have no credentials. One place, so `main.ts` and tests wire them the same way.
 */
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { startPleskSandbox, type PleskSandbox } from '../sandbox/plesk/index.js';
import { startWixSandbox, WIX_DEMO, type WixSandbox } from '../sandbox/wix/index.js';
import { createPleskClient, type PleskClient } from './plesk/index.js';
import { WixClient } from './wix/client.js';

export interface Upstreams {
  wix: WixClient;
  defaultWixAccountId?: string;
  plesk: Map<string, PleskClient>;
  sandboxes: { wix?: WixSandbox; plesk?: PleskSandbox };
  close(): Promise<void>;
}

export async function createUpstreams(config: Config, log: Logger): Promise<Upstreams> {
  const sandboxes: Upstreams['sandboxes'] = {};

  let wixBaseUrl = config.wix.baseUrl;
  let wixApiKey = config.wix.apiKey ?? '';
  let defaultWixAccountId = config.wix.defaultAccountId;
  if (config.wix.mode === 'sandbox') {
    // New instances become ENABLED after a while, as they would on Wix, so a demo shows the change.
    sandboxes.wix = await startWixSandbox({ autoActivateAfterMs: 60_000 });
    wixBaseUrl = sandboxes.wix.url;
    wixApiKey = sandboxes.wix.apiKey;
    defaultWixAccountId ??= WIX_DEMO.accountId;
  }
  log.info(
    { upstream: 'wix', mode: config.wix.mode, url: wixBaseUrl },
    config.wix.mode === 'sandbox'
      ? `Wix upstream: embedded sandbox at ${wixBaseUrl} (no WIX_API_KEY set)`
      : `Wix upstream: live API at ${wixBaseUrl}`,
  );
  const wix = new WixClient({
    baseUrl: wixBaseUrl,
    apiKey: wixApiKey,
    deadlineMs: config.wix.timeoutMs,
    maxResponseBytes: config.wix.maxResponseBytes,
    connections: config.wix.connections,
  });

  let pleskServers = config.plesk.servers;
  if (config.plesk.mode === 'sandbox') {
    sandboxes.plesk = await startPleskSandbox();
    pleskServers = [
      {
        name: 'default',
        url: sandboxes.plesk.url,
        credentials: { login: sandboxes.plesk.login, password: sandboxes.plesk.password },
        protocolVersion: config.plesk.protocolVersion,
      },
    ];
  }
  const plesk = new Map<string, PleskClient>();
  for (const server of pleskServers) {
    plesk.set(
      server.name,
      createPleskClient({
        baseUrl: server.url,
        credentials: server.credentials,
        protocolVersion: server.protocolVersion,
        deadlineMs: config.plesk.timeoutMs,
        writeDeadlineMs: config.plesk.writeTimeoutMs,
        maxResponseBytes: config.plesk.maxResponseBytes,
        ...(server.ca ? { ca: server.ca } : {}),
      }),
    );
    log.info(
      { upstream: 'plesk', server: server.name, mode: config.plesk.mode, url: server.url },
      config.plesk.mode === 'sandbox'
        ? `Plesk upstream, server ${server.name}: embedded sandbox at ${server.url} (no PLESK_URL set)`
        : `Plesk upstream, server ${server.name}: ${server.url}`,
    );
  }

  return {
    wix,
    ...(defaultWixAccountId ? { defaultWixAccountId } : {}),
    plesk,
    sandboxes,
    async close() {
      await Promise.all([wix.close(), ...[...plesk.values()].map((client) => client.close())]);
      await Promise.all([sandboxes.wix?.close(), sandboxes.plesk?.close()]);
    },
  };
}
