import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { lastAudit, startStack, WIX_DEMO, wixWrites, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ wixDeadlineMs: 1_000 });
});
afterAll(async () => {
  // No response of this file may carry the API key, a stack trace or an upstream URL.
  const everything = stack.responses.join('\n');
  expect(everything).not.toContain(stack.wixSandbox.apiKey);
  expect(everything).not.toMatch(/\bat .+\.(ts|js):\d+/);
  expect(everything).not.toContain(stack.wixSandbox.url);
  await stack.close();
});
beforeEach(() => stack.wixSandbox.reset());

const READ = `query { package(id: "${WIX_DEMO.packageId}") { id } }`;
const WRITE = `mutation { cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) {
  __typename ... on Error { code message } ... on UpstreamError { upstream retryable upstreamCode }
} }`;

describe('a failing Wix API on reads', () => {
  it.each([
    ['500', { kind: 'status', status: 500 }, 'UPSTREAM_UNAVAILABLE'],
    ['503', { kind: 'status', status: 503 }, 'UPSTREAM_UNAVAILABLE'],
    ['connection reset', { kind: 'reset' }, 'UPSTREAM_UNAVAILABLE'],
    ['reset mid-body', { kind: 'reset-mid-body' }, 'UPSTREAM_UNAVAILABLE'],
    ['malformed body', { kind: 'malformed' }, 'UPSTREAM_BAD_RESPONSE'],
    ['oversized body', { kind: 'oversized', bytes: 6 * 1024 * 1024 }, 'UPSTREAM_BAD_RESPONSE'],
    ['a redirect', { kind: 'redirect', location: 'http://127.0.0.1:9/steal' }, 'UPSTREAM_BAD_RESPONSE'],
    ['401 (key refused)', { kind: 'status', status: 401 }, 'UPSTREAM_AUTH'],
    ['hung upstream', { kind: 'hang' }, 'UPSTREAM_TIMEOUT'],
    ['dripping body', { kind: 'drip', intervalMs: 200 }, 'UPSTREAM_TIMEOUT'],
  ] as const)('%s gives a GraphQL error coded %s', async (_name, fault, code) => {
    stack.wixSandbox.faults.add({ fault: fault as any });
    const res = await stack.gql(READ);
    expect(res.status).toBe(200);
    expect(res.body.data?.package ?? null).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    const error = res.body.errors![0]!;
    expect(error.extensions?.code).toBe(code);
    expect(error.extensions?.upstream).toBe('wix');
    expect(error.message).toMatch(/Wix API/);
    expect(Object.keys(error.extensions ?? {})).not.toContain('stacktrace');
  });

  it('a batch of aliased look-ups failing together: one error per field, at its own line and column', async () => {
    stack.wixSandbox.faults.add({ fault: { kind: 'malformed' } });
    const doc = [
      'query Rows {',
      `  p0: package(id: "${WIX_DEMO.packageId}") { id }`,
      `  p1: package(id: "${WIX_DEMO.mailboxPackageId}") { id }`,
      `    i0: productInstance(instanceId: "${WIX_DEMO.mailboxInstanceId}") { instanceId }`,
      '}',
    ].join('\r\n');
    const res = await stack.gql(doc);
    expect(res.body.data).toEqual({ p0: null, p1: null, i0: null });
    const errors = ([...res.body.errors!] as { path?: string[]; locations?: unknown; extensions?: Record<string, unknown> }[]).sort((a, b) =>
      String(a.path).localeCompare(String(b.path)),
    );
    expect(errors.map(({ path, locations, extensions }) => ({ path, locations, code: extensions?.code }))).toEqual([
      { path: ['i0'], locations: [{ line: 4, column: 5 }], code: 'UPSTREAM_BAD_RESPONSE' },
      { path: ['p0'], locations: [{ line: 2, column: 3 }], code: 'UPSTREAM_BAD_RESPONSE' },
      { path: ['p1'], locations: [{ line: 3, column: 3 }], code: 'UPSTREAM_BAD_RESPONSE' },
    ]);
  });

  it('429 is RATE_LIMITED with the retry-after hint', async () => {
    stack.wixSandbox.faults.add({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '7' } } });
    const res = await stack.gql(READ);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 7, retryable: true });
  });
});

