export { AuditStore, openAuditStore, DEFAULT_AUDIT_DB, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './store.js';
export type { AuditStoreOptions, OpenAuditStoreOptions } from './store.js';
export { openDatabase, migrate, userVersion, MIGRATIONS, DEFAULT_BUSY_TIMEOUT_MS } from './database.js';
export type { Migration, OpenDatabaseOptions, SqliteDatabase } from './database.js';
export { AuditUnavailableError, AuditSequenceError } from './errors.js';
export { redact, isSecretKey, REDACTED } from './redact.js';
export type * from './types.js';
