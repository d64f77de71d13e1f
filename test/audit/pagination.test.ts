import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { MAX_PAGE_SIZE, openAuditStore } from '../../src/audit/index.js';
import type { AuditFilter, AuditIntent, AuditStore } from '../../src/audit/index.js';

const TOTAL = 257;

function intent(n: number): AuditIntent {
  return {
    requestId: `req-${n}`,
    caller: { name: n % 3 === 0 ? 'alice' : 'bot', kind: n % 3 === 0 ? 'person' : 'service' },
    operation: 'createPackage',
    upstream: 'wix',
    account: 'acc-A',
    targetIds: [`pkg-${n % 5}`],
    input: { n },
  };
}

describe('keyset pagination', () => {
  let store: AuditStore;
  let now = Date.parse('2025-06-01T00:00:00.000Z');
  /** Operation ids, newest first. */
  const newestFirst: string[] = [];

  beforeAll(() => {
    store = openAuditStore({ path: ':memory:', clock: () => new Date(now) });
    for (let n = 0; n < TOTAL; n++) {
      // Three records per millisecond: ties on the timestamp must not lose or repeat records.
      if (n % 3 === 0) now += 1;
      newestFirst.unshift(store.recordIntent(intent(n)));
    }
  });
  afterAll(() => store.close());

  function walk(first: number, filter: AuditFilter = {}): string[] {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const page = store.query(filter, { first, after });
      seen.push(...page.edges.map((edge) => edge.node.id));
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      if (!page.pageInfo.hasNextPage) return seen;
      expect(page.edges).toHaveLength(Math.min(first, MAX_PAGE_SIZE));
      after = page.pageInfo.endCursor;
    }
    throw new Error('pagination did not end');
  }

  it.each([1, 7, 50, 100, 256, 257])('walks every record exactly once, in order, with first = %i', (first) => {
    expect(walk(first)).toEqual(newestFirst);
  });

  it('walks a filtered list without gaps or duplicates', () => {
    const expected = newestFirst.filter((_, index) => (TOTAL - 1 - index) % 5 === 2);
    expect(walk(4, { targetId: 'pkg-2' })).toEqual(expected);
    const alice = walk(9, { caller: 'alice' });
    expect(alice).toHaveLength(Math.ceil(TOTAL / 3));
    expect(new Set(alice).size).toBe(alice.length);
  });

  it('caps first at 100 and defaults to 20', () => {
    expect(store.query({}, { first: 1000 }).edges).toHaveLength(MAX_PAGE_SIZE);
    expect(store.query().edges).toHaveLength(20);
    expect(store.query({}, { first: 0 }).edges).toHaveLength(0);
  });

  it('is stable while new records arrive between pages', () => {
    const first = store.query({}, { first: 10 });
    store.recordIntent(intent(9999));
    const second = store.query({}, { first: 10, after: first.pageInfo.endCursor });
    expect(second.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(10, 20));
  });

  it('rejects a cursor it did not make, and a negative first', () => {
    expect(() => store.query({}, { after: 'bm90LWEtY3Vyc29y' })).toThrow(InvalidInputError);
    expect(() => store.query({}, { after: '!!' })).toThrow(InvalidInputError);
    expect(() => store.query({}, { first: -1 })).toThrow(InvalidInputError);
    expect(() => store.query({}, { first: 1.5 })).toThrow(InvalidInputError);
  });
});
