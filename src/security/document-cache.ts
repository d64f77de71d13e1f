/**
 * The parsed-document cache, bounded by the memory it holds. yoga keeps every document it parses
 * for reuse, keyed by its text, up to 1024 of them for an hour whatever their size; so does it keep
 * the parse errors, keyed by the text that failed. A parsed document holds its whole token list
 * through its locations, about 290 bytes a token (measured: a document of 4866 tokens took 1.42 MB
 * of heap), so 1024 documents just under the token limit came to 1.5 GB, which any authenticated
 * caller could fill by sending distinct documents. Here both caches count estimated bytes, and the
 * least recently used documents make room. The validation cache is keyed by the document object, so
 * it lets go of what this cache drops.
 */
import type { DocumentNode, Token } from 'graphql';
import { LRUCache } from 'lru-cache';

/** Estimated heap per token of a cached document (AST, locations, the token list itself). */
export const BYTES_PER_TOKEN = 300;
/** yoga's own expiry: a document unused for an hour is dropped. */
const TTL_MS = 60 * 60 * 1000;
/** A cached parse error: the error object, its location and its message, besides its key. */
const ERROR_OVERHEAD_BYTES = 1024;

/** Tokens the lexer produced for a document, comments included (they are in the list it keeps). */
export function tokenCount(document: DocumentNode): number {
  let count = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) count++;
  return count;
}

/** What a cached document is estimated to hold: its tokens' share, plus its text (the cache key). */
export function documentBytes(document: DocumentNode, text: string): number {
  return Math.max(1, tokenCount(document) * BYTES_PER_TOKEN + text.length);
}

export interface DocumentCaches {
  documentCache: LRUCache<string, DocumentNode>;
  errorCache: LRUCache<string, object>;
  validationCache: true;
}

/**
 * Caches for yoga's `parserAndValidationCache`: documents within `maxBytes`, parse errors within a
 * sixteenth of it (a failed document costs its text; repeated failures are rarer than repeated
 * operations). A document larger than its cache's whole budget is not kept, only parsed.
 */
export function documentCaches(maxBytes: number): DocumentCaches {
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      maxSize: maxBytes,
      sizeCalculation: documentBytes,
      ttl: TTL_MS,
    }),
    errorCache: new LRUCache<string, object>({
      maxSize: Math.max(1, Math.floor(maxBytes / 16)),
      sizeCalculation: (_error, text) => text.length + ERROR_OVERHEAD_BYTES,
      ttl: TTL_MS,
    }),
    validationCache: true,
  };
}
