/**
 * PleskSubscription: a Plesk subscription (webspace) with its service plan and add-on plans, the
 * `pleskSubscription` and `pleskAddonPlans` queries, and the mutations that attach or detach one add-on plan
 * (plesk-xml-api.md §4.1–§4.7).
 *
 * - Look-ups go through the request's `PleskLoaders`: N `pleskSubscription`s with the same key kind on one server
 *   are one `webspace get` packet; the plan GUIDs of every subscription of the request are resolved with one
 *   `service-plan get` and one `service-plan-addon get` packet per server (§4.7: the `subscriptions` dataset lists
 *   the main plan and the add-ons mixed and unflagged); a server's list of add-on plans is read once per request.
 * - Changes use the client's checked `attachAddon` / `detachAddon` (they verify attachment first, §6.5, §11 #1),
 *   then the subscription is read again for the payload.
 */
import { z } from 'zod';
import type { GatewayContext, PleskServer } from '../context.js';
import { InvalidInputError } from '../errors.js';
import { toGatewayError } from '../upstreams/plesk/errors.js';
import type { CheckedChangeResult } from '../upstreams/plesk/client.js';
import type { OwnerKey, OwnerKeyKind, PlanRef, PleskLookup, PleskPlan, PleskSubscription, SubscriptionKeyKind, SubscriptionRef } from '../upstreams/plesk/types.js';
import { audited, mutationExtensions, targetIdsOf } from './audit-trail.js';
import { runIdempotent } from './idempotent.js';
import { builder } from './builder.js';
import { resultUnion } from './mutation.js';
import { pleskGuid, pleskId, pleskServerName, pleskText } from './plesk-validators.js';
import { idempotencyKey } from './validators.js';

/** A subscription as the schema shows it: with the server it was read from, for its plan look-ups. */
export interface PleskSubscriptionView {
  server: PleskServer;
  item: PleskSubscription;
}

const KEY_KINDS: readonly SubscriptionKeyKind[] = ['id', 'name', 'guid', 'externalId'];

/** Names the keys that are set (not null / absent) among `fields`. */
function givenKeys(value: unknown, fields: readonly string[]): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  return fields.filter((field) => record[field] !== undefined && record[field] !== null);
}

// ---------------------------------------------------------------------------------------------
// Types

const PleskPlanKindEnum = builder.enumType('PleskPlanKind', {
  description: 'SERVICE: the main (service) plan of a subscription; ADDON: an add-on plan attached on top of it.',
  values: { SERVICE: { value: 'service' }, ADDON: { value: 'addon' } } as const,
});

export const PleskPlanRef = builder.objectRef<PleskPlan>('PleskPlan').implement({
  description: 'A Plesk service plan or add-on plan.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The plan's Plesk ID on its server." }),
    guid: t.exposeID('guid', { description: "The plan's GUID: the stable way to name it in a mutation." }),
    externalId: t.exposeString('externalId', { nullable: true, description: "The plan's ID in an external system; null when Plesk has none." }),
    name: t.exposeString('name', { description: 'The plan name shown in Plesk.' }),
    kind: t.field({ type: PleskPlanKindEnum, description: 'Service plan or add-on plan.', resolve: (plan) => plan.kind }),
  }),
});

export const PleskSubscriptionRef = builder.objectRef<PleskSubscriptionView>('PleskSubscription');

