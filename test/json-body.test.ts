import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CHUNK_CHARS, jsonBody, jsonPieces, WHOLE_MAX_ENTRIES } from '../src/json-body.js';

const row = (k: number) => ({
  id: `9ac00000-0000-4000-8000-${String(k).padStart(12, '0')}`,
  externalId: k % 3 === 0 ? null : `ref-${k} «é» 漢字 🎉 "quoted" \\ \n`,
  createdDate: new Date(Date.UTC(2024, 0, 1, 0, 0, k)).toISOString(),
  productInstances: [{ instanceId: `i-${k}`, status: 'ENABLED', siteId: undefined, isFloating: true }],
});

/** The bytes a client receives either way. */
const bytes = (body: string | Buffer): Buffer => (typeof body === 'string' ? Buffer.from(body) : body);

describe('jsonBody', () => {
  it('is JSON.stringify itself, as a string, while nothing within the walked levels is large', () => {
    const result = { data: { packagesById: Array.from({ length: WHOLE_MAX_ENTRIES }, (_, k) => row(k)) } };
    const body = jsonBody(result);
    expect(typeof body).toBe('string');
    expect(body).toBe(JSON.stringify(result));
  });

  it.each([
    ['a list of 1000 rows', { data: { packagesById: Array.from({ length: 1000 }, (_, k) => row(k)) } }],
    ['1000 aliases', { data: Object.fromEntries(Array.from({ length: 1000 }, (_, k) => [`p${k}`, row(k)])) }],
    ['1000 nulls and an extension', { data: { packagesById: Array.from({ length: 1000 }, () => null) }, extensions: { cost: 3 } }],
    [
      'errors with toJSON, undefined members, holes, functions, symbols, NaN, dates and a __proto__ alias',
      {
        errors: Array.from({ length: 300 }, (_, k) => new GraphQLError(`failed ${k}`, { path: ['packagesById', k], extensions: { code: 'UPSTREAM_BAD_RESPONSE' } })),
        data: {
          // eslint-disable-next-line no-sparse-arrays
          odd: [undefined, () => 1, Symbol('s'), Number.NaN, Infinity, , new Date(0), 'x'],
          list: Array.from({ length: 400 }, (_, k) => (k % 2 ? row(k) : undefined)),
          skipped: undefined,
          fn: () => 1,
          ...Object.defineProperty({}, '__proto__', { value: { alias: true }, enumerable: true }),
        },
      },
    ],
  ])('writes what JSON.stringify writes for %s, byte for byte', (_name, result) => {
    const body = jsonBody(result);
    expect(bytes(body).equals(Buffer.from(JSON.stringify(result)))).toBe(true);
    expect(JSON.parse(bytes(body).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it('answers a Buffer when the text took more than one piece', () => {
    expect(Buffer.isBuffer(jsonBody({ data: { packagesById: Array.from({ length: 1000 }, (_, k) => row(k)) } }))).toBe(true);
    // 1000 nulls are large by count but one piece of text.
    expect(jsonBody({ data: { packagesById: Array.from({ length: 1000 }, () => null) } })).toBe(JSON.stringify({ data: { packagesById: Array.from({ length: 1000 }, () => null) } }));
  });

  it('keeps every piece under the size V8 moves to its large object space', () => {
    const result = { data: { packagesById: Array.from({ length: 5000 }, (_, k) => row(k)) } };
    const pieces = jsonPieces(result);
    const longestRow = Math.max(...result.data.packagesById.map((r) => JSON.stringify(r).length));
    expect(pieces.length).toBeGreaterThan(10);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(CHUNK_CHARS + longestRow);
    expect(pieces.join('')).toBe(JSON.stringify(result));
  });
});
