// Wire types of the Resellers API as the sandbox emits them (REST names, ISO dates; §5).
// Mirrored independently from the gateway's client types on purpose (see design.md "Conventions").

export type InstanceStatus = 'PENDING' | 'ENABLED' | 'CANCELED' | 'FAILED' | 'AWAITING_ACTION';
export type CycleType = 'UNKNOWN' | 'ONE_TIME' | 'RECURRING';
export type IntervalUnit = 'UNKNOWN' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';
export type FailureCode = 'UNKNOWN' | 'DELIVERY_TIMEOUT' | 'EXTERNAL_FAILURE';

export const INSTANCE_STATUSES: readonly InstanceStatus[] = ['PENDING', 'ENABLED', 'CANCELED', 'FAILED', 'AWAITING_ACTION'];
export const CYCLE_TYPES: readonly CycleType[] = ['UNKNOWN', 'ONE_TIME', 'RECURRING'];
export const INTERVAL_UNITS: readonly IntervalUnit[] = ['UNKNOWN', 'DAY', 'WEEK', 'MONTH', 'YEAR'];
export const FAILURE_CODES: readonly FailureCode[] = ['UNKNOWN', 'DELIVERY_TIMEOUT', 'EXTERNAL_FAILURE'];

export interface Interval {
  unit: IntervalUnit;
  count: number;
}

export interface Cycle {
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
  billingInfo?: Cycle;
  countryCode?: string;
  discountCode?: string;
  referenceProductInstanceId?: string;
  expirationDate?: string;
  createdDate: string;
  updatedDate: string;
}

export interface Package {
  id: string;
  accountId: string;
  externalId?: string;
  productInstances: ProductInstance[];
  createdDate: string;
  updatedDate: string;
  parentAccountId: string;
}
