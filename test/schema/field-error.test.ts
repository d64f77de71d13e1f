import { buildSchema, execute, GraphQLError, parse, type ExecutionResult, type GraphQLFieldResolver } from 'graphql';
import { describe, expect, it } from 'vitest';
import { errorAt } from '../../src/schema/field-error.js';

const schema = buildSchema(`type Thing { name: String } type Query { thing(id: ID!): Thing }`);

/** Runs `doc` with `thing` failing as `fail` says. */
async function run(doc: string, fail: (id: string) => unknown): Promise<ExecutionResult> {
  const resolve: GraphQLFieldResolver<unknown, unknown, { id: string }> = async (_root, { id }) => {
    throw fail(id);
  };
  schema.getQueryType()!.getFields().thing!.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
  return (await execute({ schema, document: parse(doc) })) as ExecutionResult;
}

describe('errorAt', () => {
  it('makes what `new GraphQLError(message, { nodes, path, extensions })` makes, from a located error, an unlocated one, or none', async () => {
    const doc = 'query {\n  a: thing(id: "1") { name }\n  b: thing(id: "2") { name }\n}';
    const located = (await run(doc, () => new Error('boom'))).errors![1]!;
    const unlocated = new GraphQLError('refused', { path: ['x'] });
    const extensions = { code: 'UPSTREAM_UNAVAILABLE' };
    for (const at of [located, unlocated, undefined]) {
      const ours = errorAt('masked', at, extensions);
      const theirs = new GraphQLError('masked', { ...(at ? { nodes: at.nodes, path: at.path } : {}), extensions });
      expect(ours.toJSON()).toEqual(theirs.toJSON());
      expect([ours.nodes, ours.source, ours.positions]).toEqual([theirs.nodes, theirs.source, theirs.positions]);
    }
    expect(errorAt('masked', located, extensions).locations).toEqual([{ line: 3, column: 3 }]);
  });
});
