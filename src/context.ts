/**
 * What every resolver receives: who is calling, the upstream clients, fresh loaders for this one
 * request, the audit trail, and the account checks every operation goes through.
 *
 * The upstream clients a resolver reaches (`wix`, the loaders', `pleskServer(...).client`) are views
 * of the shared ones that state the request's `CallOrigin` on every call: its request id and, with
 * tracing, its operation span. Explicit, since nothing on the request path carries it implicitly
 * (no AsyncLocalStorage: see observability/tracing.ts).
 */
import { RequestCache } from '@pothos/plugin-scope-auth';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { AuditStore } from './audit/store.js';
import type { IdempotencyStore } from './idempotency/store.js';
import type { SingleFlight } from './resilience/single-flight.js';
import { mayActOnPleskServer, mayActOnWixAccount, type Caller } from './auth/caller.js';
import { CallerRateLimitedError, InvalidInputError, NotFoundError, PermissionDeniedError } from './errors.js';
import { CallerWixShare, DEFAULT_LIMITS, LookupIdBudget, UpstreamCallBudget } from './security/limits.js';
import type { CallOrigin } from './upstreams/http.js';
import type { PleskClient } from './upstreams/plesk/client.js';
import { PleskLoaders } from './upstreams/plesk/loaders.js';
import type { WixClient } from './upstreams/wix/client.js';
import { WixLoaders } from './upstreams/wix/loaders.js';

export interface GatewayServices {
  wix: WixClient;
  defaultWixAccountId?: string;
  /** Plesk servers by name; the PLESK_URL (or sandbox) server is `default`. */
  plesk: Map<string, PleskClient>;
  audit: AuditStore;
  idempotency: IdempotencyStore;
  /** One change at a time per resource, in this process. */
  locks: SingleFlight;
  /** Counts replays (metrics). */
  onIdempotentReplay?: (operation: string) => void;
  log: Logger;
}

export interface PleskServer {
  name: string;
  client: PleskClient;
}

/** What the HTTP layer learnt about the request before GraphQL runs: set on its server context (auth/plugin.ts). */
export interface RequestFacts {
  requestId: string;
  caller: Caller;
}

/** The request's log: lines carry its request id. */
export type RequestLog = Pick<Logger, 'error' | 'warn' | 'info' | 'debug'>;

export interface GatewayContext {
  requestId: string;
  caller: Caller;
  log: RequestLog;
  /** The ids the request's list look-ups may still name together (`RequestLimits.maxLookupIds`). */
  lookupIds: LookupIdBudget;
  /** The upstream calls the request may still make (`RequestLimits.maxUpstreamCalls`), stated on each of them. */
  upstreamCalls: UpstreamCallBudget;
  /** Aborted when the client goes away: reads pass it to their upstream calls (writes run to the end). */
  signal: AbortSignal;
  wix: WixClient;
  wixLoaders: WixLoaders;
  pleskLoaders: PleskLoaders;
  audit: AuditStore;
  idempotency: IdempotencyStore;
  locks: SingleFlight;
  onIdempotentReplay(operation: string): void;
  /** The account an operation names (its own `accountId`, else the configured default), unchecked. */
  requestedWixAccount(accountId: string | null | undefined): string;
  /** Throws PermissionDeniedError unless the caller is bound to this Wix account. */
  authorizeWixAccount(accountId: string): void;
  /** The default account, or '' when none is configured (for audit records only). */
  requestedWixAccountOrNone(): string;
  /** `requestedWixAccount` then `authorizeWixAccount`: the account a read acts on. */
  wixAccount(accountId: string | null | undefined): string;
  /** The Plesk server an operation addresses (its own `server`, else `default`), checked. */
  pleskServer(name: string | null | undefined): PleskServer;
}

export const ACCOUNT_DENIED = 'You are not allowed to act on this account.';

/** The span the request's upstream calls are children of (its operation's), when tracing is on. */
export type ParentSpanOf = (request: Request) => CallOrigin['parentSpan'];

export interface ContextOptions {
  parentSpanOf?: ParentSpanOf | undefined;
  /** Default DEFAULT_LIMITS.maxLookupIds. */
  maxLookupIds?: number;
  /** Default DEFAULT_LIMITS.maxUpstreamCalls. */
  maxUpstreamCalls?: number;
  /** Default DEFAULT_LIMITS.callerWixCallsPerMinute (0: no share). */
  callerWixCallsPerMinute?: number;
}

