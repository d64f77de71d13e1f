/**
 * Deletes expired idempotency keys on a timer. `begin` already ignores an expired row and replaces
 * it when its key comes back, but keys that never come back stay in the file: without this, the
 * table keeps one row (with its stored response) for every mutation ever made.
 */
import type { IdempotencyStore } from './store.js';

export interface PrunerOptions {
  /** How often expired rows are deleted. Default 10 minutes: rows expire after hours (IDEMPOTENCY_TTL_HOURS). */
  intervalMs?: number;
  /** Called with the number of rows deleted, when any were. */
  onPruned?: (deleted: number) => void;
  /** Called when a prune fails (the file busy or unwritable); the next tick tries again. */
  onError?: (error: unknown) => void;
}

export const DEFAULT_PRUNE_INTERVAL_MS = 10 * 60 * 1000;

/** Prunes once now, then every `intervalMs`; the timer does not keep the process alive. Returns a stop function. */
export function startPruner(store: Pick<IdempotencyStore, 'prune'>, options: PrunerOptions = {}): () => void {
  const prune = (): void => {
    try {
      const deleted = store.prune();
      if (deleted > 0) options.onPruned?.(deleted);
    } catch (error) {
      options.onError?.(error);
    }
  };
  prune();
  const timer = setInterval(prune, options.intervalMs ?? DEFAULT_PRUNE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
