import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/audit/database.js';
import { DEFAULT_PRUNE_INTERVAL_MS, startPruner } from '../../src/idempotency/pruner.js';
import { IdempotencyStore } from '../../src/idempotency/store.js';

const HOUR = 3_600_000;

afterEach(() => vi.useRealTimers());

/** A store on an in-memory file whose clock the test moves. */
function storeAt(start: number) {
  let now = start;
  const store = new IdempotencyStore(openDatabase(':memory:'), { secret: 's', retentionMs: 24 * HOUR, clock: () => new Date(now) });
  const add = (key: string) => {
    const ref = { scope: 'ui', operation: 'cancelPackage', key };
    store.begin({ ...ref, input: { key } });
    store.complete(ref, { state: 'succeeded', response: { key } });
  };
  return { store, add, advance: (ms: number) => void (now += ms), has: (key: string) => store.get({ scope: 'ui', operation: 'cancelPackage', key }) !== undefined };
}

describe('startPruner', () => {
  it('deletes expired keys at once, then every interval, and reports how many', () => {
    vi.useFakeTimers();
    const { store, add, advance, has } = storeAt(Date.UTC(2026, 11, 1));
    add('a');
    advance(25 * HOUR);
    add('b');
    const pruned: number[] = [];
    const stop = startPruner(store, { onPruned: (n) => pruned.push(n) });
    expect(pruned).toEqual([1]);
    expect([has('a'), has('b')]).toEqual([false, true]);

    advance(25 * HOUR);
    // Every 10 minutes, as the README says.
    expect(DEFAULT_PRUNE_INTERVAL_MS).toBe(600_000);
    vi.advanceTimersByTime(DEFAULT_PRUNE_INTERVAL_MS - 1);
    expect(has('b')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(has('b')).toBe(false);
    expect(pruned).toEqual([1, 1]);

    // Nothing expired: nothing reported.
    vi.advanceTimersByTime(DEFAULT_PRUNE_INTERVAL_MS);
    expect(pruned).toEqual([1, 1]);
    stop();
  });

  it('stops when asked', () => {
    vi.useFakeTimers();
    const { store, add, advance, has } = storeAt(Date.UTC(2026, 11, 1));
    const stop = startPruner(store, { intervalMs: 1000 });
    add('a');
    stop();
    advance(25 * HOUR);
    vi.advanceTimersByTime(5000);
    expect(has('a')).toBe(true);
  });

  it('reports a failed prune and tries again on the next tick', () => {
    vi.useFakeTimers();
    let calls = 0;
    const errors: unknown[] = [];
    const store = {
      prune: () => {
        calls++;
        if (calls === 1) throw new Error('SQLITE_BUSY');
        return 0;
      },
    };
    const stop = startPruner(store, { intervalMs: 1000, onError: (e) => errors.push(e) });
    expect(errors).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    stop();
  });

  it('does not keep the process alive', () => {
    const { store } = storeAt(Date.now());
    const spy = vi.spyOn(globalThis, 'setInterval');
    const stop = startPruner(store);
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    stop();
    spy.mockRestore();
  });
});
