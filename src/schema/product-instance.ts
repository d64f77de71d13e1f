/**
 * ProductInstance: one product sold within a package, its billing types and enums, the
 * `productInstance` query and the mutations that act on one instance.
 */
import type { GatewayContext } from '../context.js';
import { InvalidInputError } from '../errors.js';
import {
  CYCLE_TYPES,
  FAILURE_CODES,
  INSTANCE_STATUSES,
  INTERVAL_UNITS,
  type BillingInfo,
  type FailureReason,
  type Interval,
  type Package,
  type ProductInstance,
} from '../upstreams/wix/types.js';
import { mutationExtensions } from './audit-trail.js';
import { builder } from './builder.js';
import { resultUnion, wixInputBase } from './mutation.js';
import { PackageRef, packageSuccess } from './package.js';
import { runWixWrite } from './wix-write.js';
import { discountCode, guid, guidArguments, intervalCount, listLookup } from './validators.js';

/** An instance is always shown with the package it belongs to. */
export interface InstanceInPackage {
  pkg: Package;
  instance: ProductInstance;
}

export const ProductInstanceStatusEnum = builder.enumType('ProductInstanceStatus', {
  values: INSTANCE_STATUSES,
  description: 'PENDING: not yet available; ENABLED: usable; CANCELED; FAILED: never delivered; AWAITING_ACTION: waiting on the customer or a provider.',
});
const CycleTypeEnum = builder.enumType('BillingCycleType', { values: CYCLE_TYPES });
const IntervalUnitEnum = builder.enumType('IntervalUnit', { values: INTERVAL_UNITS });
const FailureReasonCodeEnum = builder.enumType('FailureReasonCode', { values: FAILURE_CODES });

const IntervalRef = builder.objectRef<Interval>('Interval').implement({
  fields: (t) => ({
    unit: t.field({ type: IntervalUnitEnum, resolve: (interval) => interval.unit }),
    count: t.exposeInt('count'),
  }),
});

const BillingCycleRef = builder.objectRef<BillingInfo>('BillingCycle').implement({
  description: 'How the instance is billed; `cycleDuration` only for RECURRING.',
  fields: (t) => ({
    type: t.field({ type: CycleTypeEnum, resolve: (info) => info.type }),
    cycleDuration: t.field({ type: IntervalRef, nullable: true, resolve: (info) => info.cycleDuration ?? null }),
  }),
});

const FailureReasonRef = builder.objectRef<FailureReason>('FailureReason').implement({
  fields: (t) => ({
    code: t.field({ type: FailureReasonCodeEnum, resolve: (failure) => failure.code }),
    message: t.exposeString('message'),
  }),
});

export const ProductInstanceRef = builder.objectRef<InstanceInPackage>('ProductInstance');

ProductInstanceRef.implement({
  fields: (t) => ({
    instanceId: t.id({ resolve: ({ instance }) => instance.instanceId }),
    siteId: t.id({ nullable: true, resolve: ({ instance }) => instance.siteId ?? null }),
    isFloating: t.boolean({
      description: 'True when the instance is assigned to no site: it belongs to the account but cannot be used yet.',
      resolve: ({ instance }) => !instance.siteId,
    }),
    catalogProductId: t.id({ resolve: ({ instance }) => instance.catalogProductId }),
    status: t.field({ type: ProductInstanceStatusEnum, resolve: ({ instance }) => instance.status }),
    failure: t.field({ type: FailureReasonRef, nullable: true, resolve: ({ instance }) => instance.failure ?? null }),
    billingInfo: t.field({ type: BillingCycleRef, nullable: true, resolve: ({ instance }) => instance.billingInfo ?? null }),
    countryCode: t.string({ nullable: true, resolve: ({ instance }) => instance.countryCode ?? null }),
    expirationDate: t.field({ type: 'DateTime', nullable: true, resolve: ({ instance }) => instance.expirationDate ?? null }),
    discountCode: t.string({ nullable: true, resolve: ({ instance }) => instance.discountCode ?? null }),
    referenceProductInstanceId: t.id({ nullable: true, resolve: ({ instance }) => instance.referenceProductInstanceId ?? null }),
    createdDate: t.field({ type: 'DateTime', nullable: true, resolve: ({ instance }) => instance.createdDate ?? null }),
    updatedDate: t.field({ type: 'DateTime', nullable: true, resolve: ({ instance }) => instance.updatedDate ?? null }),
    package: t.field({ type: PackageRef, resolve: ({ pkg }) => pkg }),
  }),
});

const IntervalInput = builder.inputType('IntervalInput', {
  fields: (t) => ({
    unit: t.field({ type: IntervalUnitEnum, required: true }),
    count: t.int({ required: true, validate: intervalCount }),
  }),
});

