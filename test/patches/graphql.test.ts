/**
 * patches/graphql+<version>.patch changes two things in graphql-js, neither in what it answers:
 * - argument and variable values: a plain copy instead of `{ ...coercedValues }` of a
 *   null-prototype map (a slow path in V8, taken for every field);
 * - `getLocation` and `getLocations`: a binary search over a source's line breaks, found once per
 *   source, instead of a scan from the start for every location (quadratic when N aliased fields
 *   fail together).
 * These tests pin that the patch is installed for the installed version, and that callers still get
 * exactly what graphql-js's own code gives them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSchema, execute, getLocation, parse, Source, type GraphQLFieldResolver, type SourceLocation } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { getLocations } from 'graphql/language/location.js';
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
    const marks = { 'execution/values': 3, 'language/location': 3 };
    for (const [file, count] of Object.entries(marks)) {
      for (const build of ['js', 'mjs']) {
        const source = readFileSync(require.resolve(`graphql/${file}.${build}`), 'utf8');
        expect(source.split(MARK).length - 1, `${file}.${build}`).toBe(count);
      }
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

describe('getLocation', () => {
  /** graphql-js's own algorithm: scan the body from its start. */
  function scanned(source: Source, position: number): SourceLocation {
    const lineRegexp = /\r\n|[\n\r]/g;
    let line = 1;
    let column = position + 1;
    let match;
    while ((match = lineRegexp.exec(source.body)) && match.index < position) {
      line++;
      column = position + 1 - (match.index + match[0].length);
    }
    return { line, column };
  }

  it('answers what a scan from the start answers, at every position, whatever the line breaks', () => {
    const bodies = ['', 'x', '\n', '\r', '\r\n', '\n\r', 'ab\r\n\r\ncd\ref\n\ngh', '{ a }\r\n{ b }\r{ c }\n', '\r\r\n\n\r\n'];
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let k = 0; k < 50; k++) bodies.push(Array.from({ length: 80 }, () => ['a', ' ', '\n', '\r', '\r\n'][Math.floor(random() * 5)]).join(''));
    for (const body of bodies) {
      const source = new Source(body);
      // In an order that is not increasing, past the end too: each answer stands alone.
      const positions = Array.from({ length: body.length + 2 }, (_, position) => position).reverse();
      for (const position of positions) expect(getLocation(source, position), JSON.stringify({ body, position })).toEqual(scanned(source, position));
    }
  });

  it('getLocations (an error with several nodes) answers each location as the scan does', () => {
    const one = new Source('query {\r\n  a\n  a\r  b\n}');
    const two = new Source('\n\n{ c }');
    const locations = [
      { source: one, start: 20 },
      { source: two, start: 4 },
      { source: one, start: 3 },
      { source: one, start: 12 },
    ];
    expect(getLocations(locations)).toEqual(locations.map(({ source, start }) => scanned(source, start)));
  });

  it('sees a changed body of the same source', () => {
    const source = new Source('a\nb');
    expect(getLocation(source, 2)).toEqual({ line: 2, column: 1 });
    (source as { body: string }).body = 'ab\n\nc';
    expect(getLocation(source, 4)).toEqual({ line: 3, column: 1 });
  });
});
