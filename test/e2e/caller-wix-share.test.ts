import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startStack, WIX_DEMO, wixCalls, wixWrites, type Stack } from '../support/stack.js';

// Half of it at once: 3 calls, then one every 10 s.
const SHARE = 6;
const AT_ONCE = 3;
const READ = `query { package(id: "${WIX_DEMO.packageId}") { id } }`;

// A stack per test: a share spans every request of a caller, for the life of the gateway.
let stack: Stack;
beforeEach(async () => {
  await stack?.close();
  stack = await startStack({ limits: { callerWixCallsPerMinute: SHARE } });
});
afterAll(() => stack.close());

/** Spends what the admin may make at once: AT_ONCE reads, each one Wix call. */
async function spendAdminShare(): Promise<void> {
  for (let k = 0; k < AT_ONCE; k++) {
    const res = await stack.gql(READ);
    expect(res.body.data.package).toEqual({ id: WIX_DEMO.packageId });
  }
}

describe("each caller's share of Wix's rate", () => {
  it('past its share, a caller gets RATE_LIMITED with the wait, and no Wix call is made', async () => {
    await spendAdminShare();
    const res = await stack.gql(READ);
    expect(res.body.data.package).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    const error = res.body.errors![0]!;
    expect(error).toMatchObject({ path: ['package'], extensions: { code: 'RATE_LIMITED', upstream: 'wix', retryable: true } });
    // A share of 6 a minute frees a call every 10 s, counted from the first call.
    const wait = error.extensions!.retryAfterSeconds as number;
    expect(wait).toBeGreaterThanOrEqual(5);
    expect(wait).toBeLessThanOrEqual(10);
    expect(error.message).toBe(`You have used your share of Wix calls (${SHARE} a minute), so this call was not made; try again in ${wait} s.`);
    expect(wixCalls(stack)).toHaveLength(AT_ONCE);
  });

  it('another caller keeps its own share', async () => {
    await spendAdminShare();
    const viewer = await stack.as('viewer')(READ);
    expect(viewer.body.errors).toBeUndefined();
    expect(viewer.body.data.package).toEqual({ id: WIX_DEMO.packageId });
  });

  it('Plesk calls are not counted, and the refused field does not null its siblings', async () => {
    await spendAdminShare();
    const res = await stack.gql(`query {
      package(id: "${WIX_DEMO.packageId}") { id }
      pleskSubscription(by: { id: "${PLESK_DEMO.subscriptions.shop.id}" }) { id }
    }`);
    expect(res.body.data).toEqual({ package: null, pleskSubscription: { id: PLESK_DEMO.subscriptions.shop.id } });
    expect(res.body.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
  });

  it('a mutation operation is not counted: a change is never refused halfway', async () => {
    await spendAdminShare();
    const res = await stack.gql(`mutation { cancelPackage(input: { id: "${WIX_DEMO.packageId}" }) { __typename } }`);
    expect(res.body.data.cancelPackage.__typename).toBe('CancelPackageSuccess');
    expect(wixWrites(stack)).toEqual([`DELETE /resellers/v1/packages/${WIX_DEMO.packageId}`]);
  });

  it('logs one warning per refused request, naming the caller', async () => {
    await spendAdminShare();
    const before = stack.logLines.length;
    await stack.gql(`query { a: package(id: "${WIX_DEMO.packageId}") { id } b: packages(first: 1) { edges { node { id } } } }`);
    const warnings = stack.logLines.slice(before).filter((line) => line.includes('caller used up its share of Wix calls'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, caller: 'admin', perMinute: SHARE });
  });
});
