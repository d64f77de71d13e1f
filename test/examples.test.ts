import { readFileSync } from 'node:fs';
import { Kind, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleTabs, sandboxExampleIds } from '../src/examples.js';
import { startStack, type Stack, type GraphQLResponse } from './support/stack.js';

// GraphiQL opens with these in sandbox mode, and says they work as they stand: each is run here.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/** No error, and a change answers its success member, not an expected failure. */
function expectAnswered(res: GraphQLResponse): void {
  expect(res.body.errors).toBeUndefined();
  for (const value of Object.values(res.body.data ?? {})) {
    expect(value).not.toBeNull();
    if (value && typeof value === 'object' && '__typename' in value) expect(String(value.__typename)).toMatch(/Success$/);
  }
}

describe('the GraphiQL examples, on the sandboxes', () => {
  const tabs = exampleTabs(sandboxExampleIds(true));
  // In the order GraphiQL shows them, on one sandbox, as someone trying them one after the other would.

  it.each(tabs.map((tab) => [/(?:query|mutation) (\w+)/.exec(tab.query)?.[1] ?? '?', tab] as const))('%s answers without an error', async (_name, tab) => {
    expectAnswered(await stack.gql(tab.query, tab.variables ? (JSON.parse(tab.variables) as Record<string, unknown>) : {}));
  });

  it('name placeholders, not demo data, outside sandbox mode', () => {
    const live = JSON.stringify(exampleTabs(undefined));
    expect(live).toContain('<package id>');
    expect(live).toContain('<customer login>');
    expect(live).not.toContain(sandboxExampleIds(true).cancelPackageId);
  });
});

describe("the README's example operations", () => {
  // On demo data as a fresh start has it, not as the GraphiQL examples above left it.
  beforeAll(() => {
    stack.wixSandbox.reset();
    stack.pleskSandbox.reset();
  });

  // The first graphql block under "Example operations", each operation on its own, in order.
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /## Example operations[\s\S]*?```graphql\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const operations = parse(block).definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION ? [[definition.name?.value ?? '?', print(definition)] as const] : [],
  );

  it('are there', () => {
    expect(operations.map(([name]) => name)).toEqual(['ListPackages', 'Rows', 'CancelPackage', 'Unassign', 'Subscriptions']);
  });

  it.each(operations)('%s answers without an error', async (_name, document) => {
    expectAnswered(await stack.gql(document));
  });
});