PleskSubscriptionRef.implement({
  description: 'A Plesk subscription (webspace): one site with its hosting, its service plan and its add-on plans.',
  fields: (t) => ({
    server: t.string({ description: 'The configured Plesk server the subscription lives on.', resolve: ({ server }) => server.name }),
    id: t.id({ description: 'The subscription ID on its Plesk server (digits).', resolve: ({ item }) => item.id }),
    name: t.string({ description: 'The site name, as shown in Plesk (Unicode for IDN names).', resolve: ({ item }) => item.name }),
    asciiName: t.string({
      nullable: true,
      description: 'The site name in ASCII (punycode for IDN names).',
      resolve: ({ item }) => item.asciiName,
    }),
    guid: t.id({ description: "The subscription's GUID.", resolve: ({ item }) => item.guid }),
    externalId: t.string({
      nullable: true,
      description: "The subscription's ID in an external system (e.g. billing); null when Plesk has none.",
      resolve: ({ item }) => item.externalId,
    }),
    status: t.int({
      description: 'Plesk status bit mask: 0 active, 4 backup/restore in progress, 16 disabled by the administrator, 32 by the reseller, 64 by the customer, 256 expired.',
      resolve: ({ item }) => item.status,
    }),
    active: t.boolean({ description: 'True when `status` is 0.', resolve: ({ item }) => item.active }),
    locked: t.boolean({
      nullable: true,
      description: "True when the subscription's settings were changed away from its plans; null when Plesk did not say.",
      resolve: ({ item }) => item.locked,
    }),
    synchronized: t.boolean({
      nullable: true,
      description: 'True when the subscription matches its plans; null when Plesk did not say.',
      resolve: ({ item }) => item.synchronized,
    }),
    ownerLogin: t.string({
      nullable: true,
      description: "The owning customer's or reseller's login, when Plesk shows it to the gateway.",
      resolve: ({ item }) => item.ownerLogin,
    }),
    createdDate: t.string({
      nullable: true,
      description: 'Creation date as Plesk gives it, YYYY-MM-DD.',
      resolve: ({ item }) => item.createdDate,
    }),
    servicePlan: t.field({
      type: PleskPlanRef,
      nullable: true,
      description: 'The main service plan; null for a custom subscription (one without a plan).',
      resolve: async (view, _args, ctx) => (await planSplit(ctx, view)).servicePlan,
    }),
    addonPlans: t.field({
      type: [PleskPlanRef],
      description: 'The add-on plans attached to the subscription, in the order Plesk lists them.',
      resolve: async (view, _args, ctx) => (await planSplit(ctx, view)).addonPlans,
    }),
  }),
});

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads one subscription through the request's batched loader; null when Plesk does not know it (1013). */
async function loadSubscription(ctx: GatewayContext, server: PleskServer, ref: SubscriptionRef): Promise<PleskSubscriptionView | null> {
  let lookup: PleskLookup<PleskSubscription>;
  try {
    lookup = await ctx.pleskLoaders.subscription(server.name, server.client, ref.kind, ref.value);
  } catch (error) {
    throw toGatewayError(error);
  }
  if (lookup.outcome === 'found') return { server, item: lookup.item };
  if (lookup.outcome === 'not-found') return null;
  throw toGatewayError(lookup.error);
}

interface PlanSplit {
  servicePlan: PleskPlan | null;
  addonPlans: PleskPlan[];
}

const PLAN_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One split per subscription read: `servicePlan` and `addonPlans` share it (and its single warning). */
const splits = new WeakMap<PleskSubscription, Promise<PlanSplit>>();

function planSplit(ctx: GatewayContext, view: PleskSubscriptionView): Promise<PlanSplit> {
  let split = splits.get(view.item);
  if (!split) {
    split = splitPlans(ctx, view);
    splits.set(view.item, split);
  }
  return split;
}

/** The found plan of a lookup, null for not-found; any other outcome is the request's error. */
function planOf(lookup: PleskLookup<PleskPlan>): PleskPlan | null {
  if (lookup.outcome === 'found') return lookup.item;
  if (lookup.outcome === 'not-found') return null;
  throw toGatewayError(lookup.error);
}

/**
 * Tells the subscription's plan GUIDs apart (§4.7): every GUID goes to the batched service-plan and add-on lookups
 * at once, so all subscriptions of a request share one packet of each per server. A GUID found as a service plan
 * is the main plan; one found as an add-on plan is an add-on; the rest (another owner's plan, say) are dropped
 * and logged.
 */
