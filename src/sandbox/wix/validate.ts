// Request-body validation (§4, §10 item 4). Every problem in one body is reported at once as a 400
// validationError. Business rules (catalog, ownership, state) live in store.ts.
import { validationError, violation, type FieldViolation } from './errors.js';
import { CYCLE_TYPES, INTERVAL_UNITS, type Cycle, type CycleType, type IntervalUnit } from './types.js';

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COUNTRY_RE = /^[A-Z]{2}$/;

export const LIMITS = {
  idempotencyKey: 100,
  externalId: 100,
  discountCode: 25,
  minProducts: 1,
  maxProducts: 1000,
} as const;

export interface ProductInput {
  catalogProductId: string;
  siteId?: string;
  billingInfo?: Cycle;
  countryCode?: string;
  discountCode?: string;
  referenceProductInstanceId?: string;
}

export interface CreateInput {
  idempotencyKey?: string;
  externalId?: string;
  products: ProductInput[];
}

export interface AdjustInput {
  idempotencyKey?: string;
  catalogProductId?: string;
  billingInfo?: Cycle;
  discountCode?: string;
}

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Wix parses bodies with proto-JSON rules, which accept the snake_case field name too (§11 item 4). */
function field(obj: Json, camel: string): unknown {
  if (obj[camel] !== undefined) return obj[camel];
  return obj[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

class Violations {
  readonly list: FieldViolation[] = [];
  add(field: string, description: string, rule: string, data: Record<string, unknown> = {}): void {
    this.list.push(violation(field, description, rule, data));
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw validationError(this.list);
  }
}

function optString(v: Violations, value: unknown, name: string, max?: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    v.add(name, 'must be a string', 'FORMAT', { expected: 'string' });
    return undefined;
  }
  if (max !== undefined && value.length > max) {
    v.add(name, `must be at most ${max} characters`, 'MAX_LENGTH', { threshold: max });
    return undefined;
  }
  return value === '' ? undefined : value;
}

function optGuid(v: Violations, value: unknown, name: string): string | undefined {
  const s = optString(v, value, name);
  if (s === undefined) return undefined;
  if (!GUID_RE.test(s)) {
    v.add(name, 'must be a GUID', 'FORMAT', { format: 'GUID' });
    return undefined;
  }
  return s.toLowerCase(); // GUIDs are matched case-insensitively
}

function optCycle(v: Violations, value: unknown, name: string): Cycle | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    v.add(name, 'must be an object', 'FORMAT');
    return undefined;
  }
  const type = value['type'];
  if (type === undefined) {
    v.add(`${name}.type`, 'is required', 'REQUIRED_FIELD');
    return undefined;
  }
  if (typeof type !== 'string' || !CYCLE_TYPES.includes(type as CycleType)) {
    v.add(`${name}.type`, `must be one of ${CYCLE_TYPES.join(', ')}`, 'FORMAT', { allowed: CYCLE_TYPES });
    return undefined;
  }
  const cycle: Cycle = { type: type as CycleType };
  const duration = field(value, 'cycleDuration');
  if (duration !== undefined && duration !== null) {
    if (!isRecord(duration)) {
      v.add(`${name}.cycleDuration`, 'must be an object', 'FORMAT');
      return undefined;
    }
    const unit = duration['unit'];
    if (typeof unit !== 'string' || !INTERVAL_UNITS.includes(unit as IntervalUnit)) {
      v.add(`${name}.cycleDuration.unit`, `must be one of ${INTERVAL_UNITS.join(', ')}`, unit === undefined ? 'REQUIRED_FIELD' : 'FORMAT');
      return undefined;
    }
    const count = duration['count'] ?? 1; // proto default when only the unit is sent
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      v.add(`${name}.cycleDuration.count`, 'must be an integer >= 1', 'MIN', { threshold: 1 });
      return undefined;
    }
    cycle.cycleDuration = { unit: unit as IntervalUnit, count };
  }
  return cycle;
}

/** idempotencyKey from the JSON body, else the query string (DELETEs per the SDK pattern, §8.4, §11 item 6). */
function idempotencyKey(v: Violations, body: Json, query: Record<string, string>): string | undefined {
  const fromBody = field(body, 'idempotencyKey');
  return optString(v, fromBody !== undefined ? fromBody : query['idempotencyKey'], 'idempotencyKey', LIMITS.idempotencyKey);
}

export function parseIdempotencyKey(body: Json, query: Record<string, string>): string | undefined {
  const v = new Violations();
  const key = idempotencyKey(v, body, query);
  v.throwIfAny();
  return key;
}

