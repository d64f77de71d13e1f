import { afterEach, describe, expect, it } from 'vitest';
import { AuditSequenceError, openAuditStore } from '../../src/audit/index.js';
import type { AuditIntent, AuditStore } from '../../src/audit/index.js';

const intent: AuditIntent = {
  requestId: 'req-1',
  caller: { name: 'billing-bot', kind: 'service' },
  operation: 'createPackage',
  upstream: 'wix',
  account: 'acc00000-0000-4000-8000-000000000002',
  targetIds: ['pkg-1', 'inst-1'],
  input: { productIds: ['p1'], note: 'hello' },
  idempotencyKey: 'idem-1',
};

describe('recording intents and outcomes', () => {
  let store: AuditStore;
  let now = Date.parse('2025-03-01T10:00:00.000Z');
  afterEach(() => store.close());

  function open(): AuditStore {
    store = openAuditStore({ path: ':memory:', clock: () => new Date(now) });
    return store;
  }

  it('joins an intent and its outcome into one record', () => {
    open();
    const id = store.recordIntent(intent);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    now += 1234;
    store.recordOutcome(id, { outcome: 'success', upstreamRequestId: 'wix-req-9', durationMs: 1233.6 });

    const page = store.query();
    expect(page.edges).toHaveLength(1);
    expect(page.edges[0]?.node).toEqual({
      id,
      startedAt: '2025-03-01T10:00:00.000Z',
      requestId: 'req-1',
      caller: { name: 'billing-bot', kind: 'service' },
      operation: 'createPackage',
      upstream: 'wix',
      account: 'acc00000-0000-4000-8000-000000000002',
      targetIds: ['pkg-1', 'inst-1'],
      input: { productIds: ['p1'], note: 'hello' },
      idempotencyKey: 'idem-1',
      outcome: 'success',
      errorCode: null,
      upstreamRequestId: 'wix-req-9',
      durationMs: 1234,
      finishedAt: '2025-03-01T10:00:01.234Z',
    });
    expect(store.get(id)).toEqual(page.edges[0]?.node);
  });

  it('records error and denied outcomes with their codes', () => {
    open();
    const failed = store.recordIntent({ ...intent, upstream: 'plesk', account: 'plesk-1', idempotencyKey: undefined });
    store.recordOutcome(failed, { outcome: 'error', errorCode: 'UPSTREAM_TIMEOUT', durationMs: 10_000 });
    const denied = store.recordIntent({ ...intent, caller: { name: 'alice', kind: 'person' } });
    store.recordOutcome(denied, { outcome: 'denied', errorCode: 'PERMISSION_DENIED', durationMs: 0 });

    expect(store.get(failed)).toMatchObject({ upstream: 'plesk', account: 'plesk-1', idempotencyKey: null, outcome: 'error', errorCode: 'UPSTREAM_TIMEOUT', durationMs: 10_000 });
    expect(store.get(denied)).toMatchObject({ caller: { name: 'alice', kind: 'person' }, outcome: 'denied', errorCode: 'PERMISSION_DENIED', durationMs: 0 });
  });

  it('shows an operation without an outcome as in flight', () => {
    open();
    const id = store.recordIntent(intent);
    expect(store.get(id)).toMatchObject({ id, outcome: null, errorCode: null, upstreamRequestId: null, durationMs: null, finishedAt: null });
    expect(store.query().edges.map((edge) => edge.node.outcome)).toEqual([null]);
  });

  it('stores an absent input as null and keeps target ids in the given order', () => {
    open();
    const id = store.recordIntent({ ...intent, input: undefined, targetIds: ['b', 'a', 'b'] });
    expect(store.get(id)).toMatchObject({ input: null, targetIds: ['b', 'a', 'b'] });
    expect(store.historyOf('b').edges).toHaveLength(1);
  });

  it('rejects an outcome for an unknown operation and a second outcome', () => {
    open();
    expect(() => store.recordOutcome('no-such-id', { outcome: 'success', durationMs: 1 })).toThrow(AuditSequenceError);
    const id = store.recordIntent(intent);
    store.recordOutcome(id, { outcome: 'success', durationMs: 1 });
    expect(() => store.recordOutcome(id, { outcome: 'error', errorCode: 'X', durationMs: 2 })).toThrow(AuditSequenceError);
    expect(store.get(id)?.outcome).toBe('success');
    expect(store.get('no-such-id')).toBeUndefined();
  });
});
