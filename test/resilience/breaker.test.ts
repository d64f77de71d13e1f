import { describe, expect, it } from 'vitest';
import { BreakerOpenError, CircuitBreaker } from '../../src/resilience/breaker.js';
import type { BreakerStateChange } from '../../src/resilience/breaker.js';

class Http extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}
const serverFailure = (e: unknown) => e instanceof Http && e.status >= 500;
const fail = (status: number) => () => Promise.reject(new Http(status));
const ok = () => Promise.resolve('ok');

function setup(options: { failureThreshold?: number; openMs?: number } = {}) {
  let t = 0;
  const changes: BreakerStateChange[] = [];
  const breaker = new CircuitBreaker({ name: 'wix', now: () => t, onStateChange: (c) => changes.push(c), ...options });
  return {
    breaker,
    changes,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

async function failTimes(breaker: CircuitBreaker, n: number, status = 503) {
  for (let i = 0; i < n; i++) await expect(breaker.run(fail(status), serverFailure)).rejects.toBeInstanceOf(Http);
}

describe('CircuitBreaker', () => {
  it('opens after 5 consecutive counted failures (default) and then fails fast without calling', async () => {
    const { breaker, changes } = setup();
    await failTimes(breaker, 4);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(changes.map((c) => [c.from, c.to])).toEqual([['closed', 'open']]);
    let called = false;
    const error = await breaker
      .run(async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error).toMatchObject({ breaker: 'wix', state: 'open', retryAfterMs: 15_000 });
  });

  it('a success resets the streak: only CONSECUTIVE failures count', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 4);
    await breaker.run(ok);
    await failTimes(breaker, 4);
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().consecutiveFailures).toBe(4);
  });

  it('business errors (404, 428) never count and reset the streak', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 4);
    await failTimes(breaker, 10, 404);
    await failTimes(breaker, 10, 428);
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().consecutiveFailures).toBe(0);
  });


  it('half-open: one probe at a time, others rejected at once; probe success → closed', async () => {
    const { breaker, changes, advance } = setup();
    await failTimes(breaker, 5);
    advance(14_999);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');

    let finishProbe!: (v: string) => void;
    let probeCalls = 0;
    const probe = breaker.run(
      () =>
        new Promise<string>((resolve) => {
          probeCalls++;
          finishProbe = resolve;
        }),
    );
    const others = await Promise.all([1, 2, 3].map(() => breaker.run(ok).catch((e: unknown) => e)));
    for (const e of others) expect(e).toMatchObject({ name: 'BreakerOpenError', state: 'half-open', retryAfterMs: 0 });
    expect(probeCalls).toBe(1);
    finishProbe('probe ok');
    await expect(probe).resolves.toBe('probe ok');
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('probe failure → open again for another openMs', async () => {
    const { breaker, changes, advance } = setup();
    await failTimes(breaker, 5);
    advance(15_000);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(breaker.snapshot().retryAfterMs).toBe(15_000);
    advance(15_000);
    expect(breaker.state).toBe('half-open');
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'open', 'half-open']);
  });

  it('a business error from the probe counts as a success (the upstream answered)', async () => {
    const { breaker, advance } = setup();
    await failTimes(breaker, 5);
    advance(15_000);
    await failTimes(breaker, 1, 404);
    expect(breaker.state).toBe('closed');
  });

  it("an 'ignore' verdict on the probe frees the probe slot without changing state", async () => {
    const { breaker, advance } = setup();
    await failTimes(breaker, 5);
    advance(15_000);
    await expect(breaker.run(fail(503), () => 'ignore')).rejects.toBeInstanceOf(Http);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('late results of calls admitted before a state change are ignored', async () => {
    const { breaker, advance } = setup({ failureThreshold: 1 });
    const slow = breaker.acquire(); // admitted while closed
    await failTimes(breaker, 1); // opens
    slow.record('success'); // must not close it
    expect(breaker.state).toBe('open');
    advance(15_000);
    const probe = breaker.acquire();
    probe.record('success');
    probe.record('failure'); // a second report is ignored
    expect(breaker.state).toBe('closed');
  });

  it('counts every error by default; listeners can be added, removed and may throw', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, now: () => 0 });
    const seen: string[] = [];
    const off = breaker.onStateChange((c) => seen.push(c.to));
    breaker.onStateChange(() => {
      throw new Error('bad listener');
    });
    await expect(breaker.run(fail(404))).rejects.toBeInstanceOf(Http);
    await expect(breaker.run(fail(404))).rejects.toBeInstanceOf(Http);
    expect(breaker.state).toBe('open');
    expect(seen).toEqual(['open']);
    off();
  });
});
