/**
 * The audit trail's vocabulary. An operation is written twice, append-only: an intent before the
 * upstream call and an outcome after it; reads join the two into one `AuditRecord`.
 */
import type { Upstream } from '../errors.js';

export type CallerKind = 'service' | 'person';

export interface AuditCaller {
  name: string;
  kind: CallerKind;
}

/** What the gateway is about to do; written before the upstream call. */
export interface AuditIntent {
  requestId: string;
  caller: AuditCaller;
  /** The GraphQL field name of the mutation, e.g. `createPackage`. */
  operation: string;
  upstream: Upstream;
  /** The Wix account id or the Plesk server name the call goes to. */
  account: string;
  /** Ids of the objects the operation is about (package id, instance ids, ...). */
  targetIds: readonly string[];
  /** The mutation's input; stored as JSON with secret-looking keys redacted. */
  input: unknown;
  idempotencyKey?: string;
}

/** `replayed`: a retry with the same idempotency key was answered from the stored result. */
export type AuditOutcomeKind = 'success' | 'error' | 'denied' | 'replayed';

/** How it ended; written after the upstream call. */
export interface AuditOutcome {
  outcome: AuditOutcomeKind;
  /** The gateway error code (e.g. `UPSTREAM_TIMEOUT`, `PERMISSION_DENIED`) when not a success. */
  errorCode?: string;
  upstreamRequestId?: string;
  durationMs: number;
}

/** One operation as `auditLog` shows it: the intent with its outcome (null while in flight). */
export interface AuditRecord {
  /** The operation id returned by `recordIntent` (a UUID). */
  id: string;
  /** ISO-8601 UTC time of the intent. */
  startedAt: string;
  requestId: string;
  caller: AuditCaller;
  operation: string;
  upstream: Upstream;
  account: string;
  targetIds: string[];
  /** The stored (redacted) input, parsed back from JSON. */
  input: unknown;
  idempotencyKey: string | null;
  outcome: AuditOutcomeKind | null;
  errorCode: string | null;
  upstreamRequestId: string | null;
  durationMs: number | null;
  /** ISO-8601 UTC time of the outcome; null while in flight. */
  finishedAt: string | null;
}

export interface AuditFilter {
  accountId?: string;
  /** Records whose target ids include this id, or (given a list) any of these ids. */
  targetId?: string | readonly string[];
  /** The caller's name. */
  caller?: string;
  operation?: string;
  /** Inclusive lower bound on `startedAt`. */
  since?: Date | string;
  /** Exclusive upper bound on `startedAt`. */
  until?: Date | string;
}

export interface AuditPageArgs {
  /** Page size: default 20, capped at 100. */
  first?: number | null;
  /** The `endCursor` (or any edge cursor) of the previous page. */
  after?: string | null;
}

/** A Relay-shaped connection page, newest first; usable as is by a Pothos connection resolver. */
export interface AuditPage {
  edges: Array<{ cursor: string; node: AuditRecord }>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export type AuditHealth =
  | { ok: true; checkedAt: string }
  | { ok: false; checkedAt: string; reason: string };

export type Clock = () => Date;
