import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, WIX_DEMO, wixCalls, wixWriteRequests, wixWrites, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.wixSandbox.reset());

const RESULT_FIELDS = /* GraphQL */ `
  __typename
  ... on Error { code message }
  ... on NotFoundError { resource id }
  ... on PreconditionFailedError { upstream }
  ... on InvalidInputError { issues { path message } }
  ... on UpstreamError { upstream retryable upstreamCode }
`;

const PACKAGE_FIELDS = `package { id accountId externalId productInstances { instanceId siteId isFloating status catalogProductId discountCode billingInfo { type cycleDuration { unit count } } } }`;

function mutation(name: string, inputType: string) {
  return /* GraphQL */ `
    mutation ($input: ${inputType}!) {
      ${name}(input: $input) {
        ${RESULT_FIELDS}
        ... on ${name[0]!.toUpperCase()}${name.slice(1)}Success { idempotencyKey ${PACKAGE_FIELDS} }
      }
    }`;
}

const CANCEL_PACKAGE = mutation('cancelPackage', 'CancelPackageInput');
const CANCEL_INSTANCE = mutation('cancelProductInstance', 'CancelProductInstanceInput');
const ASSIGN = mutation('assignProductInstanceToSite', 'AssignProductInstanceToSiteInput');
const UNASSIGN = mutation('unassignProductInstanceFromSite', 'UnassignProductInstanceFromSiteInput');
const ADJUST = mutation('adjustProductInstanceSpecifications', 'AdjustProductInstanceSpecificationsInput');
const UPDATE_EXTERNAL_ID = mutation('updatePackageExternalId', 'UpdatePackageExternalIdInput');
const CREATE = mutation('createPackage', 'CreatePackageInput');

