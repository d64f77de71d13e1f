import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore, isSecretKey, openDatabase, redact, REDACTED } from '../../src/audit/index.js';
import type { SqliteDatabase } from '../../src/audit/index.js';

describe('isSecretKey', () => {
  it.each([
    'password', 'newPassword', 'PASSWORD', 'passwd', 'secret', 'clientSecret', 'token', 'accessToken',
    'refresh_token', 'authorization', 'Authorization', 'key', 'apiKey', 'api_key', 'x-api-key', 'APIKEY',
    'privateKey', 'sshKeys', 'credentials',
  ])('treats %s as secret', (name) => expect(isSecretKey(name)).toBe(true));

  it.each(['idempotencyKey', 'idempotency_key', 'IdempotencyKey', 'name', 'keyword', 'monkey', 'domain', 'accountId'])(
    'keeps %s',
    (name) => expect(isSecretKey(name)).toBe(false),
  );
});

describe('redact', () => {
  it('redacts secret keys at any depth, inside arrays too, and keeps the rest', () => {
    const input = {
      name: 'site',
      password: 'hunter2',
      idempotencyKey: 'idem-1',
      nested: { apiKey: 'k', deeper: { clientSecret: { value: 's' }, ok: 1 } },
      list: [{ token: 't', id: 'a' }, 'plain', [{ authorization: 'Bearer x' }]],
    };
    expect(redact(input)).toEqual({
      name: 'site',
      password: REDACTED,
      idempotencyKey: 'idem-1',
      nested: { apiKey: REDACTED, deeper: { clientSecret: REDACTED, ok: 1 } },
      list: [{ token: REDACTED, id: 'a' }, 'plain', [{ authorization: REDACTED }]],
    });
    expect(input.password).toBe('hunter2'); // the caller's object is not changed
  });

  it('returns JSON-safe values and never throws', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: '[Circular]' });
    expect(redact({ at: new Date('2025-01-01T00:00:00Z'), big: 10n, nan: NaN, fn: () => 1, u: undefined, list: [undefined] })).toEqual({
      at: '2025-01-01T00:00:00.000Z',
      big: '10',
      nan: null,
      list: [null],
    });
    expect(redact(new Map([['token', 'x'], ['id', 'y']]))).toEqual({ token: REDACTED, id: 'y' });
  });
});

describe('the store redacts what it writes', () => {
  let db: SqliteDatabase | undefined;
  afterEach(() => db?.close());

  it('never puts a secret in the database, even in the raw column', () => {
    db = openDatabase(':memory:');
    const store = new AuditStore(db);
    const id = store.recordIntent({
      requestId: 'r',
      caller: { name: 'svc', kind: 'service' },
      operation: 'createSubscription',
      upstream: 'plesk',
      account: 'plesk-1',
      targetIds: ['sub-1'],
      input: { login: 'bob', password: 'hunter2', owner: { authToken: 'abc123' }, idempotencyKey: 'k1' },
      idempotencyKey: 'k1',
    });
    expect(store.get(id)?.input).toEqual({ login: 'bob', password: REDACTED, owner: { authToken: REDACTED }, idempotencyKey: 'k1' });
    const raw = db
      .prepare('SELECT group_concat(input) AS inputs FROM audit_event')
      .get() as { inputs: string };
    expect(raw.inputs).not.toContain('hunter2');
    expect(raw.inputs).not.toContain('abc123');
  });
});
