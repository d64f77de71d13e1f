/**
 * Stripe's rules for a change, at the gateway, for either upstream. The caller's key is claimed for
 * this caller in the store next to the audit trail:
 * - the same key and input again replays the stored result without calling the upstream;
 * - the same key with another input is IDEMPOTENCY_KEY_REUSED; while the first runs,
 *   IDEMPOTENCY_IN_PROGRESS;
 * - one change at a time per target (CONFLICT_IN_PROGRESS otherwise);
 * - a change whose answer was lost is read back: in place, it is the success it was; not in place,
 *   UPSTREAM_UNAVAILABLE and the key is free again; unreadable, OUTCOME_UNKNOWN, and the next try
 *   with the key reads first before it sends anything.
 */
import type { GatewayContext } from '../context.js';
import { GatewayError, restoreError, storeError, UpstreamError, type StoredError } from '../errors.js';
import { ConflictInProgressError, IdempotencyInProgressError, IdempotencyKeyReusedError } from '../idempotency/errors.js';
import type { Claim, IdempotencyRef } from '../idempotency/store.js';
import type { ResourceLockKey } from '../resilience/single-flight.js';
import { markReplayed } from './audit-trail.js';

export interface IdempotentChange<R> {
  operation: string;
  key: string;
  /** What the key is bound to; the same key with other input is refused. */
  input: unknown;
  lock?: ResourceLockKey;
  /** Sends the change once (errors already in the gateway's vocabulary). */
  run(upstreamKey: string): Promise<R>;
  /** Before resending after an unknown outcome: the result if the change is already in place. */
  alreadyDone?(sent: SentWindow): Promise<R | undefined>;
  /** After a lost answer: whether the change is in place now, or undefined when that cannot be told. */
  readBack?(sent: SentWindow): Promise<{ applied: true; result: R } | { applied: false } | undefined>;
}

/** When a change sent under the key can have been made: from its first claim to its last send. */
export interface SentWindow {
  from: Date;
  to: Date;
}

/** What the store keeps: a JSON result, or a final business error. */
type Stored<R> = { result: R } | { error: StoredError };

export async function runIdempotent<R>(ctx: GatewayContext, change: IdempotentChange<R>): Promise<{ result: R; replayed: boolean }> {
  const ref: IdempotencyRef = { scope: ctx.caller.name, operation: change.operation, key: change.key };
  const begun = ctx.idempotency.begin({ ...ref, input: change.input });
  switch (begun.kind) {
    case 'replay': {
      ctx.onIdempotentReplay(change.operation);
      const stored = begun.response as Stored<R>;
      if ('error' in stored) throw markReplayed(restoreError(stored.error));
      return { result: stored.result, replayed: true };
    }
    case 'reused':
      throw new IdempotencyKeyReusedError();
    case 'in_progress':
      throw new IdempotencyInProgressError();
  }
  const unlock = change.lock ? ctx.locks.tryAcquire(change.lock) : () => {};
  if (!unlock) {
    ctx.idempotency.release(ref, begun);
    throw new ConflictInProgressError();
  }
  const succeed = (result: R) => {
    ctx.idempotency.complete(ref, { state: 'succeeded', response: { result } satisfies Stored<R> });
    return { result, replayed: false };
  };
  try {
    if (begun.kind === 'reconcile' && change.alreadyDone) {
      const done = await change.alreadyDone({ from: begun.claimedAt, to: begun.sentBy });
      if (done !== undefined) return succeed(done);
    }
    return succeed(await change.run(begun.upstreamKey));
  } catch (error) {
    if (error instanceof UpstreamError && error.code === 'OUTCOME_UNKNOWN') {
      // This attempt's send has just ended: nothing under the key is newer than now.
      const back = change.readBack ? await change.readBack({ from: begun.claimedAt, to: new Date() }) : undefined;
      if (back?.applied) return succeed(back.result);
      if (back && !back.applied) {
        ctx.idempotency.release(ref, begun);
        throw new UpstreamError('UPSTREAM_UNAVAILABLE', error.upstream, error.details, { cause: error });
      }
      ctx.idempotency.markUnknown(ref);
      throw error;
    }
    settleFailure(ctx, ref, begun, error);
    throw error;
  } finally {
    unlock();
  }
}

/**
 * A business answer (not found, refused in this state, invalid, rejected) is final and replayed to
 * a retry with the same key, as Stripe does; a transient failure before anything changed frees the key.
 */
function settleFailure(ctx: GatewayContext, ref: IdempotencyRef, claim: Claim, error: unknown): void {
  const final = error instanceof GatewayError && !(error instanceof UpstreamError && error.code !== 'UPSTREAM_REJECTED');
  const stored = final ? storeError(error) : undefined;
  if (stored) ctx.idempotency.complete(ref, { state: 'failed_final', response: { error: stored } satisfies Stored<unknown> });
  else ctx.idempotency.release(ref, claim);
}
