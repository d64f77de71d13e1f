/**
 * A per-resource lock for destructive operations, in this process only (a `Map`): one cancel /
 * unassign / remove-add-on at a time per `(upstream, account, resourceId)` (faults reference §2, K).
 * `tryAcquire` never waits: `null` means another operation holds the lock and the caller answers
 * `CONFLICT_IN_PROGRESS` (`acquire` throws `ConflictInProgressError` for it). Across replicas, the
 * idempotency table's primary key is what deduplicates; this lock only serialises one process.
 */
import { ConflictInProgressError } from '../idempotency/errors.js';

export interface ResourceLockKey {
  upstream: string;
  account: string;
  resourceId: string;
}

/** Frees the lock; calling it again (or after someone else took the lock) does nothing. */
export type Unlock = () => void;

/** The map key of a resource: unambiguous whatever characters the parts contain. */
export function resourceLockKey(key: ResourceLockKey): string {
  return JSON.stringify([key.upstream, key.account, key.resourceId]);
}

export class SingleFlight {
  private readonly holders = new Map<string, object>();

  /** Locks currently held. */
  get size(): number {
    return this.holders.size;
  }

  isHeld(key: string | ResourceLockKey): boolean {
    return this.holders.has(toKey(key));
  }

  /** The lock's release function, or `null` when another operation holds it. */
  tryAcquire(key: string | ResourceLockKey): Unlock | null {
    const k = toKey(key);
    if (this.holders.has(k)) return null;
    const token = {};
    this.holders.set(k, token);
    return () => {
      if (this.holders.get(k) === token) this.holders.delete(k);
    };
  }

  /** Like `tryAcquire`, but throws `ConflictInProgressError` when the lock is held. */
  acquire(key: string | ResourceLockKey): Unlock {
    const unlock = this.tryAcquire(key);
    if (!unlock) throw new ConflictInProgressError();
    return unlock;
  }

  /** Runs `fn` under the lock (throwing `ConflictInProgressError` if held), releasing it after. */
  async run<T>(key: string | ResourceLockKey, fn: () => Promise<T>): Promise<T> {
    const unlock = this.acquire(key);
    try {
      return await fn();
    } finally {
      unlock();
    }
  }
}

function toKey(key: string | ResourceLockKey): string {
  return typeof key === 'string' ? key : resourceLockKey(key);
}
