/**
 * Runs validated request packets against the store and writes the response packets, in the element order of
 * `agent_output.xsd` (plesk-xml-api.md §4, §7). One `<result>` per filter value with `filter-id` for webspace
 * operations; plan lookups answer without `filter-id` (§4.6).
 */
import type { Filter, OperatorBlock, Operation, OwnerScope, PlanRefElement } from './request.js';
import type { PleskStore, SandboxPlan, SandboxSubscription, SandboxUser, SubscriptionFilterKind, PlanFilterKind } from './store.js';

/**
 * Behaviour the reference leaves undocumented, configurable per sandbox (§10, §11). Defaults follow the reference's
 * sandbox recommendations.
 */
export interface PleskSandboxBehaviour {
  /** `remove-subscription` of a plan the subscription does not have (§6.5, §7.4): error 1023 (default), 1013, or `ok`. */
  unattachedRemove: 'error-1023' | 'error-1013' | 'ok';
  /** errcode of `add-subscription` for an add-on already attached (undocumented; default 1007 "already exists"). */
  duplicateAddErrcode: number;
  /** errcode of `add-subscription` on a subscription without a service plan (undocumented; default 1023). */
  customAddErrcode: number;
  /**
   * An empty `<filter/>` in a change: `all` (default, §3/§10.5: acts on every visible subscription, as Plesk probably
   * does, so that tests can prove the gateway never sends one) or `reject` (packet-level 1014).
   */
  emptyMutationFilter: 'all' | 'reject';
  /** A filter value that matches nothing: `error` (default, per-result 1013 with filter-id) or `omit` (no result, §10.6). */
  missingValue: 'error' | 'omit';
  /** Order of the results: as requested (default) or reversed (order is not guaranteed, §5). */
  resultOrder: 'request' | 'reverse';
}

export const DEFAULT_BEHAVIOUR: PleskSandboxBehaviour = {
  unattachedRemove: 'error-1023',
  duplicateAddErrcode: 1007,
  customAddErrcode: 1023,
  emptyMutationFilter: 'all',
  missingValue: 'error',
  resultOrder: 'request',
};

// ---------------------------------------------------------------------------------------------------------------
// XML writing (the sandbox's own, independent of the client's builder)

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const leaf = (name: string, value: string | number): string => {
  const text = String(value);
  return text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`;
};
const node = (name: string, ...children: string[]): string => {
  const inner = children.join('');
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
};

export function packet(version: string | null, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<packet${version ? ` version="${escapeXml(version)}"` : ''}>${inner}</packet>\n`;
}

/** A packet-level error: nothing ran (§6.1). */
export function systemError(errcode: number, errtext: string, version: string | null, withOutput = false): string {
  return packet(version, node('system', leaf('status', 'error'), leaf('errcode', errcode), leaf('errtext', errtext)) + (withOutput ? '<output></output>' : ''));
}

function errorResult(errcode: number, errtext: string, filterId?: string, id?: number): string {
  return node(
    'result',
    leaf('status', 'error'),
    leaf('errcode', errcode),
    leaf('errtext', errtext),
    filterId !== undefined ? leaf('filter-id', filterId) : '',
    id !== undefined ? leaf('id', id) : '',
  );
}

function okResult(filterId: string | undefined, id: number, ...rest: string[]): string {
  return node('result', leaf('status', 'ok'), filterId !== undefined ? leaf('filter-id', filterId) : '', leaf('id', id), ...rest);
}

// ---------------------------------------------------------------------------------------------------------------

export interface ExecutionContext {
  store: PleskStore;
  behaviour: PleskSandboxBehaviour;
  caller: SandboxUser;
  supportedVersions: readonly string[];
}

/** Raised while executing; becomes a packet-level error (only the `reject` empty-filter mode uses it). */
export class SystemFault extends Error {
  constructor(
    readonly errcode: number,
    readonly errtext: string,
  ) {
    super(errtext);
  }
}

