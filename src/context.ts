/**
 * What every resolver receives: the upstream clients, fresh loaders for this one request, and the
 * defaults that apply when an operation omits an account.
 */
import type { YogaInitialContext } from 'graphql-yoga';
import type { Logger } from 'pino';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { PleskClient } from './upstreams/plesk/client.js';
import { PleskLoaders } from './upstreams/plesk/loaders.js';
import type { WixClient } from './upstreams/wix/client.js';
import { WixLoaders } from './upstreams/wix/loaders.js';

export interface GatewayServices {
  wix: WixClient;
  defaultWixAccountId?: string;
  /** Plesk servers by name; the PLESK_URL (or sandbox) server is `default`. */
  plesk: Map<string, PleskClient>;
  log: Logger;
}

export interface PleskServer {
  name: string;
  client: PleskClient;
}

export interface GatewayContext {
  requestId: string;
  log: Logger;
  wix: WixClient;
  wixLoaders: WixLoaders;
  pleskLoaders: PleskLoaders;
  /** The account an operation acts on: its own `accountId`, else the configured default. */
  wixAccount(accountId: string | null | undefined): string;
  /** The Plesk server an operation addresses: its own `server`, else `default`. */
  pleskServer(name: string | null | undefined): PleskServer;
}

export function createContextFactory(services: GatewayServices) {
  return (initial: YogaInitialContext & { requestId?: string }): GatewayContext => {
    const requestId = initial.requestId ?? crypto.randomUUID();
    return {
      requestId,
      log: services.log.child({ requestId }),
      wix: services.wix,
      wixLoaders: new WixLoaders(services.wix, initial.request.signal),
      pleskLoaders: new PleskLoaders(initial.request.signal),
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
      pleskServer(name) {
        const serverName = (name ?? 'default').toLowerCase();
        const client = services.plesk.get(serverName);
        if (!client) throw new NotFoundError('Plesk server', serverName);
        return { name: serverName, client };
      },
    };
  };
}
