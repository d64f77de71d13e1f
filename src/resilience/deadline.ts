/**
 * Deadlines and cancellable sleeps shared by the resilience primitives.
 *
 * A deadline is an absolute epoch timestamp in milliseconds (`Date.now()` scale), so it can be
 * passed down through retries, queues and rate limiters without each layer restarting the clock.
 * Every primitive that waits takes a deadline and/or an `AbortSignal` and never waits past either.
 */

/** Milliseconds since the epoch, as `Date.now()`. Injectable in every primitive for tests. */
export type Clock = () => number;

/** Waits `ms`, rejecting early (with the signal's reason) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** How long a caller is willing to wait: an absolute deadline, a signal, both or neither. */
export interface DeadlineOptions {
  /** Absolute epoch milliseconds after which the caller no longer wants an answer. */
  deadline?: number;
  /** Aborted when the caller gives up (client went away, outer deadline fired). */
  signal?: AbortSignal;
}

/** The absolute deadline `ms` from now. */
export function deadlineFrom(ms: number, now: Clock = Date.now): number {
  return now() + ms;
}

/** Milliseconds left until `deadline` (never negative); `Infinity` when there is no deadline. */
export function remaining(deadline: number | undefined, now: Clock = Date.now): number {
  if (deadline === undefined) return Infinity;
  return Math.max(0, deadline - now());
}

/** Time left for a caller: 0 once its signal aborted, `Infinity` when it set no bound at all. */
export function timeLeft(options: DeadlineOptions, now: Clock = Date.now): number {
  if (options.signal?.aborted) return 0;
  return remaining(options.deadline, now);
}

/** The error to reject with when `signal` aborted: its reason, or a generic `AbortError`. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/**
 * Resolves after `ms` (at once for `ms <= 0`), or rejects with the signal's reason as soon as
 * `signal` aborts — also when it is already aborted. The timer and listener are always cleaned up.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (!(ms > 0)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
