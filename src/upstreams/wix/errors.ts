/**
 * Wix error responses (§6) as one typed error, and their translation into the gateway's vocabulary.
 * Wix's own message text can name other accounts (SITE_NOT_FOUND), so it is kept for logs only.
 */
import {
  InvalidInputError,
  NotFoundError,
  PreconditionFailedError,
  UpstreamError,
  type GatewayError,
  type UpstreamErrorCode,
} from '../../errors.js';
import { retryAfterSeconds, UpstreamTransportError } from '../http.js';

export interface WixFieldViolation {
  field: string;
  violatedRule?: string;
  description?: string;
}

export class WixApiError extends Error {
  constructor(
    readonly status: number,
    /** `applicationError.code`, when Wix sent one. */
    readonly applicationCode: string | undefined,
    /** Wix's message: for logs only. */
    readonly upstreamMessage: string,
    readonly fieldViolations: WixFieldViolation[],
    readonly requestId: string | undefined,
    readonly retryAfterSeconds?: number,
  ) {
    super(`Wix API answered ${status}${applicationCode ? ` ${applicationCode}` : ''}`);
  }

  static fromResponse(status: number, body: string, headers: Record<string, string>): WixApiError {
    let message = '';
    let code: string | undefined;
    let violations: WixFieldViolation[] = [];
    try {
      const parsed = JSON.parse(body) as {
        message?: unknown;
        details?: {
          applicationError?: { code?: unknown };
          validationError?: { fieldViolations?: unknown };
        };
      };
      if (typeof parsed.message === 'string') message = parsed.message;
      const appCode = parsed.details?.applicationError?.code;
      if (typeof appCode === 'string') code = appCode;
      const list = parsed.details?.validationError?.fieldViolations;
      if (Array.isArray(list)) {
        violations = list
          .filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
          .map((v) => ({
            field: typeof v.field === 'string' ? v.field : '',
            ...(typeof v.violatedRule === 'string' ? { violatedRule: v.violatedRule } : {}),
            ...(typeof v.description === 'string' ? { description: v.description } : {}),
          }));
      }
    } catch {
      // A non-JSON error body (a proxy's HTML page, say) still has a status worth mapping.
    }
    return new WixApiError(status, code, message, violations, headers['x-wix-request-id'], retryAfterSeconds(headers));
  }
}

/** Raised when a 2xx body is not the JSON shape the reference documents. */
export class WixBadResponseError extends Error {
  constructor(
    readonly reason: string,
    readonly requestId?: string,
  ) {
    super(`Unreadable Wix response: ${reason}`);
  }
}

/** Own wording for the 428 / 404 codes of §6.3. Unknown codes get a generic sentence. */
const PRECONDITION_MESSAGES: Record<string, string> = {
  MISSING_SITE_ID: 'The product instance is not assigned to a site.',
  PRODUCT_LIMIT_EXCEEDED: 'The account has reached the limit for this product.',
  PRODUCT_SETTINGS_NOT_FOUND: 'This product is not configured for reselling.',
  MISSING_BILLING_CYCLE: 'This product has several billing cycles; choose one.',
  INCOMPATIBLE_BILLING_CYCLE: 'The billing cycle is not one this product supports.',
  INVALID_BILLING_CYCLE: 'The billing cycle is not allowed for this product.',
  INVALID_PRODUCTS: 'Some of the products cannot be resold.',
  MULTIPLE_PRODUCT_ASSIGNMENTS: 'The same product is assigned twice to one site.',
  PRODUCT_TYPE_ALREADY_ASSIGNED: 'The site already has a product of this type.',
  PRODUCT_NOT_SUPPORTED_ON_SITE: 'The site lacks a prerequisite for this product (such as a Premium plan).',
  INCOMPATIBLE_PRODUCT_INSTANCE_STATUS: "The product instance's status does not allow this change.",
  INCOMPATIBLE_PRODUCT: 'The new product is not of the same type as the current one.',
  MISSING_PRODUCT_DETAILS: 'The change is missing product details (a product or a billing cycle).',
  OPERATION_NOT_SUPPORTED_FOR_PRODUCT: 'This operation is not supported for this product.',
  INVALID_REFERENCE_PRODUCT_INSTANCE_ID: 'The reference product instance is invalid or was already used.',
};