async function splitPlans(ctx: GatewayContext, { server, item }: PleskSubscriptionView): Promise<PlanSplit> {
  const guids = [...new Set(item.plans.map((plan) => plan.guid))];
  const usable = guids.filter((guid) => PLAN_GUID.test(guid));
  let classified: { guid: string; service: PleskPlan | null; addon: PleskPlan | null }[];
  try {
    classified = await Promise.all(
      usable.map(async (guid) => {
        const [service, addon] = await Promise.all([
          ctx.pleskLoaders.servicePlan(server.name, server.client, guid),
          ctx.pleskLoaders.addonPlan(server.name, server.client, guid),
        ]);
        return { guid, service: planOf(service), addon: planOf(addon) };
      }),
    );
  } catch (error) {
    throw toGatewayError(error);
  }
  const servicePlans = classified.filter((c) => c.service !== null).map((c) => c.service as PleskPlan);
  const addonPlans = classified.filter((c) => c.service === null && c.addon !== null).map((c) => c.addon as PleskPlan);
  const unknown = [...guids.filter((guid) => !PLAN_GUID.test(guid)), ...classified.filter((c) => !c.service && !c.addon).map((c) => c.guid)];
  if (unknown.length > 0) {
    ctx.log.warn({ server: server.name, subscriptionId: item.id, planGuids: unknown }, 'Plesk plan GUIDs of a subscription are neither service nor add-on plans in scope; dropped');
  }
  if (servicePlans.length > 1) {
    ctx.log.warn({ server: server.name, subscriptionId: item.id, planGuids: servicePlans.map((p) => p.guid) }, 'Plesk subscription lists several service plans; showing the first');
  }
  return { servicePlan: servicePlans[0] ?? null, addonPlans };
}

// ---------------------------------------------------------------------------------------------
// Inputs

const exactlyOneKey = (fields: readonly string[], message: string) =>
  z
    .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null)
    .refine((value) => givenKeys(value, fields).length === 1, message);

export const PleskSubscriptionKeyInput = builder.inputType('PleskSubscriptionKey', {
  description: 'Names one Plesk subscription by exactly one of its keys. `id` is the most reliable; give IDN names in Unicode form.',
  isOneOf: true,
  validate: exactlyOneKey(KEY_KINDS, 'give exactly one of id, name, guid and externalId'),
  fields: (t) => ({
    id: t.id({ required: false, validate: pleskId, description: 'The subscription ID, e.g. 42.' }),
    name: t.string({ required: false, validate: pleskText, description: 'The site name (Unicode form for IDN names).' }),
    guid: t.id({ required: false, validate: pleskGuid, description: "The subscription's GUID." }),
    externalId: t.string({ required: false, validate: pleskText, description: "The subscription's external ID." }),
  }),
});

/** The one key given of `kinds` (checked again here: nothing ambiguous may reach Plesk). */
function theOneKey<K extends string>(key: unknown, kinds: readonly K[], path: string[], message: string): { kind: K; value: string } {
  const given = givenKeys(key, kinds) as K[];
  const kind = given[0];
  if (given.length !== 1 || kind === undefined) throw new InvalidInputError([{ path, message }]);
  return { kind, value: String((key as Record<string, unknown>)[kind]) };
}

const subscriptionRef = (key: unknown, path: string[]): SubscriptionRef =>
  theOneKey(key, KEY_KINDS, path, 'give exactly one of id, name, guid and externalId');

const OWNER_KINDS: readonly OwnerKeyKind[] = ['id', 'login', 'guid', 'externalId'];

const PleskOwnerKeyInput = builder.inputType('PleskOwnerKey', {
  description: 'Names the owner of subscriptions (a customer or a reseller) by exactly one of its keys.',
  isOneOf: true,
  validate: exactlyOneKey(OWNER_KINDS, 'give exactly one of id, login, guid and externalId'),
  fields: (t) => ({
    id: t.id({ required: false, validate: pleskId, description: "The owner's user ID, e.g. 7." }),
    login: t.string({ required: false, validate: pleskText, description: "The owner's login." }),
    guid: t.id({ required: false, validate: pleskGuid, description: "The owner's GUID." }),
    externalId: t.string({ required: false, validate: pleskText, description: "The owner's ID in an external system (e.g. billing)." }),
  }),
});

const ownerRef = (key: unknown, path: string[]): OwnerKey => theOneKey(key, OWNER_KINDS, path, 'give exactly one of id, login, guid and externalId');

const PLAN_KEYS = ['planGuid', 'planExternalId'] as const;

