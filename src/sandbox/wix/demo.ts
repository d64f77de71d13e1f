// Deterministic IDs of the sandbox's demo world. The README, GraphiQL examples and tests refer to these.
// All are lowercase, UUID-v4-shaped; the first group hints at the kind (acc = account, 517e = site,
// 9d = catalog product, 9ac = package, 1a5 = product instance) to make logs readable.

export const WIX_DEMO = {
  // Accounts (§3). The reseller parent has two customer sub-accounts; a second, unrelated reseller exists so
  // tests can prove Query's family scope (§4.4) and cross-reseller isolation.
  resellerAccountId: 'acc00000-0000-4000-8000-000000000001',
  accountId: 'acc00000-0000-4000-8000-000000000002',
  otherAccountId: 'acc00000-0000-4000-8000-000000000003',
  foreignResellerAccountId: 'acc00000-0000-4000-8000-000000000004',
  unknownAccountId: 'acc00000-0000-4000-8000-000000000099',

  // Sites.
  siteId: '517e0000-0000-4000-8000-000000000001', // accountId; ENABLED premium + domain + 2 mailboxes
  secondSiteId: '517e0000-0000-4000-8000-000000000002', // accountId; nothing active on it
  thirdSiteId: '517e0000-0000-4000-8000-000000000003', // accountId; PENDING premium + AWAITING_ACTION domain
  otherAccountSiteId: '517e0000-0000-4000-8000-000000000004', // otherAccountId; ENABLED premium
  foreignSiteId: '517e0000-0000-4000-8000-000000000005', // foreignResellerAccountId
  unknownSiteId: '517e0000-0000-4000-8000-000000000099',

  // Catalog products (see catalog.ts for cycles and rules).
  premiumPlanProductId: '9d000000-0000-4000-8000-000000000001', // PREMIUM_PLAN; MONTH/1, YEAR/1, YEAR/2
  premiumPlanOneCycleProductId: '9d000000-0000-4000-8000-000000000002', // PREMIUM_PLAN; YEAR/1 only
  premiumBusinessProductId: '9d000000-0000-4000-8000-000000000003', // PREMIUM_PLAN; MONTH/1, YEAR/1
  domainProductId: '9d000000-0000-4000-8000-000000000004', // DOMAIN; YEAR/1; needs a premium plan on the site
  mailboxProductId: '9d000000-0000-4000-8000-000000000005', // MAILBOX; MONTH/1, YEAR/1; many per site
  oneTimeProductId: '9d000000-0000-4000-8000-000000000006', // ONE_TIME_SERVICE; ONE_TIME
  unresellableProductId: '9d000000-0000-4000-8000-000000000007', // known but not resellable (428 PRODUCT_SETTINGS_NOT_FOUND)
  unknownProductId: '9d000000-0000-4000-8000-000000000099',

  // Packages and instances of accountId.
  packageId: '9ac00000-0000-4000-8000-000000000001', // ENABLED premium on siteId
  assignedInstanceId: '1a500000-0000-4000-8000-000000000001', // already used as a reference (by domainInstanceId)
  domainPackageId: '9ac00000-0000-4000-8000-000000000002',
  domainInstanceId: '1a500000-0000-4000-8000-000000000002', // ENABLED domain on siteId, has expirationDate
  mailboxPackageId: '9ac00000-0000-4000-8000-000000000003', // two ENABLED mailboxes on siteId
  mailboxInstanceId: '1a500000-0000-4000-8000-000000000003',
  secondMailboxInstanceId: '1a500000-0000-4000-8000-000000000004',
  floatingPackageId: '9ac00000-0000-4000-8000-000000000004',
  floatingInstanceId: '1a500000-0000-4000-8000-000000000005', // ENABLED premium (one-cycle product), no site
  failedPackageId: '9ac00000-0000-4000-8000-000000000005',
  failedInstanceId: '1a500000-0000-4000-8000-000000000006', // FAILED, failure DELIVERY_TIMEOUT
  canceledPackageId: '9ac00000-0000-4000-8000-000000000006',
  canceledInstanceId: '1a500000-0000-4000-8000-000000000007', // CANCELED premium business
  pendingPackageId: '9ac00000-0000-4000-8000-000000000007',
  pendingInstanceId: '1a500000-0000-4000-8000-000000000008', // PENDING premium on thirdSiteId
  awaitingPackageId: '9ac00000-0000-4000-8000-000000000008',
  awaitingInstanceId: '1a500000-0000-4000-8000-000000000009', // AWAITING_ACTION domain on thirdSiteId

  // Other customer of the same reseller.
  otherAccountPackageId: '9ac00000-0000-4000-8000-000000000021',
  otherAccountInstanceId: '1a500000-0000-4000-8000-000000000021', // ENABLED premium on otherAccountSiteId
  // The reseller's own package, and a package of the unrelated reseller.
  resellerPackageId: '9ac00000-0000-4000-8000-000000000031',
  resellerInstanceId: '1a500000-0000-4000-8000-000000000031',
  foreignPackageId: '9ac00000-0000-4000-8000-000000000041',
  foreignInstanceId: '1a500000-0000-4000-8000-000000000041',

  unknownPackageId: '9ac00000-0000-4000-8000-000000000099',
  unknownInstanceId: '1a500000-0000-4000-8000-000000000099',

  /** Seeded packages owned by accountId / visible to a Query from any account of the reseller family. */
  accountPackageCount: 15,
  familyPackageCount: 18,
} as const;

export type WixDemo = typeof WIX_DEMO;
