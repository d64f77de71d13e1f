import { describe, expect, it } from 'vitest';
import { TooManyUpstreamCallsError } from '../../src/errors.js';
import { UpstreamCallBudget } from '../../src/security/limits.js';

describe('UpstreamCallBudget', () => {
  it('lets `limit` calls through, then refuses each further call, naming the limit and the upstream', () => {
    const budget = new UpstreamCallBudget(2);
    budget.take('wix');
    budget.take('plesk');
    for (const upstream of ['wix', 'plesk'] as const) {
      let refusal: unknown;
      try {
        budget.take(upstream);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(TooManyUpstreamCallsError);
      expect(refusal).toMatchObject({ code: 'TOO_MANY_UPSTREAM_CALLS', limit: 2, upstream });
    }
  });

  it('tells of the first refusal only', () => {
    const spent: number[] = [];
    const budget = new UpstreamCallBudget(1, { onRefused: (refusal) => spent.push((refusal as TooManyUpstreamCallsError).limit) });
    budget.take('wix');
    expect(spent).toEqual([]);
    for (let k = 0; k < 3; k++) expect(() => budget.take('wix')).toThrow(TooManyUpstreamCallsError);
    expect(spent).toEqual([1]);
  });

  it('lets every call through once it stops counting, also when already spent', () => {
    const budget = new UpstreamCallBudget(1);
    budget.take('wix');
    budget.stopCounting();
    for (let k = 0; k < 5; k++) budget.take('wix');
    expect(budget.made).toBe(6);
  });

  it('counts the calls it let through, not the refused ones', () => {
    const budget = new UpstreamCallBudget(2);
    expect(budget.made).toBe(0);
    budget.take('plesk');
    budget.take('plesk');
    expect(() => budget.take('plesk')).toThrow(TooManyUpstreamCallsError);
    expect(budget.made).toBe(2);
  });
});
