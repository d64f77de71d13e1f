/**
 * Trusted documents (`GATEWAY_TRUSTED_DOCUMENTS_FILE`, off by default): when a list is configured,
 * the gateway runs only the documents in it. The frontends are the gateway's own, so their
 * documents are known when they are built; a stolen token then buys the documents those frontends
 * send, not any query its role allows. Clients send a document's SHA-256 in
 * `extensions.persistedQuery.sha256Hash` (the APQ format of Apollo Client, urql and Relay), with
 * `@graphql-yoga/plugin-persisted-operations` doing the swap; the list is closed: a hash sent
 * together with a document does not add it.
 *
 * The file is a JSON object `{ "<sha256 hex>": "<document>" }` (as graphql-codegen's client preset
 * writes it) or Apollo's persisted query manifest (`{ "format": "apollo-persisted-query-manifest",
 * "operations": [{ "id", "body" }] }`). Every entry is checked at start-up: the key is the
 * document's hash, and the document parses and is valid against the schema. The request limits
 * (depth, aliases, cost, destructive mutations) apply when a document runs, as to any other.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

export type TrustedDocuments = ReadonlyMap<string, string>;

export type TrustedDocumentsResult = { ok: true; documents: TrustedDocuments } | { ok: false; problems: string[] };

const HASH = /^[0-9a-f]{64}$/;

/** Reads and checks the list; every problem is reported, each naming its entry. */
export function loadTrustedDocuments(file: string, schema: GraphQLSchema): TrustedDocumentsResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'not JSON';
    return { ok: false, problems: [`${file}: cannot be read (${why})`] };
  }
  const entries = manifestEntries(parsed);
  if (!entries) {
    return { ok: false, problems: [`${file}: must be a JSON object of "<sha256 hex>": "<document>", or an Apollo persisted query manifest`] };
  }
  const problems: string[] = [];
  const documents = new Map<string, string>();
  for (const [hash, document] of entries) {
    const where = `${file}: ${hash.slice(0, 16)}…`;
    if (!HASH.test(hash)) {
      problems.push(`${where}: the key must be a SHA-256 in lower-case hex`);
      continue;
    }
    if (typeof document !== 'string') {
      problems.push(`${where}: the document must be a string`);
      continue;
    }
    if (createHash('sha256').update(document).digest('hex') !== hash) {
      problems.push(`${where}: the key is not the SHA-256 of its document`);
      continue;
    }
    let errors: readonly { message: string }[];
    try {
      errors = validate(schema, parse(document));
    } catch (error) {
      errors = [error as Error];
    }
    if (errors.length > 0) {
      problems.push(`${where}: ${errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    documents.set(hash, document);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, documents };
}

/** The (hash, document) pairs of either file shape; undefined for anything else. */
function manifestEntries(parsed: unknown): [string, unknown][] | undefined {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const apollo = parsed as { format?: unknown; operations?: unknown };
  if (apollo.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(apollo.operations)) return undefined;
    return apollo.operations.map((operation: { id?: unknown; body?: unknown } | null) => [String(operation?.id), operation?.body]);
  }
  return Object.entries(parsed);
}

const SEND_A_HASH = 'send the SHA-256 of a trusted document as extensions.persistedQuery = { version: 1, sha256Hash }';

/** Runs only the trusted documents; anything else is refused before it is parsed. */
export function useTrustedDocuments(documents: TrustedDocuments): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => documents.get(hash) ?? null,
    allowArbitraryOperations: false,
    customErrors: {
      notFound: { message: 'This document is not in the gateway\'s list of trusted documents.', extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } },
      persistedQueryOnly: { message: `This gateway runs only its trusted documents: ${SEND_A_HASH}, not the document.`, extensions: { code: 'PERSISTED_QUERY_ONLY' } },
      keyNotFound: { message: `This gateway runs only its trusted documents: ${SEND_A_HASH}.`, extensions: { code: 'PERSISTED_QUERY_ONLY' } },
    },
  }) as Plugin;
}
