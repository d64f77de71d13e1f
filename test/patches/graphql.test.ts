/**
 * patches/graphql+<version>.patch changes how graphql-js works, never what it answers:
 * - argument and variable values: ordinary objects instead of null-prototype maps copied by spread
 *   (a slow path in V8, taken for every field), and no map of a field's argument nodes per call;
 * - result objects: ordinary objects instead of null-prototype ones (dictionaries in V8);
 * - a field whose resolver returns a promise: one reaction on it instead of two chained promises,
 *   which N aliased look-ups kept alive while their batch was upstream;
 * - `locatedError`: no stack captured for a located error that takes its original error's stack;
 * - field collection: a selection set's fields, when no directive can change them, collected once
 *   and shared by every execution of the document (before: once per execution and per alias);
 * - `getLocation` and `getLocations`: a binary search over a source's line breaks, found once per
 *   source, instead of a scan from the start for every location (quadratic when N aliased fields
 *   fail together).
 * These tests pin that the patch is installed for the installed version, and that callers still get
 * exactly what graphql-js's own code gives them.
 */
import { createHook } from 'node:async_hooks';
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
  locatedError,
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
    const marks = {
      'execution/values': 4,
      'execution/collectFields': 3,
      'execution/execute': 3,
      'jsutils/promiseForObject': 1,
      'language/location': 3,
      'error/locatedError': 1,
    };
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

describe('fields whose resolvers return promises', () => {
  const schema = buildSchema(`
    type Thing { name: String, strict: String! }
    type Query { thing(id: ID!): Thing, things: [Thing!]!, count: Int, strictThing: Thing! }
  `);
  // id "reject": the resolver's promise rejects; "wrong": it resolves to what Int cannot serialise;
  // "nested": a sub-field's promise rejects; "null": a non-null sub-field resolves to null.
  const rootValue = {
    thing: ({ id }: { id: string }) =>
      id === 'reject'
        ? Promise.reject(new Error('upstream down'))
        : Promise.resolve({
            name: id === 'nested' ? () => Promise.reject(new Error('name failed')) : `thing ${id}`,
            strict: () => Promise.resolve(id === 'null' ? null : 'ok'),
          }),
    things: () => Promise.resolve([{ name: 'a', strict: 'x' }, { name: 'b', strict: 'y' }]),
    count: () => Promise.resolve('many'),
    strictThing: () => Promise.reject(new Error('required one failed')),
  };

  it('are completed, and their errors located and propagated, as graphql-js does', async () => {
    const query = `{
      ok: thing(id: "1") { name strict }
      rejected: thing(id: "reject") { name }
      nested: thing(id: "nested") { name strict }
      nulled: thing(id: "null") { name strict }
      things { name }
      count
    }`;
    const result = await execute({ schema, document: parse(query), rootValue });
    expect(result.data).toEqual({
      ok: { name: 'thing 1', strict: 'ok' },
      rejected: null,
      nested: { name: null, strict: 'ok' },
      nulled: null,
      things: [{ name: 'a' }, { name: 'b' }],
      count: null,
    });
    expect(result.errors!.map((error) => [error.message, error.path, error.locations])).toEqual([
      ['upstream down', ['rejected'], [{ line: 3, column: 7 }]],
      ['Int cannot represent non-integer value: "many"', ['count'], [{ line: 7, column: 7 }]],
      ['name failed', ['nested', 'name'], [{ line: 4, column: 37 }]],
      ['Cannot return null for non-nullable field Thing.strict.', ['nulled', 'strict'], [{ line: 5, column: 40 }]],
    ]);
    const required = await execute({ schema, document: parse('{ ok: thing(id: "1") { name } strictThing { name } }'), rootValue });
    expect(required.data).toBeNull();
    expect(required.errors!.map((error) => [error.message, error.path])).toEqual([['required one failed', ['strictThing']]]);
  });

  it('take one promise each to complete, besides what collects the object (graphql-js alone: two)', async () => {
    const ready = Promise.resolve({ name: 'x', strict: 'y' });
    const resolvers = { thing: () => ready };
    const promisesFor = async (n: number) => {
      const document = parse(`{ ${Array.from({ length: n }, (_, k) => `f${k}: thing(id: "${k}") { name }`).join(' ')} }`);
      await execute({ schema, document, rootValue: resolvers });
      let created = 0;
      const hook = createHook({
        init(_id, type) {
          if (type === 'PROMISE') created++;
        },
      }).enable();
      try {
        await execute({ schema, document, rootValue: resolvers });
      } finally {
        hook.disable();
      }
      return created;
    };
    const [small, large] = [await promisesFor(100), await promisesFor(200)];
    // Per field: the reaction on the resolver's promise, and Promise.all's on the field's.
    expect((large - small) / 100).toBe(2);
  });
});

describe('located errors', () => {
  const document = parse('{\n  thing { name }\n}');
  const fieldNode = (document.definitions[0] as { selectionSet: { selections: readonly unknown[] } }).selectionSet.selections[0] as Parameters<typeof locatedError>[1];

  /** An error whose `extensions`, read by the GraphQLError being built, records the stack trace limit then. */
  function watched(error: Error): { error: Error; limits: unknown[] } {
    const limits: unknown[] = [];
    Object.defineProperty(error, 'extensions', {
      get() {
        limits.push(Error.stackTraceLimit);
        return { code: 'UPSTREAM_UNAVAILABLE' };
      },
    });
    return { error, limits };
  }

  it("take their original error's stack, and capture none of their own", () => {
    const { error: original, limits } = watched(new Error('upstream down'));
    const before = Error.stackTraceLimit;
    const located = locatedError(original, fieldNode, ['thing']);
    expect(new Set(limits)).toEqual(new Set([0]));
    expect(Error.stackTraceLimit).toBe(before);
    expect(located.stack).toBe(original.stack);
    expect(located.originalError).toBe(original);
    expect([located.message, located.path, located.locations, located.extensions]).toEqual([
      'upstream down',
      ['thing'],
      [{ line: 2, column: 3 }],
      { code: 'UPSTREAM_UNAVAILABLE' },
    ]);
  });

  it('capture a stack when the original has none, and restore the limit when building fails', () => {
    const stackless = new Error('no stack');
    Object.defineProperty(stackless, 'stack', { value: undefined });
    const { error, limits } = watched(stackless);
    const before = Error.stackTraceLimit;
    const located = locatedError(error, fieldNode, ['thing']);
    expect(new Set(limits)).toEqual(new Set([before]));
    expect(located.stack).toMatch(/^GraphQLError: no stack\n\s+at /);

    const failing = new Error('bad extensions');
    Object.defineProperty(failing, 'extensions', {
      get() {
        throw new Error('unreadable');
      },
    });
    expect(() => locatedError(failing, fieldNode, ['thing'])).toThrow('unreadable');
    expect(Error.stackTraceLimit).toBe(before);
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
