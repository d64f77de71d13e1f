/**
 * The gateway's embedded SQLite file (`AUDIT_DB`): opening it and bringing its schema up to date.
 * The file is meant to hold more than the audit trail (idempotency keys come next): each feature
 * adds its tables as a new entry at the end of `MIGRATIONS`, never by editing an applied one.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { IDEMPOTENCY_MIGRATION } from '../idempotency/migration.js';

export type SqliteDatabase = Database.Database;

export interface Migration {
  /** 1, 2, 3, ... in order; stored in `PRAGMA user_version` once applied. */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Rejects any change to a table's rows: the audit tables are append-only, even against a bug. */
function appendOnly(table: string): string {
  return `
    CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
    BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
    CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
    BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'audit trail: audit_event, audit_target, health_probe',
    sql: `
      -- One row per write: an 'intent' (before the upstream call) and, later, an 'outcome' row
      -- with the same operation_id. Times are ISO-8601 UTC with milliseconds, so they sort as text.
      CREATE TABLE audit_event (
        seq                 INTEGER PRIMARY KEY,
        operation_id        TEXT    NOT NULL,
        kind                TEXT    NOT NULL CHECK (kind IN ('intent', 'outcome')),
        at                  TEXT    NOT NULL,
        -- intent
        request_id          TEXT,
        caller_name         TEXT,
        caller_kind         TEXT    CHECK (caller_kind IN ('service', 'person')),
        operation           TEXT,
        upstream            TEXT    CHECK (upstream IN ('wix', 'plesk')),
        account             TEXT,
        target_ids          TEXT,   -- JSON array, as given; audit_target indexes it
        input               TEXT,   -- JSON, secrets redacted
        idempotency_key     TEXT,
        -- outcome
        outcome             TEXT    CHECK (outcome IN ('success', 'error', 'denied', 'replayed')),
        error_code          TEXT,
        upstream_request_id TEXT,
        duration_ms         INTEGER,
        CHECK (
          (kind = 'intent'
            AND request_id IS NOT NULL AND caller_name IS NOT NULL AND caller_kind IS NOT NULL
            AND operation IS NOT NULL AND upstream IS NOT NULL AND account IS NOT NULL
            AND target_ids IS NOT NULL AND input IS NOT NULL AND outcome IS NULL)
          OR
          (kind = 'outcome' AND outcome IS NOT NULL AND duration_ms IS NOT NULL
            AND request_id IS NULL AND operation IS NULL)
        )
      );
      -- One intent and at most one outcome per operation; also the join path intent -> outcome.
      CREATE UNIQUE INDEX audit_event_operation ON audit_event (operation_id, kind);
      -- Newest-first listing and the keyset cursor (at, seq), unfiltered and per filter column.
      CREATE INDEX audit_intent_time      ON audit_event (at, seq)                 WHERE kind = 'intent';
      CREATE INDEX audit_intent_account   ON audit_event (account, at, seq)        WHERE kind = 'intent';
      CREATE INDEX audit_intent_caller    ON audit_event (caller_name, at, seq)    WHERE kind = 'intent';
      CREATE INDEX audit_intent_operation ON audit_event (operation, at, seq)      WHERE kind = 'intent';

      CREATE TRIGGER audit_outcome_needs_intent BEFORE INSERT ON audit_event
      WHEN NEW.kind = 'outcome' AND NOT EXISTS (
        SELECT 1 FROM audit_event WHERE operation_id = NEW.operation_id AND kind = 'intent')
      BEGIN SELECT RAISE(ABORT, 'audit outcome without an intent'); END;
      ${appendOnly('audit_event')}

      -- Target ids of an operation, one row each, so that "records about X" is an index lookup.
      CREATE TABLE audit_target (
        target_id    TEXT NOT NULL,
        operation_id TEXT NOT NULL,
        PRIMARY KEY (target_id, operation_id)
      ) WITHOUT ROWID;
      ${appendOnly('audit_target')}

      -- Not audit data: a single row the readiness probe rewrites to prove a commit goes through.
      CREATE TABLE health_probe (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at TEXT NOT NULL
      );
    `,
  },
  IDEMPOTENCY_MIGRATION,
];

export interface OpenDatabaseOptions {
  migrations?: readonly Migration[];
  /** How long a write waits for another connection's lock before failing (SQLITE_BUSY). */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 2_000;

/**
 * Opens (creating it and its parent folder if needed) the database at `path`, or an in-memory
 * one for `':memory:'`, sets the connection up and applies pending migrations. Throws if the file
 * cannot be opened or migrated, or was written by a newer gateway.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    // WAL: readers never block the writer. synchronous=NORMAL: in WAL mode a commit is not
    // fsynced, only the checkpoints are; the file stays consistent whatever happens, and a crash
    // of the gateway process loses nothing (the WAL is in the OS already), but a power cut or OS
    // crash may roll back the last few commits. Accepted to keep an fsync off every mutation's
    // path (better-sqlite3 is synchronous: FULL would stall the event loop on each write).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Applies, each in its own IMMEDIATE transaction, the migrations whose version is above the
 * file's `user_version`; a no-op on an up-to-date file. Returns the versions before and after.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): { from: number; to: number } {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`Migration #${index} has version ${migration.version}; versions must be 1, 2, 3, ... in order.`);
    }
  });
  const latest = migrations.length;
  const from = userVersion(db);
  if (from > latest) {
    throw new Error(`The database is at schema version ${from}, newer than this gateway knows (${latest}).`);
  }
  for (const migration of migrations.slice(from)) {
    db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if (userVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: userVersion(db) };
}

export function userVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}
