/**
 * Model-based test: random sequences of begin / complete / markUnknown / release / prune and
 * clock moves over two keys and two inputs, checked step by step against a tiny reference model.
 */
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase } from '../../src/audit/database.js';
import { IdempotencyStore, fingerprint } from '../../src/idempotency/index.js';
import type { BeginResult, IdempotencyState } from '../../src/idempotency/index.js';

const LEASE = 60_000;
const RETENTION = 24 * 60 * 60 * 1000;
const KEYS = ['key-a', 'key-b'] as const;
const INPUTS = [{ packageId: 'pkg-1' }, { packageId: 'pkg-2' }] as const;

interface ModelRow {
  input: number;
  state: IdempotencyState;
  response?: unknown;
  expiresAt: number;
  leaseUntil?: number;
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function run(seed: number, steps: number): void {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const db = openDatabase(':memory:', { migrations: MIGRATIONS });
  let now = Date.parse('2025-06-01T00:00:00.000Z');
  const store = new IdempotencyStore(db, { secret: 'model', clock: () => new Date(now) });
  const model = new Map<string, ModelRow>();
  const lastClaim = new Map<string, 'new' | 'reconcile'>();
  const upstreamKeys = new Map<string, string>();
  const log: string[] = [];
  const refOf = (key: string) => ({ scope: 'svc', operation: 'cancelPackage', key });

  try {
    for (let step = 0; step < steps; step++) {
      if (log.length > 40) log.shift(); // keep the recent history for the failure message
      const key = pick(KEYS);
      const ref = refOf(key);
      const op = random();
      if (op < 0.35) {
        const input = random() < 0.5 ? 0 : 1;
        log.push(`begin ${key} input${input}`);
        const actual = store.begin({ ...ref, input: INPUTS[input] });
        // Reference model.
        let row = model.get(key);
        if (row && row.expiresAt <= now) {
          model.delete(key);
          row = undefined;
        }
        let expected: BeginResult['kind'];
        if (!row) {
          model.set(key, { input, state: 'in_progress', expiresAt: now + RETENTION, leaseUntil: now + LEASE });
          expected = 'new';
        } else if (row.input !== input) {
          expected = 'reused';
        } else if (row.state === 'succeeded' || row.state === 'failed_final') {
          expected = 'replay';
          expect(actual).toEqual({ kind: 'replay', state: row.state, response: row.response });
        } else if (row.state === 'in_progress' && (row.leaseUntil ?? 0) > now) {
          expected = 'in_progress';
        } else {
          expected = 'reconcile';
          expect(actual).toMatchObject({ reason: row.state === 'unknown' ? 'unknown' : 'lease_expired' });
          row.state = 'in_progress';
          row.leaseUntil = now + LEASE;
        }
        expect(actual.kind).toBe(expected);
        seenKinds.add(actual.kind);
        if (actual.kind === 'new' || actual.kind === 'reconcile') {
          lastClaim.set(key, actual.kind);
          const known = upstreamKeys.get(key);
          if (known) expect(actual.upstreamKey).toBe(known); // every resend carries the same key
          upstreamKeys.set(key, actual.upstreamKey);
        }
      } else if (op < 0.55) {
        const state = random() < 0.7 ? 'succeeded' : 'failed_final';
        const response = { step, state };
        log.push(`complete ${key} ${state}`);
        const row = model.get(key);
        const allowed = row !== undefined && (row.state === 'in_progress' || row.state === 'unknown');
        expect(store.complete(ref, { state, response })).toBe(allowed);
        if (row && allowed) {
          row.state = state;
          row.response = response;
          delete row.leaseUntil;
        }
      } else if (op < 0.7) {
        log.push(`markUnknown ${key}`);
        const row = model.get(key);
        const allowed = row?.state === 'in_progress';
        expect(store.markUnknown(ref)).toBe(allowed);
        if (row && allowed) {
          row.state = 'unknown';
          delete row.leaseUntil;
        }
      } else if (op < 0.78) {
        const kind = lastClaim.get(key) ?? 'new';
        log.push(`release ${key} ${kind}`);
        const row = model.get(key);
        const allowed = row?.state === 'in_progress';
        expect(store.release(ref, { kind })).toBe(allowed);
        if (row && allowed) {
          if (kind === 'new') model.delete(key);
          else {
            row.state = 'unknown';
            delete row.leaseUntil;
          }
        }
      } else if (op < 0.82) {
        log.push('prune');
        let expected = 0;
        for (const [k, row] of model) {
          if (row.expiresAt <= now) {
            model.delete(k);
            expected++;
          }
        }
        expect(store.prune()).toBe(expected);
      } else {
        const r = random();
        const ms = r < 0.6 ? 1_000 : r < 0.9 ? LEASE : RETENTION / 2;
        log.push(`advance ${ms}`);
        now += ms;
      }

      // The stored rows match the model (expired rows may linger in both until replaced/pruned).
      for (const k of KEYS) {
        const row = model.get(k);
        const stored = store.get(refOf(k));
        if (!row) {
          expect(stored).toBeUndefined();
          continue;
        }
        expect(stored).toMatchObject({
          state: row.state,
          fingerprint: fingerprint(INPUTS[row.input]),
          expiresAt: new Date(row.expiresAt).toISOString(),
          leaseUntil: row.leaseUntil === undefined ? null : new Date(row.leaseUntil).toISOString(),
          ...(row.response === undefined ? {} : { response: row.response }),
        });
      }
    }
  } catch (error) {
    throw new Error(`seed ${seed}, after:\n${log.join('\n')}\n${String(error)}`, { cause: error });
  } finally {
    db.close();
  }
}

const seenKinds = new Set<string>();

describe('IdempotencyStore against a reference model', () => {
  for (const seed of [1, 2, 3, 42, 1234, 9001, 31337, 271828]) {
    it(`agrees with the model (seed ${seed}, 300 steps)`, () => run(seed, 300));
  }
  it('the random runs reached every begin outcome', () => {
    expect([...seenKinds].sort()).toEqual(['in_progress', 'new', 'reconcile', 'replay', 'reused']);
  });
});
