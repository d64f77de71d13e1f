import { describe, expect, it } from 'vitest';
import { CallerRateLimitedError } from '../../src/errors.js';
import { CallerWixShare, UpstreamCallBudget } from '../../src/security/limits.js';

function share(perMinute: number) {
  let t = 0;
  return { share: new CallerWixShare(perMinute, () => t), advance: (ms: number) => (t += ms) };
}

function refusal(take: () => void): unknown {
  try {
    take();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('CallerWixShare', () => {
  it('lets a caller make half its share at once, then one call per 60/share seconds; past that RATE_LIMITED with the wait', () => {
    const { share: wix, advance } = share(4);
    wix.take('service:billing');
    wix.take('service:billing');
    const refused = refusal(() => wix.take('service:billing'));
    expect(refused).toBeInstanceOf(CallerRateLimitedError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', upstream: 'wix', retryable: true, details: { retryAfterSeconds: 15 } });
    expect((refused as Error).message).toBe('You have used your share of Wix calls (4 a minute), so this call was not made; try again in 15 s.');
    // Another caller has a share of its own.
    wix.take('person:alice');
    advance(15_000);
    wix.take('service:billing');
    expect(refusal(() => wix.take('service:billing'))).toBeInstanceOf(CallerRateLimitedError);
  });

  it('an idle caller makes at most one and a half shares in its first minute', () => {
    const { share: wix, advance } = share(100);
    let made = 0;
    for (let second = 0; second < 60; second++) {
      for (;;) {
        if (refusal(() => wix.take('service:script')) !== undefined) break;
        made++;
      }
      advance(1_000);
    }
    expect(made).toBeGreaterThanOrEqual(140);
    expect(made).toBeLessThanOrEqual(150);
  });
});

describe('UpstreamCallBudget with a share', () => {
  it("asks the share for Wix calls only, while it counts; a refused call is not made", () => {
    const { share: wix } = share(1);
    const budget = new UpstreamCallBudget(10, { wixShare: { share: wix, caller: 'service:a' } });
    budget.take('wix');
    expect(refusal(() => budget.take('wix'))).toBeInstanceOf(CallerRateLimitedError);
    budget.take('plesk');
    expect(budget.made).toBe(2);
    budget.stopCounting();
    budget.take('wix');
    expect(budget.made).toBe(3);
  });
});
