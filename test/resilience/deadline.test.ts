import { describe, expect, it } from 'vitest';
import { abortReason, deadlineFrom, remaining, sleep, timeLeft } from '../../src/resilience/deadline.js';

describe('deadline helpers', () => {
  it('deadlineFrom and remaining use the injected clock and never go negative', () => {
    let t = 1_000;
    const now = () => t;
    const deadline = deadlineFrom(500, now);
    expect(deadline).toBe(1_500);
    expect(remaining(deadline, now)).toBe(500);
    t = 1_400;
    expect(remaining(deadline, now)).toBe(100);
    t = 2_000;
    expect(remaining(deadline, now)).toBe(0);
    expect(remaining(undefined, now)).toBe(Infinity);
  });

  it('timeLeft is 0 once the signal aborted, Infinity with no bound', () => {
    const controller = new AbortController();
    expect(timeLeft({})).toBe(Infinity);
    expect(timeLeft({ signal: controller.signal, deadline: 50 }, () => 0)).toBe(50);
    controller.abort();
    expect(timeLeft({ signal: controller.signal, deadline: 50 }, () => 0)).toBe(0);
  });

  it('sleep resolves, and resolves at once for 0', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    await expect(sleep(0)).resolves.toBeUndefined();
  });

  it('sleep rejects with the abort reason when aborted while sleeping or before', async () => {
    const controller = new AbortController();
    const reason = new Error('gone');
    const pending = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(sleep(0, controller.signal)).rejects.toBe(reason);
  });

  it('abortReason falls back to an AbortError', () => {
    const signal = { aborted: true, reason: undefined } as unknown as AbortSignal;
    expect((abortReason(signal) as Error).name).toBe('AbortError');
  });
});
