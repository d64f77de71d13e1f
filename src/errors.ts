/**
 * The gateway's error vocabulary, free of GraphQL so that upstream clients can throw it too.
 * `schema/errors.ts` exposes these as union members (expected outcomes of a mutation); in a field
 * without a union, `server.ts` turns them into a `GraphQLError` carrying the same `extensions.code`.
 * Every message is the gateway's own wording: an upstream's text is logged, never forwarded.
 */

export type Upstream = 'wix' | 'plesk';

export const UPSTREAM_LABEL: Record<Upstream, string> = { wix: 'Wix', plesk: 'Plesk' };

/** Runs `make` (which builds an error) without capturing a stack trace. */
export function withoutStackTrace<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * An expected outcome, not a bug: it carries no stack trace. A stack is costly to capture and
 * more so to format (GraphQL reads it when it wraps the error, once per failed field: a failing
 * upstream under a 100-field read would pay it 100 times), and it would only point at the throw.
 * The upstream's own error rides along as `cause`, with its stack.
 */
export abstract class GatewayError extends Error {
  abstract readonly code: string;

  constructor(message?: string, options?: ErrorOptions) {
    // withoutStackTrace inline: super() cannot be called from a nested function.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly resource: string,
    readonly id?: string,
  ) {
    super(id ? `${resource} ${id} was not found.` : `${resource} was not found.`);
  }
}

export interface InputIssue {
  /** Path into the operation's arguments, e.g. ['input', 'products', '0', 'countryCode']. */
  path: string[];
  message: string;
}

export class InvalidInputError extends GatewayError {
  readonly code = 'INVALID_INPUT';
  constructor(
    readonly issues: InputIssue[],
    message = 'The input is not valid.',
  ) {
    super(message);
  }
}

export class PermissionDeniedError extends GatewayError {
  readonly code = 'PERMISSION_DENIED';
  constructor(message = 'You are not allowed to perform this operation on this resource.') {
    super(message);
  }
}

/**
 * A query reached the upstream calls one request may make (`RequestLimits.maxUpstreamCalls`): the
 * call was not made. The fields whose calls were made keep their answers.
 */
export class TooManyUpstreamCallsError extends GatewayError {
  readonly code = 'TOO_MANY_UPSTREAM_CALLS';
  constructor(
    readonly limit: number,
    readonly upstream: Upstream,
  ) {
    super(`This request reached its limit of ${limit} upstream calls, so this ${UPSTREAM_LABEL[upstream]} call was not made; ask for fewer fields per request.`);
  }
}

/** An upstream refused the change because of the target's state (Wix 428s and their kin). */
export class PreconditionFailedError extends GatewayError {
  constructor(
    readonly code: string,
    message: string,
    readonly upstream: Upstream,
  ) {
    super(message);
  }
}

export type UpstreamErrorCode =
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_AUTH'
  | 'UPSTREAM_REJECTED'
  | 'RATE_LIMITED'
  | 'OUTCOME_UNKNOWN';

const UPSTREAM_MESSAGES: Record<UpstreamErrorCode, (name: string) => string> = {
  UPSTREAM_UNAVAILABLE: (n) => `The ${n} API is unavailable right now.`,
  UPSTREAM_TIMEOUT: (n) => `The ${n} API did not answer in time.`,
  UPSTREAM_BAD_RESPONSE: (n) => `The ${n} API sent a response the gateway could not read.`,
  UPSTREAM_AUTH: (n) => `The gateway's credentials were refused by the ${n} API.`,
  UPSTREAM_REJECTED: (n) => `The ${n} API rejected the request.`,
  RATE_LIMITED: (n) => `The ${n} API is rate limiting the gateway; try again later.`,
  OUTCOME_UNKNOWN: (n) =>
    `The ${n} API did not confirm the change; retry with the same idempotency key to learn the outcome.`,
};

/** Whether the same call may succeed if tried again later. */
const RETRYABLE: Record<UpstreamErrorCode, boolean> = {
  UPSTREAM_UNAVAILABLE: true,
  UPSTREAM_TIMEOUT: true,
  UPSTREAM_BAD_RESPONSE: true,
  UPSTREAM_AUTH: false,
  UPSTREAM_REJECTED: false,
  RATE_LIMITED: true,
  OUTCOME_UNKNOWN: true,
};

export interface UpstreamErrorDetails {
  /** The upstream's own error code (Wix application error code, Plesk errcode), when it sent one. */
  upstreamCode?: string;
  /** HTTP status of the upstream response, when there was one. */
  status?: number;
  /** Upstream's request id (Wix `x-wix-request-id`), for support tickets. */
  upstreamRequestId?: string;
  retryAfterSeconds?: number;
}

export class UpstreamError extends GatewayError {
  readonly retryable: boolean;
  constructor(
    readonly code: UpstreamErrorCode,
    readonly upstream: Upstream,
    readonly details: UpstreamErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(UPSTREAM_MESSAGES[code](UPSTREAM_LABEL[upstream]), options);
    this.retryable = RETRYABLE[code];
  }
}

/**
 * The caller has used up its share of Wix's rate (`RequestLimits.callerWixCallsPerMinute`), over
 * all its requests: the call was not made. RATE_LIMITED, as when Wix itself refuses, with the wait.
 */
export class CallerRateLimitedError extends UpstreamError {
  constructor(
    readonly perMinute: number,
    retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', 'wix', { retryAfterSeconds });
    this.message = `You have used your share of Wix calls (${perMinute} a minute), so this call was not made; try again in ${retryAfterSeconds} s.`;
  }
}

/** A GatewayError as plain data, so that a stored result can be replayed (idempotency). */
export type StoredError =
  | { type: 'NotFoundError'; resource: string; id?: string }
  | { type: 'InvalidInputError'; issues: InputIssue[]; message: string }
  | { type: 'PermissionDeniedError'; message: string }
  | { type: 'PreconditionFailedError'; code: string; message: string; upstream: Upstream }
  | { type: 'UpstreamError'; code: UpstreamErrorCode; upstream: Upstream; details: UpstreamErrorDetails };

export function storeError(error: GatewayError): StoredError | undefined {
  if (error instanceof NotFoundError) return { type: 'NotFoundError', resource: error.resource, ...(error.id ? { id: error.id } : {}) };
  if (error instanceof InvalidInputError) return { type: 'InvalidInputError', issues: error.issues, message: error.message };
  if (error instanceof PermissionDeniedError) return { type: 'PermissionDeniedError', message: error.message };
  if (error instanceof PreconditionFailedError) return { type: 'PreconditionFailedError', code: error.code, message: error.message, upstream: error.upstream };
  if (error instanceof UpstreamError) return { type: 'UpstreamError', code: error.code, upstream: error.upstream, details: error.details };
  return undefined;
}

export function restoreError(stored: StoredError): GatewayError {
  switch (stored.type) {
    case 'NotFoundError':
      return new NotFoundError(stored.resource, stored.id);
    case 'InvalidInputError':
      return new InvalidInputError(stored.issues, stored.message);
    case 'PermissionDeniedError':
      return new PermissionDeniedError(stored.message);
    case 'PreconditionFailedError':
      return new PreconditionFailedError(stored.code, stored.message, stored.upstream);
    case 'UpstreamError':
      return new UpstreamError(stored.code, stored.upstream, stored.details);
  }
}