describe('a failing Wix API on writes', () => {
  it('a 500 on the cancel is read back: not canceled, so UPSTREAM_UNAVAILABLE (safe to retry), sent once', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', fault: { kind: 'status', status: 500 } });
    const res = await stack.gql(WRITE);
    expect(res.body.data.cancelPackage).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_UNAVAILABLE', upstream: 'WIX', retryable: true });
    expect(lastAudit(stack)).toMatchObject({ operation: 'cancelPackage', outcome: 'error', errorCode: 'UPSTREAM_UNAVAILABLE' });
    expect(wixWrites(stack)).toHaveLength(1);
  });

  it('a reset after Wix processed the cancel is read back and reported as the success it was', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', fault: { kind: 'reset' }, applyAfterHandling: true });
    const res = await stack.gql(WRITE);
    expect(res.body.data.cancelPackage).toMatchObject({ __typename: 'CancelPackageSuccess' });
    expect(wixWrites(stack)).toHaveLength(1);
    expect(lastAudit(stack)).toMatchObject({ operation: 'cancelPackage', outcome: 'success', errorCode: null });
  });

  it('when the read-back fails too, the outcome is OUTCOME_UNKNOWN, never a plain failure', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', fault: { kind: 'reset' }, applyAfterHandling: true });
    // The ownership check reads once and succeeds; every read after the reset fails.
    stack.wixSandbox.faults.add({ method: 'GET', fault: { kind: 'latency', ms: 0 }, times: 1 });
    stack.wixSandbox.faults.add({ method: 'GET', fault: { kind: 'status', status: 503 } });
    const res = await stack.gql(WRITE);
    expect(res.body.data.cancelPackage).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN', retryable: true });
    expect(lastAudit(stack)).toMatchObject({ operation: 'cancelPackage', outcome: 'error', errorCode: 'OUTCOME_UNKNOWN' });
  });

  it('a malformed success body is UPSTREAM_BAD_RESPONSE', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', fault: { kind: 'malformed' } });
    const res = await stack.gql(WRITE);
    expect(res.body.data.cancelPackage).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_BAD_RESPONSE' });
    expect(lastAudit(stack)).toMatchObject({ operation: 'cancelPackage', outcome: 'error', errorCode: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('403 without an application code is UPSTREAM_AUTH (the key lacks a permission)', async () => {
    stack.wixSandbox.faults.add({ method: 'DELETE', fault: { kind: 'status', status: 403, body: { message: 'no', details: {} } } });
    const res = await stack.gql(WRITE);
    expect(res.body.data.cancelPackage).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_AUTH', retryable: false });
    expect(lastAudit(stack)).toMatchObject({ operation: 'cancelPackage', outcome: 'error', errorCode: 'UPSTREAM_AUTH' });
  });

  it('an unexpected 4xx is UPSTREAM_REJECTED with the upstream code kept', async () => {
    stack.wixSandbox.faults.add({
      method: 'DELETE',
      fault: { kind: 'status', status: 409, body: { message: 'conflict on acc', details: { applicationError: { code: 'ALREADY_EXISTS', description: 'x', data: {} } } } },
    });
    const res = await stack.gql(WRITE);
    expect(res.body.data.cancelPackage).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_REJECTED', upstreamCode: 'ALREADY_EXISTS' });
    expect(lastAudit(stack)).toMatchObject({ operation: 'cancelPackage', outcome: 'error', errorCode: 'UPSTREAM_REJECTED' });
    expect(res.text).not.toContain('conflict on acc');
  });
});

describe('a create whose answer is lost', () => {
  const CREATE = `mutation ($input: CreatePackageInput!) { createPackage(input: $input) {
    __typename ... on Error { code } ... on CreatePackageSuccess { idempotencyKey package { id externalId productInstances { catalogProductId siteId } } }
  } }`;
  const products = [
    { catalogProductId: WIX_DEMO.premiumPlanProductId, countryCode: 'BR', siteId: WIX_DEMO.secondSiteId, billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'YEAR', count: 1 } } },
    { catalogProductId: WIX_DEMO.mailboxProductId, countryCode: 'US', billingInfo: { type: 'RECURRING', cycleDuration: { unit: 'MONTH', count: 1 } } },
  ];
  const onCreate = { method: 'POST', pathPrefix: '/resellers/v2/packages' };
  const onQuery = { method: 'POST', pathPrefix: '/resellers/v1/packages/query' };
  const creates = () => wixWrites(stack).filter((call) => call === 'POST /resellers/v2/packages').length;
  const withExternalId = async (externalId: string) => {
    const res = await stack.gql(`query ($externalId: String!) { packages(first: 10, filter: { externalId: $externalId }) { edges { node { id } } } }`, { externalId });
    return res.body.data.packages.edges.map((edge: { node: { id: string } }) => edge.node.id);
  };

  it('with an externalId, the package it made is found and answered as the success it was', async () => {
    stack.wixSandbox.faults.add({ ...onCreate, fault: { kind: 'reset' }, applyAfterHandling: true, times: 1 });
    const res = await stack.gql(CREATE, { input: { externalId: 'lost-1', idempotencyKey: 'lost-create-1', products } });
    const result = res.body.data.createPackage;
    expect(result).toMatchObject({ __typename: 'CreatePackageSuccess', idempotencyKey: 'lost-create-1', package: { externalId: 'lost-1' } });
    expect(result.package.productInstances).toHaveLength(2);
    expect(await withExternalId('lost-1')).toEqual([result.package.id]);
    expect(creates()).toBe(1);
    expect(lastAudit(stack)).toMatchObject({ operation: 'createPackage', outcome: 'success' });
  });

  it('when the look-up fails too, OUTCOME_UNKNOWN; the retry with the key finds the package and creates nothing', async () => {
    stack.wixSandbox.faults.add({ ...onCreate, fault: { kind: 'reset' }, applyAfterHandling: true, times: 1 });
    stack.wixSandbox.faults.add({ ...onQuery, fault: { kind: 'status', status: 503 }, times: 3 });
    const input = { externalId: 'lost-2', idempotencyKey: 'lost-create-2', products };
    const first = await stack.gql(CREATE, { input });
    expect(first.body.data.createPackage).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN' });
    const retry = await stack.gql(CREATE, { input });
    expect(retry.body.data.createPackage).toMatchObject({ __typename: 'CreatePackageSuccess', package: { externalId: 'lost-2' } });
    expect(creates()).toBe(1);
    expect(await withExternalId('lost-2')).toEqual([retry.body.data.createPackage.package.id]);
  });

  it('a create that never reached Wix is not seen, stays unknown, and the retry sends it once more', async () => {
    stack.wixSandbox.faults.add({ ...onCreate, fault: { kind: 'reset' }, times: 1 });
    const input = { externalId: 'lost-3', idempotencyKey: 'lost-create-3', products };
    const first = await stack.gql(CREATE, { input });
    expect(first.body.data.createPackage).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN' });
    expect(await withExternalId('lost-3')).toEqual([]);
    const retry = await stack.gql(CREATE, { input });
    expect(retry.body.data.createPackage).toMatchObject({ __typename: 'CreatePackageSuccess', package: { externalId: 'lost-3' } });
    expect(creates()).toBe(2);
    expect(await withExternalId('lost-3')).toHaveLength(1);
  });

  it('a later order with the same externalId and products, under another key, is not taken for it', async () => {
    stack.wixSandbox.faults.add({ ...onCreate, fault: { kind: 'reset' }, times: 1 });
    // Floating instances: a site takes one Premium plan, and this order is placed twice.
    const floating = products.map(({ siteId: _site, ...product }) => product);
    const lost = { externalId: 'lost-6', idempotencyKey: 'lost-create-6', products: floating };
    expect((await stack.gql(CREATE, { input: lost })).body.data.createPackage.code).toBe('OUTCOME_UNKNOWN');
    // Two minutes later (the gateway's and the sandbox's clocks together), the same order again under a new key.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 120_000);
      const later = await stack.gql(CREATE, { input: { ...lost, idempotencyKey: 'lost-create-7' } });
      const laterId = later.body.data.createPackage.package.id;
      // The retry of the first key does not adopt it: it was made after that key's last send.
      const retry = await stack.gql(CREATE, { input: lost });
      expect(retry.body.data.createPackage.__typename).toBe('CreatePackageSuccess');
      expect(retry.body.data.createPackage.package.id).not.toBe(laterId);
      expect(await withExternalId('lost-6')).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failed look-up on the retry leaves the outcome unknown, never a final answer under the key', async () => {
    stack.wixSandbox.faults.add({ ...onCreate, fault: { kind: 'reset' }, applyAfterHandling: true, times: 1 });
    stack.wixSandbox.faults.add({ ...onQuery, fault: { kind: 'status', status: 503 }, times: 3 });
    const input = { externalId: 'lost-8', idempotencyKey: 'lost-create-8', products };
    expect((await stack.gql(CREATE, { input })).body.data.createPackage.code).toBe('OUTCOME_UNKNOWN');
    // The retry's look-up is refused outright (a 400), then its read-back fails too.
    stack.wixSandbox.faults.add({ ...onQuery, fault: { kind: 'status', status: 400, body: { message: 'bad', details: {} } }, times: 2 });
    expect((await stack.gql(CREATE, { input })).body.data.createPackage.code).toBe('OUTCOME_UNKNOWN');
    // Once Wix answers, the next retry finds the package: nothing was stored as final.
    const third = await stack.gql(CREATE, { input });
    expect(third.body.data.createPackage).toMatchObject({ __typename: 'CreatePackageSuccess', package: { externalId: 'lost-8' } });
    expect(creates()).toBe(1);
  });

  it('a package with the same externalId but other products is not taken for it', async () => {
    const earlier = await stack.gql(CREATE, { input: { externalId: 'lost-4', products: products.slice(1) } });
    expect(earlier.body.data.createPackage.__typename).toBe('CreatePackageSuccess');
    stack.wixSandbox.faults.add({ ...onCreate, fault: { kind: 'reset' }, times: 1 });
    const res = await stack.gql(CREATE, { input: { externalId: 'lost-4', idempotencyKey: 'lost-create-4', products } });
    expect(res.body.data.createPackage).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN' });
  });

  it('without an externalId nothing can tell the package apart: OUTCOME_UNKNOWN', async () => {
    stack.wixSandbox.faults.add({ ...onCreate, fault: { kind: 'reset' }, applyAfterHandling: true, times: 1 });
    const res = await stack.gql(CREATE, { input: { idempotencyKey: 'lost-create-5', products } });
    expect(res.body.data.createPackage).toMatchObject({ __typename: 'UpstreamError', code: 'OUTCOME_UNKNOWN' });
    expect(stack.wixSandbox.requests.filter((r) => r.path.startsWith('/resellers/v1/packages/query'))).toHaveLength(0);
  });
});

describe('the Wix sandbox with a wrong key', () => {
  it('maps 401 on a write to UPSTREAM_AUTH and never shows the key', async () => {
    stack.wixSandbox.faults.add({ fault: { kind: 'status', status: 401 } });
    const res = await stack.gql(WRITE);
    expect(res.body.data.cancelPackage).toMatchObject({ code: 'UPSTREAM_AUTH' });
  });
});