/** Executes every operation in document order and returns the inner XML of the response `<packet>`. */
export function execute(blocks: OperatorBlock[], ctx: ExecutionContext): string {
  // A packet is validated as a whole before anything runs; the empty-filter refusal is checked up front as well.
  if (ctx.behaviour.emptyMutationFilter === 'reject') {
    for (const block of blocks) {
      for (const op of block.operations) {
        if (op.operator === 'webspace' && op.operation !== 'get' && op.filter.kind === null) {
          throw new SystemFault(1014, `Parser error: Request is invalid. An empty filter is not allowed in ${op.operation}.`);
        }
      }
    }
  }
  return blocks.map((block) => node(block.operator, ...block.operations.map((op) => node(op.operation, ...order(runOperation(op, ctx), ctx))))).join('');
}

function order(results: string[], ctx: ExecutionContext): string[] {
  return ctx.behaviour.resultOrder === 'reverse' ? [...results].reverse() : results;
}

function runOperation(op: Operation, ctx: ExecutionContext): string[] {
  switch (op.operator) {
    case 'server':
      return [node('result', leaf('status', 'ok'), node('protos', ...ctx.supportedVersions.map((v) => leaf('proto', v))))];
    case 'service-plan':
    case 'service-plan-addon':
      return planGet(op.operator === 'service-plan' ? 'service' : 'addon', op.filter, op.owner, ctx);
    case 'webspace':
      if (op.operation === 'get') return perSubscription(op.filter, ctx, (sub, filterId) => okResult(filterId, sub.id, subscriptionData(sub, op.datasets, ctx)));
      if (op.operation === 'sync-subscription') {
        return perSubscription(op.filter, ctx, (sub, filterId) => {
          sub.locked = false;
          sub.synchronized = true;
          return okResult(filterId, sub.id);
        });
      }
      return perSubscription(op.filter, ctx, (sub, filterId) => changePlan(op.operation, sub, op.plan, filterId, ctx));
  }
}

/** One result per filter value (several for owner filters); an empty filter = every subscription the caller sees. */
function perSubscription(filter: Filter, ctx: ExecutionContext, run: (sub: SandboxSubscription, filterId: string | undefined) => string): string[] {
  if (filter.kind === null) return ctx.store.subscriptions.map((sub) => run(sub, undefined));
  const out: string[] = [];
  for (const value of filter.values) {
    const matches = ctx.store.findSubscriptions(filter.kind as SubscriptionFilterKind, value);
    if (matches.length === 0) {
      if (ctx.behaviour.missingValue === 'error') out.push(errorResult(1013, 'Subscription does not exist', value));
      continue;
    }
    for (const sub of matches) out.push(run(sub, value));
  }
  return out;
}

function subscriptionData(sub: SandboxSubscription, datasets: string[], ctx: ExecutionContext): string {
  const parts: string[] = [];
  const owner = ctx.store.owner(sub);
  if (datasets.includes('gen_info')) {
    parts.push(
      node(
        'gen_info',
        leaf('cr_date', sub.createdDate),
        leaf('name', sub.name),
        leaf('ascii-name', sub.asciiName),
        leaf('status', sub.status),
        leaf('real_size', sub.realSize),
        leaf('owner-id', sub.ownerId),
        owner ? leaf('owner-login', owner.login) : '',
        leaf('htype', sub.htype),
        leaf('guid', sub.guid),
        leaf('vendor-guid', sub.vendorGuid),
        leaf('external-id', sub.externalId),
      ),
    );
  }
  if (datasets.includes('subscriptions')) {
    const guids = [...(sub.servicePlanGuid ? [sub.servicePlanGuid] : []), ...sub.addonGuids];
    const plans = guids.map((guid) => {
      const plan = ctx.store.planByGuid(guid);
      return node('plan', leaf('plan-guid', guid), plan && plan.externalId !== '' ? leaf('plan-external-id', plan.externalId) : '');
    });
    // `subscription` is 0..1 and `plan` 1..n: a custom subscription has no `subscription` element.
    parts.push(
      plans.length === 0
        ? '<subscriptions/>'
        : node('subscriptions', node('subscription', leaf('locked', String(sub.locked)), leaf('synchronized', String(sub.synchronized)), ...plans)),
    );
  }
  return node('data', ...parts);
}

