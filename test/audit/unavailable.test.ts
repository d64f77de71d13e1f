import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditStore, AuditUnavailableError, openAuditStore, openDatabase } from '../../src/audit/index.js';
import type { AuditIntent } from '../../src/audit/index.js';

const intent: AuditIntent = {
  requestId: 'r',
  caller: { name: 'svc', kind: 'service' },
  operation: 'createPackage',
  upstream: 'wix',
  account: 'acc',
  targetIds: ['pkg-1', 'inst-1'],
  input: { note: 'x'.repeat(200) },
};

function count(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('an unwritable store refuses the intent with AuditUnavailableError', () => {
  let dir: string;
  const toClose: Array<{ close(): void }> = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-unavailable-'));
  });
  afterEach(() => {
    for (const item of toClose.splice(0).reverse()) item.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after close()', () => {
    const store = openAuditStore({ path: join(dir, 'a.sqlite') });
    store.recordIntent(intent);
    store.close();
    const error: unknown = (() => {
      try {
        store.recordIntent(intent);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect(error).toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: expect.stringMatching(/not made/) });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(() => store.recordOutcome('x', { outcome: 'success', durationMs: 1 })).toThrow(AuditUnavailableError);
    expect(() => store.query()).toThrow(AuditUnavailableError);
  });

  it('when the database file is opened read-only', () => {
    const path = join(dir, 'ro.sqlite');
    openDatabase(path).close();
    const db = new Database(path, { readonly: true });
    toClose.push(db);
    const store = new AuditStore(db);
    expect(() => store.recordIntent(intent)).toThrow(AuditUnavailableError);
    expect(store.query().edges).toEqual([]);
  });

  it('when the connection is switched to query-only', () => {
    const db = openDatabase(join(dir, 'q.sqlite'));
    toClose.push(db);
    const store = new AuditStore(db);
    db.pragma('query_only = ON');
    expect(() => store.recordIntent(intent)).toThrow(AuditUnavailableError);
    db.pragma('query_only = OFF');
    expect(store.recordIntent(intent)).toEqual(expect.any(String));
  });

  it('when the disk is full, leaving no partial record behind', () => {
    const db = openDatabase(join(dir, 'full.sqlite'));
    toClose.push(db);
    const store = new AuditStore(db);
    store.recordIntent(intent);
    // Cap the file at its current size: the next writes run out of pages (SQLITE_FULL).
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    let written = 0;
    let failure: unknown;
    for (let attempt = 0; attempt < 100 && failure === undefined; attempt++) {
      try {
        store.recordIntent({ ...intent, targetIds: [`pkg-${attempt}`, `inst-${attempt}`] });
        written++;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(AuditUnavailableError);
    expect((failure as Error).cause).toMatchObject({ code: 'SQLITE_FULL' });
    // Every intent is whole: as many target rows as intents, two each.
    expect(count(db, 'audit_event')).toBe(1 + written);
    expect(count(db, 'audit_target')).toBe(2 * (1 + written));
  });

  it('when a write fails half-way, leaving neither the event nor any target row', () => {
    const db = openDatabase(join(dir, 'half.sqlite'));
    toClose.push(db);
    const store = new AuditStore(db);
    // Stand-in for a failure after the event row is in: the second target row cannot be written.
    db.exec(`CREATE TEMP TRIGGER fail_target BEFORE INSERT ON main.audit_target WHEN NEW.target_id = 'inst-1'
             BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END`);
    expect(() => store.recordIntent(intent)).toThrow(AuditUnavailableError);
    expect(count(db, 'audit_event')).toBe(0);
    expect(count(db, 'audit_target')).toBe(0);
    db.exec('DROP TRIGGER fail_target');
    store.recordIntent(intent);
    expect(count(db, 'audit_target')).toBe(2);
  });

  it('when another connection holds the write lock past the busy timeout', () => {
    const path = join(dir, 'locked.sqlite');
    const store = openAuditStore({ path, busyTimeoutMs: 50 });
    toClose.push(store);
    const other = new Database(path);
    toClose.push(other);
    other.exec('BEGIN IMMEDIATE');
    expect(() => store.recordIntent(intent)).toThrow(AuditUnavailableError);
    other.exec('ROLLBACK');
    expect(store.recordIntent(intent)).toEqual(expect.any(String));
  });

  it('when the database cannot be created at all', () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    expect(() => openAuditStore({ path: join(blocker, 'audit.sqlite') })).toThrow(AuditUnavailableError);
    const notSqlite = join(dir, 'garbage.sqlite');
    writeFileSync(notSqlite, 'this is not a database, just some text that is long enough '.repeat(20));
    expect(() => openAuditStore({ path: notSqlite })).toThrow(AuditUnavailableError);
  });
});
