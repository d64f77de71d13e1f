/**
 * Canonical JSON, request fingerprints and deterministic upstream idempotency keys.
 */
import { createHash, createHmac } from 'node:crypto';

/** Wix documents `idempotencyKey` max length 100 (Adjust; same pattern on the other mutations). */
export const MAX_UPSTREAM_KEY_LENGTH = 100;

/**
 * JSON with object keys sorted (recursively, by UTF-16 code unit), no whitespace. Follows
 * `JSON.stringify` otherwise: `toJSON` is honoured (Dates), `undefined`/function properties are
 * dropped (→ `null` in arrays), non-finite numbers become `null`. Throws `TypeError` for bigints
 * and cycles.
 */
export function canonicalJson(value: unknown): string {
  const out = encode(value, new Set());
  if (out === undefined) throw new TypeError('canonicalJson: the value has no JSON representation.');
  return out;
}

function encode(value: unknown, seen: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not JSON.');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const object = value as object;
  if (seen.has(object)) throw new TypeError('canonicalJson: cyclic value.');
  seen.add(object);
  let out: string;
  if (Array.isArray(object)) {
    out = `[${object.map((item) => encode(item, seen) ?? 'null').join(',')}]`;
  } else {
    const record = object as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const encoded = encode(record[key], seen);
      if (encoded !== undefined) parts.push(`${JSON.stringify(key)}:${encoded}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(object);
  return out;
}

/** sha256 (hex) of the canonical JSON of the validated input. */
export function fingerprint(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

/**
 * `HMAC-SHA256(secret, scope|operation|key)` as hex (64 chars, under Wix's 100), so every resend
 * of one logical operation carries the same upstream key and keys of different callers never
 * collide. The three parts are joined as a JSON array, so no separator inside a part is ambiguous.
 */
export function upstreamIdempotencyKey(secret: string | Buffer, scope: string, operation: string, key: string): string {
  return createHmac('sha256', secret)
    .update(JSON.stringify([scope, operation, key]))
    .digest('hex')
    .slice(0, MAX_UPSTREAM_KEY_LENGTH);
}
