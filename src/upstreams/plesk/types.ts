/**
 * Domain and wire types of the Plesk XML API client (plesk-xml-api.md §3–§5). No GraphQL here.
 * Every id, GUID and name is a string: nothing coming from Plesk is coerced to a number except the
 * status bit mask and error codes, which are validated first.
 */
import type { PleskApiError } from './errors.js';

/** Credentials: login + password (`HTTP_AUTH_LOGIN`/`HTTP_AUTH_PASSWD`) or a secret key (`KEY`), never both (§1.2). */
export type PleskCredentials = { login: string; password: string } | { secretKey: string };

/** Which webspace filter branch a lookup uses (§3). One kind per packet: Plesk rejects mixed kinds. */
export type SubscriptionKeyKind = 'id' | 'name' | 'guid' | 'externalId';

/** Several values of ONE kind, for batch lookups. */
export interface SubscriptionKey {
  kind: SubscriptionKeyKind;
  values: readonly string[];
}

/** Who owns subscriptions (a customer or a reseller), by one key: the owner branches of the filter (§3). */
export type OwnerKeyKind = 'id' | 'login' | 'guid' | 'externalId';

export interface OwnerKey {
  kind: OwnerKeyKind;
  value: string;
}

/** Exactly one subscription, for mutations (one value per packet, §11 #7). */
export interface SubscriptionRef {
  kind: SubscriptionKeyKind;
  value: string;
}

/** An add-on (or service) plan named by GUID or by external ID: exactly one of the two (§4.3). */
export type PlanRef = { guid: string; externalId?: never } | { externalId: string; guid?: never };

/** Filter branches of `service-plan get` / `service-plan-addon get` (§4.6). */
export type PlanKeyKind = 'guid' | 'externalId' | 'id' | 'name';

export interface PlanKey {
  kind: PlanKeyKind;
  values: readonly string[];
}

/**
 * Whose plans a plan lookup searches (§4.6). Without it Plesk searches the requester's own plans
 * (inferred); `all` sends `<owner-all/>` (service plans: protocol 1.6.3.4 and later).
 */
export type PlanOwnerScope = { ownerId: string } | { ownerLogin: string } | 'all';

/** One entry of the `subscriptions` dataset: a main-plan or add-on GUID, unflagged (§4.1, §4.7). */
export interface PleskPlanReference {
  guid: string;
  externalId: string | null;
}

/** Bits of `gen_info/status` (`objectStatus`, §4.1). 0 = active. */
export const PLESK_STATUS_BITS = {
  backupRestore: 4,
  disabledByAdmin: 16,
  disabledByReseller: 32,
  disabledByCustomer: 64,
  expired: 256,
} as const;

export interface PleskSubscription {
  /** Subscription (webspace) ID, digits only. */
  id: string;
  /** Site name as shown in Plesk (Unicode for IDN names). */
  name: string;
  asciiName: string | null;
  guid: string;
  /** `null` when Plesk sent an empty `<external-id/>`. */
  externalId: string | null;
  /** Creation date `YYYY-MM-DD`. */
  createdDate: string | null;
  /** Raw `objectStatus` bit mask; see PLESK_STATUS_BITS. */
  status: number;
  /** `status === 0`. */
  active: boolean;
  /** Owning customer's / reseller's user ID (present for admin and reseller callers). */
  ownerId: string | null;
  ownerLogin: string | null;
  vendorGuid: string | null;
  hostingType: string | null;
  /**
   * Every plan GUID of the `subscriptions` dataset: the main plan and the add-ons, mixed and
   * unflagged (§4.7). Empty for a custom subscription. Use `classifyPlanGuids` to tell them apart.
   */
  plans: PleskPlanReference[];
  /** `null` when Plesk sent no `<subscription>` element. */
  locked: boolean | null;
  synchronized: boolean | null;
}

export type PleskPlanKind = 'service' | 'addon';

export interface PleskPlan {
  kind: PleskPlanKind;
  id: string;
  guid: string;
  externalId: string | null;
  name: string;
  ownerId: string | null;
  ownerLogin: string | null;
}

/**
 * The outcome of one requested value in a batch lookup, in the order the values were given.
 * - `found`: the item.
 * - `not-found`: Plesk answered 1013 for this value (`error` set) or sent no result for it (§5).
 * - `error`: any other per-value (or operation-wide) error.
 */
export type PleskLookup<T> =
  | { value: string; outcome: 'found'; item: T }
  | { value: string; outcome: 'not-found'; error?: PleskApiError }
  | { value: string; outcome: 'error'; error: PleskApiError };

/** A successful `add-subscription` / `remove-subscription` / `switch-subscription`. */
export interface PleskChangeResult {
  /** The subscription ID Plesk reported (`<id>`), when it sent one. */
  subscriptionId: string | null;
  /**
   * Non-fatal warnings: Plesk's plain-text `problems` table (Description / Current / Requested /
   * Allowed), verbatim. Plesk-authored text: log it or show it to operators, don't parse it.
   */
  problems: string | null;
}

/** `classifyPlanGuids` answer for one GUID (§4.7). */
export type PlanClassification =
  | { guid: string; kind: 'service'; plan: PleskPlan }
  | { guid: string; kind: 'addon'; plan: PleskPlan }
  | { guid: string; kind: 'unknown' };

export interface PleskProtocols {
  /** Versions Plesk reports, sorted newest first by numeric comparison (never lexicographic, §1.5). */
  versions: string[];
  latest: string | null;
}

/** Operations the client sends, as `operator/operation`; used in errors and logs. */
export type PleskOperationName =
  | 'webspace/get'
  | 'webspace/add-subscription'
  | 'webspace/remove-subscription'
  | 'webspace/switch-subscription'
  | 'service-plan/get'
  | 'service-plan-addon/get'
  | 'server/get_protos';

export const WRITE_OPERATIONS: ReadonlySet<PleskOperationName> = new Set([
  'webspace/add-subscription',
  'webspace/remove-subscription',
  'webspace/switch-subscription',
]);
