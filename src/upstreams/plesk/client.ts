/**
 * Typed client for the Plesk XML API (`POST /enterprise/control/agent.php`), no GraphQL in it.
 *
 * - One packet per call; lookups are batch-friendly (N values of one kind in one filter, results matched to the
 *   values by `filter-id`, never by position, §5) and answer per value in the order the values were given, ready
 *   for a DataLoader.
 * - Changes (`add-subscription`, `remove-subscription`, `switch-subscription`) name exactly one subscription and
 *   one plan, run under the longer write deadline, are serialized per subscription within this client, and are
 *   never retried.
 * - Everything goes through `UpstreamHttp` (undici: redirects are never followed; deadline; size cap).
 * - Errors: see errors.ts; `toGatewayError` maps them to the gateway vocabulary.
 */
import { HEADER_VALUE_UNSAFE, retryAfterSeconds, UpstreamHttp, UpstreamTransportError, type CallOrigin, type UpstreamResilience } from '../http.js';
import type { UpstreamCallRecord } from '../http.js';
import { PleskApiError, PleskConditionError, PleskRequestError, PleskResponseError, PleskTransportError } from './errors.js';
import {
  DEFAULT_PROTOCOL_VERSION,
  checkPlanRef,
  validateProtocolVersion,
  checkValue,
  getProtosPacket,
  planChangePacket,
  planGetPacket,
  webspaceGetPacket,
  webspaceOfOwnerPacket,
} from './packets.js';
import type { PlanChangeOperation } from './packets.js';
import { ShapeReader, isObject, operationResults, parsePacket, resultError } from './parse.js';
import type { ParsedPacket, RawResult } from './parse.js';
import type {
  OwnerKey,
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

/** A checked attach/detach: the change's result plus what the checks read (state before the change). */
export type CheckedChangeResult = PleskChangeResult & { subscription: PleskSubscription; plan: PleskPlan };

export const AGENT_PATH = '/enterprise/control/agent.php';

export interface PleskClientOptions {
  /** Panel origin, e.g. `https://panel.example.net:8443` (the agent.php path is appended). */
  baseUrl: string;
  credentials: PleskCredentials;
  /** `<packet version>`; default `1.6.9.1`. `null` omits the attribute (= newest schema, not recommended, §1.5). */
  protocolVersion?: string | null;
  /** PEM CA/certificate to trust for a self-signed panel certificate (§1.4). */
  ca?: string;
  /** Deadline of a read (get), body included. Default 10 s. */
  deadlineMs?: number;
  /** Deadline of a change: Plesk re-applies plan settings, which can be slow (§9 #5). Default 60 s. */
  writeDeadlineMs?: number;
  /** Largest response accepted. Default 2 MiB. */
  maxResponseBytes?: number;
  /** Keep-alive connections to the panel. Default 10. */
  connections?: number;
  /** TCP + TLS connect timeout. Default 3 s. */
  connectTimeoutMs?: number;
  /** Called once per finished call (route = `/enterprise/control/agent.php#operator/operation`). Must not throw. */
  onCall?: (call: UpstreamCallRecord) => void;
  /** Breaker, bulkhead and read retries for this server. */
  resilience?: UpstreamResilience;
}

export interface ReadOptions {
  /** Cancels the call early (e.g. the GraphQL request was abandoned). Reads only. */
  signal?: AbortSignal;
}

export interface PlanLookupOptions extends ReadOptions {
  /** Whose plans to search; default: the credential's own (§4.6). */
  owner?: PlanOwnerScope;
}

export const PLESK_DEFAULTS = {
  protocolVersion: DEFAULT_PROTOCOL_VERSION,
  deadlineMs: 10_000,
  writeDeadlineMs: 60_000,
  maxResponseBytes: 2 * 1024 * 1024,
} as const;


function credentialHeaders(credentials: PleskCredentials): Record<string, string> {
  const bad = (what: string): never => {
    throw new PleskRequestError('invalid-option', 'credentials', `Plesk ${what} is missing or holds characters an HTTP header cannot carry.`);
  };
  if (typeof credentials !== 'object' || credentials === null) return bad('credentials');
  const c = credentials as { login?: unknown; password?: unknown; secretKey?: unknown };
  const hasKey = c.secretKey !== undefined;
  const hasPair = c.login !== undefined || c.password !== undefined;
  if (hasKey === hasPair) {
    throw new PleskRequestError('invalid-option', 'credentials', 'Give either a Plesk login and password or a secret key, not both.');
  }
  const check = (value: unknown, what: string): string =>
    typeof value === 'string' && value !== '' && !HEADER_VALUE_UNSAFE.test(value) ? value : bad(what);
  return hasKey
    ? { KEY: check(c.secretKey, 'secret key') }
    : { HTTP_AUTH_LOGIN: check(c.login, 'login'), HTTP_AUTH_PASSWD: check(c.password, 'password') };
}


/** Numeric, component-wise comparison of protocol versions (`1.6.10.0` > `1.6.9.1`, §1.5). */
export function compareProtocolVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The version a server would use for `requested`: exact, or the newest one it prefixes (`1.6` → `1.6.9.1`). */
export function resolveProtocolVersion(supported: readonly string[], requested: string): string | null {
  if (supported.includes(requested)) return requested;
  const matching = supported.filter((v) => v.startsWith(`${requested}.`));
  if (matching.length === 0) return null;
  return [...matching].sort(compareProtocolVersions).at(-1) ?? null;
}

const caseInsensitive = (kind: SubscriptionKeyKind | PlanKeyKind): boolean => kind === 'name' || kind === 'guid';

/** Finds the requested value a result belongs to: exact, then (names, GUIDs) case-insensitively. */
function findRequested(values: readonly string[], candidate: string, kind: SubscriptionKeyKind | PlanKeyKind): string | undefined {
  if (values.includes(candidate)) return candidate;
  if (!caseInsensitive(kind)) return undefined;
  const lower = candidate.toLowerCase();
  return values.find((v) => v.toLowerCase() === lower);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export class PleskClient {
  readonly http: UpstreamHttp;
  readonly protocolVersion: string | null;
  readonly #headers: Record<string, string>;
  readonly #deadlineMs: number;
  readonly #writeDeadlineMs: number;
  /** Shared with this client's views: changes are serialized per subscription across requests. */
  readonly #locks: Map<string, Promise<unknown>>;
  /** Stated on every call of this client (see `withOrigin`). */
  readonly #origin: CallOrigin | undefined;

  constructor(options: PleskClientOptions);
  /** The view `client.withOrigin(origin)` returns. */
  constructor(client: PleskClient, origin: CallOrigin);
  constructor(from: PleskClientOptions | PleskClient, origin?: CallOrigin) {
    this.#origin = origin;
    if (from instanceof PleskClient) {
      this.http = from.http;
      this.protocolVersion = from.protocolVersion;
      this.#headers = from.#headers;
      this.#deadlineMs = from.#deadlineMs;
      this.#writeDeadlineMs = from.#writeDeadlineMs;
      this.#locks = from.#locks;
      return;
    }
    const options = from;
    this.#locks = new Map();
    this.#headers = { 'Content-Type': 'text/xml; charset=UTF-8', ...credentialHeaders(options.credentials) };
    const version = options.protocolVersion === undefined ? PLESK_DEFAULTS.protocolVersion : options.protocolVersion;
    this.protocolVersion = version === null ? null : validateProtocolVersion(version);
    this.#deadlineMs = options.deadlineMs ?? PLESK_DEFAULTS.deadlineMs;
    this.#writeDeadlineMs = options.writeDeadlineMs ?? PLESK_DEFAULTS.writeDeadlineMs;
    const longest = Math.max(this.#deadlineMs, this.#writeDeadlineMs);
    this.http = new UpstreamHttp({
      upstream: 'plesk',
      baseUrl: options.baseUrl,
      deadlineMs: this.#deadlineMs,
      // The per-call deadline governs; undici's own timers must not cut a slow write short.
      headersTimeoutMs: longest,
      bodyTimeoutMs: longest,
      maxResponseBytes: options.maxResponseBytes ?? PLESK_DEFAULTS.maxResponseBytes,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.onCall !== undefined ? { onCall: options.onCall } : {}),
      ...(options.resilience !== undefined ? { resilience: options.resilience } : {}),
    });
  }

  /**
   * This client for one request: the same connections, policy and locks, with `origin` stated on
   * every call, so that logs and traces tie the calls to the request. One small object.
   */
  withOrigin(origin: CallOrigin): PleskClient {
    return new PleskClient(this, origin);
  }

  /** Closes idle sockets and waits for in-flight calls. */
  async close(): Promise<void> {
    await this.http.close();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reads

  /**
   * `webspace get` with datasets `gen_info` + `subscriptions` for N values of one kind, in ONE packet.
   * Answers one `PleskLookup` per given value, in the given order (duplicates share one filter value).
   */
  async getSubscriptions(key: SubscriptionKey, options: ReadOptions = {}): Promise<PleskLookup<PleskSubscription>[]> {
    const operation: PleskOperationName = 'webspace/get';
    const values = Array.isArray(key?.values) ? key.values : [];
    const sent = unique(values);
    const packet = webspaceGetPacket({ kind: key?.kind, values: sent }, ['gen_info', 'subscriptions'], this.protocolVersion);
    const { parsed, status } = await this.#call(operation, packet, false, options.signal);
    const results = operationResults(parsed, operation, status);
    const reader = new ShapeReader(operation, status);

    const byValue = new Map<string, PleskLookup<PleskSubscription>>();
    const wide: RawResult[] = [];
    const assign = (value: string, result: RawResult): void => {
      if (byValue.has(value)) return;
      if (result.status === 'ok') {
        byValue.set(value, { value, outcome: 'found', item: toSubscription(result, reader) });
      } else {
        const error = resultError(result, operation, status, value);
        byValue.set(value, result.errcode === 1013 ? { value, outcome: 'not-found', error } : { value, outcome: 'error', error });
      }
    };
    for (const result of results) {
      if (result.filterId !== undefined) {
        const value = findRequested(sent, result.filterId, key.kind);
        if (value !== undefined) assign(value, result);
        continue;
      }
      if (result.status === 'error') {
        wide.push(result);
        continue;
      }
      // An ok result without filter-id (docs say it is always there): attribute it by its content, never by position.
      const item = toSubscription(result, reader);
      const own = { id: item.id, name: item.name, guid: item.guid, externalId: item.externalId ?? '' }[key.kind];
      const value = findRequested(sent, own, key.kind);
      if (value !== undefined && !byValue.has(value)) byValue.set(value, { value, outcome: 'found', item });
    }
    return values.map((value) => {
      const known = byValue.get(value);
      if (known) return known.value === value ? known : { ...known, value };
      const operationWide = wide[0];
      if (operationWide) {
        const error = resultError(operationWide, operation, status, value);
        return operationWide.errcode === 1013 ? { value, outcome: 'not-found', error } : { value, outcome: 'error', error };
      }
      return { value, outcome: 'not-found' };
    });
  }

  /**
   * `webspace get` of one owner's subscriptions (gen_info + subscriptions), in the order Plesk lists
   * them. One owner value per packet, so each `ok` result is one of its subscriptions whatever its
   * filter-id (which Plesk does not document for owner filters, §5). An owner with no subscription,
   * or none Plesk knows (1013, 1015): an empty list.
   */
  async getSubscriptionsOf(owner: OwnerKey, options: ReadOptions = {}): Promise<PleskSubscription[]> {
    const operation: PleskOperationName = 'webspace/get';
    const packet = webspaceOfOwnerPacket(owner, ['gen_info', 'subscriptions'], this.protocolVersion);
    const { parsed, status } = await this.#call(operation, packet, false, options.signal);
    const reader = new ShapeReader(operation, status);
    const byId = new Map<string, PleskSubscription>();
    for (const result of operationResults(parsed, operation, status)) {
      if (result.status === 'ok') {
        const item = toSubscription(result, reader);
        if (!byId.has(item.id)) byId.set(item.id, item);
      } else if (result.errcode !== 1013 && result.errcode !== 1015) {
        throw resultError(result, operation, status, owner.value);
      }
    }
    return [...byId.values()];
  }

  /** `service-plan get` by GUID (or another plan key), one packet; per value, in order. */
  getServicePlans(guids: readonly string[] | PlanKey, options: PlanLookupOptions = {}): Promise<PleskLookup<PleskPlan>[]> {
    return this.#getPlans('service', Array.isArray(guids) ? { kind: 'guid', values: guids } : (guids as PlanKey), options);
  }

  /** `service-plan-addon get` by GUID (or another plan key), one packet; per value, in order. */
  getAddonPlans(guids: readonly string[] | PlanKey, options: PlanLookupOptions = {}): Promise<PleskLookup<PleskPlan>[]> {
    return this.#getPlans('addon', Array.isArray(guids) ? { kind: 'guid', values: guids } : (guids as PlanKey), options);
  }

  /** Every service plan in scope (`<filter/>`, a read). */
  listServicePlans(options: PlanLookupOptions = {}): Promise<PleskPlan[]> {
    return this.#listPlans('service', options);
  }

  /** Every add-on plan in scope (`<filter/>`, a read): what a frontend offers to attach. */
  listAddonPlans(options: PlanLookupOptions = {}): Promise<PleskPlan[]> {
    return this.#listPlans('addon', options);
  }

  /**
   * Tells main plan and add-ons apart (§4.7): one `service-plan get` and one `service-plan-addon get` for all the
   * GUIDs (two packets, in parallel). GUIDs that are neither come back `unknown` (e.g. another owner's plan).
   */
  async classifyPlanGuids(guids: readonly string[], options: PlanLookupOptions = {}): Promise<PlanClassification[]> {
    const sent = unique(guids);
    if (sent.length === 0) return [];
    const [service, addon] = await Promise.all([this.getServicePlans(sent, options), this.getAddonPlans(sent, options)]);
    const found = new Map<string, PlanClassification>();
    for (const lookups of [service, addon]) {
      for (const lookup of lookups) {
        if (lookup.outcome === 'error') throw lookup.error;
        if (lookup.outcome === 'found' && !found.has(lookup.value)) {
          found.set(lookup.value, { guid: lookup.value, kind: lookup.item.kind, plan: lookup.item } as PlanClassification);
        }
      }
    }
    return guids.map((guid) => found.get(guid) ?? { guid, kind: 'unknown' });
  }

  /** `server get_protos`, sent without a version attribute; versions sorted newest first, numerically. */
  async getProtocols(options: ReadOptions = {}): Promise<PleskProtocols> {
    const operation: PleskOperationName = 'server/get_protos';
    const { parsed, status } = await this.#call(operation, getProtosPacket(), false, options.signal);
    const results = operationResults(parsed, operation, status);
    const reader = new ShapeReader(operation, status);
    const result = results[0];
    if (!result) return reader.fail();
    if (result.status === 'error') throw resultError(result, operation, status);
    const protos = reader.object(result.node, 'protos');
    const versions = reader.list(protos, 'proto').map((v) => {
      if (typeof v !== 'string' || !/^\d{1,4}(\.\d{1,4}){0,3}$/.test(v)) return reader.fail();
      return v;
    });
    versions.sort((a, b) => compareProtocolVersions(b, a));
    return { versions, latest: versions[0] ?? null };
  }

  /** Whether the pinned protocol version is served (exactly or by prefix), for a start-up check (§1.5). */
  async checkProtocolVersion(options: ReadOptions = {}): Promise<{ pinned: string | null; resolved: string | null; protocols: PleskProtocols }> {
    const protocols = await this.getProtocols(options);
    const pinned = this.protocolVersion;
    return { pinned, resolved: pinned === null ? protocols.latest : resolveProtocolVersion(protocols.versions, pinned), protocols };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Changes: exactly one subscription, exactly one plan, one packet.

  /** `webspace add-subscription`: attaches an add-on plan. */
  addSubscriptionAddon(subscription: SubscriptionRef, plan: PlanRef): Promise<PleskChangeResult> {
    return this.#change('add-subscription', subscription, plan);
  }

  /** `webspace remove-subscription`: detaches an add-on plan. Success may carry `problems` (non-fatal). */
  removeSubscriptionAddon(subscription: SubscriptionRef, plan: PlanRef): Promise<PleskChangeResult> {
    return this.#change('remove-subscription', subscription, plan);
  }

  /** `webspace switch-subscription`: changes the main service plan, or `{ noPlan: true }` makes it custom. */
  switchSubscription(subscription: SubscriptionRef, plan: PlanRef | { noPlan: true }): Promise<PleskChangeResult> {
    return this.#change('switch-subscription', subscription, plan);
  }

  /**
   * Detach with the checks §6.5 / §11 #1 recommend, since Plesk's answer for an unattached add-on is undocumented:
   * resolve the plan as an add-on plan, read the subscription's plans, refuse with `NOT_ATTACHED` unless the plan is
   * attached, then `remove-subscription` filtered by the subscription ID and the plan's GUID. Three packets when the
   * subscription is given by ID (four otherwise: its ID is looked up first to take the per-subscription lock).
   */
  detachAddon(subscription: SubscriptionRef, plan: PlanRef): Promise<CheckedChangeResult> {
    return this.#checkedChange('remove-subscription', subscription, plan);
  }

  /**
   * Attach with checks: the plan must be an add-on plan, the subscription must have a service plan (a custom
   * subscription cannot have add-ons) and must not have the add-on yet (`ALREADY_ATTACHED`).
   */
  attachAddon(subscription: SubscriptionRef, plan: PlanRef): Promise<CheckedChangeResult> {
    return this.#checkedChange('add-subscription', subscription, plan);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  async #checkedChange(operation: 'add-subscription' | 'remove-subscription', subscription: SubscriptionRef, plan: PlanRef): Promise<CheckedChangeResult> {
    const ref = checkPlanRef(plan);
    if (typeof subscription !== 'object' || subscription === null || subscription.value === undefined || subscription.value === '') {
      throw new PleskRequestError('empty-filter', 'subscription', 'A change must name a subscription.');
    }
    checkValue(subscription.kind, subscription.value, `subscription.${subscription.kind}`);
    const key: PlanKey = ref.tag === 'plan-guid' ? { kind: 'guid', values: [ref.value] } : { kind: 'externalId', values: [ref.value] };
    const [lookup] = await this.getAddonPlans(key);
    if (!lookup) throw new PleskResponseError('unexpected-shape', 'service-plan-addon/get');
    if (lookup.outcome === 'error') throw lookup.error;
    if (lookup.outcome === 'not-found') throw new PleskConditionError('NOT_FOUND', 'Plesk add-on plan', ref.value);
    const addon = lookup.item;
    const id = subscription.kind === 'id' ? subscription.value : (await this.#requireSubscription(subscription)).id;
    return this.#serialize(`id:${id}`, async () => {
      const current = await this.#requireSubscription({ kind: 'id', value: id });
      const attached = current.plans.some((p) => p.guid.toLowerCase() === addon.guid.toLowerCase());
      if (operation === 'remove-subscription' && !attached) throw new PleskConditionError('NOT_ATTACHED', 'Plesk add-on plan', addon.guid);
      if (operation === 'add-subscription') {
        if (attached) throw new PleskConditionError('ALREADY_ATTACHED', 'Plesk add-on plan', addon.guid);
        if (current.plans.length === 0) throw new PleskConditionError('NO_SERVICE_PLAN', 'Plesk subscription', current.id);
      }
      const result = await this.#changeUnlocked(operation, { kind: 'id', value: current.id }, { guid: addon.guid });
      return { ...result, subscription: current, plan: addon };
    });
  }

  async #requireSubscription(subscription: SubscriptionRef): Promise<PleskSubscription> {
    if (typeof subscription !== 'object' || subscription === null || subscription.value === undefined || subscription.value === '') {
      throw new PleskRequestError('empty-filter', 'subscription', 'A change must name a subscription.');
    }
    const [lookup] = await this.getSubscriptions({ kind: subscription.kind, values: [subscription.value] });
    if (!lookup) throw new PleskResponseError('unexpected-shape', 'webspace/get');
    if (lookup.outcome === 'error') throw lookup.error;
    if (lookup.outcome === 'not-found') throw new PleskConditionError('NOT_FOUND', 'Plesk subscription', subscription.value);
    return lookup.item;
  }

  async #change(operation: PlanChangeOperation, subscription: SubscriptionRef, plan: PlanRef | { noPlan: true }): Promise<PleskChangeResult> {
    // Build (and so validate) before queueing: a refused packet must fail at once and never reach the wire.
    planChangePacket(operation, subscription, plan, this.protocolVersion);
    return this.#serialize(`${subscription.kind}:${subscription.value}`, () => this.#changeUnlocked(operation, subscription, plan));
  }

  async #changeUnlocked(operation: PlanChangeOperation, subscription: SubscriptionRef, plan: PlanRef | { noPlan: true }): Promise<PleskChangeResult> {
    const name = `webspace/${operation}` as PleskOperationName;
    const packet = planChangePacket(operation, subscription, plan, this.protocolVersion);
    const { parsed, status } = await this.#call(name, packet, true);
    const results = operationResults(parsed, name, status);
    const value = subscription.value;
    const ours: RawResult[] = [];
    for (const result of results) {
      if (result.filterId === undefined || findRequested([value], result.filterId, subscription.kind) !== undefined) {
        ours.push(result);
      } else {
        // A result for a value we did not send: something else may have changed. Never report success.
        throw new PleskResponseError('unmatched-result', name, status);
      }
    }
    if (ours.length === 0) throw new PleskConditionError('NOT_FOUND', 'Plesk subscription', value);
    const failed = ours.find((r) => r.status === 'error');
    if (failed) throw resultError(failed, name, status, value);
    const reader = new ShapeReader(name, status);
    const problems = ours.map((r) => reader.optText(r.node, 'problems')).filter((p): p is string => p !== null && p !== '');
    return { subscriptionId: ours[0]?.id ?? null, problems: problems.length > 0 ? problems.join('\n') : null };
  }

  async #getPlans(kind: PleskPlanKind, key: PlanKey, options: PlanLookupOptions): Promise<PleskLookup<PleskPlan>[]> {
    const operation: PleskOperationName = kind === 'service' ? 'service-plan/get' : 'service-plan-addon/get';
    const values = Array.isArray(key?.values) ? key.values : [];
    const sent = unique(values);
    const packet = planGetPacket(kind === 'service' ? 'service-plan' : 'service-plan-addon', { kind: key?.kind, values: sent }, options.owner, this.protocolVersion);
    const { parsed, status } = await this.#call(operation, packet, false, options.signal);
    const results = operationResults(parsed, operation, status);
    const reader = new ShapeReader(operation, status);
    // Plan results carry no filter-id (§4.6): match ok results on the field the filter used.
    const found = new Map<string, PleskPlan>();
    let operationWide: RawResult | undefined;
    for (const result of results) {
      if (result.status === 'error') {
        if (result.errcode !== 1013 && !operationWide) operationWide = result;
        continue;
      }
      const plan = toPlan(result, kind, reader);
      const own = { guid: plan.guid, externalId: plan.externalId ?? '', id: plan.id, name: plan.name }[key.kind];
      const value = findRequested(sent, own, key.kind);
      if (value !== undefined && !found.has(value)) found.set(value, plan);
    }
    return values.map((value): PleskLookup<PleskPlan> => {
      const plan = found.get(value);
      if (plan) return { value, outcome: 'found', item: plan };
      if (operationWide) return { value, outcome: 'error', error: resultError(operationWide, operation, status, value) };
      return { value, outcome: 'not-found' };
    });
  }

  async #listPlans(kind: PleskPlanKind, options: PlanLookupOptions): Promise<PleskPlan[]> {
    const operation: PleskOperationName = kind === 'service' ? 'service-plan/get' : 'service-plan-addon/get';
    const packet = planGetPacket(kind === 'service' ? 'service-plan' : 'service-plan-addon', null, options.owner, this.protocolVersion);
    const { parsed, status } = await this.#call(operation, packet, false, options.signal);
    const results = operationResults(parsed, operation, status);
    const reader = new ShapeReader(operation, status);
    const plans: PleskPlan[] = [];
    for (const result of results) {
      if (result.status === 'error') {
        if (result.errcode === 1013) continue; // "nothing in scope"
        throw resultError(result, operation, status);
      }
      plans.push(toPlan(result, kind, reader));
    }
    return plans;
  }

  async #serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }

  async #call(operation: PleskOperationName, body: string, write: boolean, signal?: AbortSignal): Promise<{ parsed: ParsedPacket; status: number }> {
    let response;
    try {
      response = await this.http.send({
        method: 'POST',
        path: AGENT_PATH,
        route: `${AGENT_PATH}#${operation}`,
        headers: this.#headers,
        body,
        deadlineMs: write ? this.#writeDeadlineMs : this.#deadlineMs,
        read: !write,
        // A change runs to its own deadline: an abandoned GraphQL request must not leave its outcome unknown.
        ...(!write && signal ? { signal } : {}),
        origin: this.#origin,
      });
    } catch (error) {
      if (error instanceof UpstreamTransportError) throw new PleskTransportError(error.failure, operation, { cause: error.cause });
      throw error;
    }
    const { status } = response;
    if (status >= 300 && status < 400) throw new PleskResponseError('redirect', operation, status);
    try {
      return { parsed: parsePacket(response.body, operation, status), status };
    } catch (error) {
      if (error instanceof PleskResponseError && (status < 200 || status >= 300)) {
        throw new PleskResponseError('http-status', operation, status, retryAfterSeconds(response.headers), { cause: error });
      }
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Typed extraction

function toSubscription(result: RawResult, r: ShapeReader): PleskSubscription {
  const data = r.object(result.node, 'data');
  const gen = r.object(data, 'gen_info');
  const id = result.id ?? r.fail();
  const name = r.text(gen, 'name');
  const guid = r.text(gen, 'guid');
  if (name === '' || guid === '') r.fail();
  const statusText = r.text(gen, 'status');
  if (!/^\d{1,10}$/.test(statusText)) r.fail();
  const status = Number(statusText);
  const externalId = r.optText(gen, 'external-id');

  let plans: PleskPlanReference[] = [];
  let locked: boolean | null = null;
  let synchronized: boolean | null = null;
  const datasets = r.optObject(data, 'subscriptions');
  const subscription = datasets ? r.optObject(datasets, 'subscription') : null;
  if (subscription) {
    locked = r.bool(r.optText(subscription, 'locked'));
    synchronized = r.bool(r.optText(subscription, 'synchronized'));
    plans = r.list(subscription, 'plan').map((node) => {
      if (!isObject(node)) return r.fail();
      const planGuid = r.text(node, 'plan-guid');
      if (planGuid === '') r.fail();
      const planExternal = r.optText(node, 'plan-external-id');
      return { guid: planGuid, externalId: planExternal === '' ? null : planExternal };
    });
  }
  return {
    id,
    name,
    asciiName: r.optText(gen, 'ascii-name'),
    guid,
    externalId: externalId === '' ? null : externalId,
    createdDate: r.optText(gen, 'cr_date'),
    status,
    active: status === 0,
    ownerId: r.digits(r.optText(gen, 'owner-id')),
    ownerLogin: r.optText(gen, 'owner-login'),
    vendorGuid: r.optText(gen, 'vendor-guid'),
    hostingType: r.optText(gen, 'htype'),
    plans,
    locked,
    synchronized,
  };
}

function toPlan(result: RawResult, kind: PleskPlanKind, r: ShapeReader): PleskPlan {
  const id = result.id ?? r.fail();
  const name = r.text(result.node, 'name');
  const guid = r.text(result.node, 'guid');
  if (guid === '') r.fail();
  const externalId = r.optText(result.node, 'external-id');
  return {
    kind,
    id,
    guid,
    externalId: externalId === '' ? null : externalId,
    name,
    ownerId: r.digits(r.optText(result.node, 'owner-id')),
    ownerLogin: r.optText(result.node, 'owner-login'),
  };
}

/** Creates a client. Throws `PleskRequestError('invalid-option')` for bad credentials shape or version string. */
export function createPleskClient(options: PleskClientOptions): PleskClient {
  return new PleskClient(options);
}

// Re-exported for callers validating GraphQL input with the client's own rules.
export { checkValue as checkPleskValue };