/** Codes that say a named thing does not exist (or is not visible to the account). */
const NOT_FOUND_RESOURCES: Record<string, string> = {
  ACCOUNT_NOT_FOUND: 'Account',
  PRODUCT_NOT_FOUND: 'Catalog product',
  SITE_NOT_FOUND: 'Site',
  PRODUCT_INSTANCE_NOT_FOUND: 'Product instance',
  PACKAGE_NOT_FOUND: 'Package',
};

export interface WixErrorContext {
  /** What the call addressed, named in a not-found error: `{ resource: 'Package', id }`. */
  target?: { resource: string; id: string };
  /** A change was requested: an unanswered write has an unknown outcome, not a failure. */
  write?: boolean;
}

/** Maps anything a Wix client call throws to the gateway's vocabulary; unknown errors pass through. */
export function toGatewayError(error: unknown, context: WixErrorContext = {}): unknown {
  if (error instanceof WixApiError) return fromApiError(error, context);
  if (error instanceof UpstreamTransportError) {
    if (context.write && error.maybeReceived) return upstream('OUTCOME_UNKNOWN', error);
    const code: UpstreamErrorCode =
      error.failure === 'timeout' ? 'UPSTREAM_TIMEOUT' : error.failure === 'too-large' ? 'UPSTREAM_BAD_RESPONSE' : 'UPSTREAM_UNAVAILABLE';
    return upstream(code, error);
  }
  if (error instanceof WixBadResponseError) {
    return new UpstreamError('UPSTREAM_BAD_RESPONSE', 'wix', requestIdDetail(error.requestId), { cause: error });
  }
  return error;
}

function fromApiError(error: WixApiError, context: WixErrorContext): GatewayError {
  const { status, applicationCode: code } = error;
  const details = {
    status,
    ...(code ? { upstreamCode: code } : {}),
    ...requestIdDetail(error.requestId),
  };
  if (code && NOT_FOUND_RESOURCES[code]) {
    // SITE_NOT_FOUND also covers "owned by another account": the gateway says only "not found".
    const resource = NOT_FOUND_RESOURCES[code];
    const id = code === 'PACKAGE_NOT_FOUND' || code === 'PRODUCT_INSTANCE_NOT_FOUND' ? context.target?.id : undefined;
    return new NotFoundError(resource, id);
  }
  if (code && PRECONDITION_MESSAGES[code]) return new PreconditionFailedError(code, PRECONDITION_MESSAGES[code], 'wix');
  if (status === 400 && error.fieldViolations.length > 0) {
    return new InvalidInputError(
      error.fieldViolations.map((v) => ({
        path: v.field ? v.field.split('.') : [],
        message: `Rejected by the Wix API${v.violatedRule ? ` (rule ${v.violatedRule})` : ''}.`,
      })),
      'The Wix API rejected the input.',
    );
  }
  // §11 item 7: a package or instance of another account comes back as 404 or 403 with an
  // application code; both read as "not found". A bare 403 is the key lacking a permission.
  if ((status === 404 || (status === 403 && code)) && context.target) {
    return new NotFoundError(context.target.resource, context.target.id);
  }
  if (status === 401 || status === 403) return new UpstreamError('UPSTREAM_AUTH', 'wix', details);
  if (status === 428 && code) return new PreconditionFailedError(code, 'The Wix API refused the change in the current state.', 'wix');
  if (status === 429) {
    return new UpstreamError('RATE_LIMITED', 'wix', {
      ...details,
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    });
  }
  if (status >= 500) return new UpstreamError(context.write ? 'OUTCOME_UNKNOWN' : 'UPSTREAM_UNAVAILABLE', 'wix', details);
  if (status >= 300 && status < 400) return new UpstreamError('UPSTREAM_BAD_RESPONSE', 'wix', details);
  return new UpstreamError('UPSTREAM_REJECTED', 'wix', details);
}

function upstream(code: UpstreamErrorCode, cause: unknown): UpstreamError {
  return new UpstreamError(code, 'wix', {}, { cause });
}

function requestIdDetail(requestId: string | undefined): { upstreamRequestId?: string } {
  return requestId ? { upstreamRequestId: requestId } : {};
}
