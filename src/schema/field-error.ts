/**
 * The errors a client sees in place of the ones raised while executing (server.ts's maskError),
 * made without the per-error stack graphql-js 16 captures: when a batch of N aliased look-ups
 * (`p0: package(id: $id0) … p999: …`) fails together, all N are masked, exactly when things go
 * wrong. graphql-js's own `locatedError`, which places each at its field first, is patched to
 * capture no stack either, and its `getLocation` to find a document's line breaks once
 * (patches/graphql+*.patch).
 */
import { GraphQLError } from 'graphql';
import { withoutStackTrace } from '../errors.js';

/** A new error for the client at the place and path of `at`, as `new GraphQLError(message, { nodes: at.nodes, path: at.path, extensions })` makes it. */
export function errorAt(message: string, at: GraphQLError | undefined, extensions: Record<string, unknown>): GraphQLError {
  const options = { ...(at?.nodes ? { nodes: at.nodes } : {}), ...(at?.path ? { path: at.path } : {}), extensions };
  // No original error: a stack of the gateway's internals is not for clients.
  return withoutStackTrace(() => new GraphQLError(message, options));
}
