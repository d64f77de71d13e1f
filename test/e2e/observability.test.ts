/**
 * What an operator sees: one log line per operation and per upstream call, Prometheus metrics
 * behind the same credential as the API, and no secret in either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, WIX_DEMO, type Stack } from '../support/stack.js';

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
    expect(line).toMatchObject({ caller: 'admin', callerKind: 'service', operationType: 'query', outcome: 'success' });
    expect(typeof line!.durationMs).toBe('number');
  });

  it('the error codes of a failed mutation, including union members', async () => {
    await stack.gql(`mutation Cancel { cancelPackage(input: { id: "${WIX_DEMO.unknownPackageId}" }) { __typename ... on Error { code } } }`, undefined, { 'x-request-id': 'trace-me-2' });
    const line = lines().find((l) => l.requestId === 'trace-me-2' && l.operation === 'Cancel');
    expect(line).toMatchObject({ outcome: 'error', errorCodes: ['NOT_FOUND'] });
  });

  it('one line per upstream call with the route template, never an id', async () => {
    await stack.gql(`query { package(id: "${WIX_DEMO.floatingPackageId}") { id } }`);
    const upstream = lines().filter((l) => l.upstream === 'wix' && l.route);
    expect(upstream.length).toBeGreaterThan(0);
    expect(upstream.at(-1)).toMatchObject({ method: 'GET', route: '/resellers/v1/packages/{id}', status: 200, attempt: 1 });
    expect(JSON.stringify(upstream)).not.toContain(WIX_DEMO.floatingPackageId);
  });
});

describe('metrics', () => {
  it('/metrics needs a credential', async () => {
    expect((await stack.fetch('/metrics')).status).toBe(401);
  });

  it('counts operations, errors, upstream calls, retries and in-flight requests', async () => {
    stack.wixSandbox.faults.add({ times: 1, fault: { kind: 'status', status: 503 } });
    await stack.gql(`query Retried { package(id: "${WIX_DEMO.packageId}") { id } }`);
    const res = await stack.fetch('/metrics', { headers: { authorization: `Bearer ${stack.tokens.viewer}` } });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/gateway_graphql_operation_duration_seconds_count\{operation="Retried",type="query"\} 1/);
    expect(res.text).toMatch(/gateway_graphql_errors_total\{operation="Cancel",code="NOT_FOUND"\} 1/);
    expect(res.text).toMatch(/gateway_upstream_call_duration_seconds_count\{upstream="wix",method="GET",route="\/resellers\/v1\/packages\/\{id\}",status="503"\} \d+/);
    expect(res.text).toMatch(/gateway_upstream_retries_total\{upstream="wix"\} [1-9]/);
    expect(res.text).toMatch(/gateway_http_requests_in_flight \d/);
  });
});
