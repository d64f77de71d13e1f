import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { Bulkhead, OverloadedError } from '../../src/resilience/bulkhead.js';

/** A task the test finishes by hand. */
function gate<T = string>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('Bulkhead', () => {
  it('runs at most `limit` calls and fails fast beyond limit + queue (default queue 0)', async () => {
    const bulkhead = new Bulkhead(2, 0, { name: 'plesk' });
    const a = gate();
    const b = gate();
    const pa = bulkhead.run(() => a.promise);
    const pb = bulkhead.run(() => b.promise);
    expect(bulkhead.active).toBe(2);
    const error = await bulkhead.run(async () => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverloadedError);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'OVERLOADED', bulkhead: 'plesk' });
    a.open('a');
    b.open('b');
    await expect(Promise.all([pa, pb])).resolves.toEqual(['a', 'b']);
    expect(bulkhead.active).toBe(0);
  });

  it('queues up to `queue` calls in FIFO order and hands freed slots straight to them', async () => {
    const bulkhead = new Bulkhead(1, 2);
    const first = gate();
    const order: string[] = [];
    const p1 = bulkhead.run(() => first.promise);
    const p2 = bulkhead.run(async () => {
      order.push('second');
      return 'second';
    });
    const p3 = bulkhead.run(async () => {
      order.push('third');
      return 'third';
    });
    expect(bulkhead.active).toBe(1);
    expect(bulkhead.queued).toBe(2);
    await expect(bulkhead.run(async () => 'x')).rejects.toBeInstanceOf(OverloadedError);
    first.open('first');
    await expect(Promise.all([p1, p2, p3])).resolves.toEqual(['first', 'second', 'third']);
    expect(order).toEqual(['second', 'third']);
    expect(bulkhead.active).toBe(0);
    expect(bulkhead.queued).toBe(0);
  });

  it('frees the slot when the call throws', async () => {
    const bulkhead = new Bulkhead(1);
    await expect(bulkhead.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(bulkhead.active).toBe(0);
    await expect(bulkhead.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('an aborted waiter leaves the queue at once with the abort reason and never gets a slot', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const holder = gate();
    const held = bulkhead.run(() => holder.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = bulkhead.run(
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    expect(bulkhead.queued).toBe(1);
    const reason = new Error('client left');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(bulkhead.queued).toBe(0);
    holder.open('done');
    await held;
    expect(ran).toBe(false);
    expect(bulkhead.active).toBe(0);
  });

  it('no starvation: many aborted waiters do not keep the queue full or leak slots (cockatiel 3 bug)', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const holder = gate();
    const held = bulkhead.run(() => holder.promise);
    for (let i = 0; i < 100; i++) {
      const controller = new AbortController();
      const waiting = bulkhead.run(async () => 'never', { signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    }
    expect(bulkhead.queued).toBe(0);
    // The queue place is free again: a new waiter is accepted and served when the holder finishes.
    const next = bulkhead.run(async () => 'served');
    expect(bulkhead.queued).toBe(1);
    holder.open('held');
    await expect(Promise.all([held, next])).resolves.toEqual(['held', 'served']);
    expect(bulkhead.active).toBe(0);
    // And the full capacity is usable afterwards.
    const g = gate();
    const again = bulkhead.run(() => g.promise);
    const queued = bulkhead.run(async () => 'queued');
    expect([bulkhead.active, bulkhead.queued]).toEqual([1, 1]);
    g.open('again');
    await expect(Promise.all([again, queued])).resolves.toEqual(['again', 'queued']);
  });

  it('an abort in the middle of the queue keeps the others in order', async () => {
    const bulkhead = new Bulkhead(1, 3);
    const holder = gate();
    const held = bulkhead.run(() => holder.promise);
    const controller = new AbortController();
    const results: string[] = [];
    const a = bulkhead.run(async () => void results.push('a'));
    const b = bulkhead.run(async () => void results.push('b'), { signal: controller.signal });
    const c = bulkhead.run(async () => void results.push('c'));
    controller.abort();
    await expect(b).rejects.toBeDefined();
    holder.open('x');
    await Promise.all([held, a, c]);
    expect(results).toEqual(['a', 'c']);
    expect(bulkhead.active).toBe(0);
  });

  it('rejects at once when the signal is already aborted or the deadline already passed', async () => {
    const bulkhead = new Bulkhead(1, 1, { now: () => 1_000 });
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(bulkhead.run(async () => 'x', { signal: controller.signal })).rejects.toThrow('already');
    const holder = gate();
    const held = bulkhead.run(() => holder.promise);
    await expect(bulkhead.run(async () => 'x', { deadline: 1_000 })).rejects.toBeInstanceOf(OverloadedError);
    expect(bulkhead.queued).toBe(0);
    holder.open('done');
    await held;
  });

  it('a waiter whose deadline passes leaves the queue with OverloadedError', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const holder = gate();
    const held = bulkhead.run(() => holder.promise);
    const waiting = bulkhead.run(async () => 'never', { deadline: Date.now() + 5 });
    await expect(waiting).rejects.toBeInstanceOf(OverloadedError);
    expect(bulkhead.queued).toBe(0);
    holder.open('done');
    await held;
    expect(bulkhead.active).toBe(0);
  });

  it('acquire gives an idempotent release function', async () => {
    const bulkhead = new Bulkhead(1);
    const release = await bulkhead.acquire();
    expect(bulkhead.active).toBe(1);
    release();
    release();
    expect(bulkhead.active).toBe(0);
  });

  it('validates its arguments', () => {
    expect(() => new Bulkhead(0)).toThrow(RangeError);
    expect(() => new Bulkhead(1, -1)).toThrow(RangeError);
    expect(() => new Bulkhead(1.5)).toThrow(RangeError);
  });
});
