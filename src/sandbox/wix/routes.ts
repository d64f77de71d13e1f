// Route table of the public Resellers methods (§12 "Quick reference"). Only the public /resellers/... paths are
// served (§11 item 13); internal methods have no route (§4.11).
import type { CursorCodec } from './query.js';
import { runQuery } from './query.js';
import type { WixStore } from './store.js';
import type { Package } from './types.js';
import { parseAdjust, parseCreate, parseIdempotencyKey, requireExternalId, requirePackageGuid, type Json } from './validate.js';

export interface RouteContext {
  /** Verified wix-account-id (lowercase). */
  accountId: string;
  /** Decoded path parameters, in path order. */
  params: string[];
  /** Parsed JSON body ({} when empty). Path fields repeated by the SDK (§8.4) are simply ignored. */
  body: Json;
  query: Record<string, string>;
  store: WixStore;
  cursors: CursorCodec;
}

export interface Route {
  name: string;
  /** Writes honour idempotencyKey (echo, optional dedupe). */
  mutation: boolean;
  run(ctx: RouteContext): unknown;
}

function mutationResult(key: string | undefined, pkg: Package): Json {
  return key === undefined ? { package: pkg } : { idempotencyKey: key, package: pkg };
}

const lower = (s: string): string => s.toLowerCase();

const createRoute = (name: string, requireCountry: boolean): Route => ({
  name,
  mutation: true,
  run: (c) => {
    const input = parseCreate(c.body, c.query, requireCountry);
    return mutationResult(input.idempotencyKey, c.store.create(c.accountId, input));
  },
});

const ROUTES = {
  createV1: createRoute('createPackage', false), // §11 item 10: V1 = V2 minus the countryCode requirement
  createV2: createRoute('createPackageV2', true),
  query: {
    name: 'queryPackages',
    mutation: false,
    run: (c) => runQuery(c.store.familyPackages(c.accountId), c.body, c.cursors),
  },
  get: {
    name: 'getPackage',
    mutation: false,
    run: (c) => ({ package: c.store.getPackage(c.accountId, requirePackageGuid(c.params[0]!, 'id')) }),
  },
  cancel: {
    name: 'cancelPackage',
    mutation: true,
    run: (c) => {
      const key = parseIdempotencyKey(c.body, c.query);
      return mutationResult(key, c.store.cancelPackage(c.accountId, requirePackageGuid(c.params[0]!, 'id')));
    },
  },
  updateExternalId: {
    name: 'updatePackageExternalId',
    // No body and no idempotencyKey for this method (§2, §4.10).
    mutation: false,
    run: (c) => ({
      updatedPackage: c.store.updateExternalId(c.accountId, requirePackageGuid(c.params[0]!, 'packageId'), requireExternalId(c.params[1]!)),
    }),
  },
  assign: {
    name: 'assignProductInstanceToSite',
    mutation: true,
    run: (c) => {
      const key = parseIdempotencyKey(c.body, c.query);
      return mutationResult(key, c.store.assign(c.accountId, lower(c.params[0]!), lower(c.params[1]!)));
    },
  },
  unassign: {
    name: 'unassignProductInstanceFromSite',
    mutation: true,
    run: (c) => {
      const key = parseIdempotencyKey(c.body, c.query);
      return mutationResult(key, c.store.unassign(c.accountId, lower(c.params[0]!)));
    },
  },
  cancelInstance: {
    name: 'cancelProductInstance',
    mutation: true,
    run: (c) => {
      const key = parseIdempotencyKey(c.body, c.query);
      return mutationResult(key, c.store.cancelInstance(c.accountId, lower(c.params[0]!)));
    },
  },
  adjust: {
    name: 'adjustProductInstanceSpecifications',
    mutation: true,
    run: (c) => {
      const input = parseAdjust(c.body, c.query);
      return mutationResult(input.idempotencyKey, c.store.adjust(c.accountId, lower(c.params[0]!), input));
    },
  },
} satisfies Record<string, Route>;

const RESERVED = new Set(['query', 'update', 'product-instances']);

/**
 * Matches a raw pathname. Segments are split before URL-decoding, so an externalId containing an encoded "/"
 * (%2F) stays one segment (§4.10 "URL-encode it"). Returns undefined for unknown routes (→ 404).
 */
export function matchRoute(method: string, pathname: string, opts: { serveV1Create: boolean }): { route: Route; params: string[] } | undefined {
  const raw = pathname.split('/');
  if (raw[0] !== '' || raw[1] !== 'resellers' || raw[3] !== 'packages') return undefined;
  let seg: string[];
  try {
    seg = raw.slice(4).map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (seg.some((s) => s === '')) return undefined;
  const at = (route: Route, params: string[] = []): { route: Route; params: string[] } => ({ route, params });

  if (raw[2] === 'v2') return seg.length === 0 && method === 'POST' ? at(ROUTES.createV2) : undefined;
  if (raw[2] !== 'v1') return undefined;

  const [a, b, c, ...rest] = seg;
  if (rest.length > 0) return undefined;
  if (a === undefined) return method === 'POST' && opts.serveV1Create ? at(ROUTES.createV1) : undefined;
  if (a === 'query' && b === undefined) return method === 'POST' ? at(ROUTES.query) : undefined;
  if (a === 'update') {
    return b !== undefined && c !== undefined && method === 'PATCH' ? at(ROUTES.updateExternalId, [b, c]) : undefined;
  }
  if (a === 'product-instances') {
    if (b === undefined) return undefined;
    if (c === undefined) {
      if (method === 'DELETE') return at(ROUTES.cancelInstance, [b]);
      if (method === 'PATCH') return at(ROUTES.adjust, [b]);
      return undefined;
    }
    if (method !== 'PATCH') return undefined;
    return c === 'unassign' ? at(ROUTES.unassign, [b]) : at(ROUTES.assign, [b, c]);
  }
  if (RESERVED.has(a) || b !== undefined) return undefined;
  if (method === 'GET') return at(ROUTES.get, [a]);
  if (method === 'DELETE') return at(ROUTES.cancel, [a]);
  return undefined;
}
