export { ConflictInProgressError, IdempotencyInProgressError, IdempotencyKeyReusedError } from './errors.js';
export { IDEMPOTENCY_MIGRATION } from './migration.js';
export { MAX_UPSTREAM_KEY_LENGTH, canonicalJson, fingerprint, upstreamIdempotencyKey } from './canonical.js';
export { DEFAULT_PRUNE_INTERVAL_MS, startPruner, type PrunerOptions } from './pruner.js';
export { IDEMPOTENCY_DEFAULTS, IdempotencyStore } from './store.js';
export type {
  BeginArgs,
  BeginResult,
  Claim,
  FinalState,
  IdempotencyRecord,
  IdempotencyRef,
  IdempotencyState,
  IdempotencyStoreOptions,
} from './store.js';
