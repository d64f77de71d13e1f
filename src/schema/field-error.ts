/**
 * Errors of failed fields without the per-error stack graphql-js 16 captures, for the look-ups that
 * a document repeats under aliases (`p0: package(id: $id0) … p999: …`): when a batch of N aliased
 * look-ups fails together (an upstream outage, the client hanging up), N stacks are paid exactly
 * when things go wrong. Their lines and columns cost a binary search each: graphql-js's
 * `getLocation` is patched (patches/graphql+*.patch) to find a document's line breaks once.
 */
import { GraphQLError, locatedError, responsePathAsArray, type GraphQLErrorOptions, type GraphQLResolveInfo } from 'graphql';
import { withoutStackTrace } from '../errors.js';

/**
 * A GraphQLError made without capturing a stack: with an original error it carries that error's
 * stack; without one, a stack of the gateway's internals is not for clients.
 */
function withoutStack(message: string, options: GraphQLErrorOptions): GraphQLError {
  return withoutStackTrace(() => new GraphQLError(message, options));
}

/** The located error graphql-js would make for `error` thrown by the field `info` resolves. */
export function fieldError(error: unknown, info: GraphQLResolveInfo): GraphQLError {
  // A GraphQLError keeps its own nodes and location, and a thrown non-error is wrapped: both rare,
  // both left to graphql-js.
  if (!(error instanceof Error) || error instanceof GraphQLError) return locatedError(error, info.fieldNodes, responsePathAsArray(info.path));
  return withoutStack(error.message, { nodes: info.fieldNodes, path: responsePathAsArray(info.path), originalError: error });
}

/** A new error for the client at the place and path of `at`, as `new GraphQLError(message, { nodes: at.nodes, path: at.path, extensions })` makes it. */
export function errorAt(message: string, at: GraphQLError | undefined, extensions: Record<string, unknown>): GraphQLError {
  return withoutStack(message, { ...(at?.nodes ? { nodes: at.nodes } : {}), ...(at?.path ? { path: at.path } : {}), extensions });
}
