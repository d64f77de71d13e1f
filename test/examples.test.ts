import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleTabs, sandboxExampleIds } from '../src/examples.js';
import { startStack, type Stack } from './support/stack.js';

// GraphiQL opens with these in sandbox mode, and says they work as they stand: each is run here.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('the GraphiQL examples, on the sandboxes', () => {
  const tabs = exampleTabs(sandboxExampleIds(true));
  // In the order GraphiQL shows them, on one sandbox, as someone trying them one after the other would.

  it.each(tabs.map((tab) => [/(?:query|mutation) (\w+)/.exec(tab.query)?.[1] ?? '?', tab] as const))('%s answers without an error', async (_name, tab) => {
    const res = await stack.gql(tab.query, tab.variables ? (JSON.parse(tab.variables) as Record<string, unknown>) : {});
    expect(res.body.errors).toBeUndefined();
    // A change answers its success member, not an expected failure.
    for (const value of Object.values(res.body.data ?? {})) {
      if (value && typeof value === 'object' && '__typename' in value) expect(String(value.__typename)).toMatch(/Success$/);
      expect(value).not.toBeNull();
    }
  });

  it('name placeholders, not demo data, outside sandbox mode', () => {
    const live = JSON.stringify(exampleTabs(undefined));
    expect(live).toContain('<package id>');
    expect(live).toContain('<customer login>');
    expect(live).not.toContain(sandboxExampleIds(true).cancelPackageId);
  });
});