describe('cancelPackage', () => {
  it('cancels every instance, sends an upstream key derived from the caller key in the query string', async () => {
    const res = await stack.gql(CANCEL_PACKAGE, { input: { id: WIX_DEMO.packageId, idempotencyKey: 'cancel-1' } });
    const result = res.body.data.cancelPackage;
    expect(result.__typename).toBe('CancelPackageSuccess');
    expect(result.idempotencyKey).toBe('cancel-1');
    expect(result.package.productInstances.every((i: any) => i.status === 'CANCELED')).toBe(true);
    expect(wixWrites(stack)).toEqual([`DELETE /resellers/v1/packages/${WIX_DEMO.packageId}`]);
    // Scoped to the caller, so two callers' keys never meet at Wix.
    expect(wixWriteRequests(stack)[0]!.query.idempotencyKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('generates an idempotency key when none is given and returns it', async () => {
    const res = await stack.gql(CANCEL_PACKAGE, { input: { id: WIX_DEMO.mailboxPackageId } });
    const key = res.body.data.cancelPackage.idempotencyKey;
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(wixWriteRequests(stack)[0]!.query.idempotencyKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives NotFoundError for an unknown package and for another account's package", async () => {
    for (const id of [WIX_DEMO.unknownPackageId, WIX_DEMO.otherAccountPackageId]) {
      const res = await stack.gql(CANCEL_PACKAGE, { input: { id } });
      expect(res.body.data.cancelPackage).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', resource: 'Package', id });
    }
    const other = await stack.gql(/* GraphQL */ `query { package(id: "${WIX_DEMO.otherAccountPackageId}", accountId: "${WIX_DEMO.otherAccountId}") { productInstances { status } } }`);
    expect(other.body.data.package.productInstances.every((i: any) => i.status !== 'CANCELED')).toBe(true);
  });
});

describe('product instance mutations', () => {
  it('unassigns an instance: it becomes floating', async () => {
    const res = await stack.gql(UNASSIGN, { input: { instanceId: WIX_DEMO.assignedInstanceId } });
    const result = res.body.data.unassignProductInstanceFromSite;
    expect(result.__typename).toBe('UnassignProductInstanceFromSiteSuccess');
    const instance = result.package.productInstances.find((i: any) => i.instanceId === WIX_DEMO.assignedInstanceId);
    expect(instance).toMatchObject({ siteId: null, isFloating: true });
    expect(wixWrites(stack)).toEqual([`PATCH /resellers/v1/packages/product-instances/${WIX_DEMO.assignedInstanceId}/unassign`]);
    expect(wixWriteRequests(stack)[0]!.body).toEqual({ idempotencyKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('unassigning a floating instance is PreconditionFailedError MISSING_SITE_ID', async () => {
    const res = await stack.gql(UNASSIGN, { input: { instanceId: WIX_DEMO.floatingInstanceId } });
    expect(res.body.data.unassignProductInstanceFromSite).toMatchObject({
      __typename: 'PreconditionFailedError',
      code: 'MISSING_SITE_ID',
      upstream: 'WIX',
      message: 'The product instance is not assigned to a site.',
    });
  });

  it('unassigning an unknown instance is NotFoundError', async () => {
    const res = await stack.gql(UNASSIGN, { input: { instanceId: WIX_DEMO.unknownInstanceId } });
    expect(res.body.data.unassignProductInstanceFromSite).toMatchObject({ __typename: 'NotFoundError', resource: 'Product instance' });
  });

  it('assigns a floating instance to a site, then unassign + assign moves it back', async () => {
    const res = await stack.gql(ASSIGN, { input: { instanceId: WIX_DEMO.floatingInstanceId, siteId: WIX_DEMO.secondSiteId } });
    const result = res.body.data.assignProductInstanceToSite;
    expect(result.__typename).toBe('AssignProductInstanceToSiteSuccess');
    expect(result.package.productInstances[0]).toMatchObject({ siteId: WIX_DEMO.secondSiteId, isFloating: false });
    expect(wixWrites(stack)).toEqual([
      `PATCH /resellers/v1/packages/product-instances/${WIX_DEMO.floatingInstanceId}/${WIX_DEMO.secondSiteId}`,
    ]);
  });

  it("assigning to another account's site is NotFoundError and never repeats Wix's message", async () => {
    const res = await stack.gql(ASSIGN, { input: { instanceId: WIX_DEMO.floatingInstanceId, siteId: WIX_DEMO.otherAccountSiteId } });
    expect(res.body.data.assignProductInstanceToSite).toMatchObject({ __typename: 'NotFoundError', resource: 'Site', message: 'Site was not found.' });
    expect(res.text).not.toContain(WIX_DEMO.otherAccountId);
  });

  it('cancels one instance and leaves the others', async () => {
    const res = await stack.gql(CANCEL_INSTANCE, { input: { instanceId: WIX_DEMO.mailboxInstanceId } });
    const instances = res.body.data.cancelProductInstance.package.productInstances;
    expect(instances.find((i: any) => i.instanceId === WIX_DEMO.mailboxInstanceId).status).toBe('CANCELED');
    expect(instances.find((i: any) => i.instanceId === WIX_DEMO.secondMailboxInstanceId).status).toBe('ENABLED');
    expect(wixWrites(stack)).toEqual([`DELETE /resellers/v1/packages/product-instances/${WIX_DEMO.mailboxInstanceId}`]);
  });

  it('adjusts the billing cycle of an instance', async () => {
    const res = await stack.gql(ADJUST, {
      input: { instanceId: WIX_DEMO.assignedInstanceId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 2 } } },
    });
    const result = res.body.data.adjustProductInstanceSpecifications;
    expect(result.__typename).toBe('AdjustProductInstanceSpecificationsSuccess');
    const instance = result.package.productInstances.find((i: any) => i.instanceId === WIX_DEMO.assignedInstanceId);
    expect(instance.billingInfo).toEqual({ type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 2 } });
  });

  it('maps adjust preconditions: unsupported cycle, canceled instance, different product type', async () => {
    const cycle = await stack.gql(ADJUST, {
      input: { instanceId: WIX_DEMO.assignedInstanceId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'WEEK', count: 3 } } },
    });
    expect(cycle.body.data.adjustProductInstanceSpecifications).toMatchObject({ __typename: 'PreconditionFailedError', code: 'INCOMPATIBLE_BILLING_CYCLE' });
    const canceled = await stack.gql(ADJUST, {
      input: { instanceId: WIX_DEMO.canceledInstanceId, catalogProductId: WIX_DEMO.premiumPlanProductId },
    });
    expect(canceled.body.data.adjustProductInstanceSpecifications).toMatchObject({ code: 'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS' });
    const type = await stack.gql(ADJUST, { input: { instanceId: WIX_DEMO.assignedInstanceId, catalogProductId: WIX_DEMO.domainProductId } });
    expect(type.body.data.adjustProductInstanceSpecifications).toMatchObject({ code: 'INCOMPATIBLE_PRODUCT' });
  });

  it('refuses an adjust without product or cycle before calling Wix', async () => {
    const res = await stack.gql(ADJUST, { input: { instanceId: WIX_DEMO.assignedInstanceId, discountCode: 'SPRING' } });
    expect(res.body.data.adjustProductInstanceSpecifications).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect(wixCalls(stack)).toEqual([]);
  });
});

describe('updatePackageExternalId', () => {
  it('sets a URL-encoded external id', async () => {
    const externalId = 'billing/sub 42?x=1';
    const res = await stack.gql(UPDATE_EXTERNAL_ID, { input: { id: WIX_DEMO.packageId, externalId } });
    expect(res.body.data.updatePackageExternalId.package.externalId).toBe(externalId);
    expect(wixWrites(stack)).toEqual([
      `PATCH /resellers/v1/packages/update/${WIX_DEMO.packageId}/${encodeURIComponent(externalId)}`,
    ]);
  });
});

describe('createPackage', () => {
  it('creates a package with an assigned and a floating instance (V2)', async () => {
    const res = await stack.gql(CREATE, {
      input: {
        externalId: 'order-77',
        idempotencyKey: 'create-77',
        products: [
          { catalogProductId: WIX_DEMO.premiumPlanProductId, countryCode: 'BR', siteId: WIX_DEMO.secondSiteId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } } },
          { catalogProductId: WIX_DEMO.mailboxProductId, countryCode: 'US', billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } } },
        ],
      },
    });
    const result = res.body.data.createPackage;
    expect(result.__typename).toBe('CreatePackageSuccess');
    expect(result.idempotencyKey).toBe('create-77');
    expect(result.package).toMatchObject({ accountId: WIX_DEMO.accountId, externalId: 'order-77' });
    expect(result.package.productInstances.map((i: any) => [i.status, i.isFloating])).toEqual([
      ['PENDING', false],
      ['PENDING', true],
    ]);
    expect(wixWrites(stack)).toEqual(['POST /resellers/v2/packages']);
    const sent = wixWriteRequests(stack)[0]!.body as any;
    expect(sent.products[0]).toEqual({
      catalogProductId: WIX_DEMO.premiumPlanProductId,
      countryCode: 'BR',
      siteId: WIX_DEMO.secondSiteId,
      billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } },
    });
  });

  it('maps create errors: unknown product, missing billing cycle', async () => {
    const unknown = await stack.gql(CREATE, { input: { products: [{ catalogProductId: WIX_DEMO.unknownProductId, countryCode: 'BR' }] } });
    expect(unknown.body.data.createPackage).toMatchObject({ __typename: 'NotFoundError', resource: 'Catalog product' });
    const cycle = await stack.gql(CREATE, { input: { products: [{ catalogProductId: WIX_DEMO.premiumPlanProductId, countryCode: 'BR' }] } });
    expect(cycle.body.data.createPackage).toMatchObject({ __typename: 'PreconditionFailedError', code: 'MISSING_BILLING_CYCLE' });
  });
});

