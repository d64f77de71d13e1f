/**
 * Expected outcomes of duplicate or concurrent destructive requests (faults reference §1, §5, J, K).
 * All are `GatewayError`s, so an unmapped one still reaches the client with its code.
 */
import { GatewayError } from '../errors.js';

/** Same idempotency key, different arguments (Stripe: `idempotency_error`; IETF draft: 422). */
export class IdempotencyKeyReusedError extends GatewayError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(message = 'This idempotency key was already used with different arguments; use a new key for a new request.') {
    super(message);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** Same idempotency key while the first request still runs (IETF draft: 409); retry later. */
export class IdempotencyInProgressError extends GatewayError {
  readonly code = 'IDEMPOTENCY_IN_PROGRESS';
  constructor(message = 'A request with this idempotency key is still being processed; retry later with the same key.') {
    super(message);
    this.name = 'IdempotencyInProgressError';
  }
}

/** Another destructive operation holds the resource's lock (see `SingleFlight`); retry later. */
export class ConflictInProgressError extends GatewayError {
  readonly code = 'CONFLICT_IN_PROGRESS';
  constructor(message = 'Another change to this resource is in progress; retry later.') {
    super(message);
    this.name = 'ConflictInProgressError';
  }
}
