/**
 * Request packets, built element by element in the order the XSD requires (plesk-xml-api.md §2–§4), serialized by
 * fast-xml-parser's XMLBuilder (which escapes `&`, `<`, `>`, `"` and `'` in text and attributes). Tag names are
 * literals of this file, never derived from input. Every builder validates its values first and throws a
 * `PleskRequestError` instead of producing a packet from §7.12's "never emit" list: mixed filter kinds are
 * impossible by construction, an empty filter is refused for mutations, a plan reference must name exactly one of
 * GUID / external ID.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { PleskRequestError } from './errors.js';
import type { OwnerKey, OwnerKeyKind, PlanKey, PlanKeyKind, PlanOwnerScope, PlanRef, SubscriptionKey, SubscriptionKeyKind, SubscriptionRef } from './types.js';

export const DEFAULT_PROTOCOL_VERSION = '1.6.9.1';
/** Most values the client puts into one filter. */
export const MAX_FILTER_VALUES = 100;
const MAX_VALUE_LENGTH = 1024;
const MAX_NAME_LENGTH = 255;

type Tag =
  | 'packet'
  | 'webspace'
  | 'service-plan'
  | 'service-plan-addon'
  | 'server'
  | 'get'
  | 'get_protos'
  | 'add-subscription'
  | 'remove-subscription'
  | 'switch-subscription'
  | 'filter'
  | 'dataset'
  | 'gen_info'
  | 'subscriptions'
  | 'id'
  | 'name'
  | 'guid'
  | 'external-id'
  | 'plan-guid'
  | 'plan-external-id'
  | 'no-plan'
  | 'owner-id'
  | 'owner-login'
  | 'owner-guid'
  | 'owner-external-id'
  | 'owner-all';

/** An element with element children, or a text-only leaf, or an empty element. */
interface XmlElement {
  tag: Tag;
  children?: XmlElement[];
  text?: string;
}

type Ordered = Record<string, unknown>;

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  format: false,
});

function toOrdered(el: XmlElement): Ordered {
  const content: Ordered[] = [];
  if (el.text !== undefined) content.push({ '#text': el.text });
  for (const child of el.children ?? []) content.push(toOrdered(child));
  return { [el.tag]: content };
}

