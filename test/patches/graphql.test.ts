/**
 * patches/graphql+<version>.patch changes how graphql-js works, never what it answers:
 * - argument and variable values: ordinary objects instead of null-prototype maps copied by spread
 *   (a slow path in V8, taken for every field), and no map of a field's argument nodes per call;
 * - result objects: ordinary objects instead of null-prototype ones (dictionaries in V8);
 * - field collection: a selection set's fields, when no directive can change them, collected once
 *   and shared by every execution of the document (before: once per execution and per alias);
 * - `getLocation` and `getLocations`: a binary search over a source's line breaks, found once per
 *   source, instead of a scan from the start for every location (quadratic when N aliased fields
 *   fail together).
 * These tests pin that the patch is installed for the installed version, and that callers still get
 * exactly what graphql-js's own code gives them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  buildSchema,
  execute,
  getLocation,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  parse,
  Source,
  type GraphQLFieldResolver,
  type SourceLocation,
} from 'graphql';
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
    const marks = { 'execution/values': 4, 'execution/collectFields': 3, 'execution/execute': 2, 'jsutils/promiseForObject': 1, 'language/location': 3 };
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

describe('result objects', () => {
  const schema = buildSchema('type Query { a: String b: String later: String }');
  const rootValue = { a: 'A', b: 'B', later: () => Promise.resolve('L') };

  it('are ordinary objects, in the order of the selection, without promises and with them', async () => {
    for (const query of ['{ b a }', '{ b later a }']) {
      const { data, errors } = await execute({ schema, document: parse(query), rootValue });
      expect(errors).toBeUndefined();
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(Object.keys(data!)).toEqual(query === '{ b a }' ? ['b', 'a'] : ['b', 'later', 'a']);
    }
  });

  it('keep an alias __proto__ as an own value, not as the prototype', async () => {
    for (const query of ['{ __proto__: a b }', '{ __proto__: later b }']) {
      const { data, errors } = await execute({ schema, document: parse(query), rootValue });
      expect(errors).toBeUndefined();
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(Object.keys(data!)).toEqual(['__proto__', 'b']);
      expect(JSON.stringify(data)).toBe(query.includes('later') ? '{"__proto__":"L","b":"B"}' : '{"__proto__":"A","b":"B"}');
    }
  });
});

describe('field collection shared across executions', () => {
  const schema = buildSchema(`
    interface Named { name: String }
    type Item implements Named { name: String size: Int tags: [String] }
    type Query { item: Item items: [Item] named: Named }
  `);
  const items = [
    { __typename: 'Item', name: 'x', size: 1, tags: ['t'] },
    { __typename: 'Item', name: 'y', size: 2, tags: [] },
  ];
  const rootValue = { item: items[0], items, named: items[1] };
  const run = async (document: ReturnType<typeof parse>, variableValues?: Record<string, unknown>) => {
    const result = await execute({ schema, document, rootValue, variableValues });
    expect(result.errors).toBeUndefined();
    return JSON.parse(JSON.stringify(result.data)) as unknown;
  };

  it('gives the same answer to every execution of a parsed document, aliases and lists included', async () => {
    const document = parse('{ first: item { ...F } second: item { name } items { ...F } } fragment F on Item { name size }');
    const expected = { first: { name: 'x', size: 1 }, second: { name: 'x' }, items: [{ name: 'x', size: 1 }, { name: 'y', size: 2 }] };
    for (let k = 0; k < 3; k++) expect(await run(document)).toEqual(expected);
  });

  it('follows the variables of each execution in @skip and @include, at the root and below, in fragments', async () => {
    const document = parse(`
      query ($on: Boolean!, $off: Boolean!) {
        item @include(if: $on) { name }
        items { name size @skip(if: $off) ...F @include(if: $on) ... on Item @skip(if: $on) { tags } }
      }
      fragment F on Item { tags }
    `);
    for (const on of [true, false, true]) {
      const off = !on;
      const item = (x: (typeof items)[number]) => (on ? { name: x.name, size: x.size, tags: x.tags } : { name: x.name, tags: x.tags });
      expect(await run(document, { on, off })).toEqual({ ...(on ? { item: { name: 'x' } } : {}), items: items.map(item) });
    }
  });

  it('reads the fragments of the document executed, even when another shares its operation', async () => {
    const one = parse('{ item { ...F } } fragment F on Item { name }');
    const other = parse('fragment F on Item { size }');
    const two = { ...one, definitions: [one.definitions[0]!, ...other.definitions] };
    expect(await run(one)).toEqual({ item: { name: 'x' } });
    expect(await run(two)).toEqual({ item: { size: 1 } });
    expect(await run(one)).toEqual({ item: { name: 'x' } });
  });

  it('tells runtime types apart for the same selection set, and schemas for the same document', async () => {
    const sdl = `
      interface Named { name: String }
      type Item implements Named { name: String size: Int }
      type Other implements Named { name: String color: String }
      type Query { nameds: [Named] }
    `;
    const document = parse('{ nameds { name ... on Item { size } ... on Other { color } } }');
    const root = { nameds: [{ __typename: 'Item', name: 'x', size: 1 }, { __typename: 'Other', name: 'o', color: 'red' }] };
    const expected = { nameds: [{ name: 'x', size: 1 }, { name: 'o', color: 'red' }] };
    // A second schema from the same text: other type objects, so nothing collected for one serves the other.
    for (const schema of [buildSchema(sdl), buildSchema(sdl)]) {
      for (let k = 0; k < 2; k++) {
        const result = await execute({ schema, document, rootValue: root });
        expect(result.errors).toBeUndefined();
        expect(JSON.parse(JSON.stringify(result.data))).toEqual(expected);
      }
    }
  });

  it('tells schemas apart that share a type object', async () => {
    const Item = new GraphQLObjectType({ name: 'Item', fields: { name: { type: GraphQLString } } });
    const Other = new GraphQLObjectType({ name: 'Other', fields: { name: { type: GraphQLString } } });
    const schemaWith = (members: GraphQLObjectType[]) =>
      new GraphQLSchema({
        query: new GraphQLObjectType({ name: 'Query', fields: { item: { type: Item } } }),
        types: [Other, new GraphQLUnionType({ name: 'Named', types: members })],
      });
    const document = parse('{ item { ... on Named { name } } }');
    const rootValue = { item: { name: 'x' } };
    // In the first schema Item is a Named, in the second it is not: the same selection set differs.
    for (const [schema, expected] of [[schemaWith([Item, Other]), { name: 'x' }], [schemaWith([Other]), {}]] as const) {
      const result = await execute({ schema, document, rootValue });
      expect(result.errors).toBeUndefined();
      expect(JSON.parse(JSON.stringify(result.data))).toEqual({ item: expected });
    }
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
