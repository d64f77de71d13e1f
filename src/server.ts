/**
 * graphql-yoga on node:http. The plugin list is the one place where cross-cutting concerns are
 * switched on; error masking is the last line: nothing unexpected leaves unmasked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createContextFactory, type GatewayContext, type GatewayServices } from './context.js';
import { GatewayError, InvalidInputError, UpstreamError } from './errors.js';
import type { Logger } from './observability/logger.js';
import { schema } from './schema/index.js';

export interface GraphiQLTab {
  query: string;
  variables?: string;
}

export interface GatewayOptions extends GatewayServices {
  /** Example operations preloaded in GraphiQL. */
  graphiqlTabs?: GraphiQLTab[];
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>;
  server: Server;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/** Turns an error raised while executing into what the client may see. */
export function maskError(log: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    if (original instanceof GatewayError) {
      return new GraphQLError(original.message, {
        ...(graphqlError ? { nodes: graphqlError.nodes, path: graphqlError.path } : {}),
        extensions: gatewayExtensions(original),
      });
    }
    // GraphQL's own errors (syntax, validation, variable coercion) carry no original error.
    if (graphqlError && (original === undefined || original instanceof GraphQLError)) {
      return original instanceof GraphQLError && original.extensions.code ? original : graphqlError;
    }
    log.error({ err: original }, 'unexpected error while executing');
    return new GraphQLError('Unexpected error.', {
      ...(graphqlError ? { nodes: graphqlError.nodes, path: graphqlError.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

function gatewayExtensions(error: GatewayError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error instanceof UpstreamError) {
    extensions.upstream = error.upstream;
    extensions.retryable = error.retryable;
    if (error.details.upstreamCode) extensions.upstreamCode = error.details.upstreamCode;
    if (error.details.upstreamRequestId) extensions.upstreamRequestId = error.details.upstreamRequestId;
    if (error.details.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = error.details.retryAfterSeconds;
  }
  if (error instanceof InvalidInputError) extensions.issues = error.issues;
  return extensions;
}

export function createGateway(options: GatewayOptions): Gateway {
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: createContextFactory(options),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: maskError(options.log) },
    graphiql: {
      title: 'reseller-gateway',
      ...(options.graphiqlTabs ? { defaultTabs: options.graphiqlTabs } : {}),
    },
  });

  const server = createServer(yoga);

  return {
    yoga,
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
