/**
 * Builds the upstream clients from the configuration, starting the embedded sandboxes for the
 * upstreams that have no credentials. One place, so `main.ts` and tests wire them the same way.
 */
import type { Config, UpstreamPolicy } from '../config.js';
import { GatewayError, type Upstream } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { CircuitBreaker } from '../resilience/breaker.js';
import { Bulkhead } from '../resilience/bulkhead.js';
import { RateLimiter } from '../resilience/rate-limiter.js';
import type { RetryInfo } from '../resilience/retry.js';
import type { UpstreamCallRecord, UpstreamResilience } from './http.js';
import { startPleskSandbox, type PleskSandbox } from '../sandbox/plesk/index.js';
import { startWixSandbox, WIX_DEMO, type WixSandbox } from '../sandbox/wix/index.js';
import { toGatewayError as toPleskGatewayError } from './plesk/errors.js';
import { createPleskClient, type PleskClient } from './plesk/index.js';
import { WixClient } from './wix/client.js';

/** A named breaker, for /ready and metrics: `wix`, `plesk:default`, ... */
export interface NamedBreaker {
  name: string;
  upstream: Upstream;
  breaker: CircuitBreaker;
}

/** Hooks for logs and metrics; all optional. */
export interface UpstreamHooks {
  onCall?: (call: UpstreamCallRecord) => void;
  onRetry?: (upstream: Upstream, info: RetryInfo) => void;
  onBreakerState?: (name: string, state: CircuitBreaker['state']) => void;
  onRateLimiterWait?: (upstream: Upstream, waitedMs: number) => void;
}

/** The breaker, bulkhead, limiter and retry policy of one upstream (or one Plesk server). */
export function upstreamResilience(
  name: string,
  upstream: Upstream,
  policy: UpstreamPolicy,
  hooks: UpstreamHooks,
  rateLimit?: { perMinute: number; key: string },
): { resilience: UpstreamResilience; breaker: NamedBreaker } {
  const breaker = new CircuitBreaker({
    name,
    failureThreshold: policy.breakerFailures,
    openMs: policy.breakerOpenMs,
    ...(hooks.onBreakerState ? { onStateChange: (change) => hooks.onBreakerState?.(name, change.to) } : {}),
  });
  const resilience: UpstreamResilience = {
    breaker,
    bulkhead: new Bulkhead(policy.maxConcurrency, policy.maxQueued, { name }),
    retry: { maxAttempts: policy.readAttempts },
    ...(hooks.onRetry ? { onRetry: (info: RetryInfo) => hooks.onRetry?.(upstream, info) } : {}),
  };
  if (rateLimit && rateLimit.perMinute > 0) {
    resilience.rateLimiter = {
      key: rateLimit.key,
      limiter: new RateLimiter({
        limit: rateLimit.perMinute,
        windowMs: 60_000,
        ...(hooks.onRateLimiterWait ? { onWait: (event: { waitedMs: number }) => hooks.onRateLimiterWait?.(upstream, event.waitedMs) } : {}),
      }),
    };
  }
  return { resilience, breaker: { name, upstream, breaker } };
}

export interface Upstreams {
  wix: WixClient;
  breakers: NamedBreaker[];
  defaultWixAccountId?: string;
  plesk: Map<string, PleskClient>;
  sandboxes: { wix?: WixSandbox; plesk?: PleskSandbox };
  close(): Promise<void>;
}

/**
 * Asks each Plesk server which protocol versions it serves and logs whether the pinned one is
 * among them (§1.5): a panel that does not serve it refuses every packet. Not fatal, and run after
 * start-up: the panel may be down for now, and the Wix side works without it.
 */
export async function checkPleskProtocols(plesk: Map<string, PleskClient>, log: Logger): Promise<void> {
  await Promise.all(
    [...plesk].map(async ([server, client]) => {
      try {
        const { pinned, resolved, protocols } = await client.checkProtocolVersion();
        if (resolved === null) {
          log.error(
            { upstream: 'plesk', server, pinned, served: protocols.versions },
            `Plesk server ${server} does not serve protocol ${pinned} (it serves ${protocols.versions.join(', ') || 'none'}): set PLESK_PROTOCOL_VERSION`,
          );
        } else {
          log.info({ upstream: 'plesk', server, pinned, resolved }, `Plesk server ${server} serves protocol ${resolved}`);
        }
      } catch (error) {
        const mapped = toPleskGatewayError(error);
        const code = mapped instanceof GatewayError ? mapped.code : 'INTERNAL_SERVER_ERROR';
        log.warn({ upstream: 'plesk', server, code }, `Plesk server ${server}: its protocol versions could not be read (${code}); checked again on the next start`);
      }
    }),
  );
}

export async function createUpstreams(config: Config, log: Logger, hooks: UpstreamHooks = {}): Promise<Upstreams> {
  const sandboxes: Upstreams['sandboxes'] = {};
  const breakers: NamedBreaker[] = [];

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
  const wixPolicy = upstreamResilience('wix', 'wix', config.wix.policy, hooks, {
    perMinute: config.wix.rateLimitPerMinute,
    key: 'wix-api-key',
  });
  breakers.push(wixPolicy.breaker);
  const wix = new WixClient({
    baseUrl: wixBaseUrl,
    apiKey: wixApiKey,
    deadlineMs: config.wix.timeoutMs,
    maxResponseBytes: config.wix.maxResponseBytes,
    connections: config.wix.connections,
    connectTimeoutMs: config.wix.policy.connectTimeoutMs,
    headersTimeoutMs: config.wix.policy.headersTimeoutMs,
    resilience: wixPolicy.resilience,
    ...(hooks.onCall ? { onCall: hooks.onCall } : {}),
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
    const policy = upstreamResilience(`plesk:${server.name}`, 'plesk', config.plesk.policy, hooks);
    breakers.push(policy.breaker);
    plesk.set(
      server.name,
      createPleskClient({
        resilience: policy.resilience,
        connectTimeoutMs: config.plesk.policy.connectTimeoutMs,
        ...(hooks.onCall ? { onCall: hooks.onCall } : {}),
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
    breakers,
    ...(defaultWixAccountId ? { defaultWixAccountId } : {}),
    plesk,
    sandboxes,
    async close() {
      await Promise.all([wix.close(), ...[...plesk.values()].map((client) => client.close())]);
      await Promise.all([sandboxes.wix?.close(), sandboxes.plesk?.close()]);
    },
  };
}