describe('input validation (zero upstream calls)', () => {
  const cases: [string, string, Record<string, unknown>, string[]][] = [
    ['malformed package id', CANCEL_PACKAGE, { id: 'abc' }, ['input', 'id']],
    ['GUID with injection', CANCEL_PACKAGE, { id: `${WIX_DEMO.packageId}/../x` }, ['input', 'id']],
    ['malformed account id', CANCEL_PACKAGE, { id: WIX_DEMO.packageId, accountId: 'x' }, ['input', 'accountId']],
    ['idempotency key over 100', CANCEL_PACKAGE, { id: WIX_DEMO.packageId, idempotencyKey: 'k'.repeat(101) }, ['input', 'idempotencyKey']],
    ['malformed instance id', UNASSIGN, { instanceId: '1a5' }, ['input', 'instanceId']],
    ['malformed site id', ASSIGN, { instanceId: WIX_DEMO.floatingInstanceId, siteId: 'site-1' }, ['input', 'siteId']],
    ['discount code over 25', ADJUST, { instanceId: WIX_DEMO.assignedInstanceId, catalogProductId: WIX_DEMO.premiumPlanProductId, discountCode: 'D'.repeat(26) }, ['input', 'discountCode']],
    ['external id over 100', UPDATE_EXTERNAL_ID, { id: WIX_DEMO.packageId, externalId: 'e'.repeat(101) }, ['input', 'externalId']],
    ['no products', CREATE, { products: [] }, ['input', 'products']],
    ['lower-case country', CREATE, { products: [{ catalogProductId: WIX_DEMO.premiumPlanProductId, countryCode: 'br' }] }, ['input', 'products', '0', 'countryCode']],
    ['unknown country', CREATE, { products: [{ catalogProductId: WIX_DEMO.premiumPlanProductId, countryCode: 'XX' }] }, ['input', 'products', '0', 'countryCode']],
    ['interval count 0', CREATE, { products: [{ catalogProductId: WIX_DEMO.premiumPlanProductId, countryCode: 'BR', billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 0 } } }] }, ['input', 'products', '0', 'billingInfo', 'cycleDuration', 'count']],
  ];

  it.each(cases)('%s', async (_name, document, input, path) => {
    const res = await stack.gql(document, { input });
    const result = Object.values(res.body.data)[0] as any;
    expect(result.__typename).toBe('InvalidInputError');
    expect(result.code).toBe('INVALID_INPUT');
    expect(result.issues.map((i: any) => i.path)).toContainEqual(path);
    expect(wixCalls(stack)).toEqual([]);
  });

  it('rejects 1001 products', async () => {
    const product = { catalogProductId: WIX_DEMO.mailboxProductId, countryCode: 'BR' };
    const res = await stack.gql(CREATE, { input: { products: Array.from({ length: 1001 }, () => product) } });
    expect(res.body.data.createPackage.__typename).toBe('InvalidInputError');
    expect(wixCalls(stack)).toEqual([]);
  });
});
