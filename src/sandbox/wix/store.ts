// In-memory state and business rules of the Resellers API (§4, §6.3, §10 items 5–6).
// Methods take the (already verified) account from the wix-account-id header and throw WixApiError.
import { randomUUID } from 'node:crypto';
import { ACCOUNTS, PRODUCTS, SITES, cloneCycle, cycleEquals, type Account, type CatalogProduct, type ProductType, type Site } from './catalog.js';
import { applicationError, type WixApiError } from './errors.js';
import { seedPackages, seedUsedReferences } from './fixtures.js';
import type { Cycle, FailureReason, InstanceStatus, Package, ProductInstance } from './types.js';
import type { AdjustInput, CreateInput } from './validate.js';

export interface StoreOptions {
  seed: boolean;
  ownershipMismatchStatus: 403 | 404;
  autoActivateAfterMs?: number;
}

/** Statuses that occupy a site for the one-per-type rule and satisfy "requires a premium plan" (§4.2). */
const ACTIVE: ReadonlySet<InstanceStatus> = new Set(['PENDING', 'ENABLED', 'AWAITING_ACTION']);
/** Statuses a reference instance may have (§4.2; "ACTIVE" read as ENABLED, §11 item 1). */
const REFERENCEABLE: ReadonlySet<InstanceStatus> = new Set(['PENDING', 'ENABLED']);

function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString();
}

export class WixStore {
  readonly accounts: ReadonlyMap<string, Account> = new Map(ACCOUNTS.map((a) => [a.id, a]));
  readonly sites: ReadonlyMap<string, Site> = new Map(SITES.map((s) => [s.id, s]));
  readonly products: ReadonlyMap<string, CatalogProduct> = new Map(PRODUCTS.map((p) => [p.id, p]));

  readonly #opts: StoreOptions;
  #packages = new Map<string, Package>();
  #instanceToPackage = new Map<string, string>();
  #usedReferences = new Set<string>();
  /** instanceId → epoch ms when a PENDING instance becomes ENABLED (autoActivateAfterMs; evaluated lazily). */
  #activateAt = new Map<string, number>();
  #lastStamp = 0;

  constructor(opts: StoreOptions) {
    this.#opts = opts;
    this.reset();
  }

