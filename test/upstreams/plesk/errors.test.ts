// Mapping of every Plesk error (codes, layers, transport, bad responses, refusals) to the gateway vocabulary.
import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  UpstreamError,
} from '../../../src/errors.js';
import { UpstreamTransportError } from '../../../src/upstreams/http.js';
import {
  PleskApiError,
  PleskConditionError,
  PleskRequestError,
  PleskResponseError,
  PleskTransportError,
  toGatewayError,
} from '../../../src/upstreams/plesk/index.js';
import type { PleskErrorLayer, PleskOperationName } from '../../../src/upstreams/plesk/index.js';

function apiError(errcode: number | null, layer: PleskErrorLayer, operation: PleskOperationName = 'webspace/get', extra: { resultId?: string; filterValue?: string } = {}) {
  return new PleskApiError({ errcode, layer, operation, httpStatus: 200, errtext: 'Текст на языке панели', ...extra });
}

describe('PleskApiError → gateway error', () => {
  const upstreamCases: [number | null, PleskErrorLayer, string][] = [
    [1001, 'system', 'UPSTREAM_AUTH'],
    [11003, 'system', 'UPSTREAM_AUTH'],
    [1029, 'system', 'UPSTREAM_AUTH'],
    [1010, 'result', 'UPSTREAM_AUTH'],
    [1011, 'system', 'UPSTREAM_AUTH'],
    [1012, 'system', 'UPSTREAM_AUTH'],
    [1006, 'system', 'UPSTREAM_AUTH'],
    [1008, 'system', 'UPSTREAM_AUTH'],
    [1005, 'system', 'UPSTREAM_REJECTED'],
    [1017, 'system', 'UPSTREAM_REJECTED'],
    [1014, 'system', 'UPSTREAM_REJECTED'],
    [1014, 'result', 'UPSTREAM_REJECTED'],
    [1013, 'system', 'UPSTREAM_REJECTED'],
    [1004, 'system', 'UPSTREAM_REJECTED'],
    [1030, 'system', 'UPSTREAM_REJECTED'],
    [1003, 'system', 'UPSTREAM_UNAVAILABLE'],
    [1003, 'result', 'UPSTREAM_UNAVAILABLE'],
    [1023, 'result', 'UPSTREAM_REJECTED'],
    [1026, 'result', 'UPSTREAM_REJECTED'],
    [4242, 'result', 'UPSTREAM_REJECTED'],
    [null, 'result', 'UPSTREAM_REJECTED'],
  ];
  it.each(upstreamCases)('%s (%s) → %s, errcode in details.upstreamCode', (errcode, layer, code) => {
    const mapped = toGatewayError(apiError(errcode, layer));
    expect(mapped).toBeInstanceOf(UpstreamError);
    expect(mapped).toMatchObject({ code, upstream: 'plesk', details: { status: 200 } });
    expect((mapped as UpstreamError).details.upstreamCode).toBe(errcode === null ? undefined : String(errcode));
  });

  it('1013 per value → NotFoundError naming the resource and the value', () => {
    const sub = toGatewayError(apiError(1013, 'result', 'webspace/get', { filterValue: 'shop.example.com' }));
    expect(sub).toBeInstanceOf(NotFoundError);
    expect(sub.message).toBe('Plesk subscription shop.example.com was not found.');
    expect(toGatewayError(apiError(1013, 'result', 'service-plan/get'))).toMatchObject({ resource: 'Plesk service plan' });
    expect(toGatewayError(apiError(1013, 'result', 'service-plan-addon/get'))).toMatchObject({ resource: 'Plesk add-on plan' });
    expect(toGatewayError(apiError(1013, 'result', 'webspace/remove-subscription', { filterValue: '9999' }))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Plesk subscription',
      id: '9999',
    });
    expect(toGatewayError(apiError(1015, 'result'))).toMatchObject({ code: 'NOT_FOUND', resource: 'Plesk owner' });
    expect(toGatewayError(apiError(1018, 'result'))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('1013 with the subscription resolved (<id> present): the plan side is missing', () => {
    expect(toGatewayError(apiError(1013, 'result', 'webspace/remove-subscription', { resultId: '42' }))).toMatchObject({ code: 'NOT_ATTACHED' });
    expect(toGatewayError(apiError(1013, 'result', 'webspace/add-subscription', { resultId: '42' }))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Plesk add-on plan',
    });
    expect(toGatewayError(apiError(1013, 'result', 'webspace/switch-subscription', { resultId: '42' }))).toMatchObject({
      code: 'NOT_FOUND',
      resource: 'Plesk service plan',
    });
  });

  it('remove-subscription 1023 → NOT_ATTACHED; add-subscription 1007/1002 → ALREADY_ATTACHED', () => {
    const notAttached = toGatewayError(apiError(1023, 'result', 'webspace/remove-subscription', { resultId: '42' }));
    expect(notAttached).toBeInstanceOf(PreconditionFailedError);
    expect(notAttached).toMatchObject({ code: 'NOT_ATTACHED', upstream: 'plesk' });
    expect(toGatewayError(apiError(1007, 'result', 'webspace/add-subscription'))).toMatchObject({ code: 'ALREADY_ATTACHED' });
    expect(toGatewayError(apiError(1002, 'result', 'webspace/add-subscription'))).toMatchObject({ code: 'ALREADY_ATTACHED' });
    expect(toGatewayError(apiError(1007, 'result', 'webspace/switch-subscription'))).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(toGatewayError(apiError(1024, 'result', 'webspace/add-subscription'))).toMatchObject({ code: 'LIMIT_REACHED' });
  });

  it('permission codes per value → PermissionDeniedError', () => {
    expect(toGatewayError(apiError(1006, 'result', 'webspace/remove-subscription'))).toBeInstanceOf(PermissionDeniedError);
    expect(toGatewayError(apiError(1008, 'result'))).toBeInstanceOf(PermissionDeniedError);
  });

  it('invalid values → InvalidInputError', () => {
    for (const code of [1019, 1025, 1032]) expect(toGatewayError(apiError(code, 'result'))).toBeInstanceOf(InvalidInputError);
  });

  it('keeps the Plesk error as cause and never puts errtext into any message', () => {
    for (const code of [1001, 1013, 1023, 1006, 1019, 1007, 4242]) {
      for (const op of ['webspace/get', 'webspace/remove-subscription', 'webspace/add-subscription'] as const) {
        const original = apiError(code, code === 1001 ? 'system' : 'result', op, { resultId: '42' });
        const mapped = toGatewayError(original);
        expect(mapped.cause).toBe(original);
        expect(mapped.message).not.toContain('Текст');
        expect(original.message).not.toContain('Текст');
        expect(JSON.stringify(original)).not.toContain('Текст');
        expect(original.errtext).toBe('Текст на языке панели');
      }
    }
  });
});

describe('transport and response failures', () => {
  const read = (failure: ConstructorParameters<typeof UpstreamTransportError>[1]) => new PleskTransportError(failure, 'webspace/get');
  const write = (failure: ConstructorParameters<typeof UpstreamTransportError>[1]) => new PleskTransportError(failure, 'webspace/remove-subscription');

  it.each([
    ['connect', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE'],
    ['timeout', 'UPSTREAM_TIMEOUT', 'OUTCOME_UNKNOWN'],
    ['reset', 'UPSTREAM_UNAVAILABLE', 'OUTCOME_UNKNOWN'],
    ['too-large', 'UPSTREAM_BAD_RESPONSE', 'OUTCOME_UNKNOWN'],
    ['aborted', 'UPSTREAM_UNAVAILABLE', 'OUTCOME_UNKNOWN'],
  ] as const)('%s: read → %s, write → %s', (failure, readCode, writeCode) => {
    expect(toGatewayError(read(failure))).toMatchObject({ code: readCode });
    expect(toGatewayError(write(failure))).toMatchObject({ code: writeCode });
    // A bare UpstreamTransportError needs the context.
    const bare = new UpstreamTransportError('plesk', failure);
    expect(toGatewayError(bare)).toMatchObject({ code: readCode });
    expect(toGatewayError(bare, { write: true })).toMatchObject({ code: writeCode });
  });

  it('bad responses: reads → UPSTREAM_BAD_RESPONSE, writes → OUTCOME_UNKNOWN; redirects are never executed', () => {
    for (const reason of ['empty', 'doctype', 'malformed', 'unexpected-root', 'unexpected-shape'] as const) {
      expect(toGatewayError(new PleskResponseError(reason, 'webspace/get', 200))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', details: { status: 200 } });
      expect(toGatewayError(new PleskResponseError(reason, 'webspace/add-subscription', 200))).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    }
    expect(toGatewayError(new PleskResponseError('redirect', 'webspace/remove-subscription', 307))).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      details: { status: 307 },
    });
  });

  it('non-2xx without a packet', () => {
    const at = (status: number, op: PleskOperationName = 'webspace/get', retry?: number) => toGatewayError(new PleskResponseError('http-status', op, status, retry));
    expect(at(502)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { status: 502 } });
    expect(at(503, 'webspace/remove-subscription')).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    expect(at(401)).toMatchObject({ code: 'UPSTREAM_AUTH' });
    expect(at(403, 'webspace/remove-subscription')).toMatchObject({ code: 'UPSTREAM_AUTH' });
    expect(at(429, 'webspace/get', 30)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 30 } });
    expect(at(404)).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });
});

