// Query Packages (§4.4, §7, §10 item 7): filter language restricted to the supported fields/operators,
// sorting, offset paging and opaque keyset cursors.
import { createHmac, randomBytes } from 'node:crypto';
import { validationError, violation, type WixApiError } from './errors.js';
import type { Package } from './types.js';
import { isRecord, type Json } from './validate.js';

const MAX_LIMIT = 100; // cursorPaging.limit default and max (§4.4); applied to offset paging too (undocumented)
const DEFAULT_SORT: SortSpec[] = [{ fieldName: 'createdDate', order: 'DESC' }];

type Predicate = (p: Package) => boolean;
type SortField = 'createdDate' | 'updatedDate';
interface SortSpec {
  fieldName: SortField;
  order: 'ASC' | 'DESC';
}

/** Supported filter fields (SupportedFilters.md, §7). */
const SCALAR_FIELDS = new Set(['id', 'accountId', 'externalId']);
const SCALAR_OPS = new Set(['$eq', '$ne', '$in', '$exists']);
const DATE_FIELDS = new Set(['createdDate', 'updatedDate']);
const DATE_OPS = new Set(['$eq', '$ne', '$gt', '$lt', '$gte', '$lte']);
const INSTANCE_SUBFIELDS = new Set([
  'instanceId', 'siteId', 'catalogProductId', 'status', 'failure', 'failure.code', 'failure.message', 'billingInfo',
  'billingInfo.type', 'billingInfo.cycleDuration', 'billingInfo.cycleDuration.unit', 'billingInfo.cycleDuration.count',
  'createdDate', 'updatedDate', 'countryCode',
]);
const ARRAY_OPS = new Set(['$hasSome', '$hasAll']);

function bad(field: string, description: string, rule = 'CUSTOM', data: Record<string, unknown> = {}): WixApiError {
  return validationError([violation(field, description, rule, data)]);
}

function invalidCursor(description = 'invalid cursor'): WixApiError {
  return bad('query.cursorPaging.cursor', description, 'CUSTOM');
}

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Date operands: ISO strings, or `{ "$date": "..." }` as some Wix clients send. */
function dateOperand(v: unknown, field: string): number {
  const s = isRecord(v) && typeof v['$date'] === 'string' ? v['$date'] : v;
  const t = typeof s === 'string' ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t)) throw bad(field, 'must be an ISO-8601 date-time', 'FORMAT', { format: 'DATE_TIME' });
  return t;
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function scalarCondition(field: string, op: string, operand: unknown, at: string): Predicate {
  const value = (p: Package): unknown => (p as unknown as Json)[field];
  switch (op) {
    case '$eq':
      if (!isScalar(operand)) throw bad(at, '$eq needs a scalar value');
      return (p) => (value(p) ?? null) === operand;
    case '$ne':
      if (!isScalar(operand)) throw bad(at, '$ne needs a scalar value');
      return (p) => (value(p) ?? null) !== operand;
    case '$in':
      if (!Array.isArray(operand) || !operand.every(isScalar)) throw bad(at, '$in needs an array of scalar values');
      return (p) => (operand as unknown[]).includes(value(p) ?? null);
    case '$exists':
      if (typeof operand !== 'boolean') throw bad(at, '$exists needs a boolean');
      return (p) => (value(p) !== undefined && value(p) !== null) === operand;
    default:
      throw bad(at, `operator ${op} is not supported`);
  }
}

function dateCondition(field: SortField, op: string, operand: unknown, at: string): Predicate {
  const t = dateOperand(operand, at);
  const cmp: Record<string, (a: number) => boolean> = {
    $eq: (a) => a === t,
    $ne: (a) => a !== t,
    $gt: (a) => a > t,
    $lt: (a) => a < t,
    $gte: (a) => a >= t,
    $lte: (a) => a <= t,
  };
  const f = cmp[op];
  if (!f) throw bad(at, `operator ${op} is not supported`);
  return (p) => f(Date.parse(p[field]));
}

