/**
 * Schema version 2 of the gateway's SQLite file: the idempotency store. Unlike the audit tables
 * this one is state, not history: rows are updated as a request progresses and pruned after
 * their retention, so it has no append-only triggers.
 */
import type { Migration } from '../audit/database.js';

export const IDEMPOTENCY_MIGRATION: Migration = {
  version: 2,
  description: 'idempotency keys: idempotency',
  sql: `
    -- One row per (caller, operation, client key). Times are ISO-8601 UTC with milliseconds.
    CREATE TABLE idempotency (
      scope         TEXT NOT NULL,  -- caller name: keys of different callers never collide
      operation     TEXT NOT NULL,
      key           TEXT NOT NULL,
      fingerprint   TEXT NOT NULL,  -- sha256 of the canonical JSON of the validated input
      state         TEXT NOT NULL CHECK (state IN ('in_progress', 'succeeded', 'failed_final', 'unknown')),
      response_json TEXT,           -- the payload replayed to retries; set exactly when final
      upstream_key  TEXT NOT NULL,  -- deterministic key sent upstream (Wix idempotencyKey)
      created_at    TEXT NOT NULL,
      updated_at    TEXT NOT NULL,
      expires_at    TEXT NOT NULL,  -- created_at + retention; expired rows are ignored and replaced
      lease_until   TEXT,           -- in_progress only: after it, the owner is presumed crashed
      PRIMARY KEY (scope, operation, key),
      CHECK ((state IN ('succeeded', 'failed_final')) = (response_json IS NOT NULL)),
      CHECK ((state = 'in_progress') = (lease_until IS NOT NULL))
    );
    CREATE INDEX idempotency_expires ON idempotency (expires_at);
  `,
};