export const BillingInfoInput = builder.inputType('BillingCycleInput', {
  fields: (t) => ({
    type: t.field({ type: CycleTypeEnum, required: true }),
    cycleDuration: t.field({ type: IntervalInput, required: false, description: 'Required for RECURRING.' }),
  }),
});


export function toBillingInfo(input: { type: BillingInfo['type']; cycleDuration?: Interval | null }): BillingInfo {
  return { type: input.type, ...(input.cycleDuration ? { cycleDuration: input.cycleDuration } : {}) };
}

/**
 * `productInstance(instanceId)`: checks the arguments and the account, finds the instance in its
 * package (the instance id is what the caller knows). Not an async function, for the reason
 * `package(id)` is not one (package.ts); a failure is already the gateway's error (the loader's).
 */
function lookUpInstance(ctx: GatewayContext, args: { accountId?: string | null; instanceId: string }): Promise<InstanceInPackage | null> {
  const checked = guidArguments({ accountId: args.accountId, instanceId: args.instanceId });
  const instanceId = checked.instanceId!;
  return ctx.wixLoaders.packageOfInstance(ctx.wixAccount(checked.accountId), instanceId).then((pkg) => {
    const instance = pkg?.productInstances.find((candidate) => candidate.instanceId === instanceId);
    return pkg && instance ? { pkg, instance } : null;
  });
}

/** `productInstancesById(instanceIds)`: `productInstance` for a list, as `packagesById` is for packages. */
function lookUpInstances(
  ctx: GatewayContext,
  args: { accountId?: string | null; instanceIds: readonly (string | number)[] },
): Promise<(InstanceInPackage | null)[]> {
  const { account, ids: instanceIds } = listLookup(ctx, 'instanceIds', args.instanceIds, args.accountId);
  if (instanceIds.length === 0) return Promise.resolve([]);
  return ctx.wixLoaders.packagesOfInstances(account, instanceIds).then((found) =>
    found.map((pkg, index) => {
      // A failed batch's error stays in place: graphql-js reports it at its index.
      if (pkg instanceof Error || pkg === null) return pkg as null;
      const instance = pkg.productInstances.find((candidate) => candidate.instanceId === instanceIds[index]);
      return instance ? { pkg, instance } : null;
    }),
  );
}

builder.queryFields((t) => ({
  productInstance: t.field({
    type: ProductInstanceRef,
    nullable: true,
    description: 'A product instance by id, with its package; null when it does not exist in the account.',
    authScopes: { viewer: true },
    // GUIDs checked in the resolver (guidArguments), not by the validation plugin: see validators.ts.
    args: {
      accountId: t.arg.id({ required: false }),
      instanceId: t.arg.id({ required: true }),
    },
    resolve: (_root, args, ctx) => lookUpInstance(ctx, args),
  }),

  productInstancesById: t.field({
    type: [ProductInstanceRef],
    nullable: { list: true, items: true },
    description:
      'Product instances by id, with their packages, in the order of `instanceIds` (repeats included); null for an id that does not exist in the account or (with an error) could not be read; null in all (with an error) when the look-up is refused. At most 100 ids in all such list look-ups of a request, unless the gateway is configured otherwise (GATEWAY_MAX_LOOKUP_IDS).',
    authScopes: { viewer: true },
    args: {
      accountId: t.arg.id({ required: false }),
      instanceIds: t.arg.idList({ required: true }),
    },
    resolve: (_root, args, ctx) => lookUpInstances(ctx, args),
  }),
}));

const InstanceInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({ ...wixInputBase(t), instanceId: t.id({ required: true, validate: guid }) }),
  });

const CancelProductInstanceInput = InstanceInput('CancelProductInstanceInput');
const UnassignProductInstanceFromSiteInput = InstanceInput('UnassignProductInstanceFromSiteInput');

const AssignProductInstanceToSiteInput = builder.inputType('AssignProductInstanceToSiteInput', {
  fields: (t) => ({
    ...wixInputBase(t),
    instanceId: t.id({ required: true, validate: guid }),
    siteId: t.id({ required: true, validate: guid }),
  }),
});

const AdjustProductInstanceSpecificationsInput = builder.inputType('AdjustProductInstanceSpecificationsInput', {
  description: 'At least one of catalogProductId and billingInfo. discountCode is applied only with a new catalogProductId.',
  fields: (t) => ({
    ...wixInputBase(t),
    instanceId: t.id({ required: true, validate: guid }),
    catalogProductId: t.id({ required: false, validate: guid, description: 'A replacement product of the same type.' }),
    billingInfo: t.field({ type: BillingInfoInput, required: false }),
    discountCode: t.string({ required: false, validate: discountCode }),
  }),
});

