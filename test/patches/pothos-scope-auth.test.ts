/**
 * patches/@pothos+plugin-scope-auth+<version>.patch changes how scope-auth wraps a resolver, never
 * what a field answers: when the resolver is the last step and every check before it passes
 * synchronously, the resolver is called directly (no closures, no promises around it). These tests
 * pin that the patch is installed for the installed version, and that every path through the
 * checks (synchronous and asynchronous scopes, denials, grants after the resolver, resolvers that
 * throw or reject) still answers what scope-auth's own code answers.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const MARK = 'reseller-gateway patch';
const root = require.resolve('@pothos/plugin-scope-auth').replace(/lib\/index\.js$/, '');
const installed = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;

describe('the scope-auth patch', () => {
  it('is written for the installed version', () => {
    const patches = readdirSync(new URL('../../patches/', import.meta.url)).filter((name) => name.startsWith('@pothos+plugin-scope-auth+'));
    expect(patches).toEqual([`@pothos+plugin-scope-auth+${installed}.patch`]);
  });

  it('is applied to both builds (npm install runs patch-package)', () => {
    const marks = { 'resolve-helper.js': 2, 'steps.js': 1 };
    for (const [file, count] of Object.entries(marks)) {
      for (const build of ['esm', 'lib']) {
        const source = readFileSync(`${root}${build}/${file}`, 'utf8');
        expect(source.split(MARK).length - 1, `${build}/${file}`).toBe(count);
      }
    }
  });
});

describe('fields behind scopes', () => {
  interface Ctx {
    roles: string[];
    calls: string[];
  }
  const builder = new SchemaBuilder<{ Context: Ctx; AuthScopes: { viewer: boolean; slowViewer: boolean; admin: boolean } }>({
    plugins: [ScopeAuthPlugin],
    scopeAuth: {
      authScopes: (ctx) => ({
        viewer: ctx.roles.includes('viewer'),
        admin: ctx.roles.includes('admin'),
        // A scope loader answering later, as one reading a store would.
        slowViewer: async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return ctx.roles.includes('viewer');
        },
      }),
    },
  });
  builder.queryType({
    fields: (t) => ({
      sync: t.string({ authScopes: { viewer: true }, resolve: (_root, _args, ctx) => (ctx.calls.push('sync'), 'S') }),
      async: t.string({ authScopes: { viewer: true }, resolve: async (_root, _args, ctx) => (ctx.calls.push('async'), 'A') }),
      slowScope: t.string({ authScopes: { slowViewer: true }, resolve: async (_root, _args, ctx) => (ctx.calls.push('slowScope'), 'L') }),
      adminOnly: t.string({ nullable: true, authScopes: { admin: true }, resolve: (_root, _args, ctx) => (ctx.calls.push('adminOnly'), 'X') }),
      throws: t.string({
        nullable: true,
        authScopes: { viewer: true },
        resolve: () => {
          throw new Error('thrown');
        },
      }),
      rejects: t.string({ nullable: true, authScopes: { viewer: true }, resolve: () => Promise.reject(new Error('rejected')) }),
      // A grant after the resolver: the resolver is not the last step.
      granted: t.string({ authScopes: { viewer: true }, grantScopes: ['readSecret'], resolve: (_root, _args, ctx) => (ctx.calls.push('granted'), 'G') }),
    }),
  });
  const schema = builder.toSchema();

  async function run(query: string, roles: string[]) {
    const ctx: Ctx = { roles, calls: [] };
    const result = await execute({ schema, document: parse(query), contextValue: ctx });
    return { data: result.data === undefined ? undefined : JSON.parse(JSON.stringify(result.data)), errors: result.errors?.map((e) => e.message) ?? [], calls: ctx.calls.sort() };
  }

  it('call the resolver once and answer its value, synchronous or not', async () => {
    expect(await run('{ sync async slowScope granted }', ['viewer'])).toEqual({
      data: { sync: 'S', async: 'A', slowScope: 'L', granted: 'G' },
      errors: [],
      calls: ['async', 'granted', 'slowScope', 'sync'],
    });
  });

  it('refuse without calling the resolver, after a synchronous or an asynchronous check', async () => {
    expect(await run('{ adminOnly }', ['viewer'])).toEqual({ data: { adminOnly: null }, errors: ['Not authorized to resolve Query.adminOnly'], calls: [] });
    const slow = await run('{ slowScope }', []);
    expect(slow).toEqual({ data: { slowScope: null }, errors: ['Not authorized to resolve Query.slowScope'], calls: [] });
  });

  it("pass on a resolver's thrown error and its rejection", async () => {
    expect(await run('{ throws rejects }', ['viewer'])).toEqual({ data: { throws: null, rejects: null }, errors: ['thrown', 'rejected'], calls: [] });
  });
});
