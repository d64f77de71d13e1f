// The sandbox's fixed "world": accounts, sites and the premium product catalog. It is not seed data: it exists
// even with `seed: false` (an empty world would answer ACCOUNT_NOT_FOUND to everything).
import { WIX_DEMO as D } from './demo.js';
import type { Cycle } from './types.js';

export interface Account {
  id: string;
  /** Equals `id` for a top-level reseller account (§5.1 parentAccountId). */
  parentAccountId: string;
  name: string;
}

export interface Site {
  id: string;
  accountId: string;
  name: string;
}

export type ProductType = 'PREMIUM_PLAN' | 'DOMAIN' | 'MAILBOX' | 'ONE_TIME_SERVICE';

export interface CatalogProduct {
  id: string;
  name: string;
  type: ProductType;
  /** Supported billing cycles; a single entry means billingInfo may be omitted on Create (§4.2). */
  cycles: Cycle[];
  /** Only one active instance of this product type per site (PRODUCT_TYPE_ALREADY_ASSIGNED, §6.3). */
  onePerSite: boolean;
  /** Product type that must be active on the site first (PRODUCT_NOT_SUPPORTED_ON_SITE; domains, §4.2). */
  requiresOnSite?: ProductType;
  /** false → 428 PRODUCT_SETTINGS_NOT_FOUND ("not configured for reselling"). */
  resellable: boolean;
  /** false → Adjust answers 428 OPERATION_NOT_SUPPORTED_FOR_PRODUCT (domains are extended, not adjusted; §4.12). */
  adjustable: boolean;
  /** Products that do not auto-renew get an expirationDate this many months after creation (§5.2). */
  expiresAfterMonths?: number;
}

export const ACCOUNTS: readonly Account[] = [
  { id: D.resellerAccountId, parentAccountId: D.resellerAccountId, name: 'Demo Reseller' },
  { id: D.accountId, parentAccountId: D.resellerAccountId, name: 'Demo Customer' },
  { id: D.otherAccountId, parentAccountId: D.resellerAccountId, name: 'Other Customer' },
  { id: D.foreignResellerAccountId, parentAccountId: D.foreignResellerAccountId, name: 'Unrelated Reseller' },
];

export const SITES: readonly Site[] = [
  { id: D.siteId, accountId: D.accountId, name: 'demo-bakery' },
  { id: D.secondSiteId, accountId: D.accountId, name: 'demo-blog' },
  { id: D.thirdSiteId, accountId: D.accountId, name: 'demo-shop' },
  { id: D.otherAccountSiteId, accountId: D.otherAccountId, name: 'other-portfolio' },
  { id: D.foreignSiteId, accountId: D.foreignResellerAccountId, name: 'foreign-site' },
];

const MONTHLY: Cycle = { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } };
const YEARLY: Cycle = { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } };
const TWO_YEARLY: Cycle = { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 2 } };

export const PRODUCTS: readonly CatalogProduct[] = [
  { id: D.premiumPlanProductId, name: 'Premium Core', type: 'PREMIUM_PLAN', cycles: [MONTHLY, YEARLY, TWO_YEARLY], onePerSite: true, resellable: true, adjustable: true },
  { id: D.premiumPlanOneCycleProductId, name: 'Premium Light (yearly)', type: 'PREMIUM_PLAN', cycles: [YEARLY], onePerSite: true, resellable: true, adjustable: true },
  { id: D.premiumBusinessProductId, name: 'Premium Business', type: 'PREMIUM_PLAN', cycles: [MONTHLY, YEARLY], onePerSite: true, resellable: true, adjustable: true },
  { id: D.domainProductId, name: 'Domain registration', type: 'DOMAIN', cycles: [YEARLY], onePerSite: true, requiresOnSite: 'PREMIUM_PLAN', resellable: true, adjustable: false, expiresAfterMonths: 12 },
  { id: D.mailboxProductId, name: 'Business mailbox', type: 'MAILBOX', cycles: [MONTHLY, YEARLY], onePerSite: false, resellable: true, adjustable: true },
  { id: D.oneTimeProductId, name: 'Logo design pack', type: 'ONE_TIME_SERVICE', cycles: [{ type: 'ONE_TIME' }], onePerSite: false, resellable: true, adjustable: true },
  { id: D.unresellableProductId, name: 'Internal test product', type: 'MAILBOX', cycles: [MONTHLY], onePerSite: false, resellable: false, adjustable: false },
];

export function cycleEquals(a: Cycle, b: Cycle): boolean {
  if (a.type !== b.type) return false;
  if (a.type !== 'RECURRING') return true;
  return a.cycleDuration?.unit === b.cycleDuration?.unit && a.cycleDuration?.count === b.cycleDuration?.count;
}

export function cloneCycle(c: Cycle): Cycle {
  return c.cycleDuration ? { type: c.type, cycleDuration: { ...c.cycleDuration } } : { type: c.type };
}