/** Serializes one `<packet>` with its operator element. `version: null` omits the attribute. */
export function serializePacket(operator: XmlElement, version: string | null): string {
  const packet = toOrdered({ tag: 'packet', children: [operator] });
  if (version !== null) packet[':@'] = { '@_version': version };
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build([packet])}`;
}

const el = (tag: Tag, ...children: XmlElement[]): XmlElement => ({ tag, children });
const leaf = (tag: Tag, text: string): XmlElement => ({ tag, text });

// ---------------------------------------------------------------------------------------------------------------
// Value checks

const VERSION_RE = /^\d{1,4}(\.\d{1,4}){0,3}$/;
const ID_RE = /^[1-9]\d{0,9}$/;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// C0 controls (tab/CR/LF included: no filter value legitimately has them), DEL, C1 controls, non-characters,
// lone surrogates. Those that XML 1.0 forbids could not be sent at all; the others would be normalized by XML
// parsing and then no longer match `filter-id`.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS_RE = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function validateProtocolVersion(version: string): string {
  if (!VERSION_RE.test(version)) {
    throw new PleskRequestError('invalid-option', 'protocolVersion', 'The Plesk protocol version must look like 1.6.9.1.');
  }
  return version;
}

type ValueKind = SubscriptionKeyKind | PlanKeyKind | 'ownerId' | 'ownerLogin';

/** Validates one filter / plan value of the given kind and returns it unchanged. */
export function checkValue(kind: ValueKind, value: unknown, field: string): string {
  const refuse = (why: string): never => {
    throw new PleskRequestError('invalid-value', field, `Invalid ${kind} value: ${why}.`);
  };
  if (typeof value !== 'string') return refuse('not a string');
  if (value.length === 0) return refuse('empty');
  if (value.length > MAX_VALUE_LENGTH) return refuse('too long');
  if (FORBIDDEN_CHARS_RE.test(value)) return refuse('contains control characters');
  if (value.trim() !== value) return refuse('leading or trailing whitespace');
  switch (kind) {
    case 'id':
    case 'ownerId':
      if (!ID_RE.test(value)) refuse('not a positive integer');
      break;
    case 'guid':
      if (!GUID_RE.test(value)) refuse('not a GUID');
      break;
    case 'name':
      if (value.length > MAX_NAME_LENGTH) refuse('longer than 255 characters');
      break;
    default:
      break;
  }
  return value;
}

function checkValues(kind: ValueKind, values: unknown, field: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(values)) throw new PleskRequestError('no-values', field, 'Filter values must be an array.');
  if (values.length === 0 && !allowEmpty) throw new PleskRequestError('no-values', field, 'No filter value was given.');
  if (values.length > MAX_FILTER_VALUES) {
    throw new PleskRequestError('too-many-values', field, `At most ${MAX_FILTER_VALUES} values fit in one Plesk packet.`);
  }
  return values.map((v, i) => checkValue(kind, v, `${field}.${i}`));
}

const SUBSCRIPTION_FILTER_TAG: Record<SubscriptionKeyKind, Tag> = {
  id: 'id',
  name: 'name',
  guid: 'guid',
  externalId: 'external-id',
};

const PLAN_FILTER_TAG: Record<PlanKeyKind, Tag> = {
  id: 'id',
  name: 'name',
  guid: 'guid',
  externalId: 'external-id',
};

function subscriptionKind(kind: unknown, field: string): SubscriptionKeyKind {
  if (kind === 'id' || kind === 'name' || kind === 'guid' || kind === 'externalId') return kind;
  throw new PleskRequestError('invalid-value', field, 'Unknown subscription key kind.');
}

function planKind(kind: unknown, field: string): PlanKeyKind {
  if (kind === 'id' || kind === 'name' || kind === 'guid' || kind === 'externalId') return kind;
  throw new PleskRequestError('invalid-value', field, 'Unknown plan key kind.');
}

/** `{ guid }` or `{ externalId }`, exactly one, checked at run time too (callers may be untyped). */
export function checkPlanRef(plan: unknown, field = 'plan'): { tag: 'plan-guid' | 'plan-external-id'; value: string } {
  if (typeof plan !== 'object' || plan === null) {
    throw new PleskRequestError('plan-reference', field, 'A plan must be given by GUID or by external ID.');
  }
  const p = plan as { guid?: unknown; externalId?: unknown };
  const hasGuid = p.guid !== undefined;
  const hasExternal = p.externalId !== undefined;
  if (hasGuid === hasExternal) {
    throw new PleskRequestError('plan-reference', field, 'Give exactly one of plan GUID and plan external ID.');
  }
  return hasGuid
    ? { tag: 'plan-guid', value: checkValue('guid', p.guid, `${field}.guid`) }
    : { tag: 'plan-external-id', value: checkValue('externalId', p.externalId, `${field}.externalId`) };
}

// ---------------------------------------------------------------------------------------------------------------
// Packets

export type WebspaceDataset = 'gen_info' | 'subscriptions';

/** `<webspace><get><filter>…</filter><dataset>…</dataset></get></webspace>` (§4.1): filter first, then dataset. */
export function webspaceGetPacket(key: SubscriptionKey, datasets: readonly WebspaceDataset[], version: string | null): string {
  const kind = subscriptionKind(key?.kind, 'filter.kind');
  const values = checkValues(kind, key.values, `filter.${kind}`, false);
  const tag = SUBSCRIPTION_FILTER_TAG[kind];
  return webspaceGet(values.map((v) => leaf(tag, v)), datasets, version);
}

/** The owner branches of the webspace filter (§3), and how each value is checked. */
const OWNER_FILTER: Record<OwnerKeyKind, { tag: Tag; check: ValueKind }> = {
  id: { tag: 'owner-id', check: 'ownerId' },
  login: { tag: 'owner-login', check: 'ownerLogin' },
  guid: { tag: 'owner-guid', check: 'guid' },
  externalId: { tag: 'owner-external-id', check: 'externalId' },
};

/** `webspace get` of ONE owner's subscriptions: a single owner value, so every result is one of its subscriptions. */
export function webspaceOfOwnerPacket(owner: OwnerKey, datasets: readonly WebspaceDataset[], version: string | null): string {
  const kind = owner?.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(OWNER_FILTER, kind)) throw new PleskRequestError('invalid-value', 'filter.kind', 'Unknown owner key kind.');
  const filter = OWNER_FILTER[kind];
  const value = checkValue(filter.check, owner.value, `filter.owner.${owner.kind}`);
  return webspaceGet([leaf(filter.tag, value)], datasets, version);
}

function webspaceGet(filter: XmlElement[], datasets: readonly WebspaceDataset[], version: string | null): string {
  const wanted = (['gen_info', 'subscriptions'] as const).filter((d) => datasets.includes(d));
  if (wanted.length === 0) throw new PleskRequestError('invalid-option', 'dataset', 'At least one dataset is required.');
  return serializePacket(el('webspace', el('get', el('filter', ...filter), el('dataset', ...wanted.map((d) => el(d))))), version);
}

export type PlanChangeOperation = 'add-subscription' | 'remove-subscription' | 'switch-subscription';

/**
 * `add-subscription` / `remove-subscription` / `switch-subscription` (§4.2–§4.4): `filter` with exactly one
 * value first, then exactly one of `plan-guid` / `plan-external-id` (or `no-plan`, switch only).
 */
export function planChangePacket(
  operation: PlanChangeOperation,
  subscription: SubscriptionRef,
  plan: PlanRef | { noPlan: true },
  version: string | null,
): string {
  if (typeof subscription !== 'object' || subscription === null) {
    throw new PleskRequestError('empty-filter', 'subscription', 'A change needs exactly one subscription.');
  }
  const kind = subscriptionKind(subscription.kind, 'subscription.kind');
  if (subscription.value === undefined || subscription.value === '') {
    throw new PleskRequestError('empty-filter', `subscription.${kind}`, 'A change must name a subscription: an empty filter would act on every subscription.');
  }
  const value = checkValue(kind, subscription.value, `subscription.${kind}`);
  let planElement: XmlElement;
  if (typeof plan === 'object' && plan !== null && (plan as { noPlan?: unknown }).noPlan === true) {
    if (operation !== 'switch-subscription') {
      throw new PleskRequestError('plan-reference', 'plan', 'Only switch-subscription accepts "no plan".');
    }
    if ((plan as { guid?: unknown }).guid !== undefined || (plan as { externalId?: unknown }).externalId !== undefined) {
      throw new PleskRequestError('plan-reference', 'plan', 'Give exactly one of plan GUID, plan external ID and "no plan".');
    }
    planElement = el('no-plan');
  } else {
    const ref = checkPlanRef(plan);
    planElement = leaf(ref.tag, ref.value);
  }
  return serializePacket(
    el('webspace', el(operation, el('filter', leaf(SUBSCRIPTION_FILTER_TAG[kind], value)), planElement)),
    version,
  );
}

/**
 * `service-plan get` / `service-plan-addon get` (§4.6): `filter` (one kind, repeatable; `null` = empty filter =
 * all plans in scope, a read only), then optionally one of `owner-id` / `owner-login` / `owner-all`.
 */
export function planGetPacket(
  operator: 'service-plan' | 'service-plan-addon',
  key: PlanKey | null,
  owner: PlanOwnerScope | undefined,
  version: string | null,
): string {
  const filter: XmlElement = el('filter');
  if (key !== null) {
    const kind = planKind(key?.kind, 'filter.kind');
    const values = checkValues(kind, key.values, `filter.${kind}`, false);
    filter.children = values.map((v) => leaf(PLAN_FILTER_TAG[kind], v));
  }
  const get = el('get', filter);
  if (owner !== undefined) {
    if (owner === 'all') get.children!.push(el('owner-all'));
    else if (typeof owner === 'object' && owner !== null && 'ownerId' in owner && !('ownerLogin' in owner)) {
      get.children!.push(leaf('owner-id', checkValue('ownerId', owner.ownerId, 'owner.ownerId')));
    } else if (typeof owner === 'object' && owner !== null && 'ownerLogin' in owner && !('ownerId' in owner)) {
      get.children!.push(leaf('owner-login', checkValue('ownerLogin', owner.ownerLogin, 'owner.ownerLogin')));
    } else {
      throw new PleskRequestError('invalid-option', 'owner', 'Owner scope must be { ownerId }, { ownerLogin } or "all".');
    }
  }
  return serializePacket(el(operator, get), version);
}

/** `<server><get_protos/></server>`, sent without a version so that it works whatever version is pinned. */
export function getProtosPacket(): string {
  return serializePacket(el('server', el('get_protos')), null);
}
