import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/index.js';
import type { AuditFilter, AuditIntent, AuditStore } from '../../src/audit/index.js';

const base: AuditIntent = {
  requestId: 'r',
  caller: { name: 'billing-bot', kind: 'service' },
  operation: 'createPackage',
  upstream: 'wix',
  account: 'acc-A',
  targetIds: [],
  input: {},
};

// name -> [minute after 12:00, overrides]
const fixtures: Array<[string, number, Partial<AuditIntent>]> = [
  ['a', 0, { targetIds: ['pkg-1'] }],
  ['b', 1, { account: 'acc-B', targetIds: ['pkg-2'] }],
  ['c', 2, { caller: { name: 'alice', kind: 'person' }, operation: 'cancelPackage', targetIds: ['pkg-1', 'inst-1'] }],
  ['d', 3, { upstream: 'plesk', account: 'plesk-1', operation: 'createSubscription', targetIds: ['sub-1'] }],
  ['e', 4, { caller: { name: 'alice', kind: 'person' }, account: 'acc-B', targetIds: ['inst-1'] }],
  ['f', 5, { operation: 'cancelPackage', targetIds: ['pkg-3', 'inst-3'] }],
];

describe('query filters', () => {
  let store: AuditStore;
  const ids = new Map<string, string>();
  let now = 0;

  beforeAll(() => {
    store = openAuditStore({ path: ':memory:', clock: () => new Date(now) });
    for (const [name, minute, overrides] of fixtures) {
      now = Date.parse('2025-05-01T12:00:00.000Z') + minute * 60_000;
      ids.set(store.recordIntent({ ...base, requestId: name, ...overrides }), name);
    }
  });
  afterAll(() => store.close());

  /** The fixture names a filter returns, in the order returned. */
  const names = (filter: AuditFilter) => store.query(filter, { first: 100 }).edges.map((edge) => ids.get(edge.node.id));

  it('returns everything newest first without a filter', () => {
    expect(names({})).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
  });

  it('filters by accountId', () => {
    expect(names({ accountId: 'acc-B' })).toEqual(['e', 'b']);
    expect(names({ accountId: 'plesk-1' })).toEqual(['d']);
    expect(names({ accountId: 'nobody' })).toEqual([]);
  });

  it('filters by targetId, one or any of several', () => {
    expect(names({ targetId: 'pkg-1' })).toEqual(['c', 'a']);
    expect(names({ targetId: 'inst-1' })).toEqual(['e', 'c']);
    expect(names({ targetId: ['pkg-1', 'inst-1'] })).toEqual(['e', 'c', 'a']);
    expect(names({ targetId: ['pkg-3', 'sub-1', 'pkg-2'] })).toEqual(['f', 'd', 'b']);
    expect(names({ targetId: [] })).toEqual([]);
  });

  it('gives a package history including its instances through historyOf', () => {
    expect(store.historyOf(['pkg-1', 'inst-1']).edges.map((edge) => ids.get(edge.node.id))).toEqual(['e', 'c', 'a']);
    expect(store.historyOf('pkg-2').edges.map((edge) => edge.node.requestId)).toEqual(['b']);
  });

  it('filters by caller name', () => {
    expect(names({ caller: 'alice' })).toEqual(['e', 'c']);
    expect(names({ caller: 'billing-bot' })).toEqual(['f', 'd', 'b', 'a']);
  });

  it('filters by operation', () => {
    expect(names({ operation: 'cancelPackage' })).toEqual(['f', 'c']);
    expect(names({ operation: 'createSubscription' })).toEqual(['d']);
  });

  it('filters by since (inclusive), given as a Date or a string', () => {
    expect(names({ since: new Date('2025-05-01T12:03:00.000Z') })).toEqual(['f', 'e', 'd']);
    expect(names({ since: '2025-05-01T14:02:59+02:00' })).toEqual(['f', 'e', 'd']);
  });

  it('filters by until (exclusive)', () => {
    expect(names({ until: '2025-05-01T12:02:00.000Z' })).toEqual(['b', 'a']);
    expect(names({ until: new Date('2025-05-01T12:02:00.001Z') })).toEqual(['c', 'b', 'a']);
  });

  it('combines filters with AND', () => {
    expect(names({ caller: 'alice', accountId: 'acc-B' })).toEqual(['e']);
    expect(names({ operation: 'cancelPackage', targetId: ['pkg-1', 'pkg-3'], since: '2025-05-01T12:03:00Z' })).toEqual(['f']);
    expect(names({ accountId: 'acc-A', since: '2025-05-01T12:01:00Z', until: '2025-05-01T12:05:00Z' })).toEqual(['c']);
    expect(names({ caller: 'billing-bot', targetId: 'inst-1' })).toEqual([]);
  });

  it('rejects an unreadable date', () => {
    expect(() => store.query({ since: 'yesterday' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
