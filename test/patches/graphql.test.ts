/**
 * patches/graphql+<version>.patch replaces graphql-js's copy of a null-prototype map
 * (`{ ...coercedValues }`, a slow path in V8 taken for every field) with a plain copy. These
 * tests pin that the patch is installed for the installed version, and that resolvers still see
 * exactly what graphql-js's own code gives them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSchema, execute, parse, type GraphQLFieldResolver } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const installed = (require('graphql/package.json') as { version: string }).version;
const MARK = 'reseller-gateway patch';

describe('the graphql patch', () => {
  it('is written for the installed graphql version', () => {
    const patches = readdirSync(new URL('../../patches/', import.meta.url)).filter((name) => name.startsWith('graphql+'));
    expect(patches).toEqual([`graphql+${installed}.patch`]);
  });

  it('is applied to both builds of graphql-js (npm install runs patch-package)', () => {
    for (const file of ['graphql/execution/values.js', 'graphql/execution/values.mjs']) {
      const source = readFileSync(require.resolve(file), 'utf8');
      expect(source.split(MARK).length - 1, file).toBe(3);
    }
  });
});

describe('argument values as resolvers see them', () => {
  const schema = buildSchema(`
    input Range { from: Int! to: Int }
    type Query {
      plain: String
      args(id: ID!, toString: String, limit: Int = 10, range: Range, note: String): String
    }
  `);

  async function argsOf(query: string, variableValues?: Record<string, unknown>): Promise<Record<string, unknown>> {
    let seen: Record<string, unknown> | undefined;
    const capture: GraphQLFieldResolver<unknown, unknown> = (_source, args) => {
      seen = args as Record<string, unknown>;
      return 'ok';
    };
    const result = await execute({ schema, document: parse(query), variableValues, fieldResolver: capture });
    expect(result.errors).toBeUndefined();
    return seen!;
  }

  it('are an ordinary object, in the order of the schema, with defaults and explicit nulls', async () => {
    const args = await argsOf('query ($id: ID!, $note: String) { args(note: $note, id: $id, range: { from: 1 }) }', { id: 'a', note: null });
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(Object.keys(args)).toEqual(['id', 'limit', 'range', 'note']);
    expect(args).toEqual({ id: 'a', limit: 10, range: { from: 1 }, note: null });
  });

  it('leave out an omitted argument, even one named like a method of Object', async () => {
    const args = await argsOf('{ args(id: "a") }');
    expect(Object.hasOwn(args, 'toString')).toBe(false);
    expect(Object.hasOwn(args, 'range')).toBe(false);
    expect(Object.keys(args)).toEqual(['id', 'limit']);
  });

  it('leave out an argument whose variable was not given', async () => {
    const args = await argsOf('query ($id: ID!, $limit: Int, $note: String) { args(id: $id, limit: $limit, note: $note) }', { id: 'a' });
    expect(args).toEqual({ id: 'a', limit: 10 });
    expect(Object.hasOwn(args, 'note')).toBe(false);
  });

  it('are an empty ordinary object for a field without arguments', async () => {
    const args = await argsOf('{ plain }');
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(Object.keys(args)).toEqual([]);
  });
});

describe('variable values', () => {
  const schema = buildSchema('type Query { field(value: String): String }');

  function coerce(query: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const operation = parse(query).definitions[0];
    if (operation?.kind !== 'OperationDefinition') throw new Error('not an operation');
    const result = getVariableValues(schema, operation.variableDefinitions ?? [], inputs);
    if (result.errors) throw result.errors[0];
    return result.coerced;
  }

  it('are an ordinary object in the order of the definitions, with defaults, without the ones not given', () => {
    const values = coerce('query ($b: String, $a: String = "x", $c: String, $d: String) { field }', { d: null, b: 'B' });
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.keys(values)).toEqual(['b', 'a', 'd']);
    expect(values).toEqual({ b: 'B', a: 'x', d: null });
  });

  it('keep a variable named __proto__ as an own value, not as the prototype', () => {
    const values = coerce('query ($__proto__: String, $other: String) { field }', JSON.parse('{"__proto__": "p", "other": "o"}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(values, '__proto__')).toEqual({ value: 'p', enumerable: true, writable: true, configurable: true });
    expect(Object.keys(values)).toEqual(['__proto__', 'other']);
  });
});
