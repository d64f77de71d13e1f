/**
 * What an operator sees: one log line per operation and per upstream call, Prometheus metrics
 * behind the same credential as the API, and no secret in either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startStack, WIX_DEMO, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const lines = () => stack.logLines.map((line) => JSON.parse(line) as Record<string, any>);

describe('logs', () => {
  it('one line per operation with request id, caller, operation, duration and outcome', async () => {
    const res = await stack.gql(`query ShowPackage { package(id: "${WIX_DEMO.packageId}") { id } }`, undefined, { 'x-request-id': 'trace-me-1' });
    expect(res.headers.get('x-request-id')).toBe('trace-me-1');
    const line = lines().find((l) => l.requestId === 'trace-me-1' && l.operation === 'ShowPackage');
    expect(line).toMatchObject({ caller: 'admin', callerKind: 'service', operationType: 'query', outcome: 'success', upstreamCalls: 1 });
    expect(typeof line!.durationMs).toBe('number');
  });

  it('a request refused before execution still names its caller: syntax, validation and limit errors', async () => {
    const viewer = stack.as('viewer');
    await stack.gql('query Broken { package(id: ', undefined, { 'x-request-id': 'refused-syntax' });
    await stack.gql('query Unknown { nope }', undefined, { 'x-request-id': 'refused-validation' });
    const deep = await viewer(
      `query Deep { package(id: "${WIX_DEMO.packageId}") { productInstances { package { productInstances { package { productInstances { package { productInstances { package { id } } } } } } } } } }`,
    );
    expect(deep.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const refused = lines().filter((l) => l.msg === 'graphql operation' && l.outcome === 'error');
    expect(refused.find((l) => l.requestId === 'refused-syntax')).toMatchObject({ caller: 'admin', callerKind: 'service', errorCodes: ['GRAPHQL_PARSE_FAILED'], upstreamCalls: 0 });
    expect(refused.find((l) => l.requestId === 'refused-validation')).toMatchObject({ caller: 'admin', errorCodes: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(refused.find((l) => l.caller === 'viewer')).toMatchObject({ errorCodes: ['GRAPHQL_VALIDATION_FAILED'] });
  });

  it('the error codes of a failed mutation, including union members', async () => {
    await stack.gql(`mutation Cancel { cancelPackage(input: { id: "${WIX_DEMO.unknownPackageId}" }) { __typename ... on Error { code } } }`, undefined, { 'x-request-id': 'trace-me-2' });
    const line = lines().find((l) => l.requestId === 'trace-me-2' && l.operation === 'Cancel');
    // The ownership check asked Wix, which has no such package: one call.
    expect(line).toMatchObject({ outcome: 'error', errorCodes: ['NOT_FOUND'], upstreamCalls: 1 });
  });

  it('one line per upstream call with the route template, never an id', async () => {
    await stack.gql(`query { package(id: "${WIX_DEMO.floatingPackageId}") { id } }`);
    const upstream = lines().filter((l) => l.upstream === 'wix' && l.route);
    expect(upstream.length).toBeGreaterThan(0);
    expect(upstream.at(-1)).toMatchObject({ method: 'GET', route: '/resellers/v1/packages/{id}', status: 200, attempt: 1 });
    expect(JSON.stringify(upstream)).not.toContain(WIX_DEMO.floatingPackageId);
  });

  it("a failed upstream call's line carries the id of the request it was made for (Wix, Plesk)", async () => {
    stack.wixSandbox.faults.add({ times: 1, fault: { kind: 'status', status: 503 } });
    const wix = await stack.gql(`query { package(id: "${WIX_DEMO.packageId}") { id } }`, undefined, { 'x-request-id': 'trace-me-3' });
    expect(wix.body.data.package.id).toBe(WIX_DEMO.packageId);
    stack.pleskSandbox.faults.add({ times: 1, fault: { kind: 'status', status: 503 } });
    const plesk = await stack.gql(`query { pleskSubscription(by: { id: "${PLESK_DEMO.subscriptions.shop.id}" }) { id } }`, undefined, { 'x-request-id': 'trace-me-4' });
    expect(plesk.body.data.pleskSubscription.id).toBe(PLESK_DEMO.subscriptions.shop.id);
    const failed = lines().filter((l) => l.msg === 'upstream call failed');
    expect(failed.find((l) => l.upstream === 'wix')).toMatchObject({ requestId: 'trace-me-3', status: 503, attempt: 1 });
    expect(failed.find((l) => l.upstream === 'plesk')).toMatchObject({ requestId: 'trace-me-4', status: 503, attempt: 1 });
  });

  it("every upstream call made for a mutation carries the request's id: checks, change and re-read", async () => {
    const from = stack.logLines.length;
    const wix = await stack.gql(
      `mutation { updatePackageExternalId(input: { id: "${WIX_DEMO.floatingPackageId}", externalId: "logged-ext" }) { __typename } }`,
      undefined,
      { 'x-request-id': 'trace-me-5' },
    );
    expect(wix.body.data.updatePackageExternalId.__typename).toBe('UpdatePackageExternalIdSuccess');
    const plesk = await stack.gql(
      `mutation { addPleskSubscriptionAddon(input: { subscription: { id: "${PLESK_DEMO.subscriptions.shop.id}" }, planGuid: "${PLESK_DEMO.addonPlans.ssl.guid}" }) { __typename } }`,
      undefined,
      { 'x-request-id': 'trace-me-6' },
    );
    expect(plesk.body.data.addPleskSubscriptionAddon.__typename).toBe('AddPleskSubscriptionAddonSuccess');
    const calls = stack.logLines
      .slice(from)
      .map((line) => JSON.parse(line) as Record<string, any>)
      .filter((l) => l.msg === 'upstream call' || l.msg === 'upstream call failed');
    const requestIds = (upstream: string) => calls.filter((l) => l.upstream === upstream).map((l) => l.requestId);
    // Ownership check, then the change.
    expect(requestIds('wix')).toEqual(['trace-me-5', 'trace-me-5']);
    // Add-on plan, subscription, change, then the subscription read again.
    expect(requestIds('plesk').length).toBeGreaterThanOrEqual(4);
    expect(new Set(requestIds('plesk'))).toEqual(new Set(['trace-me-6']));
  });
});

describe('metrics', () => {
  it('/metrics needs a credential', async () => {
    expect((await stack.fetch('/metrics')).status).toBe(401);
  });

  it('counts operations, errors, upstream calls (in all and per operation), retries and in-flight requests', async () => {
    stack.wixSandbox.faults.add({ times: 1, fault: { kind: 'status', status: 503 } });
    await stack.gql(`query Retried { package(id: "${WIX_DEMO.packageId}") { id } }`);
    const res = await stack.fetch('/metrics', { headers: { authorization: `Bearer ${stack.tokens.viewer}` } });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/gateway_graphql_operation_duration_seconds_count\{operation="Retried",type="query"\} 1/);
    expect(res.text).toMatch(/gateway_graphql_errors_total\{operation="Cancel",code="NOT_FOUND"\} 1/);
    // Upstream calls per operation: the retry of the 503 is not another call.
    expect(res.text).toMatch(/gateway_graphql_operation_upstream_calls_sum\{operation="Retried",type="query"\} 1\n/);
    expect(res.text).toMatch(/gateway_graphql_operation_upstream_calls_bucket\{le="0",operation="Retried",type="query"\} 0\n/);
    expect(res.text).toMatch(/gateway_upstream_call_duration_seconds_count\{upstream="wix",method="GET",route="\/resellers\/v1\/packages\/\{id\}",status="503"\} \d+/);
    expect(res.text).toMatch(/gateway_upstream_retries_total\{upstream="wix"\} [1-9]/);
    expect(res.text).toMatch(/gateway_http_requests_in_flight \d/);
  });
});
