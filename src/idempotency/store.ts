/**
 * The gateway-side idempotency store (faults reference §5, Stripe's rules), in the gateway's
 * SQLite file (table from `IDEMPOTENCY_MIGRATION`, schema version 2).
 *
 * `begin` claims a (scope, operation, key) atomically — `INSERT ... ON CONFLICT DO NOTHING` inside
 * an IMMEDIATE transaction, so two gateway processes sharing the file cannot both claim it — and
 * tells the caller what to do:
 * - `new`: first sight of the key (or the old row expired): call the upstream with `upstreamKey`,
 *   then `complete` (outcome known), `markUnknown` (timeout/reset/5xx after sending: answer
 *   `OUTCOME_UNKNOWN`) or `release` (nothing was sent, e.g. the resource lock or the audit
 *   trail refused: the client may retry with the same key);
 * - `replay`: same key, same input, finished before: answer the stored `response` again;
 * - `reused`: same key, different input: answer `IDEMPOTENCY_KEY_REUSED`;
 * - `in_progress`: the first request still runs: answer `IDEMPOTENCY_IN_PROGRESS`;
 * - `reconcile`: the outcome is unknown (state `unknown`, or `in_progress` whose lease expired: a
 *   crashed instance). The store has re-claimed the row for this caller (state `in_progress`, new
 *   lease, so concurrent retries get `in_progress`): READ the upstream first, then `complete`, or
 *   resend once with the same `upstreamKey`, or `markUnknown` / `release` again.
 *
 * Defaults: retention 24 h from creation (`retentionMs`; expired rows are ignored and replaced by
 * the next `begin`, and `prune(now)` deletes them), lease 60 s (`leaseMs`; keep it above the write
 * deadline, since a lease that expires under a live request lets another instance reconcile).
 * SQLite errors are thrown as they are: callers must fail closed (refuse the mutation).
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../audit/database.js';
import { fingerprint, upstreamIdempotencyKey } from './canonical.js';

export const IDEMPOTENCY_DEFAULTS = {
  retentionMs: 24 * 60 * 60 * 1000,
  leaseMs: 60 * 1000,
} as const;

export type IdempotencyState = 'in_progress' | 'succeeded' | 'failed_final' | 'unknown';
export type FinalState = 'succeeded' | 'failed_final';

export interface IdempotencyRef {
  /** Caller name: keys are scoped per caller. */
  scope: string;
  /** GraphQL mutation name, e.g. 'cancelPackage'. */
  operation: string;
  /** The client's idempotency key. */
  key: string;
}

export interface BeginArgs extends IdempotencyRef {
  /** The validated input; its canonical-JSON sha256 is the fingerprint. */
  input: unknown;
  /** Default: the store's clock. */
  now?: Date;
}

/**
 * `claimedAt`: when the key was first claimed; no change sent under it can be older. `sentBy`
 * (reconcile): no change sent under it can be newer: when it was marked unknown, or when the lease
 * of a crashed holder ran out.
 */
export type BeginResult<R = unknown> =
  | { kind: 'new'; upstreamKey: string; claimedAt: Date }
  | { kind: 'replay'; state: FinalState; response: R }
  | { kind: 'reused' }
  | { kind: 'in_progress' }
  | { kind: 'reconcile'; upstreamKey: string; reason: 'unknown' | 'lease_expired'; claimedAt: Date; sentBy: Date };

/** The begin results that hand the row to the caller. */
export type Claim = Extract<BeginResult, { kind: 'new' | 'reconcile' }>;

export interface IdempotencyStoreOptions {
  /** HMAC secret for upstream keys (keep it stable across restarts and replicas). */
  secret: string | Buffer;
  /** How long a key is remembered, from its creation. Default 24 h. */
  retentionMs?: number;
  /** How long an `in_progress` claim is trusted. Default 60 s. */
  leaseMs?: number;
  /** Default `() => new Date()`. */
  clock?: () => Date;
}

/** A stored row, as read by `get` (for tests, admin tools and debugging). */
export interface IdempotencyRecord extends IdempotencyRef {
  fingerprint: string;
  state: IdempotencyState;
  response: unknown;
  upstreamKey: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  leaseUntil: string | null;
}

