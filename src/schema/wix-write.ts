/**
 * How every Wix change runs, between its audit records:
 * 1. the caller may act on the account;
 * 2. the idempotency key (the caller's, or one generated and returned) is claimed for this caller:
 *    a retry with the same key and input replays the stored result without calling Wix; the same
 *    key with another input is IDEMPOTENCY_KEY_REUSED; while the first runs, IDEMPOTENCY_IN_PROGRESS;
 * 3. one change at a time per target (CONFLICT_IN_PROGRESS otherwise);
 * 4. the target must be in the account (read first; nothing destructive is sent otherwise);
 * 5. the change is sent once, never retried blindly, with an upstream key derived from the caller's;
 * 6. if its outcome is unknown (timeout, reset, 5xx), the target is read again and the gateway
 *    reports what actually happened; only when it still cannot tell is it OUTCOME_UNKNOWN, with the
 *    key to retry with (the retry reads first, then completes or resends with the same upstream key).
 */
import type { GatewayContext } from '../context.js';
import { GatewayError, NotFoundError, restoreError, storeError, UpstreamError, type StoredError } from '../errors.js';
import { ConflictInProgressError, IdempotencyInProgressError, IdempotencyKeyReusedError } from '../idempotency/errors.js';
import type { Claim, IdempotencyRef } from '../idempotency/store.js';
import { toGatewayError } from '../upstreams/wix/errors.js';
import type { MutationResult, Package } from '../upstreams/wix/types.js';
import { audited, markReplayed, targetIdsOf } from './audit-trail.js';

export interface WixWrite {
  /** The mutation field, for the audit trail and the idempotency scope. */
  operation: string;
  /** The mutation's validated input (accountId and idempotencyKey included). */
  input: { accountId?: string | number | null; idempotencyKey?: string | null } & Record<string, unknown>;
  /** The package or instance the change is addressed to; checked to be in the account first. */
  target?: { resource: 'Package' | 'Product instance'; id: string };
  /** After an unanswered change: is it in place in this fresh read of the target's package? */
  applied?: (pkg: Package) => boolean;
}

export interface PackagePayload {
  package: Package;
  idempotencyKey: string;
}

/** What the idempotency store keeps for a replay. */
type StoredResult = { package: Package; upstreamRequestId?: string } | { error: StoredError };

interface Done {
  package: Package;
  upstreamRequestId?: string;
  replayed?: boolean;
}

export async function runWixWrite(
  ctx: GatewayContext,
  write: WixWrite,
  call: (accountId: string, upstreamKey: string) => Promise<MutationResult>,
): Promise<PackagePayload> {
  const accountId = ctx.requestedWixAccount(write.input.accountId as string | null | undefined);
  const key = write.input.idempotencyKey ?? crypto.randomUUID();
  const done = await audited(
    ctx,
    {
      operation: write.operation,
      upstream: 'wix',
      account: accountId,
      targetIds: targetIdsOf(write.input),
      input: write.input,
      idempotencyKey: key,
    },
    () => attempt(ctx, write, accountId, key, call),
    (result) => ({ ...(result.upstreamRequestId ? { upstreamRequestId: result.upstreamRequestId } : {}), replayed: result.replayed ?? false }),
  );
  ctx.wixLoaders.prime(done.package);
  return { package: done.package, idempotencyKey: key };
}

