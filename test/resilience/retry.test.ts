import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { isRetryableReadError, retryAfterHint, retryRead } from '../../src/resilience/retry.js';
import type { RetryInfo, RetryReadOptions } from '../../src/resilience/retry.js';
import { UpstreamTransportError } from '../../src/upstreams/http.js';

/** A fake clock whose sleep advances time instantly and records every delay. */
function fakeTime(start = 0) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleeps,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(`HTTP ${status}`);
  }
}

function failing(errors: unknown[], result = 'ok') {
  const calls: number[] = [];
  const attempt = async (n: number) => {
    calls.push(n);
    const error = errors[n - 1];
    if (error !== undefined) throw error;
    return result;
  };
  return { attempt, calls };
}

function opts(time: ReturnType<typeof fakeTime>, extra: RetryReadOptions = {}): RetryReadOptions {
  return { now: time.now, sleep: time.sleep, random: () => 0.5, ...extra };
}

describe('retryRead', () => {
  it("by default (the README's faults table): 3 attempts, full jitter from 100 ms capped at 2 s, Retry-After honoured up to 5 s", async () => {
    // random() near 1: each delay is its whole jitter range.
    const time = fakeTime();
    const { attempt, calls } = failing([new HttpError(503), new HttpError(503), new HttpError(503)]);
    await expect(retryRead(attempt, { now: time.now, sleep: time.sleep, random: () => 0.999999, shouldRetry: () => true })).rejects.toThrow('HTTP 503');
    expect(calls).toEqual([1, 2, 3]);
    expect(time.sleeps.map(Math.round)).toEqual([100, 200]);

    const capped = fakeTime();
    const many = failing(Array.from({ length: 7 }, () => new HttpError(503)));
    await expect(retryRead(many.attempt, { now: capped.now, sleep: capped.sleep, random: () => 0.999999, shouldRetry: () => true, maxAttempts: 7 })).rejects.toThrow();
    expect(capped.sleeps.map(Math.round)).toEqual([100, 200, 400, 800, 1600, 2000]);

    const hinted = (seconds: number) => {
      const t = fakeTime();
      const run = failing([new HttpError(429, seconds)]);
      return retryRead(run.attempt, { now: t.now, sleep: t.sleep, shouldRetry: () => true, retryAfterSeconds: (e) => (e as HttpError).retryAfterSeconds }).then(
        () => t.sleeps,
        () => 'gave up',
      );
    };
    expect(await hinted(5)).toEqual([5000]);
    expect(await hinted(6)).toBe('gave up');
  });

  it('returns the first success without sleeping', async () => {
    const time = fakeTime();
    const { attempt, calls } = failing([]);
    await expect(retryRead(attempt, opts(time))).resolves.toBe('ok');
    expect(calls).toEqual([1]);
    expect(time.sleeps).toEqual([]);
  });

  it('retries a 5xx read twice (3 attempts in all) with full-jitter exponential backoff, then rethrows', async () => {
    const time = fakeTime();
    const errors = [new HttpError(503), new HttpError(500), new HttpError(502)];
    const { attempt, calls } = failing(errors);
    const retries: RetryInfo[] = [];
    await expect(retryRead(attempt, opts(time, { onRetry: (i) => retries.push(i) }))).rejects.toBe(errors[2]);
    expect(calls).toEqual([1, 2, 3]);
    // random() = 0.5: 0.5 * min(2000, 100 * 2^0), 0.5 * min(2000, 100 * 2^1)
    expect(time.sleeps).toEqual([50, 100]);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 50, error: errors[0] },
      { attempt: 2, delayMs: 100, error: errors[1] },
    ]);
  });

  it('caps the backoff at maxDelayMs and uses the whole jitter range', async () => {
    const time = fakeTime();
    const errors = Array.from({ length: 6 }, () => new HttpError(500));
    const { attempt } = failing(errors);
    const randoms = [0, 0.999, 0.999, 0.999, 0.999];
    let i = 0;
    await expect(
      retryRead(attempt, opts(time, { maxAttempts: 6, random: () => randoms[i++] ?? 0, maxDelayMs: 300 })),
    ).rejects.toBe(errors[5]);
    expect(time.sleeps[0]).toBe(0);
    expect(time.sleeps.slice(1).map((d) => Math.round(d))).toEqual([200, 300, 300, 300]);
  });

  it('succeeds on a later attempt', async () => {
    const time = fakeTime();
    const { attempt, calls } = failing([new UpstreamTransportError('wix', 'reset')]);
    await expect(retryRead(attempt, opts(time))).resolves.toBe('ok');
    expect(calls).toEqual([1, 2]);
  });

  it('never retries business errors (404, 428) or unknown errors', async () => {
    for (const error of [new HttpError(404), new HttpError(428), new Error('bug'), 'string']) {
      const time = fakeTime();
      const { attempt, calls } = failing([error]);
      await expect(retryRead(attempt, opts(time))).rejects.toBe(error);
      expect(calls).toEqual([1]);
    }
  });

  it('honours a Retry-After hint exactly (no jitter) within the cap', async () => {
    const time = fakeTime();
    const { attempt, calls } = failing([new HttpError(429, 1)]);
    await expect(retryRead(attempt, opts(time, { deadline: 10_000 }))).resolves.toBe('ok');
    expect(calls).toEqual([1, 2]);
    expect(time.sleeps).toEqual([1000]);
  });

  it('gives up at once on a hint above maxRetryAfterSeconds (no shortened retry)', async () => {
    const time = fakeTime();
    const error = new HttpError(429, 120);
    const { attempt, calls } = failing([error]);
    await expect(retryRead(attempt, opts(time))).rejects.toBe(error);
    expect(calls).toEqual([1]);
    expect(time.sleeps).toEqual([]);
  });

  it('gives up at once when the hint would reach the deadline', async () => {
    const time = fakeTime();
    const error = new HttpError(429, 2);
    const { attempt, calls } = failing([error]);
    await expect(retryRead(attempt, opts(time, { deadline: 1_500 }))).rejects.toBe(error);
    expect(calls).toEqual([1]);
    expect(time.sleeps).toEqual([]);
  });

  it('gives up at once when the backoff would reach the deadline, and never sleeps past it', async () => {
    const time = fakeTime();
    const errors = [new HttpError(500), new HttpError(500)];
    const attempt = async (n: number) => {
      time.advance(70); // each attempt takes 70 ms
      throw errors[n - 1];
    };
    // deadline 150: attempt 1 ends at 70, sleeps 50 (< 80 left); attempt 2 ends at 190 > deadline.
    await expect(retryRead(attempt, opts(time, { deadline: 150 }))).rejects.toBe(errors[1]);
    expect(time.sleeps).toEqual([50]);
    expect(time.now()).toBeLessThanOrEqual(190);
  });

  it('ignores garbage or negative hints and falls back to jittered backoff', async () => {
    for (const hint of [Number.NaN, -3, Infinity]) {
      const time = fakeTime();
      const { attempt } = failing([new HttpError(429, hint)]);
      await expect(retryRead(attempt, opts(time))).resolves.toBe('ok');
      expect(time.sleeps).toEqual([50]);
    }
  });

  it('stops when the signal aborts during the backoff and rethrows the attempt error', async () => {
    const controller = new AbortController();
    const error = new HttpError(503);
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw error;
    };
    const sleep = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
        controller.abort(new Error('client left'));
      });
    await expect(retryRead(attempt, { sleep, signal: controller.signal })).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('does not retry once the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const time = fakeTime();
    const { attempt, calls } = failing([new HttpError(503)]);
    await expect(retryRead(attempt, opts(time, { signal: controller.signal }))).rejects.toBeInstanceOf(HttpError);
    expect(calls).toEqual([1]);
  });

  it('uses an injected classifier and hint extractor (custom client error types)', async () => {
    class PleskLike extends Error {
      constructor(readonly transient: boolean) {
        super('plesk');
      }
    }
    const time = fakeTime();
    const { attempt, calls } = failing([new PleskLike(true), new PleskLike(false)]);
    await expect(
      retryRead(
        attempt,
        opts(time, {
          shouldRetry: (e) => e instanceof PleskLike && e.transient,
          retryAfterSeconds: () => 0.25,
        }),
      ),
    ).rejects.toBeInstanceOf(PleskLike);
    expect(calls).toEqual([1, 2]);
    expect(time.sleeps).toEqual([250]);
  });
});