/** $hasSome / $hasAll over the instances' values at `sub` ('' = the whole instance, matched as a partial object). */
function arrayCondition(sub: string, op: string, operand: unknown, at: string): Predicate {
  if (!Array.isArray(operand)) throw bad(at, `${op} needs an array`);
  const isDate = sub === 'createdDate' || sub === 'updatedDate';
  const wanted = isDate ? operand.map((v) => dateOperand(v, at)) : operand;
  const matches = (inst: unknown, w: unknown): boolean => {
    if (sub === '') {
      return isRecord(w) && isRecord(inst) && Object.entries(w).every(([k, v]) => deepEqual(getPath(inst, k), v));
    }
    const v = getPath(inst, sub);
    if (v === undefined) return false;
    return isDate ? typeof v === 'string' && Date.parse(v) === w : deepEqual(v, w);
  };
  // Each condition is evaluated on its own over all instances, so two $hasSome conditions may be satisfied by
  // different instances (§7, "matched independently").
  return op === '$hasSome'
    ? (p) => wanted.some((w) => p.productInstances.some((i) => matches(i, w)))
    : (p) => wanted.every((w) => p.productInstances.some((i) => matches(i, w)));
}

function fieldCondition(field: string, spec: unknown, at: string): Predicate {
  let kind: 'scalar' | 'date' | 'array';
  let sub = '';
  if (SCALAR_FIELDS.has(field)) kind = 'scalar';
  else if (DATE_FIELDS.has(field)) kind = 'date';
  else if (field === 'productInstances' || (field.startsWith('productInstances.') && INSTANCE_SUBFIELDS.has(field.slice(17)))) {
    kind = 'array';
    sub = field === 'productInstances' ? '' : field.slice(17);
  } else {
    throw bad(at, `filtering by ${field} is not supported`);
  }
  const ops = kind === 'scalar' ? SCALAR_OPS : kind === 'date' ? DATE_OPS : ARRAY_OPS;

  // Plain `{ field: value }` means $eq.
  const entries: [string, unknown][] =
    isRecord(spec) && Object.keys(spec).length > 0 && Object.keys(spec).every((k) => k.startsWith('$'))
      ? Object.entries(spec)
      : [['$eq', spec]];
  const preds = entries.map(([op, operand]) => {
    if (!ops.has(op)) throw bad(at, `operator ${op} is not supported for ${field}`);
    if (kind === 'scalar') return scalarCondition(field, op, operand, at);
    if (kind === 'date') return dateCondition(field as SortField, op, operand, at);
    return arrayCondition(sub, op, operand, at);
  });
  return (p) => preds.every((f) => f(p));
}

