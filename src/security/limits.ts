/**
 * Limits on what one request may ask (OWASP's GraphQL cheat sheet): graphql-armor's depth, alias,
 * directive, token and cost limits, field suggestions hidden outside sandbox mode, and at most N
 * destructive mutation fields per request; and, counted as the request runs (the static estimate
 * cannot see them), the ids its list look-ups name and the upstream calls a query makes, and each
 * caller's share of Wix's rate over its requests. Body
 * size is capped before yoga reads it (server.ts), and the memory of parsed documents kept for
 * reuse by document-cache.ts.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, getOperationAST, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { CallerRateLimitedError, InvalidInputError, TooManyUpstreamCallsError, type Upstream } from '../errors.js';
import { RateLimiter } from '../resilience/rate-limiter.js';
import type { MutationExtensions } from '../schema/audit-trail.js';
import type { CallBudget } from '../upstreams/http.js';

export interface RequestLimits {
  /** Deepest selection nesting. Default 8: the deepest useful query (a package's instances' package's instances) is 6. */
  maxDepth: number;
  /** Aliases per document. Default 100: a page of 100 packages looked up by id, batched into one upstream call. */
  maxAliases: number;
  /** Directive uses per document. Default 10. */
  maxDirectives: number;
  /**
   * Ids the list look-ups of one request (`packagesById`, `productInstancesById`, under any number
   * of aliases) may name together. Default 100: a page of rows, one upstream call. The static cost
   * estimate cannot see a list variable's length, so it is counted as the fields run.
   */
  maxLookupIds: number;
  /**
   * Upstream calls (Wix and Plesk together; a retry is not another call) one query may make.
   * Default 50: a screen's worth (a page of packages is one, a Plesk subscription with its
   * plans three), while 100 aliases of `packages(first: 1)`, each with its own filter, pass
   * every static limit and would otherwise make 100 calls, half a minute's Wix budget. Mutation
   * operations are not counted (a call refused halfway through a change could leave it half
   * done): the destructive-mutation and alias limits bound them.
   */
  maxUpstreamCalls: number;
  /**
   * Wix calls one caller's queries may make a minute, over all its requests (0: no share). Wix
   * allows 200 a minute for every caller of the gateway together; a share keeps one caller (a
   * script, a frontend polling in a loop) from using them all. Counted like `maxUpstreamCalls`:
   * retries are not calls, and mutation operations are not counted. Default 0 here; the
   * configuration turns it on (100) with a live Wix key.
   */
  callerWixCallsPerMinute: number;
  /** Lexer tokens per document, counted while parsing. Default 5000 (100 aliased look-ups with a few fields each). */
  maxTokens: number;
  /** graphql-armor's static cost estimate. Default 10000. */
  maxCost: number;
  /** Destructive mutation fields (cancel, unassign, detach, ...) per request. Default 1. */
  maxDestructiveMutations: number;
  /** Request body bytes. Default 256 KiB: a Create Package of 1000 products fits (yoga's own default is 25 MB). */
  maxBodyBytes: number;
  /**
   * Heap the cache of parsed documents may hold, estimated (document-cache.ts). Default 32 MiB:
   * hundreds of a frontend's documents, or twenty at the token limit.
   */
  documentCacheBytes: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  maxDepth: 8,
  maxAliases: 100,
  maxLookupIds: 100,
  maxUpstreamCalls: 50,
  callerWixCallsPerMinute: 0,
  maxDirectives: 10,
  maxTokens: 5000,
  maxCost: 10_000,
  maxDestructiveMutations: 1,
  maxBodyBytes: 256 * 1024,
  documentCacheBytes: 32 * 1024 * 1024,
};

export interface LimitOptions {
  limits: RequestLimits;
  /** Sandbox mode keeps "Did you mean …?" suggestions, which help a person exploring the schema. */
  showSuggestions: boolean;
}

/**
 * graphql-armor's validation errors carry no code, and are thrown (validation stops at the first,
 * which bounds the work a hostile document costs): each gets GRAPHQL_VALIDATION_FAILED before it is.
 */
const coded = { onReject: [(_context: unknown, error: GraphQLError) => void ((error.extensions as Record<string, unknown>).code ??= 'GRAPHQL_VALIDATION_FAILED')] };

export function limitPlugins({ limits, showSuggestions }: LimitOptions): Plugin[] {
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, exposeLimits: true, ...coded },
      maxAliases: { n: limits.maxAliases, exposeLimits: true, ...coded },
      maxDirectives: { n: limits.maxDirectives, exposeLimits: true, ...coded },
      // Refused while parsing: yoga codes it GRAPHQL_PARSE_FAILED.
      maxTokens: { n: limits.maxTokens, exposeLimits: true },
      costLimit: { maxCost: limits.maxCost, exposeLimits: true, ...coded },
      blockFieldSuggestion: { enabled: !showSuggestions },
    }) as Plugin,
    useDestructiveMutationLimit(limits.maxDestructiveMutations),
    useUpstreamCallLimit(),
  ];
}

