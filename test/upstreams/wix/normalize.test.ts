import { describe, expect, it } from 'vitest';
import { WixBadResponseError } from '../../../src/upstreams/wix/errors.js';
import { parseJson, toPackage, toPackagesPage } from '../../../src/upstreams/wix/normalize.js';

const instance = {
  instanceId: 'i-1',
  catalogProductId: 'p-1',
  status: 'ENABLED',
  siteId: 's-1',
  billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } },
  countryCode: 'BR',
  createdDate: '2024-01-01T00:00:00.000Z',
};

describe('reading Wix packages (§11 ambiguities)', () => {
  it('reads the documented camelCase shape', () => {
    const pkg = toPackage({ id: 'k-1', accountId: 'a-1', externalId: 'x', productInstances: [instance], createdDate: '2024-01-01T00:00:00.000Z', parentAccountId: 'a-0' });
    expect(pkg).toEqual({
      id: 'k-1',
      accountId: 'a-1',
      externalId: 'x',
      createdDate: '2024-01-01T00:00:00.000Z',
      productInstances: [instance],
    });
  });

  it('takes paymentInfo for billingInfo (item 3)', () => {
    const { billingInfo: _b, ...rest } = instance;
    const pkg = toPackage({ id: 'k', accountId: 'a', productInstances: [{ ...rest, paymentInfo: { type: 'ONE_TIME' } }] });
    expect(pkg.productInstances[0]!.billingInfo).toEqual({ type: 'ONE_TIME' });
  });

  it('takes snake_case keys (item 4), including the StringValue form of externalId', () => {
    const pkg = toPackage({
      id: 'k',
      account_id: 'a',
      external_id: { value: 'sub-9' },
      product_instances: [{ instance_id: 'i', catalog_product_id: 'p', status: 'PENDING', site_id: 's', billing_info: { type: 'RECURRING', cycle_duration: { unit: 'MONTH', count: 2 } } }],
    });
    expect(pkg).toMatchObject({ accountId: 'a', externalId: 'sub-9' });
    expect(pkg.productInstances[0]).toMatchObject({ instanceId: 'i', siteId: 's', billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 2 } } });
  });

  it('reads metadata or pagingMetadata for the next cursor (item 2)', () => {
    expect(toPackagesPage({ packages: [], metadata: { count: 0, cursors: { next: 'c1' } } }).nextCursor).toBe('c1');
    expect(toPackagesPage({ packages: [], pagingMetadata: { count: 0, cursors: { next: 'c2' } } }).nextCursor).toBe('c2');
    expect(toPackagesPage({ packages: [], metadata: { count: 0, cursors: {} } }).nextCursor).toBeUndefined();
  });

  it('refuses a package without its required fields, and a body that is not a JSON object', () => {
    expect(() => toPackage({ accountId: 'a', productInstances: [] })).toThrow(WixBadResponseError);
    expect(() => toPackage({ id: 'k', accountId: 'a', productInstances: [{ instanceId: 'i', status: 'ENABLED' }] })).toThrow(/lacks catalogProductId/);
    expect(() => toPackage({ id: 'k', accountId: 'a', productInstances: 'none' })).toThrow(WixBadResponseError);
    expect(() => parseJson('[1,2]')).toThrow(/not a JSON object/);
    expect(() => parseJson('{"package":')).toThrow(/not JSON/);
  });
});
