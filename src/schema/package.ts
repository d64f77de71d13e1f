/**
 * Package: the Wix Resellers package, its queries (`package`, `packages`) and the mutations that act
 * on a whole package (create, cancel, update its external id).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import { InvalidInputError } from '../errors.js';
import { toGatewayError } from '../upstreams/wix/errors.js';
import type { NewProductInstance, Package, PackagesQuery, ProductInstance } from '../upstreams/wix/types.js';
import { mutationExtensions } from './audit-trail.js';
import { builder } from './builder.js';
import { resultUnion, wixInputBase } from './mutation.js';
import type { SentWindow } from './idempotent.js';
import { runWixWrite, type PackagePayload } from './wix-write.js';
import { BillingInfoInput, ProductInstanceRef, ProductInstanceStatusEnum, toBillingInfo } from './product-instance.js';
import { countryCode, discountCode, externalId, guid, guidArguments, listLookup, pageSize } from './validators.js';

export const PackageRef = builder.objectRef<Package>('Package');

PackageRef.implement({
  description: 'A Wix Resellers package: one or more product instances sold together to an account.',
  fields: (t) => ({
    id: t.exposeID('id'),
    accountId: t.exposeID('accountId', { description: 'The Wix (sub-)account that owns the package.' }),
    externalId: t.exposeString('externalId', { nullable: true, description: "The reseller's own reference." }),
    productInstances: t.field({
      type: [ProductInstanceRef],
      resolve: (pkg) => pkg.productInstances.map((instance) => ({ pkg, instance })),
    }),
    createdDate: t.field({ type: 'DateTime', nullable: true, resolve: (pkg) => pkg.createdDate ?? null }),
    updatedDate: t.field({ type: 'DateTime', nullable: true, resolve: (pkg) => pkg.updatedDate ?? null }),
  }),
});

/**
 * `package(id)`: checks the arguments and the account, and hands on the request's loader's promise
 * as it is. Documents repeat this field under aliases, and all N stay pending while their batch is
 * upstream: a suspended async function or a rejection handler per field would be kept alive that
 * long. A failure is already the gateway's error (the loader's); graphql-js locates it at the field.
 */
function lookUpPackage(ctx: GatewayContext, args: { accountId?: string | null; id: string }): Promise<Package | null> {
  const checked = guidArguments({ accountId: args.accountId, id: args.id });
  return ctx.wixLoaders.package(ctx.wixAccount(checked.accountId), checked.id!);
}

/**
 * `packagesById(ids)`: the same loader as `package(id)`, asked once for the whole list. One field
 * instead of N aliases: graphql-js keeps no per-alias state, so a page costs about half as much to
 * execute and keeps less alive while its batch is upstream (bench/RESULTS.md). A failed batch
 * leaves an error at each index it held (graphql-js reports an Error item where it stands).
 */
function lookUpPackages(ctx: GatewayContext, args: { accountId?: string | null; ids: readonly (string | number)[] }): Promise<(Package | null)[]> {
  const { account, ids } = listLookup(ctx, 'ids', args.ids, args.accountId);
  if (ids.length === 0) return Promise.resolve([]);
  return ctx.wixLoaders.packages(account, ids) as Promise<(Package | null)[]>;
}

// ---------------------------------------------------------------------------------------------
// Queries