interface Row {
  scope: string;
  operation: string;
  key: string;
  fingerprint: string;
  state: IdempotencyState;
  response_json: string | null;
  upstream_key: string;
  created_at: string;
  updated_at: string;
  expires_at: string;
  lease_until: string | null;
}

const PK = 'scope = @scope AND operation = @operation AND key = @key';

export class IdempotencyStore {
  private readonly secret: string | Buffer;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly clock: () => Date;
  private readonly stmt: {
    deleteExpiredOne: Statement;
    insert: Statement;
    select: Statement;
    reclaim: Statement;
    complete: Statement;
    markUnknown: Statement;
    releaseNew: Statement;
    releaseReconcile: Statement;
    prune: Statement;
  };
  private readonly beginTx: (args: BeginArgs) => BeginResult;

  constructor(
    private readonly db: SqliteDatabase,
    options: IdempotencyStoreOptions,
  ) {
    if (options.secret.length === 0) throw new Error('IdempotencyStore needs a non-empty secret.');
    this.secret = options.secret;
    this.retentionMs = options.retentionMs ?? IDEMPOTENCY_DEFAULTS.retentionMs;
    this.leaseMs = options.leaseMs ?? IDEMPOTENCY_DEFAULTS.leaseMs;
    this.clock = options.clock ?? (() => new Date());
    this.stmt = {
      deleteExpiredOne: db.prepare(`DELETE FROM idempotency WHERE ${PK} AND expires_at <= @now`),
      insert: db.prepare(
        `INSERT INTO idempotency (scope, operation, key, fingerprint, state, response_json, upstream_key,
                                  created_at, updated_at, expires_at, lease_until)
         VALUES (@scope, @operation, @key, @fingerprint, 'in_progress', NULL, @upstreamKey,
                 @now, @now, @expiresAt, @leaseUntil)
         ON CONFLICT (scope, operation, key) DO NOTHING`,
      ),
      select: db.prepare(`SELECT * FROM idempotency WHERE ${PK}`),
      reclaim: db.prepare(
        `UPDATE idempotency SET state = 'in_progress', lease_until = @leaseUntil, updated_at = @now WHERE ${PK}`,
      ),
      complete: db.prepare(
        `UPDATE idempotency SET state = @state, response_json = @response, lease_until = NULL, updated_at = @now
         WHERE ${PK} AND state IN ('in_progress', 'unknown')`,
      ),
      markUnknown: db.prepare(
        `UPDATE idempotency SET state = 'unknown', lease_until = NULL, updated_at = @now
         WHERE ${PK} AND state = 'in_progress'`,
      ),
      releaseNew: db.prepare(`DELETE FROM idempotency WHERE ${PK} AND state = 'in_progress'`),
      releaseReconcile: db.prepare(
        `UPDATE idempotency SET state = 'unknown', lease_until = NULL, updated_at = @now
         WHERE ${PK} AND state = 'in_progress'`,
      ),
      prune: db.prepare(`DELETE FROM idempotency WHERE expires_at <= @now`),
    };
    const tx = db.transaction((args: BeginArgs) => this.beginInTx(args));
    this.beginTx = (args) => tx.immediate(args);
  }

  /** The upstream key of an operation (the same as `begin` hands out). */
  upstreamKey(ref: IdempotencyRef): string {
    return upstreamIdempotencyKey(this.secret, ref.scope, ref.operation, ref.key);
  }

  /** Claims or looks up the key; see the module comment for what each result asks of the caller. */
  begin<R = unknown>(args: BeginArgs): BeginResult<R> {
    return this.beginTx(args) as BeginResult<R>;
  }

