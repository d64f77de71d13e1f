/**
 * A client that goes away stops the reads made for it: each upstream read of the abandoned request
 * ends as `aborted` at once, not at its deadline (long here) and not with an answer nobody reads.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startStack, WIX_DEMO, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ wixDeadlineMs: 20_000, pleskDeadlineMs: 20_000 });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.wixSandbox.reset();
  stack.pleskSandbox.reset();
});

async function until<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let waited = 0; waited < 5_000; waited += 20) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Sends `query`, and goes away once the upstream has received the call it makes. */
async function abandon(query: string, requestId: string, received: () => number): Promise<Record<string, unknown>> {
  const controller = new AbortController();
  const pending = fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.admin}`, 'x-request-id': requestId },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  }).catch((error: unknown) => error);
  await until(() => (received() > 0 ? true : undefined), 'the upstream call');
  controller.abort();
  await pending;
  return until(
    () =>
      stack.logLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === 'upstream call failed' && line.requestId === requestId),
    `the upstream call line of ${requestId}`,
  );
}

describe('an abandoned request', () => {
  it.each([
    ['package(id)', `query { package(id: "${WIX_DEMO.packageId}") { id } }`],
    ['packages', 'query { packages(first: 5) { edges { node { id } } } }'],
  ])('%s: its Wix read is aborted', async (name, query) => {
    stack.wixSandbox.faults.add({ fault: { kind: 'hang' } });
    const line = await abandon(query, `gone-wix-${name.replace(/\W/g, '')}`, () => stack.wixSandbox.requests.length);
    expect(line).toMatchObject({ upstream: 'wix', failure: 'aborted' });
  });

  it.each([
    ['pleskSubscription', `query { pleskSubscription(by: { id: "${PLESK_DEMO.subscriptions.shop.id}" }) { id } }`],
    ['pleskAddonPlans', 'query { pleskAddonPlans { guid } }'],
  ])('%s: its Plesk read is aborted', async (name, query) => {
    stack.pleskSandbox.faults.add({ fault: { kind: 'hang' } });
    const line = await abandon(query, `gone-plesk-${name.replace(/\W/g, '')}`, () => stack.pleskSandbox.requests.length);
    expect(line).toMatchObject({ upstream: 'plesk', failure: 'aborted' });
  });
});
