/** Plesk XML API client: typed operations, packet building, safe parsing, error mapping. No GraphQL. */
export { AGENT_PATH, PLESK_DEFAULTS, PleskClient, createPleskClient, compareProtocolVersions, resolveProtocolVersion, checkPleskValue } from './client.js';
export type { CheckedChangeResult, PleskClientOptions, ReadOptions, PlanLookupOptions } from './client.js';
export {
  PleskApiError,
  PleskConditionError,
  PleskRequestError,
  PleskResponseError,
  PleskTransportError,
  mapPleskApiError,
  toGatewayError,
} from './errors.js';
export type { MapContext, PleskCondition, PleskErrorLayer, PleskRequestRefusal, PleskResponseFailure } from './errors.js';
export { DEFAULT_PROTOCOL_VERSION, MAX_FILTER_VALUES } from './packets.js';
export { PLESK_STATUS_BITS, WRITE_OPERATIONS } from './types.js';
export type {
  PlanClassification,
  PlanKey,
  PlanKeyKind,
  PlanOwnerScope,
  PlanRef,
  PleskChangeResult,
  PleskCredentials,
  PleskLookup,
  PleskOperationName,
  PleskPlan,
  PleskPlanKind,
  PleskPlanReference,
  PleskProtocols,
  PleskSubscription,
  SubscriptionKey,
  SubscriptionKeyKind,
  SubscriptionRef,
} from './types.js';
