import { GatewayError } from '../errors.js';

/**
 * The audit store could not be written (or read). From `recordIntent` it means: refuse the
 * mutation, do not call the upstream. The SQLite error is kept as `cause`, for the log only.
 */
export class AuditUnavailableError extends GatewayError {
  readonly code = 'AUDIT_UNAVAILABLE';
  constructor(
    message = 'The audit trail cannot be written right now, so the change was not made.',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditUnavailableError';
  }
}

/** A caller bug: an outcome for an unknown operation id, or a second outcome for the same one. */
export class AuditSequenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditSequenceError';
  }
}
