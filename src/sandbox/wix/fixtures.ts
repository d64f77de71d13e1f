// Seed packages: fixed IDs and timestamps so tests and docs can rely on them. Built fresh on every call so
// reset() never shares objects with a previous run.
import { ACCOUNTS } from './catalog.js';
import { WIX_DEMO as D } from './demo.js';
import type { Cycle, FailureReason, InstanceStatus, Package, ProductInstance } from './types.js';

const MONTHLY: Cycle = { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } };
const YEARLY: Cycle = { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } };
const ONE_TIME: Cycle = { type: 'ONE_TIME' };

interface SeedInstance {
  id: string;
  product: string;
  status: InstanceStatus;
  cycle: Cycle;
  site?: string;
  failure?: FailureReason;
  reference?: string;
  discount?: string;
  country?: string;
  /** Defaults to the package's createdDate. */
  updated?: string;
  expires?: string;
}

function instance(s: SeedInstance, created: string): ProductInstance {
  const i: ProductInstance = {
    instanceId: s.id,
    catalogProductId: s.product,
    status: s.status,
    billingInfo: structuredClone(s.cycle),
    countryCode: s.country ?? 'US',
    createdDate: created,
    updatedDate: s.updated ?? created,
  };
  if (s.site) i.siteId = s.site;
  if (s.failure) i.failure = { ...s.failure };
  if (s.reference) i.referenceProductInstanceId = s.reference;
  if (s.discount) i.discountCode = s.discount;
  if (s.expires) i.expirationDate = s.expires;
  return i;
}

function pkg(id: string, accountId: string, externalId: string | undefined, created: string, instances: SeedInstance[]): Package {
  const parent = ACCOUNTS.find((a) => a.id === accountId)?.parentAccountId ?? accountId;
  const productInstances = instances.map((s) => instance(s, created));
  const updated = productInstances.map((i) => i.updatedDate).reduce((a, b) => (a > b ? a : b), created);
  const p: Package = { id, accountId, productInstances, createdDate: created, updatedDate: updated, parentAccountId: parent };
  if (externalId !== undefined) p.externalId = externalId;
  return p;
}

// Historic package/instance IDs that no test needs by name.
const H = (n: number): { p: string; i: string; j: string } => ({
  p: `9ac00000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`,
  i: `1a500000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`,
  j: `1a500000-0000-4000-8000-0000000002${String(n).padStart(2, '0')}`,
});

/** Instance IDs already consumed as a reference (§4.2 "only once"). */
export function seedUsedReferences(): string[] {
  return [D.assignedInstanceId];
}

