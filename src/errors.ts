/**
 * The gateway's error vocabulary, free of GraphQL so that upstream clients can throw it too.
 * `schema/errors.ts` exposes these as union members (expected outcomes of a mutation); in a field
 * without a union, `server.ts` turns them into a `GraphQLError` carrying the same `extensions.code`.
 * Every message is the gateway's own wording: an upstream's text is logged, never forwarded.
 */

export type Upstream = 'wix' | 'plesk';

export const UPSTREAM_LABEL: Record<Upstream, string> = { wix: 'Wix', plesk: 'Plesk' };

export abstract class GatewayError extends Error {
  abstract readonly code: string;
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