  reset(): void {
    this.#packages = new Map();
    this.#instanceToPackage = new Map();
    this.#usedReferences = new Set(this.#opts.seed ? seedUsedReferences() : []);
    this.#activateAt = new Map();
    // Stamps are kept increasing within one life of the data, not across resets.
    this.#lastStamp = 0;
    if (this.#opts.seed) for (const p of seedPackages()) this.#insert(p);
  }

  // ---- reads used by the router and the query engine ----

  account(id: string): Account | undefined {
    return this.accounts.get(id.toLowerCase());
  }

  /** Packages of the header account's reseller family: the parent and all its sub-accounts (§4.4). */
  familyPackages(accountId: string): Package[] {
    this.#settle();
    const root = this.#rootOf(accountId);
    return [...this.#packages.values()].filter((p) => this.#rootOf(p.accountId) === root);
  }

  getPackage(accountId: string, id: string): Package {
    this.#settle();
    return structuredClone(this.#ownedPackage(accountId, id));
  }

  // ---- mutations ----

  create(accountId: string, input: CreateInput): Package {
    this.#settle();
    const resolved = input.products.map((p) => {
      const product = this.#product(p.catalogProductId);
      const cycle = this.#resolveCycle(product, p.billingInfo, 'create');
      if (p.siteId !== undefined) this.#requireSiteOf(p.siteId, accountId, accountId);
      if (p.referenceProductInstanceId !== undefined) this.#requireReference(accountId, p.referenceProductInstanceId);
      return { input: p, product, cycle };
    });

    // Cross-item rules: same product (or same one-per-site type) twice on one site; one reference used twice.
    const refs = new Set<string>();
    resolved.forEach((a, i) => {
      const ref = a.input.referenceProductInstanceId;
      if (ref !== undefined) {
        if (refs.has(ref)) throw invalidReference(ref);
        refs.add(ref);
      }
      if (a.input.siteId === undefined) return;
      for (const b of resolved.slice(i + 1)) {
        const sameProduct = a.product.id === b.product.id || (a.product.onePerSite && a.product.type === b.product.type);
        if (b.input.siteId === a.input.siteId && sameProduct) {
          throw applicationError(428, 'MULTIPLE_PRODUCT_ASSIGNMENTS', `Product ${b.product.id} is assigned to site ${a.input.siteId} more than once in this request`, { siteId: a.input.siteId, catalogProductId: b.product.id });
        }
      }
    });
    // Site rules are checked against existing instances only: "create the essential package first" (§4.2).
    for (const { input: p, product } of resolved) {
      if (p.siteId !== undefined) this.#checkSiteRules(product, p.siteId, undefined);
    }

    const now = this.#stamp();
    const pkg: Package = {
      id: randomUUID(),
      accountId,
      productInstances: resolved.map(({ input: p, product, cycle }) => {
        const i: ProductInstance = {
          instanceId: randomUUID(),
          catalogProductId: product.id,
          status: 'PENDING', // §4.2: new instances come back PENDING
          billingInfo: cloneCycle(cycle),
          createdDate: now,
          updatedDate: now,
        };
        if (p.siteId !== undefined) i.siteId = p.siteId;
        if (p.countryCode !== undefined) i.countryCode = p.countryCode;
        if (p.discountCode !== undefined) i.discountCode = p.discountCode;
        if (p.referenceProductInstanceId !== undefined) i.referenceProductInstanceId = p.referenceProductInstanceId;
        if (product.expiresAfterMonths !== undefined) i.expirationDate = addMonths(now, product.expiresAfterMonths);
        return i;
      }),
      createdDate: now,
      updatedDate: now,
      parentAccountId: this.#rootOf(accountId),
    };
    if (input.externalId !== undefined) pkg.externalId = input.externalId;
    this.#insert(pkg);
    for (const ref of refs) this.#usedReferences.add(ref);
    if (this.#opts.autoActivateAfterMs !== undefined) {
      const at = Date.parse(now) + this.#opts.autoActivateAfterMs;
      for (const i of pkg.productInstances) this.#activateAt.set(i.instanceId, at);
    }
    return structuredClone(pkg);
  }

  /** Cancels every instance (§4.5). Cancelling an already-canceled package succeeds unchanged (idempotent). */
  cancelPackage(accountId: string, id: string): Package {
    this.#settle();
    const pkg = this.#ownedPackage(accountId, id);
    const now = this.#stamp();
    for (const i of pkg.productInstances) this.#cancel(pkg, i, now);
    return structuredClone(pkg);
  }

  /** Cancels one instance (§4.6); other instances untouched. Already CANCELED → success unchanged. */
  cancelInstance(accountId: string, instanceId: string): Package {
    this.#settle();
    // Standard errors only for this method (§6.3), so an unknown instance is a plain 404.
    const { pkg, inst } = this.#ownedInstance(accountId, instanceId, 404);
    this.#cancel(pkg, inst, this.#stamp());
    return structuredClone(pkg);
  }

  /** Assign (§4.7): may move an instance between sites directly; Create's site rules apply (§11 item 15). */
  assign(accountId: string, instanceId: string, siteId: string): Package {
    this.#settle();
    const { pkg, inst } = this.#ownedInstance(accountId, instanceId, 428);
    this.#requireStatus(inst, ['PENDING', 'ENABLED', 'AWAITING_ACTION'], 'assigned');
    this.#requireSiteOf(siteId, pkg.accountId, accountId);
    if (inst.siteId === siteId) return structuredClone(pkg); // already there: nothing to do
    this.#checkSiteRules(this.#product(inst.catalogProductId), siteId, inst.instanceId);
    inst.siteId = siteId;
    this.#touch(pkg, inst, this.#stamp());
    return structuredClone(pkg);
  }

  /** Unassign (§4.8): the instance becomes floating. */
  unassign(accountId: string, instanceId: string): Package {
    this.#settle();
    const { pkg, inst } = this.#ownedInstance(accountId, instanceId, 428);
    this.#requireStatus(inst, ['PENDING', 'ENABLED', 'AWAITING_ACTION', 'FAILED'], 'unassigned');
    if (inst.siteId === undefined) {
      throw applicationError(428, 'MISSING_SITE_ID', `Product instance ${instanceId} is not assigned to a site`, { instanceId });
    }
    delete inst.siteId;
    this.#touch(pkg, inst, this.#stamp());
    return structuredClone(pkg);
  }

  /** Adjust (§4.9): change product (same type only) and/or billing cycle. */
  adjust(accountId: string, instanceId: string, input: AdjustInput): Package {
    this.#settle();
    const { pkg, inst } = this.#ownedInstance(accountId, instanceId, 428);
    this.#requireStatus(inst, ['PENDING', 'ENABLED', 'AWAITING_ACTION'], 'adjusted');
    if (input.catalogProductId === undefined && input.billingInfo === undefined) {
      throw applicationError(428, 'MISSING_PRODUCT_DETAILS', 'Either catalogProductId or billingInfo is required', { instanceId });
    }
    const current = this.#product(inst.catalogProductId);
    if (!current.adjustable) {
      throw applicationError(428, 'OPERATION_NOT_SUPPORTED_FOR_PRODUCT', `Product ${current.id} cannot be adjusted`, { catalogProductId: current.id });
    }
    const target = input.catalogProductId !== undefined ? this.#product(input.catalogProductId) : current;
    if (target.type !== current.type) {
      throw applicationError(428, 'INCOMPATIBLE_PRODUCT', `Product ${target.id} is not of the same type as product ${current.id}`, { catalogProductId: target.id });
    }
    let cycle: Cycle;
    if (input.billingInfo !== undefined) {
      cycle = this.#resolveCycle(target, input.billingInfo, 'adjust');
    } else if (inst.billingInfo && target.cycles.some((c) => cycleEquals(c, inst.billingInfo!))) {
      cycle = inst.billingInfo; // new product, current cycle still valid
    } else {
      cycle = this.#resolveCycle(target, undefined, 'adjust');
    }
    const changed = target.id !== inst.catalogProductId || !inst.billingInfo || !cycleEquals(cycle, inst.billingInfo) ||
      (input.catalogProductId !== undefined && input.discountCode !== undefined && input.discountCode !== inst.discountCode);
    if (!changed) return structuredClone(pkg);
    inst.catalogProductId = target.id;
    inst.billingInfo = cloneCycle(cycle);
    // §11 item 8: a discount code only counts together with a new catalogProductId; invalid codes are accepted.
    if (input.catalogProductId !== undefined && input.discountCode !== undefined) inst.discountCode = input.discountCode;
    this.#touch(pkg, inst, this.#stamp());
    return structuredClone(pkg);
  }

  updateExternalId(accountId: string, packageId: string, externalId: string): Package {
    this.#settle();
    const pkg = this.#ownedPackage(accountId, packageId);
    if (pkg.externalId !== externalId) {
      pkg.externalId = externalId;
      pkg.updatedDate = this.#stamp();
    }
    return structuredClone(pkg);
  }

  // ---- test helpers (not part of the emulated API) ----

  /** Deep copy of a package by id, regardless of owner. */
  peek(id: string): Package | undefined {
    this.#settle();
    const p = this.#packages.get(id.toLowerCase());
    return p ? structuredClone(p) : undefined;
  }

  all(): Package[] {
    this.#settle();
    return [...this.#packages.values()].map((p) => structuredClone(p));
  }

  /** Forces a status transition Wix would make on its own (PENDING → ENABLED / FAILED / AWAITING_ACTION). */
  setInstanceStatus(instanceId: string, status: InstanceStatus, failure?: FailureReason): Package {
    this.#settle();
    const found = this.#findInstance(instanceId);
    if (!found) throw new Error(`unknown instance ${instanceId}`);
    const { pkg, inst } = found;
    inst.status = status;
    if (status === 'FAILED') inst.failure = failure ? { ...failure } : { code: 'DELIVERY_TIMEOUT', message: 'Delivery took too long' };
    else delete inst.failure;
    this.#activateAt.delete(inst.instanceId);
    this.#touch(pkg, inst, this.#stamp());
    return structuredClone(pkg);
  }

  // ---- internals ----

  #insert(p: Package): void {
    this.#packages.set(p.id, p);
    for (const i of p.productInstances) this.#instanceToPackage.set(i.instanceId, p.id);
  }

  /** Unique, strictly increasing timestamps, so creation order is visible in createdDate sorting. */
  #stamp(): string {
    const t = Math.max(Date.now(), this.#lastStamp + 1);
    this.#lastStamp = t;
    return new Date(t).toISOString();
  }

  #rootOf(accountId: string): string {
    return this.accounts.get(accountId)?.parentAccountId ?? accountId;
  }

  /**
   * Ownership (§10 item 6): the owning account may act, and so may its reseller parent (the docs let Create run
   * under either the sub-account or the main account, §3/§4.2). A sub-account never acts on its parent's or a
   * sibling's packages.
   */
  #mayActOn(accountId: string, ownerAccountId: string): boolean {
    return accountId === ownerAccountId || this.accounts.get(ownerAccountId)?.parentAccountId === accountId;
  }

  /** PENDING → ENABLED for instances whose autoActivate time has passed (no timers; §10 item 5). */
  #settle(): void {
    if (this.#activateAt.size === 0) return;
    const now = Date.now();
    for (const [instanceId, at] of this.#activateAt) {
      if (at > now) continue;
      this.#activateAt.delete(instanceId);
      const found = this.#findInstance(instanceId);
      if (!found || found.inst.status !== 'PENDING') continue;
      const when = new Date(at).toISOString();
      found.inst.status = 'ENABLED';
      if (when > found.inst.updatedDate) found.inst.updatedDate = when;
      if (when > found.pkg.updatedDate) found.pkg.updatedDate = when;
    }
  }

  #findInstance(instanceId: string): { pkg: Package; inst: ProductInstance } | undefined {
    const id = instanceId.toLowerCase();
    const pkgId = this.#instanceToPackage.get(id);
    const pkg = pkgId === undefined ? undefined : this.#packages.get(pkgId);
    const inst = pkg?.productInstances.find((i) => i.instanceId === id);
    return pkg && inst ? { pkg, inst } : undefined;
  }

