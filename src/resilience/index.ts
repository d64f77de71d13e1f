/**
 * Upstream resilience building blocks. Suggested nesting around one upstream call (each retry is
 * a new request, so it takes its own token; the bulkhead's `OverloadedError` never reaches the breaker):
 * reads:  retryRead(n ⇒ rateLimiter.acquire(key, dl) → bulkhead.run(() => breaker.run(send, isFailure), dl), dl)
 * writes: singleFlight.tryAcquire → rateLimiter.acquire → bulkhead.run(() => breaker.run(send, isFailure)) —
 *         never retried; see src/idempotency for the store that makes resends safe.
 */
export { abortReason, deadlineFrom, remaining, sleep, timeLeft } from './deadline.js';
export type { Clock, DeadlineOptions, Sleep } from './deadline.js';
export { RETRY_DEFAULTS, isRetryableReadError, retryAfterHint, retryRead } from './retry.js';
export type { RetryInfo, RetryReadOptions } from './retry.js';
export { BREAKER_DEFAULTS, BreakerOpenError, CircuitBreaker } from './breaker.js';
export type {
  BreakerOutcome,
  BreakerPermit,
  BreakerSnapshot,
  BreakerState,
  BreakerStateChange,
  CircuitBreakerOptions,
} from './breaker.js';
export { Bulkhead, OverloadedError } from './bulkhead.js';
export type { BulkheadOptions, Release } from './bulkhead.js';
export { RATE_LIMIT_DEFAULTS, RateLimitedError, RateLimiter } from './rate-limiter.js';
export type { RateLimitGrant, RateLimiterOptions } from './rate-limiter.js';
export { SingleFlight, resourceLockKey } from './single-flight.js';
export type { ResourceLockKey, Unlock } from './single-flight.js';
export { ConflictInProgressError } from '../idempotency/errors.js';
