/**
 * A concurrency cap: at most `limit` calls run at once, up to `queue` more wait for a slot
 * (default 0: no waiting), anything beyond fails FAST with `OverloadedError` (code `OVERLOADED`).
 * One per upstream host, so that a hung Plesk cannot starve Wix calls (faults reference §2, F46, K).
 *
 * A waiting call leaves the queue as soon as its `signal` aborts (rejecting with the signal's
 * reason) or its `deadline` passes (rejecting with `OverloadedError`): it never holds a queue
 * place or receives a slot afterwards, so aborted waiters cannot starve later ones (the cockatiel
 * 3.x bug, §8.5). A freed slot goes straight to the oldest live waiter.
 */
import { GatewayError } from '../errors.js';
import { abortReason } from './deadline.js';
import type { Clock, DeadlineOptions } from './deadline.js';

export class OverloadedError extends GatewayError {
  readonly code = 'OVERLOADED';
  constructor(
    /** Which bulkhead refused, for logs and metrics. */
    readonly bulkhead: string,
    message = 'The gateway is handling too many requests right now; try again shortly.',
  ) {
    super(message);
    this.name = 'OverloadedError';
  }
}

export interface BulkheadOptions {
  /** Name for errors and metrics, e.g. 'plesk'. Default 'bulkhead'. */
  name?: string;
  /** Default `Date.now` (used to turn a `deadline` into a queue timeout). */
  now?: Clock;
}

/** Frees the slot; calling it more than once is harmless. */
export type Release = () => void;

interface Waiter {
  grant: () => void;
}

export class Bulkhead {
  readonly name: string;
  private running = 0;
  private readonly waiters: Waiter[] = [];
  private readonly now: Clock;

  /**
   * @param limit concurrent calls (integer >= 1)
   * @param queue calls allowed to wait for a slot (integer >= 0, default 0)
   */
  constructor(
    readonly limit: number,
    readonly queue = 0,
    options: BulkheadOptions = {},
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('Bulkhead limit must be an integer >= 1.');
    if (!Number.isInteger(queue) || queue < 0) throw new RangeError('Bulkhead queue must be an integer >= 0.');
    this.name = options.name ?? 'bulkhead';
    this.now = options.now ?? Date.now;
  }

  /** Calls running now. */
  get active(): number {
    return this.running;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Runs `fn` in a slot; the slot is freed when it settles. */
  async run<T>(fn: () => Promise<T>, options: DeadlineOptions = {}): Promise<T> {
    const release = await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Takes a slot (waiting in the queue if allowed) and resolves with its release function.
   * Rejects with `OverloadedError` when slots and queue are full or the deadline passes while
   * waiting, with the signal's reason when `signal` aborts first.
   */
  acquire(options: DeadlineOptions = {}): Promise<Release> {
    const { signal, deadline } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.queue || (deadline !== undefined && deadline <= this.now())) {
      return Promise.reject(new OverloadedError(this.name));
    }
    return new Promise<Release>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = (error: unknown): void => {
        const index = this.waiters.indexOf(waiter);
        if (index === -1) return;
        this.waiters.splice(index, 1);
        cleanup();
        reject(error);
      };
      const onAbort = (): void => leave(abortReason(signal as AbortSignal));
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve(this.releaser());
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        timer = setTimeout(() => leave(new OverloadedError(this.name)), Math.max(0, deadline - this.now()));
      }
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter: `running` stays the same.
      if (next) next.grant();
      else this.running--;
    };
  }
}
