import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, userVersion } from '../../src/audit/database.js';
import type { SqliteDatabase } from '../../src/audit/database.js';
import { GatewayError } from '../../src/errors.js';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStore,
  upstreamIdempotencyKey,
} from '../../src/idempotency/index.js';

const SECRET = 'test-secret';
const HOUR = 60 * 60 * 1000;
const ref = { scope: 'frontend', operation: 'cancelPackage', key: '6f1c7f0e-8a3b-4c47-9a59-3b9c4b2e8d10' };
const input = { packageId: 'pkg-1', account: 'acc-1' };

describe('IdempotencyStore', () => {
  let dir: string;
  let db: SqliteDatabase;
  let t: number;
  let store: IdempotencyStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'idem-'));
    db = openDatabase(join(dir, 'gw.sqlite'), { migrations: MIGRATIONS });
    t = Date.parse('2025-01-01T00:00:00.000Z');
    store = new IdempotencyStore(db, { secret: SECRET, clock: () => new Date(t) });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates to schema version 2 and the table is mutable state (no append-only triggers)', () => {
    expect(userVersion(db)).toBe(2);
    const triggers = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'idempotency'`).all();
    expect(triggers).toEqual([]);
    expect(() =>
      db
        .prepare(
          `INSERT INTO idempotency VALUES ('s','o','k','f','bogus',NULL,'u','t','t','t',NULL)`,
        )
        .run(),
    ).toThrow(/CHECK/);
  });

  it('new → complete → replay of the same payload, with a deterministic upstream key', () => {
    const first = store.begin({ ...ref, input });
    expect(first).toEqual({
      kind: 'new',
      upstreamKey: upstreamIdempotencyKey(SECRET, ref.scope, ref.operation, ref.key),
      claimedAt: new Date('2025-01-01T00:00:00.000Z'),
    });
    expect(store.get(ref)).toMatchObject({ state: 'in_progress', leaseUntil: '2025-01-01T00:01:00.000Z' });
    expect(store.complete(ref, { state: 'succeeded', response: { package: { id: 'pkg-1', status: 'CANCELED' } } })).toBe(true);
    // Key order of the input does not matter.
    expect(store.begin({ ...ref, input: { account: 'acc-1', packageId: 'pkg-1' } })).toEqual({
      kind: 'replay',
      state: 'succeeded',
      response: { package: { id: 'pkg-1', status: 'CANCELED' } },
    });
    expect(store.get(ref)).toMatchObject({ state: 'succeeded', leaseUntil: null, expiresAt: '2025-01-02T00:00:00.000Z' });
  });

  it('replays failed_final payloads too', () => {
    store.begin({ ...ref, input });
    store.complete(ref, { state: 'failed_final', response: { error: 'NOT_FOUND' } });
    expect(store.begin({ ...ref, input })).toEqual({ kind: 'replay', state: 'failed_final', response: { error: 'NOT_FOUND' } });
  });

  it('same key, different input → reused (whatever the state)', () => {
    store.begin({ ...ref, input });
    expect(store.begin({ ...ref, input: { ...input, packageId: 'pkg-2' } })).toEqual({ kind: 'reused' });
    store.complete(ref, { state: 'succeeded', response: {} });
    expect(store.begin({ ...ref, input: { ...input, packageId: 'pkg-2' } })).toEqual({ kind: 'reused' });
  });

  it('same key while in progress → in_progress, until the lease expires → reconcile (crashed instance)', () => {
    const first = store.begin({ ...ref, input });
    t += 59_999;
    expect(store.begin({ ...ref, input })).toEqual({ kind: 'in_progress' });
    t += 1;
    expect(store.begin({ ...ref, input })).toEqual({
      kind: 'reconcile',
      upstreamKey: (first as { upstreamKey: string }).upstreamKey,
      reason: 'lease_expired',
      // When the key was first claimed, not when it was re-claimed: the lost change may be that old.
      claimedAt: new Date('2025-01-01T00:00:00.000Z'),
      // And no newer than the crashed holder's lease.
      sentBy: new Date('2025-01-01T00:01:00.000Z'),
    });
    // The reconciler holds a fresh lease: concurrent retries wait.
    expect(store.begin({ ...ref, input })).toEqual({ kind: 'in_progress' });
  });

  it('markUnknown → the next attempt reconciles with the same upstream key, then completes', () => {
    const first = store.begin({ ...ref, input });
    t += 5_000;
    expect(store.markUnknown(ref)).toBe(true);
    expect(store.get(ref)).toMatchObject({ state: 'unknown', leaseUntil: null });
    t += 60_000;
    const second = store.begin({ ...ref, input });
    // Sent, if at all, between the claim and its marking as unknown.
    expect(second).toMatchObject({ kind: 'reconcile', reason: 'unknown', claimedAt: new Date('2025-01-01T00:00:00.000Z'), sentBy: new Date('2025-01-01T00:00:05.000Z') });
    expect((second as { upstreamKey: string }).upstreamKey).toBe((first as { upstreamKey: string }).upstreamKey);
    expect(store.begin({ ...ref, input })).toEqual({ kind: 'in_progress' });
    expect(store.complete(ref, { state: 'succeeded', response: { ok: true } })).toBe(true);
    expect(store.begin({ ...ref, input })).toMatchObject({ kind: 'replay', response: { ok: true } });
  });

  it('complete and markUnknown only act on open rows', () => {
    expect(store.complete(ref, { state: 'succeeded', response: 1 })).toBe(false);
    expect(store.markUnknown(ref)).toBe(false);
    store.begin({ ...ref, input });
    store.complete(ref, { state: 'succeeded', response: 1 });
    expect(store.complete(ref, { state: 'failed_final', response: 2 })).toBe(false);
    expect(store.markUnknown(ref)).toBe(false);
    expect(store.get(ref)).toMatchObject({ state: 'succeeded', response: 1 });
    expect(() => store.complete(ref, { state: 'succeeded', response: undefined })).toThrow(TypeError);
  });

  it('release: a new claim is forgotten (retry with the same key works), a reconcile claim goes back to unknown', () => {
    const claim = store.begin({ ...ref, input });
    expect(store.release(ref, { kind: 'new' })).toBe(true);
    expect(store.get(ref)).toBeUndefined();
    expect(store.begin({ ...ref, input: { other: true } })).toMatchObject({ kind: 'new' });
    expect(claim.kind).toBe('new');

    const other = { ...ref, key: 'k2' };
    store.begin({ ...other, input });
    store.markUnknown(other);
    const reconcile = store.begin({ ...other, input });
    expect(reconcile.kind).toBe('reconcile');
    expect(store.release(other, { kind: 'reconcile' })).toBe(true);
    expect(store.get(other)).toMatchObject({ state: 'unknown' });
  });

  it('keys are scoped by caller and operation', () => {
    expect(store.begin({ ...ref, input }).kind).toBe('new');
    expect(store.begin({ ...ref, scope: 'other-caller', input: { x: 1 } }).kind).toBe('new');
    expect(store.begin({ ...ref, operation: 'unassign', input: { x: 1 } }).kind).toBe('new');
  });

  it('expired rows are ignored and replaced by the next begin; prune deletes them', () => {
    store.begin({ ...ref, input });
    store.complete(ref, { state: 'succeeded', response: 'old' });
    store.begin({ ...ref, key: 'k2', input });
    t += 24 * HOUR - 1;
    expect(store.begin({ ...ref, input })).toMatchObject({ kind: 'replay', response: 'old' });
    t += 1;
    // Documented: a key reused after its retention is a new request (even with other input).
    expect(store.begin({ ...ref, input: { different: true } })).toMatchObject({ kind: 'new' });
    expect(store.get(ref)).toMatchObject({ state: 'in_progress', createdAt: '2025-01-02T00:00:00.000Z' });
    expect(store.prune()).toBe(1); // k2
    expect(store.get({ ...ref, key: 'k2' })).toBeUndefined();
    expect(store.prune(new Date(t + 48 * HOUR))).toBe(1);
  });

  it('retention and lease are configurable; begin accepts an explicit now', () => {
    const short = new IdempotencyStore(db, { secret: SECRET, retentionMs: 1_000, leaseMs: 100 });
    const now = new Date('2030-01-01T00:00:00.000Z');
    short.begin({ ...ref, key: 'short', input, now });
    expect(short.begin({ ...ref, key: 'short', input, now: new Date(now.getTime() + 100) }).kind).toBe('reconcile');
    expect(short.begin({ ...ref, key: 'short', input, now: new Date(now.getTime() + 1_000) }).kind).toBe('new');
  });

  it('claims atomically across two connections to the same file (two gateway instances)', () => {
    const db2 = openDatabase(join(dir, 'gw.sqlite'), { migrations: MIGRATIONS });
    try {
      const store2 = new IdempotencyStore(db2, { secret: SECRET, clock: () => new Date(t) });
      const kinds = [];
      for (let i = 0; i < 10; i++) kinds.push((i % 2 ? store : store2).begin({ ...ref, input }).kind);
      expect(kinds.filter((k) => k === 'new')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'in_progress')).toHaveLength(9);
    } finally {
      db2.close();
    }
  });

  it('rejects an empty secret; typed errors carry the gateway codes', () => {
    expect(() => new IdempotencyStore(db, { secret: '' })).toThrow();
    for (const [E, code] of [
      [IdempotencyKeyReusedError, 'IDEMPOTENCY_KEY_REUSED'],
      [IdempotencyInProgressError, 'IDEMPOTENCY_IN_PROGRESS'],
    ] as const) {
      const error = new E();
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.code).toBe(code);
    }
  });
});
