import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, openAuditStore, openDatabase, userVersion } from '../../src/audit/index.js';
import type { AuditIntent, Migration } from '../../src/audit/index.js';

const intent: AuditIntent = {
  requestId: 'r1',
  caller: { name: 'svc', kind: 'service' },
  operation: 'createPackage',
  upstream: 'wix',
  account: 'acc',
  targetIds: ['pkg-1'],
  input: { a: 1 },
  idempotencyKey: 'k',
};

describe('openDatabase and migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-db-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file and its missing parent folders on first start', () => {
    const path = join(dir, 'data', 'nested', 'audit.sqlite');
    const store = openAuditStore({ path });
    store.recordIntent(intent);
    store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('sets WAL, synchronous NORMAL, a busy timeout and the schema version', () => {
    const db = openDatabase(join(dir, 'a.sqlite'), { busyTimeoutMs: 1234 });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(userVersion(db)).toBe(MIGRATIONS.length);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['audit_event', 'audit_target', 'health_probe', 'idempotency']);
    } finally {
      db.close();
    }
  });

  it('keeps the records when an existing file is reopened, and migrating again is a no-op', () => {
    const path = join(dir, 'audit.sqlite');
    const first = openAuditStore({ path });
    const id = first.recordIntent(intent);
    first.recordOutcome(id, { outcome: 'success', durationMs: 3 });
    first.close();

    const second = openAuditStore({ path });
    expect(second.get(id)).toMatchObject({ id, requestId: 'r1', idempotencyKey: 'k', outcome: 'success' });
    second.recordIntent({ ...intent, requestId: 'r2' });
    second.close();

    const db = openDatabase(path);
    try {
      expect(migrate(db, MIGRATIONS)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
      expect(db.prepare('SELECT count(*) FROM audit_event').pluck().get()).toBe(3);
    } finally {
      db.close();
    }
  });

  it('applies only the migrations a file lacks, so another table can join the same file later', () => {
    const path = join(dir, 'audit.sqlite');
    openDatabase(path).close();
    const next: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, description: 'test table', sql: 'CREATE TABLE later_feature (k TEXT PRIMARY KEY);' },
    ];
    const db = openDatabase(path, { migrations: next });
    try {
      expect(userVersion(db)).toBe(next.length);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'later_feature'").pluck().get()).toBe(1);
    } finally {
      db.close();
    }
    // An older gateway refuses a file written by a newer one instead of guessing.
    expect(() => openDatabase(path)).toThrow(/newer than this gateway knows/);
  });

  it('rolls a failing migration back whole', () => {
    const path = join(dir, 'audit.sqlite');
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, description: 'broken', sql: 'CREATE TABLE half (a); CREATE TABLE nonsense (' },
    ];
    expect(() => openDatabase(path, { migrations: broken })).toThrow();
    const raw = new Database(path);
    try {
      expect(userVersion(raw)).toBe(MIGRATIONS.length);
      expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
    } finally {
      raw.close();
    }
  });

  it('rejects a migration list out of order', () => {
    const db = new Database(':memory:');
    try {
      expect(() => migrate(db, [{ version: 2, description: 'x', sql: '' }])).toThrow(/in order/);
    } finally {
      db.close();
    }
  });
});