/** Validates and compiles a filter object; anything outside the supported table is a 400 (§10 item 7). */
export function compileFilter(filter: unknown, at = 'query.filter'): Predicate {
  if (!isRecord(filter)) throw bad(at, 'filter must be an object');
  const preds: Predicate[] = Object.entries(filter).map(([key, value]) => {
    const here = `${at}.${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) throw bad(here, `${key} needs a non-empty array of filters`);
      const parts = value.map((f, i) => compileFilter(f, `${here}[${i}]`));
      return key === '$and' ? (p) => parts.every((f) => f(p)) : (p) => parts.some((f) => f(p));
    }
    if (key === '$not') {
      const inner = compileFilter(value, here);
      return (p) => !inner(p);
    }
    if (key.startsWith('$')) throw bad(here, `operator ${key} is not supported`);
    return fieldCondition(key, value, here);
  });
  return (p) => preds.every((f) => f(p));
}

function parseSort(sort: unknown): SortSpec[] {
  if (!Array.isArray(sort)) throw bad('query.sort', 'sort must be an array');
  return sort.map((s: unknown, i) => {
    const at = `query.sort[${i}]`;
    if (!isRecord(s)) throw bad(at, 'must be an object');
    const fieldName = s['fieldName'];
    if (fieldName !== 'createdDate' && fieldName !== 'updatedDate') {
      throw bad(`${at}.fieldName`, 'only createdDate and updatedDate are sortable');
    }
    const order = s['order'] ?? 'ASC'; // Wix default order is ASC (§7)
    if (order !== 'ASC' && order !== 'DESC') throw bad(`${at}.order`, 'must be ASC or DESC', 'FORMAT');
    return { fieldName, order };
  });
}

function parseLimit(v: unknown, at: string): number {
  if (v === undefined || v === null) return MAX_LIMIT;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(at, 'must be an integer >= 0', 'MIN', { threshold: 0 });
  if (v > MAX_LIMIT) throw bad(at, `must be at most ${MAX_LIMIT}`, 'MAX', { threshold: MAX_LIMIT });
  return v;
}

/** Position of a package in a sort order: the sort values plus the id as a tie-breaker. */
type Key = [...number[], string];

function keyOf(p: Package, sort: SortSpec[]): Key {
  return [...sort.map((s) => Date.parse(p[s.fieldName])), p.id] as Key;
}

function compareKeys(a: Key, b: Key, sort: SortSpec[]): number {
  for (let i = 0; i < sort.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return sort[i]!.order === 'ASC' ? d : -d;
  }
  const ia = a[a.length - 1] as string;
  const ib = b[b.length - 1] as string;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** What a cursor carries: the original filter and sort plus a position (§4.4: filter/sort are not resent). */
interface CursorState {
  filter: Json;
  sort: SortSpec[];
  key: Key;
  dir: 'next' | 'prev';
}

export class CursorCodec {
  readonly #secret: Buffer;
  constructor(secret: Buffer = randomBytes(16)) {
    this.#secret = secret;
  }
  #mac(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url').slice(0, 22);
  }
  encode(state: CursorState): string {
    const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${payload}.${this.#mac(payload)}`;
  }
  /** Opaque and tamper-evident: anything not minted by this sandbox is "invalid cursor". */
  decode(cursor: string): CursorState {
    const [payload, mac, extra] = cursor.split('.');
    if (!payload || !mac || extra !== undefined || mac !== this.#mac(payload)) throw invalidCursor();
    try {
      const state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorState;
      if (!isRecord(state) || !Array.isArray(state.key) || !Array.isArray(state.sort)) throw new Error('shape');
      return state;
    } catch {
      throw invalidCursor();
    }
  }
}

export interface QueryResult {
  metadata: {
    count: number;
    offset?: number;
    total?: number;
    cursors?: { next?: string; prev?: string };
  };
  packages: Package[];
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);
}

/** Projection by `fields` ∪ `fieldsets` (§7); dotted paths supported; no projection when both are empty. */
function project(p: Package, paths: string[]): Package {
  if (paths.length === 0) return p;
  const out: Json = {};
  for (const path of paths) {
    const value = getPath(p, path);
    if (value === undefined) continue;
    const parts = path.split('.');
    let cur = out;
    parts.slice(0, -1).forEach((k) => {
      if (!isRecord(cur[k])) cur[k] = {};
      cur = cur[k] as Json;
    });
    cur[parts[parts.length - 1]!] = structuredClone(value);
  }
  return out as unknown as Package;
}

function parseProjection(query: Json): string[] {
  const paths: string[] = [];
  for (const name of ['fields', 'fieldsets'] as const) {
    const v = query[name];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(`query.${name}`, 'must be an array of strings');
    paths.push(...(v as string[]));
  }
  return [...new Set(paths)];
}

/** Runs a Query Packages body over the packages in scope. */
export function runQuery(scope: Package[], body: Json, codec: CursorCodec): QueryResult {
  const query = body['query'];
  if (query === undefined || query === null) throw bad('query', 'is required', 'REQUIRED_FIELD');
  if (!isRecord(query)) throw bad('query', 'must be an object', 'FORMAT');
  const projection = parseProjection(query);

  if (query['paging'] !== undefined && query['cursorPaging'] !== undefined) {
    throw bad('query', 'paging and cursorPaging are mutually exclusive');
  }

  // Offset paging: metadata carries offset and total, never cursors (§4.4).
  if (query['paging'] !== undefined) {
    const paging = query['paging'];
    if (!isRecord(paging)) throw bad('query.paging', 'must be an object', 'FORMAT');
    const limit = parseLimit(paging['limit'], 'query.paging.limit');
    const offset = paging['offset'] ?? 0;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw bad('query.paging.offset', 'must be an integer >= 0', 'MIN', { threshold: 0 });
    }
    const sort = isEmpty(query['sort']) ? DEFAULT_SORT : parseSort(query['sort']);
    const pred = isEmpty(query['filter']) ? () => true : compileFilter(query['filter']);
    const all = scope.filter(pred).sort((a, b) => compareKeys(keyOf(a, sort), keyOf(b, sort), sort));
    const page = all.slice(offset, offset + limit);
    return {
      metadata: { count: page.length, offset, total: all.length },
      packages: page.map((p) => project(structuredClone(p), projection)),
    };
  }

  const cursorPaging = query['cursorPaging'] ?? {};
  if (!isRecord(cursorPaging)) throw bad('query.cursorPaging', 'must be an object', 'FORMAT');
  const limit = parseLimit(cursorPaging['limit'], 'query.cursorPaging.limit');
  const rawCursor = cursorPaging['cursor'];

  let filter: Json;
  let sort: SortSpec[];
  let position: { key: Key; dir: 'next' | 'prev' } | undefined;
  if (rawCursor !== undefined && rawCursor !== null && rawCursor !== '') {
    if (typeof rawCursor !== 'string') throw invalidCursor();
    // A cursor already encodes filter and sort; resending them is an error (§4.4). Empty ones are tolerated.
    if (!isEmpty(query['filter']) || !isEmpty(query['sort'])) {
      throw invalidCursor('invalid cursor: do not send filter or sort together with a cursor');
    }
    const state = codec.decode(rawCursor);
    filter = state.filter;
    sort = parseSort(state.sort);
    position = { key: state.key, dir: state.dir };
  } else {
    filter = isEmpty(query['filter']) ? {} : (query['filter'] as Json);
    sort = isEmpty(query['sort']) ? DEFAULT_SORT : parseSort(query['sort']);
  }
  const pred = compileFilter(filter);
  const cmp = (a: Key, b: Key): number => compareKeys(a, b, sort);
  const all = scope
    .filter(pred)
    .map((p) => ({ p, k: keyOf(p, sort) }))
    .sort((a, b) => cmp(a.k, b.k));

  // Keyset paging: stable under inserts and deletes between pages (no duplicates, no omissions of old items).
  let start: number;
  let end: number;
  if (!position) {
    start = 0;
    end = Math.min(all.length, limit);
  } else if (position.dir === 'next') {
    start = all.findIndex((e) => cmp(e.k, position.key) > 0);
    if (start < 0) start = all.length;
    end = Math.min(all.length, start + limit);
  } else {
    let before = all.findIndex((e) => cmp(e.k, position.key) >= 0);
    if (before < 0) before = all.length;
    end = before;
    start = Math.max(0, end - limit);
  }
  const page = all.slice(start, end);
  const cursors: { next?: string; prev?: string } = {};
  if (page.length > 0) {
    if (end < all.length) cursors.next = codec.encode({ filter, sort, key: page[page.length - 1]!.k, dir: 'next' });
    if (start > 0) cursors.prev = codec.encode({ filter, sort, key: page[0]!.k, dir: 'prev' });
  }
  return {
    metadata: { count: page.length, cursors },
    packages: page.map((e) => project(structuredClone(e.p), projection)),
  };
}