  #ownedPackage(accountId: string, id: string): Package {
    const pkg = this.#packages.get(id.toLowerCase());
    if (!pkg) throw packageNotFound(id, 404);
    if (!this.#mayActOn(accountId, pkg.accountId)) throw packageNotFound(id, this.#opts.ownershipMismatchStatus);
    return pkg;
  }

  /** Unknown instance → `notFoundStatus` (428 on the PATCH methods per §6.3, 404 on Cancel Instance). */
  #ownedInstance(accountId: string, instanceId: string, notFoundStatus: 404 | 428): { pkg: Package; inst: ProductInstance } {
    const found = this.#findInstance(instanceId);
    if (!found) throw instanceNotFound(instanceId, notFoundStatus);
    // A mismatch looks like "not found" with the configurable status (§11 item 7).
    if (!this.#mayActOn(accountId, found.pkg.accountId)) throw instanceNotFound(instanceId, this.#opts.ownershipMismatchStatus);
    return found;
  }

  #requireStatus(inst: ProductInstance, allowed: InstanceStatus[], verb: string): void {
    if (!allowed.includes(inst.status)) {
      throw applicationError(428, 'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS', `Product instance ${inst.instanceId} with status ${inst.status} cannot be ${verb}`, { instanceId: inst.instanceId, status: inst.status });
    }
  }

  #product(id: string): CatalogProduct {
    const product = this.products.get(id);
    if (!product) throw applicationError(404, 'PRODUCT_NOT_FOUND', `Product ${id} not found`, { catalogProductId: id });
    if (!product.resellable) {
      throw applicationError(428, 'PRODUCT_SETTINGS_NOT_FOUND', `Product ${id} is not configured for reselling`, { catalogProductId: id });
    }
    return product;
  }

  /** Picks the billing cycle for `product` (§4.2, §4.9). */
  #resolveCycle(product: CatalogProduct, requested: Cycle | undefined, mode: 'create' | 'adjust'): Cycle {
    const data = { catalogProductId: product.id };
    if (requested === undefined) {
      if (product.cycles.length === 1) return product.cycles[0]!;
      throw applicationError(428, 'MISSING_BILLING_CYCLE', `Product ${product.id} has several billing cycles; billingInfo is required`, data);
    }
    const unit = requested.cycleDuration?.unit;
    if (requested.type === 'UNKNOWN' || unit === 'UNKNOWN' || (requested.type === 'ONE_TIME' && requested.cycleDuration)) {
      throw applicationError(428, 'INVALID_BILLING_CYCLE', `Billing cycle is not valid for product ${product.id}`, data);
    }
    if (requested.type === 'RECURRING' && !requested.cycleDuration) {
      if (mode === 'adjust') {
        // One of the three MISSING_PRODUCT_DETAILS messages of §6.3.
        throw applicationError(428, 'MISSING_PRODUCT_DETAILS', 'billingInfo.cycleDuration is required for RECURRING billing', data);
      }
      const recurring = product.cycles.filter((c) => c.type === 'RECURRING');
      if (recurring.length === 1) return recurring[0]!;
      throw applicationError(428, 'MISSING_BILLING_CYCLE', `Product ${product.id} has several billing cycles; cycleDuration is required`, data);
    }
    const match = product.cycles.find((c) => cycleEquals(c, requested));
    if (!match) {
      throw applicationError(428, 'INCOMPATIBLE_BILLING_CYCLE', `Billing cycle is not supported by product ${product.id}`, { ...data, supportedCycles: product.cycles.map(cloneCycle) });
    }
    return match;
  }

  /** The site must exist and belong to `ownerAccountId`; the message names both accounts, like Wix's (§6.1). */
  #requireSiteOf(siteId: string, ownerAccountId: string, requestingAccountId: string): void {
    const site = this.sites.get(siteId);
    if (!site) throw applicationError(404, 'SITE_NOT_FOUND', `Site ${siteId} not found`, { siteId });
    if (site.accountId !== ownerAccountId) {
      throw applicationError(404, 'SITE_NOT_FOUND', `Site ${siteId} is not owned by ${requestingAccountId}, but by ${site.accountId}`, { siteId });
    }
  }

  #hasActiveOfType(siteId: string, type: ProductType, exceptInstanceId: string | undefined): boolean {
    for (const p of this.#packages.values()) {
      for (const i of p.productInstances) {
        if (i.siteId !== siteId || i.instanceId === exceptInstanceId || !ACTIVE.has(i.status)) continue;
        if (this.products.get(i.catalogProductId)?.type === type) return true;
      }
    }
    return false;
  }

  #checkSiteRules(product: CatalogProduct, siteId: string, exceptInstanceId: string | undefined): void {
    if (product.onePerSite && this.#hasActiveOfType(siteId, product.type, exceptInstanceId)) {
      throw applicationError(428, 'PRODUCT_TYPE_ALREADY_ASSIGNED', `Site ${siteId} already has a product of type ${product.type}`, { siteId, catalogProductId: product.id });
    }
    if (product.requiresOnSite !== undefined && !this.#hasActiveOfType(siteId, product.requiresOnSite, exceptInstanceId)) {
      throw applicationError(428, 'PRODUCT_NOT_SUPPORTED_ON_SITE', `Product ${product.id} requires a ${product.requiresOnSite} on site ${siteId}`, { siteId, catalogProductId: product.id });
    }
  }

  #requireReference(accountId: string, refId: string): void {
    const found = this.#findInstance(refId);
    if (!found || !this.#mayActOn(accountId, found.pkg.accountId) || !REFERENCEABLE.has(found.inst.status) || this.#usedReferences.has(found.inst.instanceId)) {
      throw invalidReference(refId);
    }
  }

  #cancel(pkg: Package, inst: ProductInstance, now: string): void {
    if (inst.status === 'CANCELED') return;
    inst.status = 'CANCELED';
    delete inst.failure; // failure is present only while FAILED (§5.2)
    this.#activateAt.delete(inst.instanceId);
    this.#touch(pkg, inst, now);
  }

  #touch(pkg: Package, inst: ProductInstance, now: string): void {
    inst.updatedDate = now;
    pkg.updatedDate = now;
  }
}

function packageNotFound(id: string, status: number): WixApiError {
  return applicationError(status, 'PACKAGE_NOT_FOUND', `Package ${id} not found`, { id });
}

function instanceNotFound(instanceId: string, status: number): WixApiError {
  return applicationError(status, 'PRODUCT_INSTANCE_NOT_FOUND', `Product instance ${instanceId} not found`, { instanceId });
}

function invalidReference(refId: string): WixApiError {
  return applicationError(404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID', `Reference product instance ${refId} is invalid or already used`, { referenceProductInstanceId: refId });
}