const PackagesFilter = builder.inputType('PackagesFilter', {
  description: 'All given conditions must hold. Instance conditions match when any instance of the package matches.',
  fields: (t) => ({
    status: t.field({ type: [ProductInstanceStatusEnum], required: false, description: 'Some instance has one of these statuses.' }),
    siteId: t.id({ required: false, validate: guid, description: 'Some instance is assigned to this site.' }),
    catalogProductId: t.id({ required: false, validate: guid, description: 'Some instance is of this catalog product.' }),
    externalId: t.string({ required: false, validate: externalId }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Created at or after this time.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Created before this time.' }),
  }),
});

interface PackagesFilterValue {
  status?: ProductInstance['status'][] | null;
  siteId?: string | number | null;
  catalogProductId?: string | number | null;
  externalId?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/** The Wix query filter (§7) for a gateway filter, always scoped to one account. */
function toWixFilter(accountId: string, filter: PackagesFilterValue | null | undefined): Record<string, unknown> {
  const wix: Record<string, unknown> = { accountId: { $eq: accountId } };
  if (!filter) return wix;
  if (filter.status?.length) wix['productInstances.status'] = { $hasSome: filter.status };
  if (filter.siteId != null) wix['productInstances.siteId'] = { $hasSome: [String(filter.siteId)] };
  if (filter.catalogProductId != null) wix['productInstances.catalogProductId'] = { $hasSome: [String(filter.catalogProductId)] };
  if (filter.externalId != null) wix.externalId = { $eq: filter.externalId };
  const created: Record<string, string> = {};
  if (filter.createdAfter) created.$gte = filter.createdAfter.toISOString();
  if (filter.createdBefore) created.$lt = filter.createdBefore.toISOString();
  if (Object.keys(created).length > 0) wix.createdDate = created;
  return wix;
}

/**
 * Relay cursors over Wix's page cursors. Wix hands out one cursor per page and refuses a cursor sent
 * together with a filter, so an edge cursor names the page it came from (its Wix cursor, or none for
 * the first page) and how many packages of that page precede the next one. The account and a
 * fingerprint of the filter ride along, so a cursor cannot be replayed against another query.
 */
interface PageCursor {
  a: string;
  f: string;
  c: string | null;
  s: number;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string): PageCursor | null {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<PageCursor>;
    if (
      typeof parsed.a === 'string' &&
      typeof parsed.f === 'string' &&
      (parsed.c === null || typeof parsed.c === 'string') &&
      Number.isInteger(parsed.s) &&
      (parsed.s as number) >= 0 &&
      (parsed.s as number) < 100
    ) {
      return parsed as PageCursor;
    }
  } catch {
    // Falls through to "not a cursor of ours".
  }
  return null;
}

function fingerprint(filter: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(filter)).digest('base64url').slice(0, 16);
}

const PackageConnection = builder.connectionObject({ type: PackageRef, name: 'PackageConnection' }, { name: 'PackageEdge' });

