// Wix error bodies, exactly in the shapes of wix-resellers-api.md §6.1.

export interface FieldViolation {
  field: string;
  description: string;
  violatedRule: string;
  ruleName: string;
  data: Record<string, unknown>;
}

export type WixErrorBody =
  | { message: string; details: { applicationError: { code: string; description: string; data: Record<string, unknown> } } }
  | { message: string; details: { validationError: { fieldViolations: FieldViolation[] } } }
  | { message: string; details: Record<string, never> };

/** Thrown anywhere below the router; the router turns it into the HTTP answer. */
export class WixApiError extends Error {
  override name = 'WixApiError';
  readonly status: number;
  readonly body: WixErrorBody;
  constructor(status: number, body: WixErrorBody) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
}

export function applicationError(status: number, code: string, message: string, data: Record<string, unknown> = {}): WixApiError {
  return new WixApiError(status, { message, details: { applicationError: { code, description: message, data } } });
}

export function validationError(violations: FieldViolation[]): WixApiError {
  const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new WixApiError(400, { message, details: { validationError: { fieldViolations: violations } } });
}

export function violation(field: string, description: string, violatedRule: string, data: Record<string, unknown> = {}): FieldViolation {
  // ruleName is free text in Wix responses; a stable "<field>.<rule>" keeps it greppable.
  return { field, description, violatedRule, ruleName: `${field}.${violatedRule}`.toUpperCase(), data };
}

/** 5xx bodies are empty by design (§6.1). */
export function systemErrorBody(): WixErrorBody {
  return { message: '', details: {} };
}

/** Generic codes by status (§6.2), used for faults and for errors with no Resellers-specific code. */
export function genericErrorBody(status: number): WixErrorBody {
  if (status >= 500) return systemErrorBody();
  const code: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    409: 'ALREADY_EXISTS',
    428: 'FAILED_PRECONDITION',
    429: 'RESOURCE_EXHAUSTED',
  };
  const c = code[status] ?? 'UNKNOWN';
  return applicationError(status, c, c.toLowerCase().replaceAll('_', ' ')).body;
}
