/**
 * Wix Resellers wire types, in REST names (not the SDK's `_id` renames). Reference: wix-resellers-api.md §5.
 */

export const INSTANCE_STATUSES = ['PENDING', 'ENABLED', 'CANCELED', 'FAILED', 'AWAITING_ACTION'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const CYCLE_TYPES = ['UNKNOWN', 'ONE_TIME', 'RECURRING'] as const;
export type CycleType = (typeof CYCLE_TYPES)[number];

export const INTERVAL_UNITS = ['UNKNOWN', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

export const FAILURE_CODES = ['UNKNOWN', 'DELIVERY_TIMEOUT', 'EXTERNAL_FAILURE'] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface Interval {
  unit: IntervalUnit;
  count: number;
}

export interface BillingInfo {
  type: CycleType;
  cycleDuration?: Interval;
}

export interface FailureReason {
  code: FailureCode;
  message: string;
}

export interface ProductInstance {
  instanceId: string;
  siteId?: string;
  catalogProductId: string;
  status: InstanceStatus;
  failure?: FailureReason;
  billingInfo?: BillingInfo;
  countryCode?: string;
  expirationDate?: string;
  discountCode?: string;
  referenceProductInstanceId?: string;
  createdDate?: string;
  updatedDate?: string;
}

export interface Package {
  id: string;
  accountId: string;
  externalId?: string;
  productInstances: ProductInstance[];
  createdDate?: string;
  updatedDate?: string;
}

/** The writable part of a product instance on Create Package V2 (§4.2). */
export interface NewProductInstance {
  catalogProductId: string;
  countryCode: string;
  siteId?: string;
  billingInfo?: BillingInfo;
  discountCode?: string;
  referenceProductInstanceId?: string;
}

/** QueryV2 (§7). Filters are Wix's Mongo-like objects. */
export interface PackagesQuery {
  filter?: Record<string, unknown>;
  sort?: { fieldName: 'createdDate' | 'updatedDate'; order?: 'ASC' | 'DESC' }[];
  cursorPaging?: { limit?: number; cursor?: string };
}

export interface PackagesPage {
  packages: Package[];
  count: number;
  nextCursor?: string;
}

export interface MutationResult {
  package: Package;
  idempotencyKey?: string;
  /** `x-wix-request-id` of the response, for the audit trail and support. */
  requestId?: string;
}