function addonInput(name: string, verb: string) {
  return builder.inputType(name, {
    description: `Which add-on plan to ${verb} which subscription. Give exactly one of planGuid and planExternalId.`,
    validate: exactlyOneKey(PLAN_KEYS, 'give exactly one of planGuid and planExternalId'),
    fields: (t) => ({
      server: t.string({ required: false, validate: pleskServerName, description: 'The configured Plesk server; defaults to `default`.' }),
      subscription: t.field({ type: PleskSubscriptionKeyInput, required: true, description: 'The subscription to change.' }),
      planGuid: t.id({ required: false, validate: pleskGuid, description: "The add-on plan's GUID." }),
      planExternalId: t.string({ required: false, validate: pleskText, description: "The add-on plan's external ID." }),
      idempotencyKey: t.string({
        required: false,
        validate: idempotencyKey,
        description: 'A retry with the same key and input gets the first result back; generated and returned when omitted.',
      }),
    }),
  });
}

const AddPleskSubscriptionAddonInput = addonInput('AddPleskSubscriptionAddonInput', 'attach to');
const RemovePleskSubscriptionAddonInput = addonInput('RemovePleskSubscriptionAddonInput', 'detach from');

interface AddonInputValue {
  server?: string | null;
  subscription: unknown;
  planGuid?: string | number | null;
  planExternalId?: string | null;
  idempotencyKey?: string | null;
}

function planRef(input: AddonInputValue): PlanRef {
  const given = givenKeys(input, PLAN_KEYS);
  if (given.length !== 1) throw new InvalidInputError([{ path: ['input'], message: 'give exactly one of planGuid and planExternalId' }]);
  return input.planGuid != null ? { guid: String(input.planGuid) } : { externalId: String(input.planExternalId) };
}

// ---------------------------------------------------------------------------------------------
// Queries

builder.queryFields((t) => ({
  pleskSubscription: t.field({
    type: PleskSubscriptionRef,
    nullable: true,
    description: 'A Plesk subscription by one of its keys; null when the server does not have it (or it is out of scope).',
    authScopes: { viewer: true },
    args: {
      server: t.arg.string({ required: false, validate: pleskServerName, description: 'The configured Plesk server; defaults to `default`.' }),
      by: t.arg({ type: PleskSubscriptionKeyInput, required: true, description: 'Exactly one key of the subscription.' }),
    },
    resolve: (_root, args, ctx) => {
      const ref = subscriptionRef(args.by, ['by']);
      return loadSubscription(ctx, ctx.pleskServer(args.server), ref);
    },
  }),

  pleskSubscriptions: t.field({
    type: [PleskSubscriptionRef],
    nullable: { list: true, items: false },
    description:
      'The subscriptions of one owner (a customer or a reseller), in the order Plesk lists them; empty when it has none or Plesk does not know it; null (with an error) when the server cannot be read.',
    authScopes: { viewer: true },
    args: {
      server: t.arg.string({ required: false, validate: pleskServerName, description: 'The configured Plesk server; defaults to `default`.' }),
      owner: t.arg({ type: PleskOwnerKeyInput, required: true, description: 'Exactly one key of the owner.' }),
    },
    resolve: async (_root, args, ctx) => {
      const owner = ownerRef(args.owner, ['owner']);
      const server = ctx.pleskServer(args.server);
      let items: PleskSubscription[];
      try {
        items = await ctx.pleskLoaders.subscriptionsOf(server.name, server.client, owner);
      } catch (error) {
        throw toGatewayError(error);
      }
      return items.map((item) => ({ server, item }));
    },
  }),

  pleskAddonPlans: t.field({
    type: [PleskPlanRef],
    nullable: { list: true, items: false },
    description: "The add-on plans of the server's administrator: what a frontend can offer to attach; null (with an error) when the server cannot be read.",
    authScopes: { viewer: true },
    args: {
      server: t.arg.string({ required: false, validate: pleskServerName, description: 'The configured Plesk server; defaults to `default`.' }),
    },
    resolve: async (_root, args, ctx) => {
      const server = ctx.pleskServer(args.server);
      try {
        return await ctx.pleskLoaders.allAddonPlans(server.name, server.client);
      } catch (error) {
        throw toGatewayError(error);
      }
    },
  }),
}));

// ---------------------------------------------------------------------------------------------
// Mutations

