import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, PreconditionFailedError, UpstreamError } from '../../../src/errors.js';
import { UpstreamTransportError } from '../../../src/upstreams/http.js';
import { toGatewayError, WixApiError, WixBadResponseError } from '../../../src/upstreams/wix/errors.js';

function appError(status: number, code: string, message = 'upstream words') {
  return WixApiError.fromResponse(
    status,
    JSON.stringify({ message, details: { applicationError: { code, description: message, data: {} } } }),
    { 'x-wix-request-id': 'req-1' },
  );
}

const target = { resource: 'Package', id: 'p-1' };

describe('Wix application errors (§6.3)', () => {
  it.each([
    'MISSING_SITE_ID',
    'PRODUCT_LIMIT_EXCEEDED',
    'PRODUCT_SETTINGS_NOT_FOUND',
    'MISSING_BILLING_CYCLE',
    'INCOMPATIBLE_BILLING_CYCLE',
    'INVALID_BILLING_CYCLE',
    'INVALID_PRODUCTS',
    'MULTIPLE_PRODUCT_ASSIGNMENTS',
    'PRODUCT_TYPE_ALREADY_ASSIGNED',
    'PRODUCT_NOT_SUPPORTED_ON_SITE',
    'INCOMPATIBLE_PRODUCT_INSTANCE_STATUS',
    'INCOMPATIBLE_PRODUCT',
    'MISSING_PRODUCT_DETAILS',
    'OPERATION_NOT_SUPPORTED_FOR_PRODUCT',
  ])('428 %s is PreconditionFailedError with that code and the gateway\'s own message', (code) => {
    const mapped = toGatewayError(appError(428, code, 'secret upstream text'), { target });
    expect(mapped).toBeInstanceOf(PreconditionFailedError);
    expect((mapped as PreconditionFailedError).code).toBe(code);
    expect((mapped as PreconditionFailedError).message).not.toContain('secret upstream text');
  });

  it('a 428 code the gateway does not know keeps its code with a generic message', () => {
    const mapped = toGatewayError(appError(428, 'SOMETHING_NEW'), { target }) as PreconditionFailedError;
    expect(mapped).toBeInstanceOf(PreconditionFailedError);
    expect(mapped.code).toBe('SOMETHING_NEW');
  });

  it.each([
    [404, 'ACCOUNT_NOT_FOUND', 'Account'],
    [404, 'PRODUCT_NOT_FOUND', 'Catalog product'],
    [404, 'SITE_NOT_FOUND', 'Site'],
    [428, 'PRODUCT_INSTANCE_NOT_FOUND', 'Product instance'],
  ])('%i %s is NotFoundError for %s', (status, code, resource) => {
    const mapped = toGatewayError(appError(status, code, 'is not owned by acc-1, but by acc-2'), { target });
    expect(mapped).toBeInstanceOf(NotFoundError);
    expect((mapped as NotFoundError).resource).toBe(resource);
    expect((mapped as NotFoundError).message).not.toContain('acc-2');
  });

  it('404 INVALID_REFERENCE_PRODUCT_INSTANCE_ID is a precondition on the reference', () => {
    const mapped = toGatewayError(appError(404, 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID'), { target });
    expect(mapped).toMatchObject({ code: 'INVALID_REFERENCE_PRODUCT_INSTANCE_ID' });
  });

  it('404 and 403-with-a-code on an addressed target are NotFoundError for it (§11 item 7)', () => {
    for (const status of [404, 403]) {
      const mapped = toGatewayError(appError(status, 'NOT_FOUND'), { target });
      expect(mapped).toEqual(new NotFoundError('Package', 'p-1'));
    }
  });

  it('400 field violations become InvalidInputError with paths and no upstream text', () => {
    const error = WixApiError.fromResponse(
      400,
      JSON.stringify({ message: 'bad', details: { validationError: { fieldViolations: [{ field: 'products.0.countryCode', description: 'words', violatedRule: 'FORMAT' }] } } }),
      {},
    );
    const mapped = toGatewayError(error) as InvalidInputError;
    expect(mapped).toBeInstanceOf(InvalidInputError);
    expect(mapped.issues).toEqual([{ path: ['products', '0', 'countryCode'], message: 'Rejected by the Wix API (rule FORMAT).' }]);
  });
});

describe('HTTP statuses', () => {
  it.each([
    [401, false, 'UPSTREAM_AUTH'],
    [403, false, 'UPSTREAM_AUTH'],
    [429, false, 'RATE_LIMITED'],
    [500, false, 'UPSTREAM_UNAVAILABLE'],
    [503, false, 'UPSTREAM_UNAVAILABLE'],
    [504, false, 'UPSTREAM_UNAVAILABLE'],
    [500, true, 'OUTCOME_UNKNOWN'],
    [409, false, 'UPSTREAM_REJECTED'],
    [302, false, 'UPSTREAM_BAD_RESPONSE'],
  ])('%i (write: %s) is %s', (status, write, code) => {
    const mapped = toGatewayError(WixApiError.fromResponse(status, '{"message":"","details":{}}', { 'x-wix-request-id': 'r-9' }), { write });
    expect(mapped).toBeInstanceOf(UpstreamError);
    expect((mapped as UpstreamError).code).toBe(code);
    expect((mapped as UpstreamError).details.upstreamRequestId).toBe('r-9');
  });

  it('a non-JSON error body still maps by status', () => {
    const mapped = toGatewayError(WixApiError.fromResponse(502, '<html>bad gateway</html>', {}));
    expect(mapped).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('Retry-After in seconds and as an HTTP date', () => {
    expect(WixApiError.fromResponse(429, '', { 'retry-after': '12' }).retryAfterSeconds).toBe(12);
    const date = new Date(Date.now() + 30_000).toUTCString();
    const seconds = WixApiError.fromResponse(429, '', { 'retry-after': date }).retryAfterSeconds!;
    expect(seconds).toBeGreaterThan(25);
    expect(seconds).toBeLessThanOrEqual(31);
  });
});

describe('transport failures', () => {
  it.each([
    ['connect', false, 'UPSTREAM_UNAVAILABLE'],
    ['connect', true, 'UPSTREAM_UNAVAILABLE'],
    ['timeout', false, 'UPSTREAM_TIMEOUT'],
    ['timeout', true, 'OUTCOME_UNKNOWN'],
    ['reset', false, 'UPSTREAM_UNAVAILABLE'],
    ['reset', true, 'OUTCOME_UNKNOWN'],
    ['too-large', false, 'UPSTREAM_BAD_RESPONSE'],
  ] as const)('%s (write: %s) is %s', (failure, write, code) => {
    expect(toGatewayError(new UpstreamTransportError('wix', failure), { write })).toMatchObject({ code });
  });

  it('an unreadable success body is UPSTREAM_BAD_RESPONSE', () => {
    expect(toGatewayError(new WixBadResponseError('not JSON', 'r-1'))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', details: { upstreamRequestId: 'r-1' } });
  });

  it('errors that are not Wix errors pass through untouched', () => {
    const error = new TypeError('bug');
    expect(toGatewayError(error)).toBe(error);
  });
});
