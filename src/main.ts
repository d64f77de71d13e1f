/**
 * Process entry: configuration, the audit store, callers, upstreams (the embedded sandboxes when no
 * credentials are set), the server, and signal handling.
 */
import { AuthConfigError, createAuthenticator, generateToken, hashToken, type StaticCaller } from './auth/index.js';
import { loadConfig } from './config.js';
import { exampleTabs, sandboxExampleIds } from './examples.js';
import { startPruner } from './idempotency/index.js';
import { createObservability } from './observability/index.js';
import { createLogger, flushLogs } from './observability/logger.js';
import { SingleFlight } from './resilience/single-flight.js';
import { createGateway } from './server.js';
import { openStores } from './stores.js';
import { checkPleskProtocols, createUpstreams } from './upstreams/setup.js';

function fail(message: string, code: number): never {
  process.stderr.write(`reseller-gateway: ${message}\n`);
  process.exit(code);
}

const loaded = loadConfig(process.env);
if (!loaded.ok) fail(`invalid configuration\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}`, 2);
const config = loaded.config;
const log = createLogger({ level: config.logLevel });
const sandbox = config.wix.mode === 'sandbox' || config.plesk.mode === 'sandbox';

// Sandbox mode: a development admin, so that GraphiQL works as soon as it opens.
const callers: StaticCaller[] = [...config.auth.callers];
let devToken: string | undefined;
if (sandbox) {
  devToken = generateToken();
  callers.push({ name: 'sandbox-admin', tokenSha256: hashToken(devToken), roles: ['admin'], wixAccounts: '*', pleskServers: '*' });
}
const authenticator = (() => {
  try {
    return createAuthenticator({ callers, ...(config.auth.jwt ? { jwt: config.auth.jwt } : {}) });
  } catch (error) {
    if (error instanceof AuthConfigError) fail(`invalid configuration\n  - ${error.message}`, 2);
    throw error;
  }
})();

const stores = (() => {
  try {
    return openStores({ path: config.auditDb, idempotencyTtlMs: config.idempotencyTtlMs });
  } catch (error) {
    return fail(`the audit store at ${config.auditDb} cannot be opened: mutations would go unrecorded (${(error as Error).message})`, 1);
  }
})();
const stopPruner = startPruner(stores.idempotency, {
  onPruned: (deleted) => log.info({ deleted }, 'expired idempotency keys deleted'),
  onError: (error) => log.warn({ err: error }, 'expired idempotency keys could not be deleted; trying again later'),
});

const observability = createObservability({
  log,
  ...(config.tracing ? { tracing: { ...config.tracing, serviceName: 'reseller-gateway' } } : {}),
});
const upstreams = await createUpstreams(config, log, {
  onCall: observability.onUpstreamCall,
  onRetry: observability.onRetry,
  onBreakerState: observability.onBreakerState,
  onRateLimiterWait: observability.onRateLimiterWait,
});
for (const { name, breaker } of upstreams.breakers) observability.onBreakerState(name, breaker.state);

const gateway = createGateway({
  wix: upstreams.wix,
  plesk: upstreams.plesk,
  audit: stores.audit,
  idempotency: stores.idempotency,
  locks: new SingleFlight(),
  authenticator,
  breakers: upstreams.breakers,
  observability,
  onIdempotentReplay: observability.onIdempotentReplay,
  log,
  sandbox,
  limits: config.limits,
  ...(config.trustedDocuments ? { trustedDocuments: config.trustedDocuments } : {}),
  corsOrigins: config.corsOrigins,
  ...(upstreams.defaultWixAccountId ? { defaultWixAccountId: upstreams.defaultWixAccountId } : {}),
  graphiql:
    config.env === 'production'
      ? false
      : {
          tabs: exampleTabs(config.wix.mode === 'sandbox' ? sandboxExampleIds(config.plesk.mode === 'sandbox') : undefined),
          headers: { Authorization: `Bearer ${devToken ?? '<your token>'}` },
        },
});

const url = await gateway.listen(config.port, config.host).catch((error: NodeJS.ErrnoException) => {
  // The usual reasons a port cannot be taken, said plainly; anything else keeps its stack.
  if (error.code === 'EADDRINUSE') fail(`${config.host}:${config.port} is already in use (set PORT or HOST)`, 1);
  if (error.code === 'EACCES') fail(`not allowed to listen on ${config.host}:${config.port} (set PORT or HOST)`, 1);
  if (error.code === 'EADDRNOTAVAIL') fail(`${config.host} is not an address of this machine (set HOST)`, 1);
  throw error;
});
log.info({ url: `${url}/graphql`, auditDb: config.auditDb, callers: config.auth.callers.length, jwt: Boolean(config.auth.jwt) }, `reseller-gateway listening on ${url}/graphql`);
void checkPleskProtocols(upstreams.plesk, log);
if (devToken) {
  // Printed, not logged: it is the one credential meant to be read off the terminal.
  process.stdout.write(`\nSandbox mode. Development admin token (GraphiQL has it pre-filled):\n  ${devToken}\nOpen ${url}/graphql\n\n`);
}

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting at once');
    log.flush();
    process.exit(1);
  }
  stopping = true;
  log.info({ signal, drainMs: config.shutdownTimeoutMs }, 'stopping: no new connections, letting in-flight operations finish');
  await gateway.close(config.shutdownTimeoutMs);
  await upstreams.close();
  await observability.shutdown();
  stopPruner();
  stores.close();
  await flushLogs(log);
  process.exit(0);
}
process.on('SIGTERM', (signal) => void stop(signal));
process.on('SIGINT', (signal) => void stop(signal));
