/**
 * Reads Wix response bodies into the wire types, tolerating the documented ambiguities (§11):
 * `paymentInfo` for `billingInfo`, snake_case keys, `pagingMetadata` for `metadata`. Hand-written
 * rather than a schema library because it runs for every package of every page on the hot path.
 */
import { WixBadResponseError } from './errors.js';
import type { BillingInfo, FailureReason, Package, PackagesPage, ProductInstance } from './types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * First present value among a camelCase key and its legacy or snake_case spellings. Fixed
 * parameters rather than a rest array: this runs for every field of every package.
 */
function pick(obj: Json, key: string, alt?: string, alt2?: string, alt3?: string): unknown {
  const value = obj[key];
  if (value !== undefined && value !== null) return value;
  if (alt === undefined) return undefined;
  return pick(obj, alt, alt2, alt3);
}

function optionalString(obj: Json, key: string, alt?: string): string | undefined {
  const value = pick(obj, key, alt);
  return typeof value === 'string' ? value : undefined;
}

function requiredString(obj: Json, what: string, key: string, alt?: string): string {
  const value = optionalString(obj, key, alt);
  if (value === undefined) throw new WixBadResponseError(`${what} lacks ${key}`);
  return value;
}

function billingInfo(raw: unknown): BillingInfo | undefined {
  if (!isObject(raw) || typeof raw.type !== 'string') return undefined;
  const duration = pick(raw, 'cycleDuration', 'cycle_duration');
  const info: BillingInfo = { type: raw.type as BillingInfo['type'] };
  if (isObject(duration) && typeof duration.unit === 'string') {
    info.cycleDuration = { unit: duration.unit as never, count: Number(duration.count ?? 0) };
  }
  return info;
}

function failure(raw: unknown): FailureReason | undefined {
  if (!isObject(raw)) return undefined;
  return { code: (typeof raw.code === 'string' ? raw.code : 'UNKNOWN') as FailureReason['code'], message: String(raw.message ?? '') };
}

/** Optional string fields of an instance: the field, its REST name, its snake_case spelling. */
const OPTIONAL_INSTANCE_FIELDS: readonly (readonly [keyof ProductInstance, string, string])[] = [
  ['siteId', 'siteId', 'site_id'],
  ['countryCode', 'countryCode', 'country_code'],
  ['expirationDate', 'expirationDate', 'expiration_date'],
  ['discountCode', 'discountCode', 'discount_code'],
  ['referenceProductInstanceId', 'referenceProductInstanceId', 'reference_product_instance_id'],
  ['createdDate', 'createdDate', 'created_date'],
  ['updatedDate', 'updatedDate', 'updated_date'],
];

function productInstance(raw: unknown): ProductInstance {
  if (!isObject(raw)) throw new WixBadResponseError('a product instance is not an object');
  const instance: ProductInstance = {
    instanceId: requiredString(raw, 'product instance', 'instanceId', 'instance_id'),
    catalogProductId: requiredString(raw, 'product instance', 'catalogProductId', 'catalog_product_id'),
    status: requiredString(raw, 'product instance', 'status') as ProductInstance['status'],
  };
  for (const [field, camel, snake] of OPTIONAL_INSTANCE_FIELDS) {
    const value = optionalString(raw, camel, snake);
    if (value !== undefined) (instance as unknown as Json)[field] = value;
  }
  const billing = billingInfo(pick(raw, 'billingInfo', 'billing_info', 'paymentInfo', 'payment_info'));
  if (billing) instance.billingInfo = billing;
  const failed = failure(raw.failure);
  if (failed) instance.failure = failed;
  return instance;
}

export function toPackage(raw: unknown): Package {
  if (!isObject(raw)) throw new WixBadResponseError('package is not an object');
  const instances = pick(raw, 'productInstances', 'product_instances') ?? [];
  if (!Array.isArray(instances)) throw new WixBadResponseError('productInstances is not a list');
  const pkg: Package = {
    id: requiredString(raw, 'package', 'id'),
    accountId: requiredString(raw, 'package', 'accountId', 'account_id'),
    productInstances: instances.map(productInstance),
  };
  const externalId = pick(raw, 'externalId', 'external_id');
  // The doc schema renders externalId as a StringValue wrapper; the wire carries a plain string.
  if (typeof externalId === 'string') pkg.externalId = externalId;
  else if (isObject(externalId) && typeof externalId.value === 'string') pkg.externalId = externalId.value;
  const created = optionalString(raw, 'createdDate', 'created_date');
  if (created) pkg.createdDate = created;
  const updated = optionalString(raw, 'updatedDate', 'updated_date');
  if (updated) pkg.updatedDate = updated;
  return pkg;
}

export function parseJson(body: string, requestId?: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WixBadResponseError('body is not JSON', requestId);
  }
  if (!isObject(parsed)) throw new WixBadResponseError('body is not a JSON object', requestId);
  return parsed;
}

export function toPackagesPage(body: Json): PackagesPage {
  const packages = body.packages ?? [];
  if (!Array.isArray(packages)) throw new WixBadResponseError('packages is not a list');
  const metadata = pick(body, 'metadata', 'pagingMetadata', 'paging_metadata');
  const meta = isObject(metadata) ? metadata : {};
  const cursors = isObject(meta.cursors) ? meta.cursors : {};
  const page: PackagesPage = {
    packages: packages.map(toPackage),
    count: typeof meta.count === 'number' ? meta.count : packages.length,
  };
  if (typeof cursors.next === 'string' && cursors.next !== '') page.nextCursor = cursors.next;
  return page;
}
