/**
 * The gateway's one SQLite file: the audit trail (append-only) and the idempotency keys (state),
 * opened and migrated together so a mutation's records and its key live side by side.
 */
import { randomBytes } from 'node:crypto';
import { openDatabase } from './audit/database.js';
import { AuditUnavailableError } from './audit/errors.js';
import { AuditStore } from './audit/store.js';
import { IdempotencyStore } from './idempotency/store.js';

export interface Stores {
  audit: AuditStore;
  idempotency: IdempotencyStore;
  close(): void;
}

export interface StoreOptions {
  /** File path (parent folders created) or ':memory:'. */
  path: string;
  /** How long a key's result is replayed. Default 24 h. */
  idempotencyTtlMs?: number;
  /**
   * Derives upstream keys from callers' keys. Default: random per process; an upstream key is
   * stored with its row, so a retry after a restart still resends the same one.
   */
  idempotencySecret?: string;
}

export function openStores(options: StoreOptions): Stores {
  let db;
  try {
    db = openDatabase(options.path);
  } catch (error) {
    throw new AuditUnavailableError(`The audit database at ${options.path} cannot be opened.`, { cause: error });
  }
  const audit = new AuditStore(db);
  const idempotency = new IdempotencyStore(db, {
    secret: options.idempotencySecret ?? randomBytes(32),
    ...(options.idempotencyTtlMs ? { retentionMs: options.idempotencyTtlMs } : {}),
  });
  return {
    audit,
    idempotency,
    close() {
      db.close();
    },
  };
}