/**
 * The ids the list look-ups of one request (`packagesById`, `productInstancesById`, under any
 * aliases) may still name: shared by all of them, so aliases cannot multiply the limit.
 */
export class LookupIdBudget {
  #left: number;

  constructor(readonly limit: number) {
    this.#left = limit;
  }

  /** Counts `count` ids of the argument `name`; throws InvalidInputError, naming it, past the limit. */
  take(name: string, count: number): void {
    if (count > this.#left) {
      const message =
        this.#left === this.limit
          ? `must name at most ${this.limit} ids; it names ${count}`
          : `names ${count} ids, and the list look-ups of one request may name ${this.limit} in all: ${this.#left} are left`;
      throw new InvalidInputError([{ path: [name], message }]);
    }
    this.#left -= count;
  }
}

/**
 * The upstream calls one request may still make, stated on every call it makes (`CallOrigin.calls`).
 * A refusal is an error of the field that needed the call; the rest of the query still answers.
 */
export interface UpstreamCallBudgetOptions {
  /** Told once per kind of refusal (this limit, the caller's share), at the first of that kind. */
  onRefused?: (refusal: TooManyUpstreamCallsError | CallerRateLimitedError) => void;
  /** The caller's share of Wix's rate, asked for each counted Wix call. */
  wixShare?: { share: CallerWixShare; caller: string };
}

export class UpstreamCallBudget implements CallBudget {
  #made = 0;
  #counting = true;
  readonly #told = new Set<string>();

  constructor(
    readonly limit: number,
    private readonly options: UpstreamCallBudgetOptions = {},
  ) {}

  /** Calls let through so far, counted or not (the operation log reports it). */
  get made(): number {
    return this.#made;
  }

  take(upstream: Upstream): void {
    if (this.#counting) {
      if (this.#made >= this.limit) this.#refuse(new TooManyUpstreamCallsError(this.limit, upstream));
      const { wixShare } = this.options;
      if (upstream === 'wix' && wixShare) {
        try {
          wixShare.share.take(wixShare.caller);
        } catch (error) {
          this.#refuse(error as CallerRateLimitedError);
        }
      }
    }
    this.#made++;
  }

  #refuse(refusal: TooManyUpstreamCallsError | CallerRateLimitedError): never {
    if (!this.#told.has(refusal.code)) {
      this.#told.add(refusal.code);
      this.options.onRefused?.(refusal);
    }
    throw refusal;
  }

  /** From now on every call is let through: the request is a mutation operation. */
  stopCounting(): void {
    this.#counting = false;
  }
}

/**
 * Each caller's share of Wix's rate (`RequestLimits.callerWixCallsPerMinute`): a token bucket per
 * caller name, refilled evenly over the minute and holding half of it at most (so no caller makes
 * more than one and a half shares in any minute), that never waits: a call past it is refused with
 * RATE_LIMITED and the seconds until the next one. A caller idle long enough to have a full bucket
 * again is forgotten once there are many (people by JWT can be thousands).
 */
export class CallerWixShare {
  readonly #buckets: RateLimiter;

  constructor(
    readonly perMinute: number,
    now?: () => number,
  ) {
    // At most half the share at once: a bucket as deep as the share would let an idle caller make
    // twice its share in its first minute (the full bucket, then the refill).
    this.#buckets = new RateLimiter({ limit: perMinute, windowMs: 60_000, burst: Math.max(1, Math.floor(perMinute / 2)), ...(now ? { now } : {}) });
  }

  /** Counts one Wix call of `caller`; throws CallerRateLimitedError, and counts nothing, past the share. */
  take(caller: string): void {
    const waitMs = this.#buckets.tryAcquire(caller);
    if (waitMs > 0) throw new CallerRateLimitedError(this.perMinute, Math.max(1, Math.ceil(waitMs / 1000)));
  }
}

/** Lifts the budget of the request's context (context.ts) for a mutation operation, before any resolver runs. */
function useUpstreamCallLimit(): Plugin {
  return {
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      (args.contextValue as unknown as GatewayContext).upstreamCalls.stopCounting();
    },
  };
}

/** A validation rule counting root mutation fields marked destructive in the schema. */
function useDestructiveMutationLimit(max: number): Plugin {
  const rule = (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      const mutationType = context.getSchema().getMutationType();
      if (!mutationType) return;
      const fields = mutationType.getFields();
      let count = 0;
      const visit = (selectionSet: SelectionSetNode, seen: Set<string>) => {
        for (const selection of selectionSet.selections) {
          if (selection.kind === Kind.FIELD) {
            const extensions = fields[selection.name.value]?.extensions.mutation as MutationExtensions | undefined;
            if (extensions?.destructive) count++;
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            visit(selection.selectionSet, seen);
          } else if (!seen.has(selection.name.value)) {
            seen.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) visit(fragment.selectionSet, seen);
          }
        }
      };
      visit(node.selectionSet, new Set());
      if (count > max) {
        context.reportError(
          new GraphQLError(`At most ${max} destructive mutation${max === 1 ? '' : 's'} per request; found ${count}.`, {
            nodes: [node],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
        );
      }
    },
  });
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
