import { describe, expect, it } from 'vitest';
import { RateLimitedError, RateLimiter } from '../../src/resilience/rate-limiter.js';
import type { RateLimiterOptions } from '../../src/resilience/rate-limiter.js';

function setup(options: RateLimiterOptions = {}) {
  let t = 0;
  const sleeps: number[] = [];
  const waits: { key: string; waitedMs: number }[] = [];
  const limiter = new RateLimiter({
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      t += ms;
    },
    onWait: (e) => waits.push(e),
    ...options,
  });
  return { limiter, sleeps, waits, now: () => t, advance: (ms: number) => (t += ms) };
}

describe('RateLimiter', () => {
  it('defaults to 200 immediate tokens per key, then refills at 200 per 60 s', async () => {
    const { limiter, sleeps } = setup();
    for (let i = 0; i < 200; i++) await expect(limiter.acquire('wix-key')).resolves.toEqual({ waitedMs: 0 });
    expect(sleeps).toEqual([]);
    // The 201st waits one refill interval: 60 000 / 200 = 300 ms.
    await expect(limiter.acquire('wix-key', { deadline: 10_000 })).resolves.toEqual({ waitedMs: 300 });
    expect(sleeps).toEqual([300]);
  });

  it('tryAcquire takes a token when there is one, else takes nothing and tells the wait', () => {
    const { limiter, advance } = setup({ limit: 2, windowMs: 60_000 });
    expect(limiter.tryAcquire('k')).toBe(0);
    expect(limiter.tryAcquire('k')).toBe(0);
    expect(limiter.tryAcquire('k')).toBe(30_000);
    expect(limiter.tryAcquire('k')).toBe(30_000); // nothing reserved
    expect(limiter.tryAcquire('other')).toBe(0);
    advance(30_000);
    expect(limiter.tryAcquire('k')).toBe(0);
    expect(limiter.waits).toBe(0);
  });

  it('forgets refilled buckets once there are many keys, and a forgotten key starts full again', () => {
    const { limiter, advance } = setup({ limit: 2, windowMs: 60_000 });
    for (let k = 0; k < 1024; k++) limiter.tryAcquire(`caller-${k}`);
    expect(limiter.keys).toBe(1024);
    advance(29_999); // each bucket at 1.99 tokens of 2: not yet full
    limiter.tryAcquire('one-more');
    expect(limiter.keys).toBe(1025);
    advance(60_000);
    limiter.tryAcquire('drained');
    limiter.tryAcquire('drained');
    for (let k = 1025; k < 2050; k++) limiter.tryAcquire(`caller-${k}`);
    // The sweep at 2050 keys kept only the drained bucket and the keys added after it.
    expect(limiter.keys).toBeLessThan(1100);
    expect(limiter.tryAcquire('drained')).toBeGreaterThan(0);
    expect(limiter.tryAcquire('caller-0')).toBe(0);
    expect(limiter.tryAcquire('caller-0')).toBe(0);
  });

  it('keys have separate buckets', async () => {
    const { limiter } = setup({ limit: 1, windowMs: 1_000 });
    await limiter.acquire('a');
    await expect(limiter.acquire('b')).resolves.toEqual({ waitedMs: 0 });
  });

  it('throws RateLimitedError with retryAfterSeconds IMMEDIATELY when the token would come after the deadline', async () => {
    const { limiter, sleeps, now } = setup({ limit: 1, windowMs: 60_000 });
    await limiter.acquire('k');
    const error = await limiter.acquire('k', { deadline: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 60 });
    expect(sleeps).toEqual([]); // did not wait for the deadline
    expect(now()).toBe(0);
    // Nothing was reserved by the refused call.
    expect(limiter.available('k')).toBe(0);
  });

  it('waiting callers queue behind each other (tokens are reserved) and waits are recorded', async () => {
    const waits: number[] = [];
    // The clock stands still while both callers arrive: their sleeps are computed at the same instant.
    const limiter = new RateLimiter({
      limit: 2,
      windowMs: 1_000, // one token per 500 ms
      now: () => 0,
      sleep: async () => {},
      onWait: (e) => waits.push(e.waitedMs),
    });
    await limiter.acquire('k');
    await limiter.acquire('k');
    const results = await Promise.all([limiter.acquire('k', { deadline: 5_000 }), limiter.acquire('k', { deadline: 5_000 })]);
    expect(results.map((r) => r.waitedMs)).toEqual([500, 1000]);
    expect(waits).toEqual([500, 1000]);
    expect(limiter.totalWaitMs).toBe(1500);
    expect(limiter.waits).toBe(2);
    // A third caller whose token would be ready after its deadline is refused, reserving nothing.
    await expect(limiter.acquire('k', { deadline: 1_200 })).rejects.toMatchObject({ retryAfterSeconds: 2 });
    expect(limiter.available('k')).toBe(-2);
  });

  it('bounds the wait by maxWaitMs when no deadline is given', async () => {
    const { limiter } = setup({ limit: 1, windowMs: 60_000, maxWaitMs: 1_000 });
    await limiter.acquire('k');
    await expect(limiter.acquire('k')).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('refills over time up to the burst capacity', async () => {
    const { limiter, advance } = setup({ limit: 10, windowMs: 1_000, burst: 3 });
    expect(limiter.available('k')).toBe(3);
    for (let i = 0; i < 3; i++) await limiter.acquire('k');
    advance(200); // 2 tokens
    expect(limiter.available('k')).toBeCloseTo(2);
    advance(10_000);
    expect(limiter.available('k')).toBe(3);
  });

  it('an abort while waiting rejects with the reason and gives the reserved token back', async () => {
    const controller = new AbortController();
    let t = 0;
    const limiter = new RateLimiter({
      limit: 1,
      windowMs: 1_000,
      now: () => t,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    });
    await limiter.acquire('k');
    const waiting = limiter.acquire('k', { signal: controller.signal });
    expect(limiter.available('k')).toBe(-1);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(limiter.available('k')).toBe(0);
    expect(limiter.totalWaitMs).toBe(0);
    t = 1_000;
    expect(limiter.available('k')).toBe(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { limiter } = setup();
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(limiter.acquire('k', { signal: controller.signal })).rejects.toThrow('already');
    expect(limiter.available('k')).toBe(200);
  });
});
