/**
 * The HTTP side of authentication: every request except the health probes (and the GraphiQL page
 * shell, which holds no data) must carry `Authorization: Bearer <token>`; anything else is a 401
 * with a GraphQL error coded UNAUTHENTICATED. The request id and the caller found go on the
 * request's server context, which yoga hands to the GraphQL context factory and to every later hook
 * (the operation log names the caller of a request refused before any GraphQL context exists).
 */
import { shouldRenderGraphiQL, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { RequestFacts } from '../context.js';
import type { Authenticator } from './authenticator.js';

export interface AuthenticationOptions {
  authenticator: Authenticator;
  log: Logger;
  /** Paths answered without a credential. Default `/health`, `/ready`. */
  publicPaths?: string[];
  /** Serve the GraphiQL page to unauthenticated browsers (its requests still need a token). */
  graphiql: boolean;
}

/** Accepted `x-request-id` values: short and printable, so they are safe to echo and log. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function useAuthentication(options: AuthenticationOptions): Plugin {
  const publicPaths = new Set(options.publicPaths ?? ['/health', '/ready']);
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (publicPaths.has(url.pathname)) return;
      if (options.graphiql && shouldRenderGraphiQL(request)) return;
      const offered = request.headers.get('x-request-id');
      const requestId = offered && REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
      const result = await options.authenticator.authenticate(request.headers.get('authorization'));
      if (!result.ok) {
        options.log.info({ requestId, reason: result.reason, detail: result.detail, path: url.pathname }, 'request refused: not authenticated');
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({ errors: [{ message: 'A valid bearer token is required.', extensions: { code: 'UNAUTHENTICATED' } }] }),
            {
              status: 401,
              headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer', 'x-request-id': requestId },
            },
          ),
        );
        return;
      }
      const facts: RequestFacts = { requestId, caller: result.caller };
      Object.assign(serverContext, facts);
    },
    onResponse({ response, serverContext }) {
      const { requestId } = serverContext as Partial<RequestFacts>;
      if (requestId) response.headers.set('x-request-id', requestId);
    },
  };
}
