/**
 * Errors of the Plesk client and their mapping to the gateway vocabulary (`src/errors.ts`).
 *
 * - `PleskApiError`: Plesk answered with `<status>error</status>`, either packet-level (`<system>`, nothing ran)
 *   or for one filter value (`<result>`). Branch on `errcode`, never on `errtext` (localized, may leak details):
 *   `errtext` and `output` are kept as non-enumerable properties for logs only and never enter a message.
 * - `PleskResponseError`: the answer is not a readable `<packet>` (HTML error page, redirect, truncated or
 *   hostile XML, wrong shape).
 * - `PleskRequestError`: the client refused to build a packet (empty filter, invalid value, bad plan reference);
 *   nothing was sent.
 * - `PleskConditionError`: a check done by the client itself before a change (add-on not attached, …).
 * - `PleskTransportError`: an `UpstreamTransportError` that also names the operation (and so whether it was a write).
 */
import { UpstreamTransportError } from '../http.js';
import type { TransportFailure } from '../http.js';
import {
  GatewayError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  UpstreamError,
} from '../../errors.js';
import type { UpstreamErrorCode } from '../../errors.js';
import { WRITE_OPERATIONS } from './types.js';
import type { PleskOperationName } from './types.js';

export type PleskErrorLayer = 'system' | 'result';

export class PleskApiError extends Error {
  override readonly name = 'PleskApiError';
  /** Plesk's numeric error code; `null` if an error result carried none. */
  readonly errcode: number | null;
  readonly layer: PleskErrorLayer;
  readonly operation: PleskOperationName;
  /** The filter value this result belongs to (`filter-id`), for per-value errors. */
  readonly filterValue: string | undefined;
  /** `<id>` of the result: the subscription ID Plesk resolved, if it sent one. */
  readonly resultId: string | undefined;
  /** HTTP status of the response that carried the error (200 in practice). */
  readonly httpStatus: number | undefined;
  /** Plesk's own text, localized and possibly sensitive: for logs only. Non-enumerable. */
  declare readonly errtext: string | undefined;
  /** `<output>` of a packet-level error (stderr of a failed component): for logs only. Non-enumerable. */
  declare readonly output: string | undefined;

  constructor(init: {
    errcode: number | null;
    layer: PleskErrorLayer;
    operation: PleskOperationName;
    filterValue?: string | undefined;
    resultId?: string | undefined;
    httpStatus?: number | undefined;
    errtext?: string | undefined;
    output?: string | undefined;
  }) {
    super(`Plesk ${init.layer === 'system' ? 'packet-level' : 'per-value'} error ${init.errcode ?? '(no code)'} in ${init.operation}`);
    this.errcode = init.errcode;
    this.layer = init.layer;
    this.operation = init.operation;
    this.filterValue = init.filterValue;
    this.resultId = init.resultId;
    this.httpStatus = init.httpStatus;
    Object.defineProperty(this, 'errtext', { value: init.errtext, enumerable: false });
    Object.defineProperty(this, 'output', { value: init.output, enumerable: false });
  }
}

export type PleskResponseFailure =
  /** Empty body. */
  | 'empty'
  /** Body contains a DOCTYPE or ENTITY declaration (XXE / entity expansion), refused unparsed. */
  | 'doctype'
  /** Not well-formed XML (truncated, mismatched tags, undeclared entity, …). */
  | 'malformed'
  /** Well-formed, but not a single `<packet>` root. */
  | 'unexpected-root'
  /** A `<packet>` whose content does not have the shape the operation answers with. */
  | 'unexpected-shape'
  /** A result of a single-value change that names another filter value. */
  | 'unmatched-result'
  /** Any 3xx: the client never follows redirects. */
  | 'redirect'
  /** A non-2xx status without a readable packet. */
  | 'http-status';

export class PleskResponseError extends Error {
  override readonly name = 'PleskResponseError';
  constructor(
    readonly reason: PleskResponseFailure,
    readonly operation: PleskOperationName | undefined,
    readonly httpStatus?: number,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(`Unreadable Plesk response (${reason})${operation ? ` to ${operation}` : ''}${httpStatus ? `, HTTP ${httpStatus}` : ''}`, options);
  }
}

export type PleskRequestRefusal =
  /** A mutation with no filter value (would act on every visible subscription, §3). */
  | 'empty-filter'
  /** A lookup with no values where "all" is not meant. */
  | 'no-values'
  /** More values than the client sends in one packet. */
  | 'too-many-values'
  /** A value that is empty, malformed for its kind, too long, or has control characters / outer spaces. */
  | 'invalid-value'
  /** Both or neither of plan GUID / external ID. */
  | 'plan-reference'
  | 'invalid-option';

