/**
 * Errors of failed fields without the per-error costs graphql-js 16 has, for the look-ups that a
 * document repeats under aliases (`p0: package(id: $id0) … p999: …`).
 *
 * graphql-js computes an error's line and column by scanning the document from its start, once per
 * error, and every GraphQLError captures a stack. When a batch of N aliased look-ups fails together
 * (an upstream outage, the client hanging up), that is N scans of a document that grows with N:
 * quadratic, and paid exactly when things go wrong. Here the line starts of a document are found
 * once and each location is a binary search; errors are made without a stack, and an error made
 * from another (masking) copies its place instead of computing it again.
 */
import {
  GraphQLError,
  locatedError,
  responsePathAsArray,
  type ASTNode,
  type GraphQLErrorOptions,
  type GraphQLResolveInfo,
  type Source,
  type SourceLocation,
} from 'graphql';

/** Offsets of the line terminators of a document (graphql-js's definition: \r\n, \n or \r), and where each next line starts. */
interface LineBreaks {
  at: number[];
  next: number[];
}

const lineBreaksBySource = new WeakMap<Source, LineBreaks>();

function lineBreaks(source: Source): LineBreaks {
  let breaks = lineBreaksBySource.get(source);
  if (breaks === undefined) {
    breaks = { at: [], next: [] };
    for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) {
      breaks.at.push(match.index);
      breaks.next.push(match.index + match[0].length);
    }
    lineBreaksBySource.set(source, breaks);
  }
  return breaks;
}

/** What graphql-js's `getLocation` answers, without reading the document again. */
export function locationOf(source: Source, position: number): SourceLocation {
  const { at, next } = lineBreaks(source);
  // The number of line breaks before `position`.
  let low = 0;
  let high = at.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (at[mid]! < position) low = mid + 1;
    else high = mid;
  }
  const lineStart = low === 0 ? 0 : next[low - 1]!;
  return { line: low + 1, column: position + 1 - lineStart };
}

/** Where in the document an error points: what its constructor would compute from nodes. */
interface Place {
  nodes: readonly ASTNode[];
  source: Source;
  positions: readonly number[];
  locations: readonly SourceLocation[];
}

/**
 * A GraphQLError made without nodes (so its constructor locates nothing) and without capturing a
 * stack (with an original error it carries that error's stack; without one, a stack of the
 * gateway's internals is not for clients), then placed.
 */
function placedError(message: string, options: Omit<GraphQLErrorOptions, 'nodes' | 'source' | 'positions'>, place: Place | undefined): GraphQLError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let error: GraphQLError;
  try {
    error = new GraphQLError(message, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (place) {
    const writable = error as { -readonly [K in keyof Place]: GraphQLError[K] };
    writable.nodes = place.nodes;
    writable.source = place.source;
    writable.positions = place.positions;
    writable.locations = place.locations;
  }
  return error;
}

/** The located error graphql-js would make for `error` thrown by the field `info` resolves. */
export function fieldError(error: unknown, info: GraphQLResolveInfo): GraphQLError {
  // A GraphQLError keeps its own nodes and location, and a thrown non-error is wrapped: both rare,
  // both left to graphql-js.
  if (!(error instanceof Error) || error instanceof GraphQLError) return locatedError(error, info.fieldNodes, responsePathAsArray(info.path));
  const locs = info.fieldNodes.flatMap((node) => (node.loc ? [node.loc] : []));
  const place =
    locs.length > 0
      ? {
          nodes: info.fieldNodes,
          source: locs[0]!.source,
          positions: locs.map((loc) => loc.start),
          locations: locs.map((loc) => locationOf(loc.source, loc.start)),
        }
      : undefined;
  return placedError(error.message, { path: responsePathAsArray(info.path), originalError: error }, place);
}

/** A new error for the client at the place and path of `at`, as `new GraphQLError(message, { nodes: at.nodes, path: at.path, extensions })` makes it. */
export function errorAt(message: string, at: GraphQLError | undefined, extensions: Record<string, unknown>): GraphQLError {
  const place =
    at?.nodes && at.source && at.positions && at.locations
      ? { nodes: at.nodes, source: at.source, positions: at.positions, locations: at.locations }
      : undefined;
  if (at?.nodes && !place) return new GraphQLError(message, { nodes: at.nodes, path: at.path, extensions });
  return placedError(message, { ...(at?.path ? { path: at.path } : {}), extensions }, place);
}
