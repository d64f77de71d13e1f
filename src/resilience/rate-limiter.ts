/**
 * A token bucket per key (the Wix API key, or better a label/hash of it: keys appear in metrics
 * callbacks), so the gateway stays under the upstream's own limit instead of collecting 429s.
 *
 * Defaults (see `RATE_LIMIT_DEFAULTS`): `limit: 200` tokens refilled evenly over `windowMs: 60 000`
 * (Wix's documented 200 requests per minute), bucket capacity `burst` = `limit`, starting full.
 * Note: a full bucket plus its refill admits up to `burst + limit` calls in the first window; lower
 * `burst` to be stricter. `maxWaitMs: 10 000` bounds the wait of a caller that gave no deadline.
 *
 * `acquire(key, { deadline, signal })` takes a token at once when one is there. Otherwise it
 * computes when its token will be ready; if that is within the caller's time it reserves the token
 * and sleeps, else it throws `RateLimitedError` (with `retryAfterSeconds`) IMMEDIATELY — it does
 * not wait for the deadline to then fail. An abort while waiting gives the reserved token back.
 */
import { GatewayError } from '../errors.js';
import { abortReason, remaining, sleep as defaultSleep } from './deadline.js';
import type { Clock, DeadlineOptions, Sleep } from './deadline.js';

export const RATE_LIMIT_DEFAULTS = { limit: 200, windowMs: 60_000, maxWaitMs: 10_000 } as const;

/** Buckets kept before the first sweep of full ones. */
const SWEEP_FROM = 1024;

export class RateLimitedError extends GatewayError {
  readonly code = 'RATE_LIMITED';
  constructor(
    /** Whole seconds (>= 1) after which a token will be available. */
    readonly retryAfterSeconds: number,
    message = 'Too many requests to the upstream right now; try again later.',
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

export interface RateLimiterOptions {
  /** Tokens added per window. Default 200. */
  limit?: number;
  /** Window length. Default 60 000 ms. */
  windowMs?: number;
  /** Bucket capacity (and initial tokens). Default `limit`. */
  burst?: number;
  /** Longest wait for a token when the caller set no deadline. Default 10 000 ms. */
  maxWaitMs?: number;
  /** Called after every wait, for metrics. Must not throw. */
  onWait?: (event: { key: string; waitedMs: number }) => void;
  /** Default `Date.now`. */
  now?: Clock;
  /** Default `sleep` from deadline.ts. */
  sleep?: Sleep;
}

export interface RateLimitGrant {
  /** How long this call waited for its token (0 when one was there). */
  waitedMs: number;
}

interface Bucket {
  /** May go negative: tokens reserved by waiting callers. */
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly capacity: number;
  /** Tokens per millisecond. */
  private readonly rate: number;
  private readonly maxWaitMs: number;
  private readonly now: Clock;
  private readonly sleep: Sleep;
  private readonly onWait: ((event: { key: string; waitedMs: number }) => void) | undefined;
  private readonly buckets = new Map<string, Bucket>();
  /** The bucket count at which full buckets are swept (one per caller name can be many keys). */
  private sweepAt = SWEEP_FROM;
  private waitedTotal = 0;
  private waitCount = 0;

  constructor(options: RateLimiterOptions = {}) {
    const limit = options.limit ?? RATE_LIMIT_DEFAULTS.limit;
    const windowMs = options.windowMs ?? RATE_LIMIT_DEFAULTS.windowMs;
    if (!(limit > 0) || !(windowMs > 0)) throw new RangeError('Rate limit and window must be positive.');
    this.capacity = Math.max(1, options.burst ?? limit);
    this.rate = limit / windowMs;
    this.maxWaitMs = options.maxWaitMs ?? RATE_LIMIT_DEFAULTS.maxWaitMs;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.onWait = options.onWait;
  }

  /** Total milliseconds callers have waited for tokens, since creation. */
  get totalWaitMs(): number {
    return this.waitedTotal;
  }

  /** Number of acquisitions that had to wait. */
  get waits(): number {
    return this.waitCount;
  }

  /** Buckets kept: one per key seen, less the full ones swept since. */
  get keys(): number {
    return this.buckets.size;
  }

  /** Tokens available for `key` right now (negative when callers are waiting). */
  available(key: string): number {
    return this.refill(key).tokens;
  }

  /**
   * Takes one token for `key`, waiting for it only if it will be ready before the caller's
   * deadline / `maxWaitMs`; otherwise throws `RateLimitedError` at once. Rejects with the signal's
   * reason if `signal` aborts (before or while waiting).
   */
  async acquire(key: string, options: DeadlineOptions = {}): Promise<RateLimitGrant> {
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const bucket = this.refill(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { waitedMs: 0 };
    }
    const waitMs = Math.ceil((1 - bucket.tokens) / this.rate);
    const budget = Math.min(this.maxWaitMs, remaining(options.deadline, this.now));
    if (waitMs > budget) throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
    bucket.tokens -= 1; // reserved: later callers queue behind this one
    try {
      await this.sleep(waitMs, signal);
    } catch (error) {
      this.refill(key).tokens += 1;
      throw error;
    }
    this.waitedTotal += waitMs;
    this.waitCount++;
    try {
      this.onWait?.({ key, waitedMs: waitMs });
    } catch {
      // metrics must not fail a call
    }
    return { waitedMs: waitMs };
  }

  /** Takes one token for `key` if there is one: 0. Otherwise takes nothing and tells how many ms until one. */
  tryAcquire(key: string): number {
    const bucket = this.refill(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.rate);
  }

  private refill(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = { tokens: this.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.rate);
    bucket.updatedAt = now;
    return bucket;
  }

  /**
   * Forgets the buckets that have refilled: a full bucket is what a new key gets, so nothing
   * changes for its key. (A bucket with a waiting caller is never full.) The next sweep waits
   * until the map has doubled, so sweeping costs O(1) per key, amortised.
   */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.rate >= this.capacity) this.buckets.delete(key);
    }
    this.sweepAt = Math.max(SWEEP_FROM, 2 * this.buckets.size);
  }
}
