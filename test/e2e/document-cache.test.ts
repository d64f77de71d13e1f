/**
 * The parsed-document cache over HTTP: distinct documents cannot make it hold more than its budget,
 * a repeated document is served from it, and a document too large to keep is still answered.
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentBytes } from '../../src/security/document-cache.js';
import { startStack, type Stack } from '../support/stack.js';

function document(name: string, aliases: number): string {
  return `query ${name} { ${Array.from({ length: aliases }, (_, i) => `a${i}: __typename`).join(' ')} }`;
}

const ONE = documentBytes(parse(document('Q00', 60)), document('Q00', 60));
const BUDGET = 3 * ONE + 100;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ limits: { documentCacheBytes: BUDGET } });
});
afterAll(() => stack.close());

describe('the parsed-document cache', () => {
  it('holds no more than its budget, however many distinct documents arrive', async () => {
    const { documentCache } = stack.gateway.documentCaches;
    for (let i = 10; i < 40; i++) {
      const res = await stack.gql(document(`Q${i}`, 60));
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.a59).toBe('Query');
      expect(documentCache.calculatedSize).toBeLessThanOrEqual(BUDGET);
    }
    expect(documentCache.size).toBe(3);
    expect(documentCache.has(document('Q39', 60))).toBe(true);
    expect(documentCache.has(document('Q10', 60))).toBe(false);
  });

  it('serves a repeated document from the cache, without parsing it again', async () => {
    const { documentCache } = stack.gateway.documentCaches;
    const text = document('Q39', 60);
    const cached = documentCache.peek(text);
    expect(cached).toBeDefined();
    const res = await stack.gql(text);
    expect(res.body.data.a0).toBe('Query');
    expect(documentCache.peek(text)).toBe(cached);
  });

  it('answers a document too large to keep, and keeps the others', async () => {
    const { documentCache } = stack.gateway.documentCaches;
    const big = document('Big', 400);
    const res = await stack.gql(big);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.a399).toBe('Query');
    expect(documentCache.has(big)).toBe(false);
    expect(documentCache.has(document('Q39', 60))).toBe(true);
  });
});