export class PleskRequestError extends Error {
  override readonly name = 'PleskRequestError';
  constructor(
    readonly reason: PleskRequestRefusal,
    /** Which input was refused, e.g. `filter.id[0]`, `plan`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export type PleskCondition = 'NOT_FOUND' | 'NOT_ATTACHED' | 'ALREADY_ATTACHED' | 'NO_SERVICE_PLAN';

export class PleskConditionError extends Error {
  override readonly name = 'PleskConditionError';
  constructor(
    readonly condition: PleskCondition,
    /** What the condition is about, e.g. 'Plesk subscription', 'Plesk add-on plan'. */
    readonly resource: string,
    readonly value: string,
  ) {
    super(`${condition}: ${resource} ${value}`);
  }
}

export class PleskTransportError extends UpstreamTransportError {
  constructor(
    failure: TransportFailure,
    readonly operation: PleskOperationName,
    options?: { cause?: unknown },
  ) {
    super('plesk', failure, options);
  }
}

export interface MapContext {
  /**
   * Whether the failed call was a change. Errors thrown by the Plesk client know their operation; this is
   * only needed for a bare `UpstreamTransportError`. A write whose outcome cannot be known maps to
   * `OUTCOME_UNKNOWN` (never auto-retried; re-read the subscription first).
   */
  write?: boolean;
}

const AUTH_CODES = new Set([1001, 1029, 11003, 1010, 1011, 1012]);
const PERMISSION_CODES = new Set([1006, 1008]);
const NOT_FOUND_CODES = new Set([1013, 1015, 1018]);
const EXISTS_CODES = new Set([1002, 1007]);
const INVALID_VALUE_CODES = new Set([1019, 1025, 1032]);

function resourceOf(operation: PleskOperationName): string {
  if (operation === 'service-plan/get') return 'Plesk service plan';
  if (operation === 'service-plan-addon/get') return 'Plesk add-on plan';
  return 'Plesk subscription';
}

function upstream(code: UpstreamErrorCode, details: { upstreamCode?: string | undefined; status?: number | undefined; retryAfterSeconds?: number | undefined }, cause: unknown): UpstreamError {
  const clean: { upstreamCode?: string; status?: number; retryAfterSeconds?: number } = {};
  if (details.upstreamCode !== undefined) clean.upstreamCode = details.upstreamCode;
  if (details.status !== undefined) clean.status = details.status;
  if (details.retryAfterSeconds !== undefined) clean.retryAfterSeconds = details.retryAfterSeconds;
  return new UpstreamError(code, 'plesk', clean, { cause });
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return error;
}

