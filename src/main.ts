/**
 * Process entry: configuration, the embedded sandboxes when no credentials are set, the server, and
 * signal handling.
 */
import { loadConfig } from './config.js';
import { exampleTabs } from './examples.js';
import { createLogger } from './observability/logger.js';
import { startWixSandbox, WIX_DEMO, type WixSandbox } from './sandbox/wix/index.js';
import { createGateway } from './server.js';
import { WixClient } from './upstreams/wix/client.js';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`reseller-gateway: invalid configuration\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(2);
}
const config = loaded.config;
const log = createLogger({ level: config.logLevel });

let wixSandbox: WixSandbox | undefined;
let wixBaseUrl = config.wix.baseUrl;
let wixApiKey = config.wix.apiKey;
let defaultWixAccountId = config.wix.defaultAccountId;
if (config.wix.mode === 'sandbox') {
  // New instances become ENABLED after a while, as they would on Wix, so a demo shows the transition.
  wixSandbox = await startWixSandbox({ autoActivateAfterMs: 60_000 });
  wixBaseUrl = wixSandbox.url;
  wixApiKey = wixSandbox.apiKey;
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
  apiKey: wixApiKey ?? '',
  deadlineMs: config.wix.timeoutMs,
  maxResponseBytes: config.wix.maxResponseBytes,
  connections: config.wix.connections,
});

const gateway = createGateway({
  wix,
  log,
  ...(defaultWixAccountId ? { defaultWixAccountId } : {}),
  graphiqlTabs: exampleTabs(
    config.wix.mode === 'sandbox' ? { packageId: WIX_DEMO.packageId, instanceId: WIX_DEMO.assignedInstanceId } : undefined,
  ),
});

const url = await gateway.listen(config.port, config.host);
log.info({ url: `${url}/graphql` }, `reseller-gateway listening on ${url}/graphql (GraphiQL in a browser)`);

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting at once');
    process.exit(1);
  }
  stopping = true;
  log.info({ signal }, 'stopping');
  await gateway.close();
  await wixSandbox?.close();
  process.exit(0);
}
process.on('SIGTERM', (signal) => void stop(signal));
process.on('SIGINT', (signal) => void stop(signal));
