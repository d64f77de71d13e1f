import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/index.js';
import type { AuditStore } from '../../src/audit/index.js';

describe('append-only audit tables', () => {
  let dir: string;
  let store: AuditStore;
  let raw: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-append-'));
    const path = join(dir, 'audit.sqlite');
    store = openAuditStore({ path });
    const id = store.recordIntent({
      requestId: 'r1',
      caller: { name: 'svc', kind: 'service' },
      operation: 'createPackage',
      upstream: 'wix',
      account: 'acc',
      targetIds: ['pkg-1'],
      input: { a: 1 },
    });
    store.recordOutcome(id, { outcome: 'success', durationMs: 5 });
    // A connection of its own, as a buggy module or an operator's shell would have.
    raw = new Database(path);
  });
  afterEach(() => {
    raw.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["UPDATE audit_event SET outcome = 'error' WHERE kind = 'outcome'", 'audit_event is append-only'],
    ["UPDATE audit_event SET account = 'other'", 'audit_event is append-only'],
    ["DELETE FROM audit_event WHERE kind = 'outcome'", 'audit_event is append-only'],
    ['DELETE FROM audit_event', 'audit_event is append-only'],
    ["UPDATE audit_target SET target_id = 'pkg-2'", 'audit_target is append-only'],
    ['DELETE FROM audit_target', 'audit_target is append-only'],
  ])('rejects %s', (sql, message) => {
    expect(() => raw.prepare(sql).run()).toThrow(message);
    expect(raw.prepare('SELECT count(*) AS n FROM audit_event').get()).toEqual({ n: 2 });
    expect(raw.prepare('SELECT count(*) AS n FROM audit_target').get()).toEqual({ n: 1 });
    expect(store.historyOf('pkg-1').edges[0]?.node).toMatchObject({ account: 'acc', outcome: 'success' });
  });

  it('rejects an outcome row without an intent, and a second outcome, at the schema level', () => {
    const insert = raw.prepare(
      "INSERT INTO audit_event (operation_id, kind, at, outcome, duration_ms) VALUES (?, 'outcome', '2025-01-01T00:00:00.000Z', 'success', 1)",
    );
    expect(() => insert.run('made-up')).toThrow('audit outcome without an intent');
    const id = store.query().edges[0]?.node.id;
    expect(() => insert.run(id)).toThrow(/UNIQUE/);
  });
});