/** The gateway error for one `PleskApiError`. Table in the module's README section of the report. */
export function mapPleskApiError(error: PleskApiError): GatewayError {
  const code = error.errcode;
  const details = { upstreamCode: code === null ? undefined : String(code), status: error.httpStatus };
  const op = error.operation;
  const value = error.filterValue;

  if (code !== null && AUTH_CODES.has(code)) return upstream('UPSTREAM_AUTH', details, error);
  if (code !== null && PERMISSION_CODES.has(code)) {
    // Packet-level: the gateway's credential lacks API access (reseller without "Ability to use XML API"):
    // an operator problem. Per value: this object is out of the credential's scope, a refusal about the resource.
    return error.layer === 'system' ? upstream('UPSTREAM_AUTH', details, error) : withCause(new PermissionDeniedError(), error);
  }
  if (error.layer === 'system') {
    // Nothing ran. 1003 (agent initialisation failed) is transient; the rest (1005/1017 version, 1014 packet
    // format, 1004/1009/1030/1031 server set-up) are gateway or server configuration faults, not the caller's.
    return upstream(code === 1003 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED', details, error);
  }
  if (code !== null && NOT_FOUND_CODES.has(code)) {
    if (code === 1013 && error.resultId !== undefined) {
      // The subscription was resolved (Plesk reported its ID), so what is missing is the plan side.
      if (op === 'webspace/remove-subscription') {
        return withCause(new PreconditionFailedError('NOT_ATTACHED', 'The add-on plan is not attached to this subscription.', 'plesk'), error);
      }
      if (op === 'webspace/add-subscription') return withCause(new NotFoundError('Plesk add-on plan'), error);
      if (op === 'webspace/switch-subscription') return withCause(new NotFoundError('Plesk service plan'), error);
    }
    if (code === 1015) return withCause(new NotFoundError('Plesk owner'), error);
    if (code === 1018) return withCause(new NotFoundError('Plesk IP address'), error);
    return withCause(new NotFoundError(resourceOf(op), value), error);
  }
  if (code !== null && EXISTS_CODES.has(code)) {
    if (op === 'webspace/add-subscription') {
      return withCause(new PreconditionFailedError('ALREADY_ATTACHED', 'The add-on plan is already attached to this subscription.', 'plesk'), error);
    }
    return withCause(new PreconditionFailedError('ALREADY_EXISTS', 'The object already exists in Plesk.', 'plesk'), error);
  }
  if (code === 1023 && op === 'webspace/remove-subscription') {
    // §7.4's placeholder for "plan-guid not attached" (undocumented; the sandbox's default).
    return withCause(new PreconditionFailedError('NOT_ATTACHED', 'The add-on plan is not attached to this subscription.', 'plesk'), error);
  }
  if (code === 1024) {
    return withCause(new PreconditionFailedError('LIMIT_REACHED', 'A Plesk limit does not allow this change.', 'plesk'), error);
  }
  if (code !== null && INVALID_VALUE_CODES.has(code)) {
    return withCause(new InvalidInputError([{ path: [], message: 'Plesk refused a value of this request.' }]), error);
  }
  if (code === 1003) return upstream('UPSTREAM_UNAVAILABLE', details, error);
  // 1023/1027/1033 operation failed, 1014/1005/1017 in a result, 1026/1050 component missing, unknown codes.
  return upstream('UPSTREAM_REJECTED', details, error);
}

function isWrite(operation: PleskOperationName | undefined, context: MapContext): boolean {
  if (operation !== undefined) return WRITE_OPERATIONS.has(operation);
  return context.write === true;
}

/**
 * Maps anything the Plesk client throws (and bare `UpstreamTransportError`s) to the gateway vocabulary.
 * Gateway errors pass through; anything else is returned unchanged (the server masks it).
 */
export function toGatewayError(error: unknown, context: MapContext = {}): Error {
  if (error instanceof GatewayError) return error;
  if (error instanceof PleskApiError) return mapPleskApiError(error);
  if (error instanceof PleskConditionError) {
    switch (error.condition) {
      case 'NOT_FOUND':
        return withCause(new NotFoundError(error.resource, error.value), error);
      case 'NOT_ATTACHED':
        return withCause(new PreconditionFailedError('NOT_ATTACHED', 'The add-on plan is not attached to this subscription.', 'plesk'), error);
      case 'ALREADY_ATTACHED':
        return withCause(new PreconditionFailedError('ALREADY_ATTACHED', 'The add-on plan is already attached to this subscription.', 'plesk'), error);
      case 'NO_SERVICE_PLAN':
        return withCause(
          new PreconditionFailedError('NO_SERVICE_PLAN', 'A subscription without a service plan cannot have add-on plans.', 'plesk'),
          error,
        );
    }
  }
  if (error instanceof PleskRequestError) {
    return withCause(new InvalidInputError([{ path: error.field.split('.'), message: error.message }]), error);
  }
  if (error instanceof PleskResponseError) {
    const write = isWrite(error.operation, context);
    const status = error.httpStatus;
    const details = { status };
    if (error.reason === 'redirect') return upstream('UPSTREAM_BAD_RESPONSE', details, error);
    if (error.reason === 'http-status' && status !== undefined) {
      // Non-2xx without a packet: a proxy, panel.ini restrictions or a restarting panel answered, not agent.php.
      if (status === 401 || status === 403) return upstream('UPSTREAM_AUTH', details, error);
      if (status === 429) return upstream('RATE_LIMITED', { status, retryAfterSeconds: error.retryAfterSeconds }, error);
      if (status >= 500) return upstream(write ? 'OUTCOME_UNKNOWN' : 'UPSTREAM_UNAVAILABLE', details, error);
      return upstream('UPSTREAM_BAD_RESPONSE', details, error);
    }
    // A 2xx we cannot read: for a change, Plesk may have applied it.
    return upstream(write ? 'OUTCOME_UNKNOWN' : 'UPSTREAM_BAD_RESPONSE', details, error);
  }
  if (error instanceof UpstreamTransportError) {
    const write = isWrite(error instanceof PleskTransportError ? error.operation : undefined, context);
    switch (error.failure) {
      case 'connect':
        return upstream('UPSTREAM_UNAVAILABLE', {}, error);
      case 'timeout':
        return upstream(write ? 'OUTCOME_UNKNOWN' : 'UPSTREAM_TIMEOUT', {}, error);
      case 'too-large':
        return upstream(write ? 'OUTCOME_UNKNOWN' : 'UPSTREAM_BAD_RESPONSE', {}, error);
      case 'reset':
      case 'aborted':
        return upstream(write ? 'OUTCOME_UNKNOWN' : 'UPSTREAM_UNAVAILABLE', {}, error);
    }
  }
  return error instanceof Error ? error : new Error('Unexpected non-error thrown', { cause: error });
}