export interface PleskAddonChangePayload {
  subscription: PleskSubscriptionView;
  plan: PleskPlan;
  problems: string | null;
  idempotencyKey: string;
}

/** What the idempotency store keeps of a change (the server is named, not held). */
interface StoredChange {
  subscription: PleskSubscription;
  plan: PleskPlan;
  problems: string | null;
}

function addonChangeSuccess(name: string, description: string) {
  return builder.objectRef<PleskAddonChangePayload>(`${name}Success`).implement({
    description,
    fields: (t) => ({
      subscription: t.field({
        type: PleskSubscriptionRef,
        description: 'The subscription, read again after the change.',
        resolve: (payload) => payload.subscription,
      }),
      plan: t.field({ type: PleskPlanRef, description: 'The add-on plan that was attached or detached.', resolve: (payload) => payload.plan }),
      idempotencyKey: t.exposeString('idempotencyKey', { description: 'The key the change ran under; reuse it to retry.' }),
      problems: t.string({
        nullable: true,
        description:
          "Plesk's non-fatal warnings about the change (a plain-text table: Description / Current / Requested / Allowed), verbatim; null when there are none. For people, not for parsing.",
        resolve: (payload) => payload.problems,
      }),
    }),
  });
}

type AddonChange = 'attach' | 'detach';

/**
 * Runs one checked add-on change between its audit records, under Stripe's idempotency rules
 * (`idempotent.ts`), and reads the subscription again. Plesk has no idempotency key of its own, so a
 * lost answer is never resent: the subscription's plans are read back. A change that Plesk confirmed
 * is reported as a success even if the re-read fails: the payload then shows the state read before
 * the change with the plan list updated (and the failure is logged).
 */
async function runAddonChange(ctx: GatewayContext, change: AddonChange, input: AddonInputValue): Promise<PleskAddonChangePayload> {
  const ref = subscriptionRef(input.subscription, ['input', 'subscription']);
  const plan = planRef(input);
  const operation = change === 'attach' ? 'addPleskSubscriptionAddon' : 'removePleskSubscriptionAddon';
  const serverName = (input.server ?? 'default').toLowerCase();
  const key = input.idempotencyKey ?? crypto.randomUUID();
  const { idempotencyKey: _key, ...args } = input;
  const { result, server } = await audited(
    ctx,
    {
      operation,
      upstream: 'plesk',
      account: serverName,
      targetIds: targetIdsOf(input as unknown as Record<string, unknown>),
      input,
      idempotencyKey: key,
    },
    async () => {
      const server = ctx.pleskServer(serverName);
      const done = await runIdempotent<StoredChange>(ctx, {
        operation,
        key,
        input: { ...args, server: serverName },
        lock: { upstream: 'plesk', account: serverName, resourceId: `${ref.kind}:${ref.value}` },
        run: () => changeAddon(ctx, server, change, ref, plan),
        async alreadyDone() {
          const back = await readBackChange(server, change, ref, plan);
          return back?.applied ? { subscription: back.subscription, plan: back.plan, problems: null } : undefined;
        },
        async readBack() {
          const back = await readBackChange(server, change, ref, plan);
          if (!back) return undefined;
          if (!back.applied) return { applied: false as const };
          ctx.log.info({ server: server.name, change, subscriptionId: back.subscription.id }, 'unanswered Plesk change found in place on read-back');
          return { applied: true as const, result: { subscription: back.subscription, plan: back.plan, problems: null } };
        },
      });
      return { ...done, server };
    },
    (done) => ({ replayed: done.replayed }),
  );
  ctx.pleskLoaders.forgetSubscriptions(server.name);
  return { subscription: { server, item: result.subscription }, plan: result.plan, problems: result.problems, idempotencyKey: key };
}

async function changeAddon(
  ctx: GatewayContext,
  server: PleskServer,
  change: AddonChange,
  ref: SubscriptionRef,
  plan: PlanRef,
): Promise<StoredChange> {
  let result: CheckedChangeResult;
  try {
    result = change === 'attach' ? await server.client.attachAddon(ref, plan) : await server.client.detachAddon(ref, plan);
  } catch (error) {
    ctx.log.warn({ err: error, server: server.name, change, subscription: ref }, 'Plesk add-on change failed');
    throw toGatewayError(error, { write: true });
  }
  if (result.problems !== null) {
    ctx.log.info({ server: server.name, change, subscriptionId: result.subscription.id, planGuid: result.plan.guid }, 'Plesk reported problems with an add-on change');
  }
  ctx.pleskLoaders.forgetSubscriptions(server.name);
  const subscription = await rereadAfterChange(ctx, server, change, result);
  return { subscription: subscription.item, plan: result.plan, problems: result.problems };
}