export function createContextFactory(
  services: GatewayServices,
  {
    parentSpanOf,
    maxLookupIds = DEFAULT_LIMITS.maxLookupIds,
    maxUpstreamCalls = DEFAULT_LIMITS.maxUpstreamCalls,
    callerWixCallsPerMinute = DEFAULT_LIMITS.callerWixCallsPerMinute,
  }: ContextOptions = {},
) {
  // Shared by every request of the gateway: a caller's share spans its requests.
  const wixShare = callerWixCallsPerMinute > 0 ? new CallerWixShare(callerWixCallsPerMinute) : undefined;
  return (initial: YogaInitialContext & Partial<RequestFacts>): GatewayContext => {
    const { requestId, caller } = initial;
    // The authentication plugin runs before every request that reaches GraphQL; a wiring bug otherwise.
    if (requestId === undefined || caller === undefined) throw new Error('request reached GraphQL without authentication');
    const parentSpan = parentSpanOf?.(initial.request);
    const log = requestLog(services.log, requestId);
    const upstreamCalls = new UpstreamCallBudget(maxUpstreamCalls, {
      onRefused: (refusal) =>
        refusal instanceof CallerRateLimitedError
          ? log.warn({ caller: caller.name, perMinute: refusal.perMinute }, 'caller used up its share of Wix calls')
          : log.warn({ limit: refusal.limit }, 'request reached its upstream call limit'),
      // A service and a person may bear the same name; they are different callers.
      ...(wixShare ? { wixShare: { share: wixShare, caller: `${caller.kind}:${caller.name}` } } : {}),
    });
    const origin: CallOrigin = parentSpan ? { requestId, parentSpan, calls: upstreamCalls } : { requestId, calls: upstreamCalls };
    const wix = services.wix.withOrigin(origin);
    const context: GatewayContext = {
      requestId,
      caller,
      log,
      lookupIds: new LookupIdBudget(maxLookupIds),
      upstreamCalls,
      signal: initial.request.signal,
      wix,
      wixLoaders: new WixLoaders(wix, initial.request.signal),
      pleskLoaders: new PleskLoaders(initial.request.signal),
      audit: services.audit,
      idempotency: services.idempotency,
      locks: services.locks,
      onIdempotentReplay: services.onIdempotentReplay ?? (() => {}),
      requestedWixAccount(accountId) {
        const account = accountId ?? services.defaultWixAccountId;
        if (!account) {
          throw new InvalidInputError(
            [{ path: ['accountId'], message: 'accountId is required: no default Wix account is configured.' }],
            'accountId is required.',
          );
        }
        return account;
      },
      requestedWixAccountOrNone() {
        return services.defaultWixAccountId ?? '';
      },
      authorizeWixAccount(accountId) {
        if (!mayActOnWixAccount(caller, accountId)) throw new PermissionDeniedError(ACCOUNT_DENIED);
      },
      wixAccount(accountId) {
        const account = context.requestedWixAccount(accountId);
        context.authorizeWixAccount(account);
        return account;
      },
      pleskServer(name) {
        const serverName = (name ?? 'default').toLowerCase();
        // Checked before existence, so a caller cannot probe which server names exist.
        if (!mayActOnPleskServer(caller, serverName)) throw new PermissionDeniedError('You are not allowed to act on this Plesk server.');
        const client = services.plesk.get(serverName);
        if (!client) throw new NotFoundError('Plesk server', serverName);
        return { name: serverName, client: client.withOrigin(origin) };
      },
    };
    return context;
  };
}

/**
 * A child logger made on the first line: most requests log nothing of their own. (A getter would
 * not do: yoga copies the context's properties into its own, which reads every getter.)
 */
function requestLog(parent: Logger, requestId: string): RequestLog {
  let child: Logger | undefined;
  const log = (): Logger => (child ??= parent.child({ requestId }));
  return {
    error: (...args: Parameters<Logger['error']>) => log().error(...args),
    warn: (...args: Parameters<Logger['warn']>) => log().warn(...args),
    info: (...args: Parameters<Logger['info']>) => log().info(...args),
    debug: (...args: Parameters<Logger['debug']>) => log().debug(...args),
  };
}

/**
 * Releases what Pothos keeps per context once the operation has run: scope-auth's per-request
 * cache of role checks, held in a WeakMap keyed by the context and referring back to it. Such an
 * entry outlives V8's minor collections, so a finished request's context (its loaders and every
 * package they read) was copied into the old generation and kept until a full collection. No
 * resolver of the operation runs after this point. (bench/RESULTS.md, item 14: a fifth of the CPU
 * of 100 aliased look-ups executed in one process; within the noise through the harness.)
 */
export function useRequestCacheRelease(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone: ({ args }) => {
        RequestCache.clearForContext(args.contextValue as object);
      },
    }),
  };
}
