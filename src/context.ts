/**
 * What every resolver receives: the upstream clients, fresh loaders for this one request, and the
 * defaults that apply when an operation omits an account.
 */
import type { YogaInitialContext } from 'graphql-yoga';
import type { Logger } from 'pino';
import { InvalidInputError } from './errors.js';
import type { WixClient } from './upstreams/wix/client.js';
import { WixLoaders } from './upstreams/wix/loaders.js';

export interface GatewayServices {
  wix: WixClient;
  defaultWixAccountId?: string;
  log: Logger;
}

export interface GatewayContext {
  requestId: string;
  log: Logger;
  wix: WixClient;
  wixLoaders: WixLoaders;
  /** The account an operation acts on: its own `accountId`, else the configured default. */
  wixAccount(accountId: string | null | undefined): string;
}

export function createContextFactory(services: GatewayServices) {
  return (initial: YogaInitialContext & { requestId?: string }): GatewayContext => {
    const requestId = initial.requestId ?? crypto.randomUUID();
    return {
      requestId,
      log: services.log.child({ requestId }),
      wix: services.wix,
      wixLoaders: new WixLoaders(services.wix, initial.request.signal),
      wixAccount(accountId) {
        const account = accountId ?? services.defaultWixAccountId;
        if (!account) {
          throw new InvalidInputError(
            [{ path: ['accountId'], message: 'accountId is required: no default Wix account is configured.' }],
            'accountId is required.',
          );
        }
        return account;
      },
    };
  };
}