const instanceTarget = (instanceId: string) => ({ resource: 'Product instance' as const, id: instanceId });

/** After an unanswered change: does the instance in this fresh read show it? */
function instanceIs(instanceId: string, check: (instance: ProductInstance) => boolean) {
  return (pkg: Package) => pkg.productInstances.some((i) => i.instanceId === instanceId && check(i));
}

builder.mutationFields((t) => ({
  cancelProductInstance: t.field({
    type: packageSuccess('CancelProductInstance'),
    description: 'Cancels one instance; the rest of its package is untouched.',
    authScopes: { admin: true },
    extensions: mutationExtensions('wix', true),
    errors: resultUnion('CancelProductInstance'),
    args: { input: t.arg({ type: CancelProductInstanceInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const instanceId = String(input.instanceId);
      const applied = instanceIs(instanceId, (i) => i.status === 'CANCELED');
      return runWixWrite(ctx, { operation: 'cancelProductInstance', input, target: instanceTarget(instanceId), applied }, (accountId, key) =>
        ctx.wix.cancelProductInstance(accountId, instanceId, { idempotencyKey: key }),
      );
    },
  }),

  assignProductInstanceToSite: t.field({
    type: packageSuccess('AssignProductInstanceToSite'),
    description: 'Assigns the instance to a site, moving it from another site if it had one.',
    authScopes: { operator: true },
    extensions: mutationExtensions('wix', true),
    errors: resultUnion('AssignProductInstanceToSite'),
    args: { input: t.arg({ type: AssignProductInstanceToSiteInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const instanceId = String(input.instanceId);
      const applied = instanceIs(instanceId, (i) => i.siteId === String(input.siteId));
      return runWixWrite(ctx, { operation: 'assignProductInstanceToSite', input, target: instanceTarget(instanceId), applied }, (accountId, key) =>
        ctx.wix.assignProductInstanceToSite(accountId, instanceId, String(input.siteId), { idempotencyKey: key }),
      );
    },
  }),

  unassignProductInstanceFromSite: t.field({
    type: packageSuccess('UnassignProductInstanceFromSite'),
    description: 'Takes the instance off its site; it becomes floating and the site loses it at once.',
    authScopes: { operator: true },
    extensions: mutationExtensions('wix', true),
    errors: resultUnion('UnassignProductInstanceFromSite'),
    args: { input: t.arg({ type: UnassignProductInstanceFromSiteInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const instanceId = String(input.instanceId);
      const applied = instanceIs(instanceId, (i) => !i.siteId);
      return runWixWrite(ctx, { operation: 'unassignProductInstanceFromSite', input, target: instanceTarget(instanceId), applied }, (accountId, key) =>
        ctx.wix.unassignProductInstanceFromSite(accountId, instanceId, { idempotencyKey: key }),
      );
    },
  }),

  adjustProductInstanceSpecifications: t.field({
    type: packageSuccess('AdjustProductInstanceSpecifications'),
    description: 'Upgrades, downgrades or changes the billing cycle of an instance.',
    authScopes: { operator: true },
    // A downgrade takes features away at once.
    extensions: mutationExtensions('wix', true),
    errors: resultUnion('AdjustProductInstanceSpecifications'),
    args: { input: t.arg({ type: AdjustProductInstanceSpecificationsInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      if (input.catalogProductId == null && input.billingInfo == null) {
        throw new InvalidInputError([{ path: ['input'], message: 'needs catalogProductId or billingInfo.' }]);
      }
      const instanceId = String(input.instanceId);
      const wanted = input.billingInfo ? toBillingInfo(input.billingInfo) : undefined;
      const applied = instanceIs(
        instanceId,
        (i) =>
          (input.catalogProductId == null || i.catalogProductId === String(input.catalogProductId)) &&
          (!wanted || JSON.stringify(i.billingInfo) === JSON.stringify(wanted)),
      );
      return runWixWrite(ctx, { operation: 'adjustProductInstanceSpecifications', input, target: instanceTarget(instanceId), applied }, (accountId, key) =>
        ctx.wix.adjustProductInstanceSpecifications(accountId, instanceId, {
          idempotencyKey: key,
          ...(input.catalogProductId != null ? { catalogProductId: String(input.catalogProductId) } : {}),
          ...(input.billingInfo ? { billingInfo: toBillingInfo(input.billingInfo) } : {}),
          // §11 item 8: a discount code counts only with a new product, so it is not sent alone.
          ...(input.discountCode != null && input.catalogProductId != null ? { discountCode: input.discountCode } : {}),
        }),
      );
    },
  }),
}));