builder.queryFields((t) => ({
  package: t.field({
    type: PackageRef,
    nullable: true,
    description: 'A package by id; null when it does not exist in the account.',
    authScopes: { viewer: true },
    // GUIDs checked in the resolver (guidArguments), not by the validation plugin: see validators.ts.
    args: {
      accountId: t.arg.id({ required: false }),
      id: t.arg.id({ required: true }),
    },
    resolve: (_root, args, ctx) => lookUpPackage(ctx, args),
  }),

  packagesById: t.field({
    type: [PackageRef],
    nullable: { list: true, items: true },
    description:
      'Packages by id, in the order of `ids` (repeats included); null for an id that does not exist in the account or (with an error) could not be read; null in all (with an error) when the look-up is refused. At most 100 ids in all such list look-ups of a request, unless the gateway is configured otherwise (GATEWAY_MAX_LOOKUP_IDS).',
    authScopes: { viewer: true },
    args: {
      accountId: t.arg.id({ required: false }),
      ids: t.arg.idList({ required: true }),
    },
    resolve: (_root, args, ctx) => lookUpPackages(ctx, args),
  }),

  packages: t.field({
    type: PackageConnection,
    nullable: true,
    description: "An account's packages, newest first; null (with an error) when they cannot be read.",
    authScopes: { viewer: true },
    args: {
      accountId: t.arg.id({ required: false, validate: guid }),
      filter: t.arg({ type: PackagesFilter, required: false }),
      first: t.arg.int({ required: false, defaultValue: 20, validate: pageSize, description: 'At most 100.' }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const accountId = ctx.wixAccount(args.accountId as string | null);
      const filter = toWixFilter(accountId, args.filter as PackagesFilterValue | null);
      const fp = fingerprint(filter);
      const first = args.first ?? 20;
      let from: PageCursor = { a: accountId, f: fp, c: null, s: 0 };
      if (args.after != null) {
        const decoded = decodeCursor(args.after);
        if (!decoded || decoded.a !== accountId || decoded.f !== fp) {
          throw new InvalidInputError([{ path: ['after'], message: 'is not a cursor of this query (same account and filter).' }]);
        }
        from = decoded;
      }
      const limit = Math.min(100, from.s + first);
      const query: PackagesQuery = from.c
        ? { cursorPaging: { cursor: from.c, limit } }
        : { filter, sort: [{ fieldName: 'createdDate', order: 'DESC' }], cursorPaging: { limit } };
      let page;
      try {
        page = await ctx.wixLoaders.page(accountId, query);
      } catch (error) {
        throw toGatewayError(error);
      }
      // The query scope is the reseller family; never show a package of another account.
      const packages = page.packages.filter((pkg) => pkg.accountId === accountId);
      if (packages.length !== page.packages.length) ctx.log.warn({ accountId }, 'Wix returned packages of other accounts; dropped');
      const items = packages.slice(from.s, from.s + first);
      const edges = items.map((pkg, index) => {
        ctx.wixLoaders.prime(pkg);
        const position = from.s + index + 1;
        const cursor: PageCursor =
          position === packages.length && page.nextCursor
            ? { a: accountId, f: fp, c: page.nextCursor, s: 0 }
            : { a: accountId, f: fp, c: from.c, s: position };
        return { cursor: encodeCursor(cursor), node: pkg };
      });
      return {
        edges,
        pageInfo: {
          hasNextPage: from.s + items.length < packages.length || Boolean(page.nextCursor),
          hasPreviousPage: args.after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
}));

// ---------------------------------------------------------------------------------------------
// Mutations

/** `<Name>Success { package, idempotencyKey }`, the success member of a package-changing mutation. */
export function packageSuccess(name: string) {
  return builder.objectRef<PackagePayload>(`${name}Success`).implement({
    fields: (t) => ({
      package: t.field({ type: PackageRef, resolve: (payload) => payload.package }),
      idempotencyKey: t.exposeString('idempotencyKey', { description: 'The key the change was sent with; reuse it to retry.' }),
    }),
  });
}

const NewProductInput = builder.inputType('NewProductInstanceInput', {
  fields: (t) => ({
    catalogProductId: t.id({ required: true, validate: guid }),
    countryCode: t.string({ required: true, validate: countryCode, description: 'Where bundled vouchers can be claimed (ISO-3166-1 alpha-2).' }),
    siteId: t.id({ required: false, validate: guid, description: 'Omit to create a floating instance.' }),
    billingInfo: t.field({ type: BillingInfoInput, required: false }),
    discountCode: t.string({ required: false, validate: discountCode }),
    referenceProductInstanceId: t.id({ required: false, validate: guid, description: 'Makes this a free add-on of that instance.' }),
  }),
});

/**
 * Wix stamps a package between the gateway's claim of its key and the end of its last send, but the
 * two clocks may differ by this much either way. Short, since a package of the same externalId and
 * products made just outside the window would be taken for it.
 */
const CLOCK_SKEW_MS = 10_000;

/**
 * The package a create made, when its answer was lost. Wix's key dedupe is best-effort (§11 item 6),
 * so the gateway looks before it resends, and only a create with an externalId can be told apart:
 * the one package of the account with that externalId and the same products (catalog product and
 * site), created while the create could have been sent under this key (so not a later order with
 * another key). None, or more than one: undefined.
 */
async function findCreated(
  ctx: GatewayContext,
  accountId: string,
  externalId: string,
  products: readonly NewProductInstance[],
  sent: SentWindow,
): Promise<Package | undefined> {
  const page = await ctx.wix.queryPackages(accountId, {
    filter: {
      accountId: { $eq: accountId },
      externalId: { $eq: externalId },
      createdDate: {
        $gte: new Date(sent.from.getTime() - CLOCK_SKEW_MS).toISOString(),
        $lte: new Date(sent.to.getTime() + CLOCK_SKEW_MS).toISOString(),
      },
    },
    sort: [{ fieldName: 'createdDate', order: 'DESC' }],
    cursorPaging: { limit: 100 },
  });
  const wanted = productsKey(products);
  const found = page.packages.filter((pkg) => pkg.accountId === accountId && productsKey(pkg.productInstances) === wanted);
  return found.length === 1 ? found[0] : undefined;
}

function productsKey(products: readonly { catalogProductId: string; siteId?: string | undefined }[]): string {
  return products
    .map((p) => `${p.catalogProductId.toLowerCase()}@${p.siteId?.toLowerCase() ?? ''}`)
    .sort()
    .join(',');
}

const CreatePackageInput = builder.inputType('CreatePackageInput', {
  fields: (t) => ({
    ...wixInputBase(t),
    externalId: t.string({ required: false, validate: externalId }),
    products: t.field({
      type: [NewProductInput],
      required: true,
      validate: z.array(z.unknown()).min(1, 'must hold at least one product').max(1000, 'must hold at most 1000 products'),
    }),
  }),
});

const CancelPackageInput = builder.inputType('CancelPackageInput', {
  fields: (t) => ({ ...wixInputBase(t), id: t.id({ required: true, validate: guid }) }),
});

const UpdatePackageExternalIdInput = builder.inputType('UpdatePackageExternalIdInput', {
  fields: (t) => ({
    ...wixInputBase(t),
    id: t.id({ required: true, validate: guid }),
    externalId: t.string({ required: true, validate: externalId }),
  }),
});

builder.mutationFields((t) => ({
  createPackage: t.field({
    type: packageSuccess('CreatePackage'),
    description:
      'Creates a package (Create Package V2). Instances without a siteId are floating. With an externalId, a create whose answer was lost is found again instead of being sent twice.',
    authScopes: { admin: true },
    extensions: mutationExtensions('wix', false),
    errors: resultUnion('CreatePackage'),
    args: { input: t.arg({ type: CreatePackageInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const products: NewProductInstance[] = input.products.map((p) => ({
        catalogProductId: String(p.catalogProductId),
        countryCode: p.countryCode,
        ...(p.siteId != null ? { siteId: String(p.siteId) } : {}),
        ...(p.billingInfo ? { billingInfo: toBillingInfo(p.billingInfo) } : {}),
        ...(p.discountCode != null ? { discountCode: p.discountCode } : {}),
        ...(p.referenceProductInstanceId != null ? { referenceProductInstanceId: String(p.referenceProductInstanceId) } : {}),
      }));
      const { externalId } = input;
      return runWixWrite(
        ctx,
        {
          operation: 'createPackage',
          input,
          ...(externalId != null ? { made: (accountId: string, sent: SentWindow) => findCreated(ctx, accountId, externalId, products, sent) } : {}),
        },
        (accountId, key) =>
          ctx.wix.createPackage(accountId, { idempotencyKey: key, ...(externalId != null ? { externalId } : {}), products }),
      );
    },
  }),

  cancelPackage: t.field({
    type: packageSuccess('CancelPackage'),
    description: 'Cancels every instance of the package; the customer loses access at once.',
    authScopes: { admin: true },
    extensions: mutationExtensions('wix', true),
    errors: resultUnion('CancelPackage'),
    args: { input: t.arg({ type: CancelPackageInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const id = String(input.id);
      const write = {
        operation: 'cancelPackage',
        input,
        target: { resource: 'Package' as const, id },
        applied: (pkg: Package) => pkg.productInstances.every((i) => i.status === 'CANCELED'),
      };
      return runWixWrite(ctx, write, (accountId, key) =>
        ctx.wix.cancelPackage(accountId, id, { idempotencyKey: key }),
      );
    },
  }),

  updatePackageExternalId: t.field({
    type: packageSuccess('UpdatePackageExternalId'),
    description: "Replaces the package's external id.",
    authScopes: { operator: true },
    extensions: mutationExtensions('wix', false),
    errors: resultUnion('UpdatePackageExternalId'),
    args: { input: t.arg({ type: UpdatePackageExternalIdInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const id = String(input.id);
      // Wix takes no idempotency key here; setting the same value twice is harmless.
      const write = {
        operation: 'updatePackageExternalId',
        input,
        target: { resource: 'Package' as const, id },
        applied: (pkg: Package) => pkg.externalId === input.externalId,
      };
      return runWixWrite(ctx, write, (accountId) =>
        ctx.wix.updatePackageExternalId(accountId, id, input.externalId),
      );
    },
  }),
}));

