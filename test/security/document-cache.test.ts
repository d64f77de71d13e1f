import { Lexer, parse, Source, TokenKind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { BYTES_PER_TOKEN, documentBytes, documentCaches, tokenCount } from '../../src/security/document-cache.js';

/** A distinct document of `aliases` aliased fields: 3 tokens each, plus the operation's own. */
function document(name: string, aliases: number): string {
  return `query ${name} { ${Array.from({ length: aliases }, (_, i) => `a${i}: __typename`).join(' ')} }`;
}

/** graphql-js's lexer, run to the end: every token it makes, <SOF> and <EOF> included. */
function lexedTokens(text: string): number {
  const lexer = new Lexer(new Source(text));
  let count = 1;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count + 1;
}

describe('the estimate of a cached document', () => {
  it('counts the tokens the parsed document keeps, as the lexer makes them', () => {
    for (const text of ['{ a }', document('Q', 10), 'query Q($id: ID!) { package(id: $id) { id ...F } } fragment F on Package { externalId }']) {
      expect(tokenCount(parse(text))).toBe(lexedTokens(text));
    }
    expect(tokenCount(parse('{ a }'))).toBe(5);
  });

  it('is its tokens at BYTES_PER_TOKEN plus its text', () => {
    const text = document('Q', 100);
    expect(documentBytes(parse(text), text)).toBe(tokenCount(parse(text)) * BYTES_PER_TOKEN + text.length);
  });

  it('still counts the text of a document parsed without locations', () => {
    const text = '{ a }';
    expect(documentBytes(parse(text, { noLocation: true }), text)).toBe(text.length);
  });
});

describe('documentCaches', () => {
  it('keeps documents within the budget, dropping the least recently used', () => {
    const one = documentBytes(parse(document('Q0', 50)), document('Q0', 50));
    const { documentCache } = documentCaches(3 * one + one / 2);
    const texts = Array.from({ length: 10 }, (_, i) => document(`Q${i}`, 50));
    for (const [i, text] of texts.entries()) {
      documentCache.set(text, parse(text));
      // Q0 is read after each insertion, so it stays the most recently used.
      if (i > 0) expect(documentCache.get(texts[0]!)).toBeDefined();
      expect(documentCache.calculatedSize).toBeLessThanOrEqual(3 * one + one / 2);
    }
    expect([...documentCache.keys()].sort()).toEqual([texts[0], texts[8], texts[9]].sort());
  });

  it('does not keep a document larger than the whole budget', () => {
    const big = document('Big', 500);
    const { documentCache } = documentCaches(documentBytes(parse(big), big) - 1);
    documentCache.set(big, parse(big));
    expect(documentCache.has(big)).toBe(false);
    expect(documentCache.calculatedSize).toBe(0);
  });

  it('bounds the parse errors by the text that failed, in a sixteenth of the budget', () => {
    const { errorCache } = documentCaches(16 * 64 * 1024);
    const failed = (i: number) => `{ a${i} ${'x'.repeat(20_000)}`;
    for (let i = 0; i < 20; i++) errorCache.set(failed(i), new Error('Syntax Error'));
    expect(errorCache.calculatedSize).toBeLessThanOrEqual(64 * 1024);
    expect(errorCache.size).toBe(3);
    expect(errorCache.has(failed(19))).toBe(true);
  });
});