  /**
   * Records the final outcome and the payload to replay (`response` must be JSON-serialisable;
   * store error payloads as `failed_final` only when a retry would fail the same way). Returns
   * false (and changes nothing) unless the row is `in_progress` or `unknown`.
   */
  complete(ref: IdempotencyRef, outcome: { state: FinalState; response: unknown; now?: Date }): boolean {
    const response = JSON.stringify(outcome.response);
    if (response === undefined) throw new TypeError('IdempotencyStore.complete: the response is not JSON.');
    if (outcome.state !== 'succeeded' && outcome.state !== 'failed_final') {
      throw new TypeError(`IdempotencyStore.complete: invalid state ${String(outcome.state)}.`);
    }
    const now = (outcome.now ?? this.clock()).toISOString();
    return this.stmt.complete.run({ ...pk(ref), state: outcome.state, response, now }).changes === 1;
  }

  /** The request was (maybe) sent but its outcome is unknown. False unless the row is `in_progress`. */
  markUnknown(ref: IdempotencyRef, options: { now?: Date } = {}): boolean {
    const now = (options.now ?? this.clock()).toISOString();
    return this.stmt.markUnknown.run({ ...pk(ref), now }).changes === 1;
  }

  /**
   * Gives a claim back when NOTHING was sent upstream under it: a `new` claim is forgotten (the
   * client may retry with the same key), a `reconcile` claim goes back to `unknown`.
   */
  release(ref: IdempotencyRef, claim: Pick<Claim, 'kind'>, options: { now?: Date } = {}): boolean {
    if (claim.kind === 'new') return this.stmt.releaseNew.run(pk(ref)).changes === 1;
    const now = (options.now ?? this.clock()).toISOString();
    return this.stmt.releaseReconcile.run({ ...pk(ref), now }).changes === 1;
  }

  /** Deletes rows whose retention has passed; returns how many. */
  prune(now: Date = this.clock()): number {
    return this.stmt.prune.run({ now: now.toISOString() }).changes;
  }

  /** The stored row, expired or not, or undefined. */
  get(ref: IdempotencyRef): IdempotencyRecord | undefined {
    const row = this.stmt.select.get(pk(ref)) as Row | undefined;
    if (!row) return undefined;
    return {
      scope: row.scope,
      operation: row.operation,
      key: row.key,
      fingerprint: row.fingerprint,
      state: row.state,
      response: row.response_json === null ? undefined : (JSON.parse(row.response_json) as unknown),
      upstreamKey: row.upstream_key,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      expiresAt: row.expires_at,
      leaseUntil: row.lease_until,
    };
  }

  private beginInTx(args: BeginArgs): BeginResult {
    const at = args.now ?? this.clock();
    const now = at.toISOString();
    const ref = pk(args);
    const fp = fingerprint(args.input);
    const leaseUntil = new Date(at.getTime() + this.leaseMs).toISOString();
    this.stmt.deleteExpiredOne.run({ ...ref, now });
    const upstreamKey = this.upstreamKey(args);
    const inserted = this.stmt.insert.run({
      ...ref,
      fingerprint: fp,
      upstreamKey,
      now,
      expiresAt: new Date(at.getTime() + this.retentionMs).toISOString(),
      leaseUntil,
    });
    if (inserted.changes === 1) return { kind: 'new', upstreamKey, claimedAt: at };

    const row = this.stmt.select.get(ref) as Row;
    if (row.fingerprint !== fp) return { kind: 'reused' };
    switch (row.state) {
      case 'succeeded':
      case 'failed_final':
        return { kind: 'replay', state: row.state, response: JSON.parse(row.response_json ?? 'null') as unknown };
      case 'in_progress':
        if (row.lease_until !== null && row.lease_until > now) return { kind: 'in_progress' };
        this.stmt.reclaim.run({ ...ref, leaseUntil, now });
        return {
          kind: 'reconcile',
          upstreamKey: row.upstream_key,
          reason: 'lease_expired',
          claimedAt: new Date(row.created_at),
          sentBy: new Date(row.lease_until ?? row.updated_at),
        };
      case 'unknown':
        this.stmt.reclaim.run({ ...ref, leaseUntil, now });
        return { kind: 'reconcile', upstreamKey: row.upstream_key, reason: 'unknown', claimedAt: new Date(row.created_at), sentBy: new Date(row.updated_at) };
    }
  }
}

function pk(ref: IdempotencyRef): { scope: string; operation: string; key: string } {
  return { scope: ref.scope, operation: ref.operation, key: ref.key };
}