/** After an unanswered change: is the add-on (not) attached now? Undefined when that cannot be read. */
async function readBackChange(
  server: PleskServer,
  change: AddonChange,
  ref: SubscriptionRef,
  plan: PlanRef,
): Promise<{ applied: boolean; subscription: PleskSubscription; plan: PleskPlan } | undefined> {
  try {
    const [subscription] = await server.client.getSubscriptions({ kind: ref.kind, values: [ref.value] });
    const [addon] = await server.client.getAddonPlans(plan.guid !== undefined ? [plan.guid] : { kind: 'externalId', values: [plan.externalId] });
    if (subscription?.outcome !== 'found' || addon?.outcome !== 'found') return undefined;
    const guid = addon.item.guid.toLowerCase();
    const attached = subscription.item.plans.some((p) => p.guid.toLowerCase() === guid);
    return { applied: change === 'attach' ? attached : !attached, subscription: subscription.item, plan: addon.item };
  } catch {
    return undefined;
  }
}

async function rereadAfterChange(ctx: GatewayContext, server: PleskServer, change: AddonChange, result: CheckedChangeResult): Promise<PleskSubscriptionView> {
  const before = result.subscription;
  try {
    const lookup = await ctx.pleskLoaders.subscription(server.name, server.client, 'id', before.id);
    if (lookup.outcome === 'found') return { server, item: lookup.item };
    ctx.log.warn({ server: server.name, subscriptionId: before.id, outcome: lookup.outcome }, 'Plesk subscription not readable after an add-on change');
  } catch (error) {
    ctx.log.warn({ err: error, server: server.name, subscriptionId: before.id }, 'Plesk subscription not readable after an add-on change');
  }
  const guid = result.plan.guid.toLowerCase();
  const others = before.plans.filter((plan) => plan.guid.toLowerCase() !== guid);
  const plans = change === 'attach' ? [...others, { guid: result.plan.guid, externalId: result.plan.externalId }] : others;
  return { server, item: { ...before, plans } };
}

const AddPleskSubscriptionAddonSuccess = addonChangeSuccess('AddPleskSubscriptionAddon', 'The add-on plan is now attached to the subscription.');
const RemovePleskSubscriptionAddonSuccess = addonChangeSuccess('RemovePleskSubscriptionAddon', 'The add-on plan is no longer attached to the subscription.');

builder.mutationFields((t) => ({
  addPleskSubscriptionAddon: t.field({
    type: AddPleskSubscriptionAddonSuccess,
    description:
      'Attaches an add-on plan to a Plesk subscription. Refused with PreconditionFailedError ALREADY_ATTACHED when it is attached already, NO_SERVICE_PLAN for a custom subscription.',
    authScopes: { operator: true },
    extensions: mutationExtensions('plesk', false),
    errors: resultUnion('AddPleskSubscriptionAddon'),
    args: { input: t.arg({ type: AddPleskSubscriptionAddonInput, required: true }) },
    resolve: (_root, { input }, ctx) => runAddonChange(ctx, 'attach', input as AddonInputValue),
  }),

  removePleskSubscriptionAddon: t.field({
    type: RemovePleskSubscriptionAddonSuccess,
    description:
      'Detaches an add-on plan from a Plesk subscription. Refused with PreconditionFailedError NOT_ATTACHED when the plan is not attached (the gateway checks first).',
    authScopes: { admin: true },
    extensions: mutationExtensions('plesk', true),
    errors: resultUnion('RemovePleskSubscriptionAddon'),
    args: { input: t.arg({ type: RemovePleskSubscriptionAddonInput, required: true }) },
    resolve: (_root, { input }, ctx) => runAddonChange(ctx, 'detach', input as AddonInputValue),
  }),
}));
