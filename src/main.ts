/**
 * Process entry: configuration, upstreams (the embedded sandboxes when no credentials are set), the
 * server, and signal handling.
 */
import { loadConfig } from './config.js';
import { exampleTabs } from './examples.js';
import { createLogger } from './observability/logger.js';
import { WIX_DEMO } from './sandbox/wix/index.js';
import { createGateway } from './server.js';
import { createUpstreams } from './upstreams/setup.js';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`reseller-gateway: invalid configuration\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(2);
}
const config = loaded.config;
const log = createLogger({ level: config.logLevel });

const upstreams = await createUpstreams(config, log);

const gateway = createGateway({
  wix: upstreams.wix,
  plesk: upstreams.plesk,
  log,
  ...(upstreams.defaultWixAccountId ? { defaultWixAccountId: upstreams.defaultWixAccountId } : {}),
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
  await upstreams.close();
  process.exit(0);
}
process.on('SIGTERM', (signal) => void stop(signal));
process.on('SIGINT', (signal) => void stop(signal));
