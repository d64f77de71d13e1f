/**
 * The GraphQL context's request log: no child logger until a resolver logs, then lines that carry
 * the request id, even after yoga has copied the context's properties into its own object.
 */
import { describe, expect, it, vi } from 'vitest';
import { createContextFactory, type GatewayServices } from '../src/context.js';
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