async function attempt(
  ctx: GatewayContext,
  write: WixWrite,
  accountId: string,
  key: string,
  call: (accountId: string, upstreamKey: string) => Promise<MutationResult>,
): Promise<Done> {
  ctx.authorizeWixAccount(accountId);
  const { idempotencyKey: _key, accountId: _account, ...args } = write.input;
  const ref: IdempotencyRef = { scope: ctx.caller.name, operation: write.operation, key };
  const begun = ctx.idempotency.begin({ ...ref, input: { accountId, ...args } });
  switch (begun.kind) {
    case 'replay': {
      ctx.onIdempotentReplay(write.operation);
      const stored = begun.response as StoredResult;
      if ('error' in stored) throw markReplayed(restoreError(stored.error));
      return { ...stored, replayed: true };
    }
    case 'reused':
      throw new IdempotencyKeyReusedError();
    case 'in_progress':
      throw new IdempotencyInProgressError();
  }
  const unlock = write.target ? ctx.locks.tryAcquire({ upstream: 'wix', account: accountId, resourceId: write.target.id }) : () => {};
  if (!unlock) {
    ctx.idempotency.release(ref, begun);
    throw new ConflictInProgressError();
  }
  let current: Package | undefined;
  try {
    if (write.target) current = await requireTarget(ctx, accountId, write.target);
    if (begun.kind === 'reconcile' && current && write.applied?.(current)) {
      // A retry after an unknown outcome: the change is already in place, so it is not sent again.
      return finish(ctx, ref, { package: current });
    }
    const result = await call(accountId, begun.upstreamKey);
    return finish(ctx, ref, { package: result.package, ...(result.requestId ? { upstreamRequestId: result.requestId } : {}) });
  } catch (error) {
    const mapped = error instanceof GatewayError ? error : toGatewayError(error, { target: write.target ?? { resource: 'Account', id: accountId }, write: true });
    if (mapped !== error) ctx.log.warn({ err: error, operation: write.operation }, 'Wix change failed');
    if (mapped instanceof UpstreamError && mapped.code === 'OUTCOME_UNKNOWN') {
      const outcome = current && write.applied ? await readBack(ctx, accountId, current.id, write.applied) : undefined;
      if (outcome?.applied) return finish(ctx, ref, { package: outcome.package });
      if (outcome && !outcome.applied) {
        // Read back and not in place: the change did not happen, and the same key may be used again.
        ctx.idempotency.release(ref, begun);
        throw new UpstreamError('UPSTREAM_UNAVAILABLE', 'wix', mapped.details, { cause: mapped });
      }
      ctx.idempotency.markUnknown(ref);
      throw mapped;
    }
    settleFailure(ctx, ref, begun, mapped);
    throw mapped;
  } finally {
    unlock();
  }
}

function finish(ctx: GatewayContext, ref: IdempotencyRef, done: Done): Done {
  const stored: StoredResult = { package: done.package, ...(done.upstreamRequestId ? { upstreamRequestId: done.upstreamRequestId } : {}) };
  ctx.idempotency.complete(ref, { state: 'succeeded', response: stored });
  return done;
}

/**
 * A business answer (not found, refused in this state, invalid) is final and replayed to a retry
 * with the same key, as Stripe does; a transient failure before anything changed frees the key.
 */
function settleFailure(ctx: GatewayContext, ref: IdempotencyRef, claim: Claim, error: unknown): void {
  const stored = error instanceof GatewayError && !(error instanceof UpstreamError && error.code !== 'UPSTREAM_REJECTED') ? storeError(error) : undefined;
  if (stored) ctx.idempotency.complete(ref, { state: 'failed_final', response: { error: stored } satisfies StoredResult });
  else ctx.idempotency.release(ref, claim);
}

/** The ownership check before a change: the target must be visible in the account acted on. */
async function requireTarget(ctx: GatewayContext, accountId: string, target: NonNullable<WixWrite['target']>): Promise<Package> {
  let found: Package | null;
  try {
    found =
      target.resource === 'Package'
        ? await ctx.wixLoaders.package(accountId, target.id)
        : await ctx.wixLoaders.packageOfInstance(accountId, target.id);
  } catch (error) {
    throw toGatewayError(error, { target });
  }
  if (!found || found.accountId !== accountId) throw new NotFoundError(target.resource, target.id);
  return found;
}

/** A fresh read of the package after an unanswered change; undefined when even that fails. */
async function readBack(
  ctx: GatewayContext,
  accountId: string,
  packageId: string,
  applied: (pkg: Package) => boolean,
): Promise<{ applied: boolean; package: Package } | undefined> {
  try {
    const pkg = await ctx.wix.getPackage(accountId, packageId);
    return { applied: applied(pkg), package: pkg };
  } catch (error) {
    ctx.log.warn({ err: error, packageId }, 'could not read back a package after an unanswered change');
    return undefined;
  }
}
