import { buildSchema, execute, GraphQLError, parse, type ExecutionResult, type GraphQLFieldResolver } from 'graphql';
import { describe, expect, it } from 'vitest';
import { errorAt, fieldError } from '../../src/schema/field-error.js';

const schema = buildSchema(`type Thing { name: String } type Query { thing(id: ID!): Thing }`);

/** Runs `doc` with `thing` failing as `fail` says, its errors located by graphql-js or by fieldError. */
async function run(doc: string, fail: (id: string) => unknown, locate: boolean): Promise<ExecutionResult> {
  const resolve: GraphQLFieldResolver<unknown, unknown, { id: string }> = async (_root, { id }, _ctx, info) => {
    const error = fail(id);
    throw locate ? fieldError(error, info) : error;
  };
  schema.getQueryType()!.getFields().thing!.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
  return (await execute({ schema, document: parse(doc) })) as ExecutionResult;
}

const serialized = (result: ExecutionResult) => JSON.parse(JSON.stringify(result)) as unknown;

describe('fieldError', () => {
  // Aliases over several lines, a fragment, and the same response key asked twice (two nodes).
  const doc = 'query Q {\n  a: thing(id: "1") { name }\r\n  b: thing(id: "2") { ...F }\n  a: thing(id: "1") { name }\n}\nfragment F on Thing { name }';

  it('gives the same errors as graphql-js for an Error with extensions', async () => {
    const fail = (id: string) => Object.assign(new Error(`thing ${id} failed`), { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    const ours = await run(doc, fail, true);
    expect(ours.errors).toHaveLength(2);
    expect(ours.errors![0]!.locations).toEqual([{ line: 2, column: 3 }, { line: 4, column: 3 }]);
    expect(ours.errors![1]).toMatchObject({ path: ['b'], locations: [{ line: 3, column: 3 }] });
    expect(serialized(ours)).toEqual(serialized(await run(doc, fail, false)));
  });

  it('keeps the original error, its nodes and positions, and captures no stack of its own', async () => {
    const original = new Error('boom');
    const result = await run(doc, () => original, true);
    const error = result.errors![1]!;
    expect(error.originalError).toBe(original);
    expect(error.stack).toBe(original.stack);
    expect(error.nodes?.[0]?.kind).toBe('Field');
    expect(error.positions).toEqual(error.nodes!.map((node) => node.loc!.start));
    expect(error.source?.body).toBe(doc);
  });

  it('leaves a GraphQLError thrown by a resolver to graphql-js rules, and wraps a thrown non-error as graphql-js does', async () => {
    const graphqlError = () => new GraphQLError('refused', { extensions: { code: 'PERMISSION_DENIED' } });
    expect(serialized(await run(doc, graphqlError, true))).toEqual(serialized(await run(doc, graphqlError, false)));
    const ours = await run(doc, () => 'a string', true);
    expect(ours.errors![0]).toMatchObject({ message: 'Unexpected error value: "a string"', path: ['a'] });
    expect(serialized(ours)).toEqual(serialized(await run(doc, () => 'a string', false)));
  });
});

describe('errorAt', () => {
  it('makes what `new GraphQLError(message, { nodes, path, extensions })` makes, from a located error, an unlocated one, or none', async () => {
    const doc = 'query {\n  a: thing(id: "1") { name }\n  b: thing(id: "2") { name }\n}';
    const located = (await run(doc, () => new Error('boom'), true)).errors![1]!;
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