export function seedPackages(): Package[] {
  const h = [H(1), H(2), H(3), H(4), H(5), H(6), H(7), H(8)] as const;
  return [
    // accountId: 15 packages with distinct createdDate, a mix of externalIds, statuses and sites.
    pkg(D.packageId, D.accountId, 'sub-1001', '2025-06-02T09:15:00.000Z', [
      { id: D.assignedInstanceId, product: D.premiumPlanProductId, status: 'ENABLED', cycle: YEARLY, site: D.siteId, updated: '2025-06-02T09:21:00.000Z' },
    ]),
    pkg(D.domainPackageId, D.accountId, 'sub-1001-domain', '2025-06-02T09:30:00.000Z', [
      { id: D.domainInstanceId, product: D.domainProductId, status: 'ENABLED', cycle: YEARLY, site: D.siteId, reference: D.assignedInstanceId, updated: '2025-06-02T09:40:00.000Z', expires: '2026-06-02T09:30:00.000Z' },
    ]),
    pkg(D.mailboxPackageId, D.accountId, 'sub-1002', '2025-05-20T14:00:00.000Z', [
      { id: D.mailboxInstanceId, product: D.mailboxProductId, status: 'ENABLED', cycle: MONTHLY, site: D.siteId, updated: '2025-05-20T14:05:00.000Z' },
      { id: D.secondMailboxInstanceId, product: D.mailboxProductId, status: 'ENABLED', cycle: MONTHLY, site: D.siteId, discount: 'SPRING25', updated: '2025-05-20T14:06:00.000Z' },
    ]),
    pkg(D.floatingPackageId, D.accountId, 'sub-1003', '2025-05-11T08:45:00.000Z', [
      { id: D.floatingInstanceId, product: D.premiumPlanOneCycleProductId, status: 'ENABLED', cycle: YEARLY, country: 'BR', updated: '2025-05-12T10:00:00.000Z' },
    ]),
    pkg(D.failedPackageId, D.accountId, 'sub-1004', '2025-04-28T16:10:00.000Z', [
      { id: D.failedInstanceId, product: D.premiumPlanProductId, status: 'FAILED', cycle: MONTHLY, failure: { code: 'DELIVERY_TIMEOUT', message: 'Delivery took too long' }, updated: '2025-04-29T16:10:00.000Z' },
    ]),
    pkg(D.canceledPackageId, D.accountId, 'sub-1005', '2025-04-15T11:00:00.000Z', [
      { id: D.canceledInstanceId, product: D.premiumBusinessProductId, status: 'CANCELED', cycle: YEARLY, site: D.secondSiteId, updated: '2025-05-01T09:00:00.000Z' },
    ]),
    pkg(D.pendingPackageId, D.accountId, 'sub-1006', '2025-06-10T12:00:00.000Z', [
      { id: D.pendingInstanceId, product: D.premiumPlanProductId, status: 'PENDING', cycle: MONTHLY, site: D.thirdSiteId, country: 'DE' },
    ]),
    pkg(D.awaitingPackageId, D.accountId, 'sub-1007', '2025-06-10T12:05:00.000Z', [
      { id: D.awaitingInstanceId, product: D.domainProductId, status: 'AWAITING_ACTION', cycle: YEARLY, site: D.thirdSiteId, country: 'DE', updated: '2025-06-10T12:30:00.000Z', expires: '2026-06-10T12:05:00.000Z' },
    ]),
    pkg(h[0].p, D.accountId, 'sub-0901', '2025-03-03T10:00:00.000Z', [
      { id: h[0].i, product: D.mailboxProductId, status: 'CANCELED', cycle: YEARLY, updated: '2025-03-20T10:00:00.000Z' },
      { id: h[0].j, product: D.mailboxProductId, status: 'CANCELED', cycle: YEARLY, updated: '2025-03-20T10:00:00.000Z' },
    ]),
    pkg(h[1].p, D.accountId, undefined, '2025-02-14T15:30:00.000Z', [
      { id: h[1].i, product: D.oneTimeProductId, status: 'ENABLED', cycle: ONE_TIME, updated: '2025-02-14T15:31:00.000Z' },
    ]),
    pkg(h[2].p, D.accountId, 'sub-0903', '2025-01-20T09:00:00.000Z', [
      { id: h[2].i, product: D.premiumPlanProductId, status: 'CANCELED', cycle: MONTHLY, site: D.secondSiteId, updated: '2025-02-20T09:00:00.000Z' },
    ]),
    pkg(h[3].p, D.accountId, 'legacy-42', '2024-12-05T18:20:00.000Z', [
      { id: h[3].i, product: D.premiumBusinessProductId, status: 'CANCELED', cycle: MONTHLY, updated: '2025-01-05T18:20:00.000Z' },
      { id: h[3].j, product: D.mailboxProductId, status: 'ENABLED', cycle: MONTHLY, updated: '2024-12-05T18:25:00.000Z' },
    ]),
    pkg(h[4].p, D.accountId, undefined, '2024-11-11T11:11:00.000Z', [
      { id: h[4].i, product: D.mailboxProductId, status: 'ENABLED', cycle: YEARLY, country: 'GB', updated: '2024-11-11T11:12:00.000Z' },
    ]),
    pkg(h[5].p, D.accountId, 'sub-0906', '2024-10-01T07:00:00.000Z', [
      { id: h[5].i, product: D.mailboxProductId, status: 'FAILED', cycle: MONTHLY, failure: { code: 'EXTERNAL_FAILURE', message: 'Mail provider rejected the order' }, updated: '2024-10-01T08:00:00.000Z' },
    ]),
    pkg(h[6].p, D.accountId, 'sub-0907', '2024-09-09T09:09:00.000Z', [
      { id: h[6].i, product: D.domainProductId, status: 'CANCELED', cycle: YEARLY, site: D.secondSiteId, updated: '2024-10-09T09:09:00.000Z', expires: '2025-09-09T09:09:00.000Z' },
    ]),

    // Same reseller family, other owners.
    pkg(D.otherAccountPackageId, D.otherAccountId, 'other-2001', '2025-05-05T13:00:00.000Z', [
      { id: D.otherAccountInstanceId, product: D.premiumPlanProductId, status: 'ENABLED', cycle: YEARLY, site: D.otherAccountSiteId, country: 'FR', updated: '2025-05-05T13:10:00.000Z' },
    ]),
    pkg(h[7].p, D.otherAccountId, 'other-2002', '2025-01-05T08:00:00.000Z', [
      { id: h[7].i, product: D.mailboxProductId, status: 'ENABLED', cycle: MONTHLY, country: 'FR', updated: '2025-01-05T08:01:00.000Z' },
    ]),
    pkg(D.resellerPackageId, D.resellerAccountId, 'reseller-internal', '2025-02-01T12:00:00.000Z', [
      { id: D.resellerInstanceId, product: D.mailboxProductId, status: 'ENABLED', cycle: YEARLY, updated: '2025-02-01T12:01:00.000Z' },
    ]),

    // Unrelated reseller: never visible to the demo family.
    pkg(D.foreignPackageId, D.foreignResellerAccountId, 'foreign-1', '2025-03-15T10:00:00.000Z', [
      { id: D.foreignInstanceId, product: D.premiumPlanProductId, status: 'ENABLED', cycle: YEARLY, site: D.foreignSiteId, updated: '2025-03-15T10:05:00.000Z' },
    ]),
  ];
}
