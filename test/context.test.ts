/**
 * The GraphQL context's request log: no child logger until a resolver logs, then lines that carry
 * the request id, even after yoga has copied the context's properties into its own object. And the
 * release of what Pothos caches per context once an operation has run.
 */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin, { RequestCache } from '@pothos/plugin-scope-auth';
import { createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { createContextFactory, useRequestCacheRelease, type GatewayServices } from '../src/context.js';
import { createLogger } from '../src/observability/logger.js';

describe('context log', () => {
  it('makes its child logger on the first line, and every line carries the request id', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const child = vi.spyOn(log, 'child');
    const services = { log, wix: { withOrigin: () => ({}) }, plesk: new Map() } as unknown as GatewayServices;
    const factory = createContextFactory(services);
    const caller = { name: 'ui', kind: 'service', roles: ['viewer'], wixAccounts: '*', pleskServers: '*' };
    const made = factory({ request: new Request('http://localhost/graphql'), requestId: 'req-42', caller } as never);
    // What yoga does with a context factory's result.
    const context = Object.assign({}, made);
    expect(child).not.toHaveBeenCalled();

    context.log.warn({ accountId: 'a-1' }, 'first');
    context.log.info('second');
    context.log.debug('below the level');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, requestId: 'req-42', accountId: 'a-1', msg: 'first' }),
      expect.objectContaining({ level: 30, requestId: 'req-42', msg: 'second' }),
    ]);
  });
});

describe('useRequestCacheRelease', () => {
  /** A schema of its own: one field behind a role check that notes the context and scope-auth's cache for it. */
  function gatewayWith(plugins: Plugin[]) {
    const builder = new SchemaBuilder<{ Context: { role: string }; AuthScopes: { viewer: boolean } }>({
      plugins: [ScopeAuthPlugin],
      scopeAuth: { authScopes: (ctx) => ({ viewer: ctx.role === 'viewer' }) },
    });
    const seen: { context?: object; cache?: unknown } = {};
    builder.queryType({
      fields: (t) => ({
        hello: t.string({
          authScopes: { viewer: true },
          resolve: (_root, _args, ctx) => {
            seen.context = ctx;
            seen.cache = RequestCache.fromContext(ctx, builder as never);
            return 'hi';
          },
        }),
      }),
    });
    const yoga = createYoga({ schema: builder.toSchema(), context: () => ({ role: 'viewer' }), plugins, logging: false });
    const run = async () => {
      const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ hello }"}' });
      expect(await response.json()).toEqual({ data: { hello: 'hi' } });
      return { stillCached: RequestCache.fromContext(seen.context!, builder as never) === seen.cache };
    };
    return { run };
  }

  it("drops scope-auth's cache for a context once its operation has run", async () => {
    expect(await gatewayWith([useRequestCacheRelease()]).run()).toEqual({ stillCached: false });
  });

  it('is needed: without it the cache, which refers to the context, stays in its WeakMap', async () => {
    expect(await gatewayWith([]).run()).toEqual({ stillCached: true });
  });
});
