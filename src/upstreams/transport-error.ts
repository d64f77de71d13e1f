/** The transport failures of an upstream call, shared by the transport and the resilience code. */
import type { Upstream } from '../errors.js';

/**
 * - `connect`: no connection was made, so the request never reached the upstream.
 * - `timeout`, `reset`: the request may have been received and acted upon.
 * - `too-large`: the upstream answered with more than `maxResponseBytes`.
 * - `aborted`: the caller gave up.
 */
export type TransportFailure = 'connect' | 'timeout' | 'reset' | 'too-large' | 'aborted';

export class UpstreamTransportError extends Error {
  constructor(
    readonly upstream: Upstream,
    readonly failure: TransportFailure,
    options?: { cause?: unknown },
  ) {
    super(`${upstream} transport failure: ${failure}`, options);
  }

  /** False only when the request certainly did not reach the upstream. */
  get maybeReceived(): boolean {
    return this.failure !== 'connect';
  }
}
