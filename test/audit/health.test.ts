import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditStore, openAuditStore, openDatabase } from '../../src/audit/index.js';

describe('health', () => {
  let dir: string;
  const toClose: Array<{ close(): void }> = [];
  const clock = () => new Date('2025-07-01T08:00:00.000Z');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-health-'));
  });
  afterEach(() => {
    for (const item of toClose.splice(0).reverse()) item.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ok for a writable store, in memory or on disk', () => {
    const memory = openAuditStore({ path: ':memory:', clock });
    toClose.push(memory);
    expect(memory.health()).toEqual({ ok: true, checkedAt: '2025-07-01T08:00:00.000Z' });
    const file = openAuditStore({ path: join(dir, 'h.sqlite'), clock });
    toClose.push(file);
    expect(file.health()).toEqual({ ok: true, checkedAt: '2025-07-01T08:00:00.000Z' });
    expect(file.health().ok).toBe(true); // repeatable: the probe row is rewritten, not appended
  });

  it('is not ok once closed', () => {
    const store = openAuditStore({ path: ':memory:', clock });
    store.close();
    expect(store.health()).toEqual({ ok: false, checkedAt: '2025-07-01T08:00:00.000Z', reason: 'The audit database is closed.' });
  });

  it('is not ok while the database cannot be written, and recovers', () => {
    const db = openDatabase(join(dir, 'q.sqlite'));
    toClose.push(db);
    const store = new AuditStore(db, { clock });
    db.pragma('query_only = ON');
    const health = store.health();
    expect(health.ok).toBe(false);
    expect(health.ok === false && health.reason).toMatch(/cannot be written.*SQLITE_READONLY/);
    db.pragma('query_only = OFF');
    expect(store.health().ok).toBe(true);
  });

  it('is not ok for a read-only file', () => {
    const path = join(dir, 'ro.sqlite');
    openDatabase(path).close();
    const db = new Database(path, { readonly: true });
    toClose.push(db);
    expect(new AuditStore(db).health().ok).toBe(false);
  });

  it('is not ok while another connection holds the write lock', () => {
    const path = join(dir, 'locked.sqlite');
    const store = openAuditStore({ path, busyTimeoutMs: 20 });
    toClose.push(store);
    const other = new Database(path);
    toClose.push(other);
    other.exec('BEGIN IMMEDIATE');
    const health = store.health();
    expect(health.ok === false && health.reason).toMatch(/SQLITE_BUSY/);
    other.exec('ROLLBACK');
    expect(store.health().ok).toBe(true);
  });
});
