import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLESK_DEMO, startStack, WIX_DEMO, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ wixDeadlineMs: 1_000, pleskDeadlineMs: 1_000 });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.wixSandbox.reset();
  stack.pleskSandbox.reset();
});

// One screen of a support tool: a customer's packages beside the add-on plans it may offer.
const SCREEN = `query Screen($ids: [ID!]!) {
  packages(first: 2) { edges { node { id } } }
  packagesById(ids: $ids) { id }
  pleskAddonPlans { guid }
  auditLog(first: 1) { edges { node { id } } }
}`;

const screen = () => stack.gql(SCREEN, { ids: [WIX_DEMO.packageId] });

describe('a failed root field is null with its error; its siblings keep their answers', () => {
  it('with both upstreams up, every field answers', async () => {
    const res = await screen();
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.packages.edges.length).toBeGreaterThan(0);
    expect(res.body.data.packagesById).toEqual([{ id: WIX_DEMO.packageId }]);
    expect(res.body.data.pleskAddonPlans).toContainEqual({ guid: PLESK_DEMO.addonPlans.backup.guid });
  });

  it('Plesk down: the Wix fields answer, the plans are null with a coded error', async () => {
    stack.pleskSandbox.faults.add({ fault: { kind: 'status', status: 503 } });
    const res = await screen();
    expect(res.body.data.packages.edges.length).toBeGreaterThan(0);
    expect(res.body.data.packagesById).toEqual([{ id: WIX_DEMO.packageId }]);
    expect(res.body.data.auditLog).toEqual({ edges: expect.any(Array) });
    expect(res.body.data.pleskAddonPlans).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['pleskAddonPlans'], extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'plesk' } });
  });

  it('Wix down: the plans answer, each Wix field is null with its own error', async () => {
    stack.wixSandbox.faults.add({ fault: { kind: 'status', status: 503 } });
    const res = await screen();
    expect(res.body.data.pleskAddonPlans).toContainEqual({ guid: PLESK_DEMO.addonPlans.backup.guid });
    expect(res.body.data.packages).toBeNull();
    // A look-up fails row by row, so the list keeps its shape.
    expect(res.body.data.packagesById).toEqual([null]);
    const failed = res.body.errors!.map((e: { path?: string[]; extensions?: Record<string, unknown> }) => [e.path?.join('.'), e.extensions?.code, e.extensions?.upstream]);
    expect(failed.sort()).toEqual([
      ['packages', 'UPSTREAM_UNAVAILABLE', 'wix'],
      ['packagesById.0', 'UPSTREAM_UNAVAILABLE', 'wix'],
    ]);
  });

  it('a refused argument nulls only its own field', async () => {
    const res = await stack.gql(`query {
      packages(first: 2) { edges { node { id } } }
      pleskAddonPlans(server: "nowhere") { guid }
    }`);
    expect(res.body.data.packages.edges.length).toBeGreaterThan(0);
    expect(res.body.data.pleskAddonPlans).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]!.path).toEqual(['pleskAddonPlans']);
  });
});
