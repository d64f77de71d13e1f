import { describe, expect, it } from 'vitest';
import {
  MAX_UPSTREAM_KEY_LENGTH,
  canonicalJson,
  fingerprint,
  upstreamIdempotencyKey,
} from '../../src/idempotency/canonical.js';

describe('canonicalJson and fingerprint', () => {
  it('sorts keys recursively and ignores key order', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [3, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps array order and distinguishes values', () => {
    expect(fingerprint([1, 2])).not.toBe(fingerprint([2, 1]));
    expect(fingerprint({ id: 'pkg-1' })).not.toBe(fingerprint({ id: 'pkg-2' }));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: 1 }));
  });

  it('follows JSON.stringify for undefined, non-finite numbers and toJSON', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined, Number.NaN], d: new Date(0) })).toBe(
      '{"b":null,"c":[null,null],"d":"1970-01-01T00:00:00.000Z"}',
    );
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
  });

  it('rejects bigints, cycles and values with no JSON form', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(1n)).toThrow(TypeError);
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('upstreamIdempotencyKey', () => {
  it('is deterministic, secret-dependent, scoped, and fits the Wix limit', () => {
    const k = upstreamIdempotencyKey('s3cret', 'svc', 'cancelPackage', 'key-1');
    expect(k).toBe(upstreamIdempotencyKey('s3cret', 'svc', 'cancelPackage', 'key-1'));
    expect(k.length).toBeLessThanOrEqual(MAX_UPSTREAM_KEY_LENGTH);
    expect(k).not.toBe(upstreamIdempotencyKey('other', 'svc', 'cancelPackage', 'key-1'));
    expect(k).not.toBe(upstreamIdempotencyKey('s3cret', 'svc2', 'cancelPackage', 'key-1'));
    expect(k).not.toBe(upstreamIdempotencyKey('s3cret', 'svc', 'unassign', 'key-1'));
    expect(upstreamIdempotencyKey('s', 'a|b', 'c', 'd')).not.toBe(upstreamIdempotencyKey('s', 'a', 'b|c', 'd'));
  });
});
