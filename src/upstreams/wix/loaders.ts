/**
 * Per-request batching of Wix look-ups (one set per GraphQL operation, never shared across callers).
 * N `package(id)` or `productInstance(instanceId)` look-ups of one account become one Query Packages
 * call per 100 ids; a lone package look-up uses Get Package; a page asked twice is one call.
 * Results are always checked against the account they were asked for. A failed call fails its
 * batch with one gateway error (toGatewayError), so that a resolver can hand the loader's promise
 * on as it is: graphql-js locates that error at each field (its locatedError is patched to capture
 * no stack of its own, patches/graphql+*.patch).
 */
import DataLoader from 'dataloader';
import { readOnce } from '../read-once.js';
import type { ReadOptions, WixClient } from './client.js';
import { toGatewayError, WixApiError } from './errors.js';
import type { Package, PackagesPage, PackagesQuery } from './types.js';

/** Query Packages' largest page (§7). */
export const QUERY_CHUNK = 100;

export class WixLoaders {
  private readonly byPackageId = new Map<string, DataLoader<string, Package | null>>();
  private readonly byInstanceId = new Map<string, DataLoader<string, Package | null>>();
  private readonly pages = new Map<string, Promise<PackagesPage>>();

  /** Every read of the request carries its signal: a client that went away cancels them. */
  private readonly read: ReadOptions;

  constructor(
    private readonly client: WixClient,
    signal?: AbortSignal,
  ) {
    this.read = signal ? { signal } : {};
  }

  /** The package with this id in this account, or null. */
  package(accountId: string, id: string): Promise<Package | null> {
    return this.packageLoader(accountId).load(id);
  }

  /**
   * The packages with these ids in this account, in their order: null where there is none, and the
   * gateway's error in place of each package whose batch failed (other batches still answer).
   */
  packages(accountId: string, ids: readonly string[]): Promise<(Package | null | Error)[]> {
    return this.packageLoader(accountId).loadMany(ids);
  }

  /** The package holding the product instance with this id in this account, or null. */
  packageOfInstance(accountId: string, instanceId: string): Promise<Package | null> {
    return this.instanceLoader(accountId).load(instanceId);
  }

  /** The packages holding these product instances, in their order, as `packages` answers. */
  packagesOfInstances(accountId: string, instanceIds: readonly string[]): Promise<(Package | null | Error)[]> {
    return this.instanceLoader(accountId).loadMany(instanceIds);
  }

  /**
   * One page of a Query Packages, asked once per request however many fields ask for it (aliases,
   * fragments of several components): the same query of the same account is one call.
   */
  page(accountId: string, query: PackagesQuery): Promise<PackagesPage> {
    return readOnce(this.pages, `${accountId} ${JSON.stringify(query)}`, () => this.client.queryPackages(accountId, query, this.read));
  }

  /** Remembers a package the gateway just received (a mutation's answer, a page of a list). */
  prime(pkg: Package): void {
    this.packageLoader(pkg.accountId).clear(pkg.id).prime(pkg.id, pkg);
    const instances = this.instanceLoader(pkg.accountId);
    for (const instance of pkg.productInstances) instances.clear(instance.instanceId).prime(instance.instanceId, pkg);
  }

  private packageLoader(accountId: string): DataLoader<string, Package | null> {
    let loader = this.byPackageId.get(accountId);
    if (!loader) {
      loader = new DataLoader((ids) => this.loadPackages(accountId, ids), { maxBatchSize: QUERY_CHUNK });
      this.byPackageId.set(accountId, loader);
    }
    return loader;
  }

  private instanceLoader(accountId: string): DataLoader<string, Package | null> {
    let loader = this.byInstanceId.get(accountId);
    if (!loader) {
      loader = new DataLoader((ids) => this.loadByInstances(accountId, ids), { maxBatchSize: QUERY_CHUNK });
      this.byInstanceId.set(accountId, loader);
    }
    return loader;
  }

  private async loadPackages(accountId: string, ids: readonly string[]): Promise<(Package | null)[]> {
    try {
      if (ids.length === 1) {
        const pkg = await this.getOne(accountId, ids[0]!);
        return [pkg && pkg.accountId === accountId ? pkg : null];
      }
      const found = await this.query(accountId, { id: { $in: ids } });
      const byId = new Map(found.map((pkg) => [pkg.id, pkg]));
      return ids.map((id) => byId.get(id) ?? null);
    } catch (error) {
      // No target: Get Package's "not found" answers are null above, and a list call's are not about one id.
      throw toGatewayError(error);
    }
  }

  private async loadByInstances(accountId: string, instanceIds: readonly string[]): Promise<(Package | null)[]> {
    let found: Package[];
    try {
      found = await this.query(accountId, { 'productInstances.instanceId': { $hasSome: instanceIds } });
    } catch (error) {
      throw toGatewayError(error);
    }
    const byInstance = new Map<string, Package>();
    for (const pkg of found) {
      this.packageLoader(accountId).prime(pkg.id, pkg);
      for (const instance of pkg.productInstances) byInstance.set(instance.instanceId, pkg);
    }
    return instanceIds.map((id) => byInstance.get(id) ?? null);
  }

  private async getOne(accountId: string, id: string): Promise<Package | null> {
    try {
      return await this.client.getPackage(accountId, id, this.read);
    } catch (error) {
      // Unknown ids and packages of other accounts both answer 404 (or 403 with a code, §11 item 7).
      if (error instanceof WixApiError && (error.status === 404 || (error.status === 403 && error.applicationCode))) {
        if (error.applicationCode === 'ACCOUNT_NOT_FOUND') throw error;
        return null;
      }
      throw error;
    }
  }

  /** One Query Packages call scoped to the account: the query scope is the whole reseller family (§4.4). */
  private async query(accountId: string, filter: Record<string, unknown>): Promise<Package[]> {
    const page = await this.client.queryPackages(
      accountId,
      { filter: { ...filter, accountId: { $eq: accountId } }, cursorPaging: { limit: QUERY_CHUNK } },
      this.read,
    );
    return page.packages.filter((pkg) => pkg.accountId === accountId);
  }
}
