export { ConflictInProgressError, IdempotencyInProgressError, IdempotencyKeyReusedError } from './errors.js';
export { IDEMPOTENCY_MIGRATION } from './migration.js';
export { MAX_UPSTREAM_KEY_LENGTH, canonicalJson, fingerprint, upstreamIdempotencyKey } from './canonical.js';
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
