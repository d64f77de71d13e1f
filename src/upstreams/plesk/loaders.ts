/**
 * Per-request batching of Plesk look-ups: N subscription look-ups with the same key kind on one
 * server go out as one `webspace/get` packet with N filter values; plan look-ups by GUID likewise
 * (one `service-plan/get` and one `service-plan-addon/get` packet per server and request); the list
 * of a server's add-on plans is asked once per request however many fields ask for it.
 */
import DataLoader from 'dataloader';
import { readOnce } from '../read-once.js';
import type { PleskClient, ReadOptions } from './client.js';
import type { OwnerKey, PleskLookup, PleskPlan, PleskSubscription, SubscriptionKeyKind } from './types.js';

/** A batch failure (transport, packet-level error) fails every value of the batch. */
type Loader<T> = DataLoader<string, PleskLookup<T>>;

export class PleskLoaders {
  private readonly subscriptions = new Map<string, Loader<PleskSubscription>>();
  private readonly servicePlans = new Map<string, Loader<PleskPlan>>();
  private readonly addonPlans = new Map<string, Loader<PleskPlan>>();
  private readonly addonPlanLists = new Map<string, Promise<PleskPlan[]>>();
  private readonly ownerLists = new Map<string, Promise<PleskSubscription[]>>();

  /** Every read of the request carries its signal: a client that went away cancels them. */
  private readonly read: ReadOptions;

  constructor(signal?: AbortSignal) {
    this.read = signal ? { signal } : {};
  }

  subscription(server: string, client: PleskClient, kind: SubscriptionKeyKind, value: string): Promise<PleskLookup<PleskSubscription>> {
    return this.loader(this.subscriptions, `${server}\u0000${kind}`, (values) =>
      client.getSubscriptions({ kind, values }, this.read),
    ).load(value);
  }

  servicePlan(server: string, client: PleskClient, guid: string): Promise<PleskLookup<PleskPlan>> {
    return this.loader(this.servicePlans, server, (guids) => client.getServicePlans(guids, this.read)).load(guid);
  }

  addonPlan(server: string, client: PleskClient, guid: string): Promise<PleskLookup<PleskPlan>> {
    return this.loader(this.addonPlans, server, (guids) => client.getAddonPlans(guids, this.read)).load(guid);
  }

  /** Every add-on plan of the server's administrator. */
  allAddonPlans(server: string, client: PleskClient): Promise<PleskPlan[]> {
    return readOnce(this.addonPlanLists, server, () => client.listAddonPlans(this.read));
  }

  /** One owner's subscriptions, read once per request. */
  subscriptionsOf(server: string, client: PleskClient, owner: OwnerKey): Promise<PleskSubscription[]> {
    return readOnce(this.ownerLists, `${server}\u0000${owner.kind}\u0000${owner.value}`, () => client.getSubscriptionsOf(owner, this.read));
  }

  /** Forgets what this request read of a subscription (after a change, the next read goes upstream). */
  forgetSubscriptions(server: string): void {
    for (const [key, loader] of this.subscriptions) if (key.startsWith(`${server}\u0000`)) loader.clearAll();
    for (const key of this.ownerLists.keys()) if (key.startsWith(`${server}\u0000`)) this.ownerLists.delete(key);
  }

  private loader<T>(
    loaders: Map<string, Loader<T>>,
    key: string,
    batch: (values: string[]) => Promise<PleskLookup<T>[]>,
  ): Loader<T> {
    let loader = loaders.get(key);
    if (!loader) {
      // The client answers one lookup per value, in the order given (matched by filter-id inside).
      loader = new DataLoader((values) => batch([...values]), { maxBatchSize: 100 });
      loaders.set(key, loader);
    }
    return loader;
  }
}