function changePlan(
  operation: 'add-subscription' | 'remove-subscription' | 'switch-subscription',
  sub: SandboxSubscription,
  ref: PlanRefElement,
  filterId: string | undefined,
  ctx: ExecutionContext,
): string {
  const b = ctx.behaviour;
  if (operation === 'switch-subscription') {
    if ('noPlan' in ref) {
      sub.servicePlanGuid = null;
      sub.addonGuids = []; // a custom subscription cannot have add-ons
      sub.locked = false;
      sub.synchronized = true;
      return okResult(filterId, sub.id);
    }
    const plan = ctx.store.planByRef(ref);
    if (!plan || plan.kind !== 'service') return errorResult(1013, 'Service plan does not exist.', filterId, sub.id);
    sub.servicePlanGuid = plan.guid;
    sub.locked = false;
    sub.synchronized = true;
    return okResult(filterId, sub.id);
  }
  if ('noPlan' in ref) return errorResult(1014, 'Invalid plan reference.', filterId, sub.id); // unreachable after validation
  const plan = ctx.store.planByRef(ref);
  if (operation === 'add-subscription') {
    if (!plan || plan.kind !== 'addon') return errorResult(1013, 'Add-on plan does not exist.', filterId, sub.id);
    if (sub.servicePlanGuid === null) {
      return errorResult(b.customAddErrcode, 'A subscription without a service plan cannot have add-on plans.', filterId, sub.id);
    }
    if (sub.addonGuids.includes(plan.guid)) {
      return errorResult(b.duplicateAddErrcode, 'Add-on plan is already associated with the subscription.', filterId, sub.id);
    }
    sub.addonGuids.push(plan.guid);
    return okResult(filterId, sub.id);
  }
  // remove-subscription
  if (!plan) return errorResult(1013, 'Add-on plan does not exist.', filterId, sub.id);
  if (plan.kind === 'service' && sub.servicePlanGuid === plan.guid) {
    return errorResult(1023, 'The service plan of a subscription cannot be removed as an add-on plan.', filterId, sub.id);
  }
  if (plan.kind !== 'addon' || !sub.addonGuids.includes(plan.guid)) {
    if (b.unattachedRemove === 'ok') return okResult(filterId, sub.id);
    const code = b.unattachedRemove === 'error-1013' ? 1013 : 1023;
    return errorResult(code, 'Add-on plan is not associated with the subscription', filterId, sub.id);
  }
  sub.addonGuids = sub.addonGuids.filter((g) => g !== plan.guid);
  const problems = plan.detachProblems?.replaceAll('{name}', sub.name);
  return okResult(filterId, sub.id, problems ? leaf('problems', problems) : '');
}

function planGet(kind: 'service' | 'addon', filter: Filter, owner: OwnerScope, ctx: ExecutionContext): string[] {
  const inScope = (p: SandboxPlan): boolean => {
    if (owner === 'all') return true;
    if (owner === null) return p.ownerId === ctx.caller.id;
    if ('ownerId' in owner) return String(p.ownerId) === owner.ownerId;
    return p.ownerLogin === owner.ownerLogin;
  };
  const missingText = kind === 'service' ? 'Service plan does not exist.' : 'Add-on plan does not exist.';
  const result = (p: SandboxPlan): string =>
    node(
      'result',
      leaf('status', 'ok'),
      leaf('id', p.id),
      leaf('name', p.name),
      leaf('guid', p.guid),
      leaf('external-id', p.externalId),
      leaf('owner-id', p.ownerId),
      leaf('owner-login', p.ownerLogin),
    );
  if (filter.kind === null) {
    const all = ctx.store.plans.filter((p) => p.kind === kind && inScope(p));
    // `result` is 1..n in the plan get response: nothing in scope is answered with one 1013.
    return all.length > 0 ? all.map(result) : [errorResult(1013, missingText)];
  }
  const out: string[] = [];
  for (const value of filter.values) {
    const found = ctx.store.findPlans(kind, filter.kind as PlanFilterKind, value, inScope);
    if (found.length === 0) {
      if (ctx.behaviour.missingValue === 'error') out.push(errorResult(1013, missingText));
      continue;
    }
    out.push(...found.map(result));
  }
  return out.length > 0 ? out : [errorResult(1013, missingText)];
}