describe('client-side refusals and checks', () => {
  it('PleskRequestError → InvalidInputError with the field path', () => {
    const mapped = toGatewayError(new PleskRequestError('invalid-value', 'filter.id.0', 'Invalid id value: not a positive integer.'));
    expect(mapped).toBeInstanceOf(InvalidInputError);
    expect((mapped as InvalidInputError).issues).toEqual([{ path: ['filter', 'id', '0'], message: 'Invalid id value: not a positive integer.' }]);
  });

  it('PleskConditionError → NOT_FOUND / NOT_ATTACHED / ALREADY_ATTACHED / NO_SERVICE_PLAN', () => {
    expect(toGatewayError(new PleskConditionError('NOT_FOUND', 'Plesk subscription', '42'))).toBeInstanceOf(NotFoundError);
    for (const condition of ['NOT_ATTACHED', 'ALREADY_ATTACHED', 'NO_SERVICE_PLAN'] as const) {
      const mapped = toGatewayError(new PleskConditionError(condition, 'Plesk add-on plan', 'g'));
      expect(mapped).toBeInstanceOf(PreconditionFailedError);
      expect(mapped).toMatchObject({ code: condition, upstream: 'plesk' });
    }
  });

  it('gateway errors pass through; foreign errors are returned unchanged', () => {
    const nf = new NotFoundError('x');
    expect(toGatewayError(nf)).toBe(nf);
    const other = new TypeError('boom');
    expect(toGatewayError(other)).toBe(other);
    expect(toGatewayError('str')).toBeInstanceOf(Error);
  });
});
