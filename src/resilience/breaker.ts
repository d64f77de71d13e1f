/**
 * A consecutive-failure circuit breaker, one per upstream (faults reference §7 E41).
 *
 * - closed: calls go through; `failureThreshold` (default 5) CONSECUTIVE counted failures open it.
 *   Only failures the caller counts: business answers (Wix 404/428, Plesk per-operation errors)
 *   show the upstream is alive and count as successes (they reset the streak).
 * - open: every call fails at once with `BreakerOpenError` (map it to `UPSTREAM_UNAVAILABLE`),
 *   until `openMs` (default 15 s) have passed since it opened.
 * - half-open: exactly ONE probe goes through; other calls are rejected at once while it runs.
 *   Probe success → closed; probe failure → open again (for another `openMs`).
 *
 * The open → half-open move is lazy (checked on each call and on reading `state`), so there is no
 * timer and the clock is injectable. Results of calls admitted before the last state change are
 * ignored (a slow call admitted while closed cannot close a breaker that opened meanwhile).
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStateChange {
  breaker: string;
  from: BreakerState;
  to: BreakerState;
  /** Clock time of the change. */
  at: number;
}

/** What a finished call tells the breaker; `ignore` for outcomes that say nothing (caller aborted). */
export type BreakerOutcome = 'success' | 'failure' | 'ignore';

export interface CircuitBreakerOptions {
  /** Name for errors and listeners, e.g. the upstream ('wix', 'plesk'). Default 'upstream'. */
  name?: string;
  /** Consecutive counted failures that open the breaker. Default 5. */
  failureThreshold?: number;
  /** Time spent open before one probe is let through. Default 15 000 ms. */
  openMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
  /** Called on every state change. Must not throw (errors are swallowed). */
  onStateChange?: (change: BreakerStateChange) => void;
}

export const BREAKER_DEFAULTS = { failureThreshold: 5, openMs: 15_000 } as const;

/** Raised instead of calling an upstream whose breaker is open (or half-open with a probe running). */
export class BreakerOpenError extends Error {
  override readonly name = 'BreakerOpenError';
  constructor(
    readonly breaker: string,
    readonly state: 'open' | 'half-open',
    /** Time until a probe may be let through; 0 while a half-open probe is running. */
    readonly retryAfterMs: number,
  ) {
    super(`Circuit breaker ${breaker} is ${state}.`);
  }
}

/** Permission for one call; report its outcome exactly once (later reports are ignored). */
export interface BreakerPermit {
  record(outcome: BreakerOutcome): void;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** Time until a probe may be let through (open state only, else 0). */
  retryAfterMs: number;
}

export class CircuitBreaker {
  readonly name: string;
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<(change: BreakerStateChange) => void>();
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeRunning = false;
  /** Bumped on each state change; permits from an older generation are ignored. */
  private generation = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.name = options.name ?? 'upstream';
    this.failureThreshold = Math.max(1, Math.trunc(options.failureThreshold ?? BREAKER_DEFAULTS.failureThreshold));
    this.openMs = Math.max(0, options.openMs ?? BREAKER_DEFAULTS.openMs);
    this.now = options.now ?? Date.now;
    if (options.onStateChange) this.listeners.add(options.onStateChange);
  }

  /** The current state (moving open → half-open if `openMs` has passed). */
  get state(): BreakerState {
    this.refresh();
    return this.current;
  }

  snapshot(): BreakerSnapshot {
    const state = this.state;
    return {
      state,
      consecutiveFailures: this.failures,
      retryAfterMs: state === 'open' ? Math.max(0, this.openedAt + this.openMs - this.now()) : 0,
    };
  }

  /** Adds a state-change listener; returns its removal. */
  onStateChange(listener: (change: BreakerStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Admits one call or throws `BreakerOpenError`. The caller must `record` the outcome of an
   * admitted call (an unrecorded half-open probe would keep the breaker half-open forever).
   */
  acquire(): BreakerPermit {
    this.refresh();
    if (this.current === 'open') {
      throw new BreakerOpenError(this.name, 'open', Math.max(0, this.openedAt + this.openMs - this.now()));
    }
    if (this.current === 'half-open') {
      if (this.probeRunning) throw new BreakerOpenError(this.name, 'half-open', 0);
      this.probeRunning = true;
    }
    const generation = this.generation;
    const probe = this.current === 'half-open';
    let done = false;
    return {
      record: (outcome) => {
        if (done) return;
        done = true;
        this.settle(generation, probe, outcome);
      },
    };
  }

  /**
   * Runs `fn` if the breaker admits it. `isFailure` says whether a thrown error counts against the
   * upstream (default: every error counts); `false` counts as a success (the upstream answered),
   * `'ignore'` as nothing (e.g. the caller aborted). The error is rethrown either way.
   */
  async run<T>(fn: () => Promise<T>, isFailure: (error: unknown) => boolean | 'ignore' = () => true): Promise<T> {
    const permit = this.acquire();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      let verdict: boolean | 'ignore';
      try {
        verdict = isFailure(error);
      } catch {
        verdict = true;
      }
      permit.record(verdict === 'ignore' ? 'ignore' : verdict ? 'failure' : 'success');
      throw error;
    }
    permit.record('success');
    return result;
  }

  private settle(generation: number, probe: boolean, outcome: BreakerOutcome): void {
    if (generation !== this.generation) return;
    if (probe) {
      this.probeRunning = false;
      if (outcome === 'success') this.transition('closed');
      else if (outcome === 'failure') this.open();
      return;
    }
    if (this.current !== 'closed') return;
    if (outcome === 'success') this.failures = 0;
    else if (outcome === 'failure' && ++this.failures >= this.failureThreshold) this.open();
  }

  private refresh(): void {
    if (this.current === 'open' && this.now() - this.openedAt >= this.openMs) this.transition('half-open');
  }

  private open(): void {
    this.openedAt = this.now();
    this.transition('open');
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.generation++;
    this.probeRunning = false;
    if (to === 'closed') this.failures = 0;
    const change: BreakerStateChange = { breaker: this.name, from, to, at: this.now() };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A metrics listener must not break the breaker.
      }
    }
  }
}
