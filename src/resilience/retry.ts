/**
 * Automatic retries for READS ONLY (faults reference §4). Never wrap a write in `retryRead`: a
 * write that may have reached the upstream is reconciled by reading, not resent blindly (§4 rule 2).
 *
 * Defaults (see `RETRY_DEFAULTS`):
 * - `maxAttempts: 3` — 1 attempt + 2 retries (case E37: exactly 3 upstream hits on a 5xx read).
 * - `baseDelayMs: 100`, `maxDelayMs: 2000` — FULL jitter: before retry k (k = 1, 2, ...) it sleeps
 *   `random() * min(maxDelayMs, baseDelayMs * 2^(k-1))`.
 * - `maxRetryAfterSeconds: 5` — an upstream `Retry-After` hint up to this is honoured exactly
 *   (no jitter); a longer hint is not shortened (undici's cap would retry too early): it gives up.
 * - `shouldRetry: isRetryableReadError` — connect errors, resets, timeouts of an attempt, 5xx, 429.
 * - `retryAfterSeconds: retryAfterHint` — reads `error.retryAfterSeconds` or
 *   `error.details.retryAfterSeconds` (finite, >= 0; anything else means "no hint").
 *
 * It never sleeps past the caller's `deadline` (absolute epoch ms) or beyond its `signal`: when
 * the hint or backoff would reach the remaining time, it gives up AT ONCE and rethrows the last
 * error (for a 429 the caller maps it to `RATE_LIMITED` with the hint). If the signal aborts
 * during a backoff, the last error is rethrown too: `retryRead` only ever throws what an attempt
 * threw. The first attempt always runs; each attempt should carry its own per-call deadline.
 */
import { UpstreamTransportError } from '../upstreams/transport-error.js';
import { remaining, sleep as defaultSleep } from './deadline.js';
import type { Clock, Sleep } from './deadline.js';

export const RETRY_DEFAULTS = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxRetryAfterSeconds: 5,
} as const;

export interface RetryInfo {
  /** The attempt that just failed (1-based); the next one is `attempt + 1`. */
  attempt: number;
  /** How long it sleeps before the next attempt. */
  delayMs: number;
  error: unknown;
}

export interface RetryReadOptions {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** Backoff base. Default 100 ms. */
  baseDelayMs?: number;
  /** Backoff cap (before jitter). Default 2000 ms. */
  maxDelayMs?: number;
  /** Longest upstream `Retry-After` hint waited for; a longer one gives up. Default 5 s. */
  maxRetryAfterSeconds?: number;
  /** Absolute epoch-ms deadline of the whole read, retries included. */
  deadline?: number;
  /** Aborts the retry loop (the caller went away). */
  signal?: AbortSignal;
  /** Whether a thrown error may succeed on a new attempt. Default `isRetryableReadError`. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** The upstream's wait hint in seconds, if the error carries one. Default `retryAfterHint`. */
  retryAfterSeconds?: (error: unknown) => number | undefined;
  /** Called before each backoff sleep, for metrics and logs. Must not throw. */
  onRetry?: (info: RetryInfo) => void;
  /** [0, 1) source for the jitter. Default `Math.random`. */
  random?: () => number;
  /** Default: `sleep` from deadline.ts. */
  sleep?: Sleep;
  /** Default: `Date.now`. */
  now?: Clock;
}

/** Runs `attempt(1)`, `attempt(2)`, ... until one resolves or a retry is not allowed. */
export async function retryRead<T>(attempt: (n: number) => Promise<T>, options: RetryReadOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, Math.trunc(options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts));
  const baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
  const maxRetryAfterMs = (options.maxRetryAfterSeconds ?? RETRY_DEFAULTS.maxRetryAfterSeconds) * 1000;
  const shouldRetry = options.shouldRetry ?? isRetryableReadError;
  const hintOf = options.retryAfterSeconds ?? retryAfterHint;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const { signal } = options;

  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= maxAttempts || signal?.aborted || !shouldRetry(error, n)) throw error;
      const hint = validHint(hintOf(error));
      let delayMs: number;
      if (hint !== undefined) {
        delayMs = hint * 1000;
        if (delayMs > maxRetryAfterMs) throw error;
      } else {
        delayMs = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
      }
      // Sleeping until (or past) the deadline would leave no time for the next attempt.
      if (options.deadline !== undefined && delayMs >= remaining(options.deadline, now)) throw error;
      options.onRetry?.({ attempt: n, delayMs, error });
      try {
        await sleep(delayMs, signal);
      } catch {
        throw error;
      }
      if (signal?.aborted) throw error;
    }
  }
}

function validHint(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

const RETRYABLE_FAILURES = new Set(['connect', 'reset', 'timeout']);
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const RETRYABLE_GATEWAY_CODES = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED']);

/**
 * The default read classifier:
 * - `UpstreamTransportError` (and subclasses such as Plesk's): `connect`, `reset`, `timeout` yes;
 *   `too-large`, `aborted` no;
 * - an error with an HTTP `status` (Wix's `WixApiError`) or `details.status` (`UpstreamError`):
 *   5xx and 429 yes, anything else (404, 428, ...) no;
 * - an `UpstreamError` already mapped to `UPSTREAM_UNAVAILABLE`, `UPSTREAM_TIMEOUT` or
 *   `RATE_LIMITED` (from the upstream, i.e. with an `upstream` field) yes;
 * - raw socket errors (`ECONNRESET`, `UND_ERR_SOCKET`, ...) yes; everything else no.
 */
export function isRetryableReadError(error: unknown): boolean {
  if (error instanceof UpstreamTransportError) return RETRYABLE_FAILURES.has(error.failure);
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { status?: unknown; details?: { status?: unknown }; code?: unknown; upstream?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.details?.status;
  if (typeof status === 'number') return status === 429 || (status >= 500 && status <= 599);
  if (typeof e.code === 'string') {
    if (RETRYABLE_CODES.has(e.code)) return true;
    if (typeof e.upstream === 'string' && RETRYABLE_GATEWAY_CODES.has(e.code)) return true;
  }
  return false;
}

/** `error.retryAfterSeconds` or `error.details.retryAfterSeconds`, when a number. */
export function retryAfterHint(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { retryAfterSeconds?: unknown; details?: { retryAfterSeconds?: unknown } };
  const value = e.retryAfterSeconds ?? e.details?.retryAfterSeconds;
  return typeof value === 'number' ? value : undefined;
}