describe('isRetryableReadError', () => {
  it('classifies transport failures', () => {
    expect(isRetryableReadError(new UpstreamTransportError('wix', 'connect'))).toBe(true);
    expect(isRetryableReadError(new UpstreamTransportError('wix', 'reset'))).toBe(true);
    expect(isRetryableReadError(new UpstreamTransportError('plesk', 'timeout'))).toBe(true);
    expect(isRetryableReadError(new UpstreamTransportError('wix', 'too-large'))).toBe(false);
    expect(isRetryableReadError(new UpstreamTransportError('wix', 'aborted'))).toBe(false);
  });

  it('classifies HTTP statuses, mapped upstream errors and raw socket errors', () => {
    expect(isRetryableReadError(new HttpError(500))).toBe(true);
    expect(isRetryableReadError(new HttpError(504))).toBe(true);
    expect(isRetryableReadError(new HttpError(429))).toBe(true);
    expect(isRetryableReadError(new HttpError(404))).toBe(false);
    expect(isRetryableReadError(new HttpError(428))).toBe(false);
    expect(isRetryableReadError(new HttpError(401))).toBe(false);
    expect(isRetryableReadError(new UpstreamError('UPSTREAM_UNAVAILABLE', 'wix', { status: 503 }))).toBe(true);
    expect(isRetryableReadError(new UpstreamError('UPSTREAM_REJECTED', 'wix', { status: 400 }))).toBe(false);
    expect(isRetryableReadError(new UpstreamError('UPSTREAM_TIMEOUT', 'plesk'))).toBe(true);
    expect(isRetryableReadError(new UpstreamError('UPSTREAM_AUTH', 'wix'))).toBe(false);
    expect(isRetryableReadError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableReadError(Object.assign(new Error('x'), { code: 'OVERLOADED' }))).toBe(false);
    expect(isRetryableReadError(null)).toBe(false);
  });

  it('reads retryAfterSeconds from the error or its details', () => {
    expect(retryAfterHint(new HttpError(429, 3))).toBe(3);
    expect(retryAfterHint(new UpstreamError('RATE_LIMITED', 'wix', { retryAfterSeconds: 7 }))).toBe(7);
    expect(retryAfterHint(new Error('x'))).toBeUndefined();
  });
});
