/**
 * Group E (4xx, 5xx, 429), the breaker, the bulkhead and the client-side rate limiter, counting the
 * attempts that reach the upstream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, WIX_DEMO, type Stack } from '../support/stack.js';

const READ = `query { package(id: "${WIX_DEMO.packageId}") { id } }`;
const CANCEL = `mutation { cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) { __typename ... on Error { code } } }`;
const reads = (stack: Stack) => stack.wixSandbox.requests.filter((r) => r.method === 'GET').length;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('read retries (3 attempts)', () => {
  it('a 500 read is tried 3 times, then UPSTREAM_UNAVAILABLE', async () => {
    stack = await startStack();
    stack.wixSandbox.faults.add({ fault: { kind: 'status', status: 500 } });
    const res = await stack.gql(READ);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(reads(stack)).toBe(3);
  });

  it('a 503 then a 200: one retry, and the answer', async () => {
    stack = await startStack();
    stack.wixSandbox.faults.add({ times: 1, fault: { kind: 'status', status: 503 } });
    const res = await stack.gql(READ);
    expect(res.body.data.package.id).toBe(WIX_DEMO.packageId);
    expect(reads(stack)).toBe(2);
  });

  it('429 without Retry-After is retried with backoff', async () => {
    stack = await startStack();
    stack.wixSandbox.faults.add({ times: 2, fault: { kind: 'status', status: 429 } });
    const res = await stack.gql(READ);
    expect(res.body.data.package.id).toBe(WIX_DEMO.packageId);
    expect(reads(stack)).toBe(3);
  });

  it('429 with a short Retry-After waits that long, then succeeds', async () => {
    stack = await startStack();
    stack.wixSandbox.faults.add({ times: 1, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } });
    const started = Date.now();
    const res = await stack.gql(READ);
    expect(res.body.data.package.id).toBe(WIX_DEMO.packageId);
    expect(reads(stack)).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('429 with a Retry-After past the deadline gives RATE_LIMITED at once, with the hint', async () => {
    stack = await startStack();
    stack.wixSandbox.faults.add({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '120' } } });
    const res = await stack.gql(READ);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 120 });
    expect(reads(stack)).toBe(1);
  });

  it('a 500 on a write is never retried', async () => {
    stack = await startStack();
    stack.wixSandbox.faults.add({ method: 'DELETE', fault: { kind: 'status', status: 500 } });
    await stack.gql(CANCEL);
    expect(stack.wixSandbox.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('a 4xx business answer is not retried', async () => {
    stack = await startStack();
    const res = await stack.gql(`query { package(id: "${WIX_DEMO.unknownPackageId}") { id } }`);
    expect(res.body.data.package).toBeNull();
    expect(reads(stack)).toBe(1);
  });
});

describe('circuit breaker (3 failures, 300 ms open)', () => {
  it('opens after 3 failed attempts, answers UPSTREAM_UNAVAILABLE without calling, then probes once', async () => {
    stack = await startStack({ wixPolicy: { breakerFailures: 3, breakerOpenMs: 300, readAttempts: 1 } });
    stack.wixSandbox.faults.add({ times: 3, fault: { kind: 'status', status: 502 } });
    for (let i = 0; i < 3; i++) await stack.gql(READ);
    expect(stack.breakers.find((b) => b.name === 'wix')!.breaker.state).toBe('open');
    stack.wixSandbox.clearRequests();
    const fast = await stack.gql(READ);
    expect(fast.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'wix' });
    expect(stack.wixSandbox.requests).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 350));
    const probe = await stack.gql(READ);
    expect(probe.body.data.package.id).toBe(WIX_DEMO.packageId);
    expect(stack.wixSandbox.requests).toHaveLength(1);
    expect(stack.breakers.find((b) => b.name === 'wix')!.breaker.state).toBe('closed');
  });

  it('business errors never open it', async () => {
    stack = await startStack({ wixPolicy: { breakerFailures: 2, readAttempts: 1 } });
    for (let i = 0; i < 4; i++) await stack.gql(`query { package(id: "${WIX_DEMO.unknownPackageId}") { id } }`);
    expect(stack.breakers.find((b) => b.name === 'wix')!.breaker.state).toBe('closed');
  });

  it('/ready is 200 with one upstream breaker open, 503 when every one is', async () => {
    stack = await startStack({ wixPolicy: { breakerFailures: 1, readAttempts: 1 }, pleskPolicy: { breakerFailures: 1, readAttempts: 1 } });
    expect((await stack.fetch('/ready')).status).toBe(200);
    stack.wixSandbox.faults.add({ fault: { kind: 'status', status: 500 } });
    stack.pleskSandbox.faults.add({ fault: { kind: 'status', status: 500 } });
    await stack.gql(READ);
    // One upstream down is not the gateway down: the other still answers.
    expect(stack.breakers.find((b) => b.name === 'wix')!.breaker.state).toBe('open');
    expect((await stack.fetch('/ready')).status).toBe(200);
    await stack.gql(`query { pleskSubscription(by: { id: "42" }) { id } }`);
    expect(stack.breakers.every(({ breaker }) => breaker.state === 'open')).toBe(true);
    const ready = await stack.fetch('/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text).checks).toContainEqual({ name: 'upstreams', ok: false });
  });
});

describe('bulkhead (1 call at a time, no queue)', () => {
  it('a second concurrent call fails fast with OVERLOADED', async () => {
    stack = await startStack({ wixPolicy: { maxConcurrency: 1, maxQueued: 0 } });
    stack.wixSandbox.faults.add({ times: 1, fault: { kind: 'latency', ms: 500 } });
    const slow = stack.gql(READ);
    await new Promise((r) => setTimeout(r, 100));
    const second = await stack.gql(`query { package(id: "${WIX_DEMO.mailboxPackageId}") { id } }`);
    expect(second.body.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
    // Answered while the first call was still waiting on Wix: it did not queue behind it.
    expect(stack.wixSandbox.requests.map((r) => r.status)).toEqual([0]);
    expect((await slow).body.data.package.id).toBe(WIX_DEMO.packageId);
  });
});

describe('client-side rate limit (2 a minute)', () => {
  it('the third call within the minute is RATE_LIMITED at once, with a retry hint, and never reaches Wix', async () => {
    stack = await startStack({ wixRateLimitPerMinute: 2 });
    await stack.gql(READ);
    await stack.gql(READ);
    stack.wixSandbox.clearRequests();
    const third = await stack.gql(READ);
    expect(third.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', upstream: 'wix' });
    expect(third.body.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(stack.wixSandbox.requests).toHaveLength(0);
  });
});