/** Create Package V1/V2 body (§4.1, §4.2). V2 requires products[].countryCode. */
export function parseCreate(body: Json, query: Record<string, string>, requireCountry: boolean): CreateInput {
  const v = new Violations();
  const key = idempotencyKey(v, body, query);
  const externalId = optString(v, field(body, 'externalId'), 'externalId', LIMITS.externalId);
  const rawProducts = body['products'];
  const products: ProductInput[] = [];
  if (rawProducts === undefined || rawProducts === null) {
    v.add('products', 'is required', 'REQUIRED_FIELD');
  } else if (!Array.isArray(rawProducts)) {
    v.add('products', 'must be an array', 'FORMAT');
  } else if (rawProducts.length < LIMITS.minProducts) {
    v.add('products', `must have at least ${LIMITS.minProducts} item`, 'MIN_SIZE', { threshold: LIMITS.minProducts });
  } else if (rawProducts.length > LIMITS.maxProducts) {
    v.add('products', `must have at most ${LIMITS.maxProducts} items`, 'MAX_SIZE', { threshold: LIMITS.maxProducts });
  } else {
    rawProducts.forEach((raw: unknown, i) => {
      const at = `products[${i}]`;
      if (!isRecord(raw)) {
        v.add(at, 'must be an object', 'FORMAT');
        return;
      }
      const rawProductId = field(raw, 'catalogProductId');
      if (rawProductId === undefined || rawProductId === null || rawProductId === '') {
        v.add(`${at}.catalogProductId`, 'is required', 'REQUIRED_FIELD');
      }
      const catalogProductId = optGuid(v, rawProductId, `${at}.catalogProductId`);
      const siteId = optGuid(v, field(raw, 'siteId'), `${at}.siteId`);
      const billingInfo = optCycle(v, field(raw, 'billingInfo'), `${at}.billingInfo`);
      const rawCountry = field(raw, 'countryCode');
      let countryCode: string | undefined;
      if (rawCountry === undefined || rawCountry === null || rawCountry === '') {
        if (requireCountry) v.add(`${at}.countryCode`, 'is required', 'REQUIRED_FIELD');
      } else if (typeof rawCountry !== 'string' || !COUNTRY_RE.test(rawCountry)) {
        v.add(`${at}.countryCode`, 'must be an ISO-3166-1 alpha-2 code', 'FORMAT', { format: 'COUNTRY' });
      } else {
        countryCode = rawCountry;
      }
      const discountCode = optString(v, field(raw, 'discountCode'), `${at}.discountCode`, LIMITS.discountCode);
      const ref = optGuid(v, field(raw, 'referenceProductInstanceId'), `${at}.referenceProductInstanceId`);
      if (catalogProductId === undefined) return;
      // Read-only fields (instanceId, status, dates...) are ignored: their treatment by Wix is undocumented (§4.2).
      const p: ProductInput = { catalogProductId };
      if (siteId !== undefined) p.siteId = siteId;
      if (billingInfo !== undefined) p.billingInfo = billingInfo;
      if (countryCode !== undefined) p.countryCode = countryCode;
      if (discountCode !== undefined) p.discountCode = discountCode;
      if (ref !== undefined) p.referenceProductInstanceId = ref;
      products.push(p);
    });
  }
  v.throwIfAny();
  const input: CreateInput = { products };
  if (key !== undefined) input.idempotencyKey = key;
  if (externalId !== undefined) input.externalId = externalId;
  return input;
}

/** Adjust body (§4.9). "One of catalogProductId/billingInfo" is a 428 business rule, checked in the store. */
export function parseAdjust(body: Json, query: Record<string, string>): AdjustInput {
  const v = new Violations();
  const key = idempotencyKey(v, body, query);
  const catalogProductId = optGuid(v, field(body, 'catalogProductId'), 'catalogProductId');
  const billingInfo = optCycle(v, field(body, 'billingInfo'), 'billingInfo');
  const discountCode = optString(v, field(body, 'discountCode'), 'discountCode', LIMITS.discountCode);
  v.throwIfAny();
  const input: AdjustInput = {};
  if (key !== undefined) input.idempotencyKey = key;
  if (catalogProductId !== undefined) input.catalogProductId = catalogProductId;
  if (billingInfo !== undefined) input.billingInfo = billingInfo;
  if (discountCode !== undefined) input.discountCode = discountCode;
  return input;
}

/** Package IDs carry a "format GUID" badge (§5.1), so a malformed path id is a 400, not a 404. */
export function requirePackageGuid(id: string, name: string): string {
  if (!GUID_RE.test(id)) throw validationError([violation(name, 'must be a GUID', 'FORMAT', { format: 'GUID' })]);
  return id.toLowerCase();
}

/** Update External Id takes the new value from the (URL-decoded) path (§4.10). */
export function requireExternalId(value: string): string {
  if (value.length > LIMITS.externalId) {
    throw validationError([violation('externalId', `must be at most ${LIMITS.externalId} characters`, 'MAX_LENGTH', { threshold: LIMITS.externalId })]);
  }
  if (value === '') throw validationError([violation('externalId', 'is required', 'REQUIRED_FIELD')]);
  return value;
}
