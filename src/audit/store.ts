/**
 * The audit trail. `recordIntent` before the upstream call (it throws `AuditUnavailableError`
 * when it cannot write: refuse the mutation), `recordOutcome` after it, `query` / `historyOf` for
 * `auditLog` and `Package.history`, `health` for the readiness probe.
 *
 * From the gateway's side the store is append-only: this module has no UPDATE or DELETE of audit
 * rows, and the schema's triggers reject them anyway (see database.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { InvalidInputError } from '../errors.js';
import type { Upstream } from '../errors.js';
import { openDatabase } from './database.js';
import type { SqliteDatabase } from './database.js';
import { AuditSequenceError, AuditUnavailableError } from './errors.js';
import { redact } from './redact.js';
import type {
  AuditFilter,
  AuditHealth,
  AuditIntent,
  AuditOutcome,
  AuditOutcomeKind,
  AuditPage,
  AuditPageArgs,
  AuditRecord,
  CallerKind,
  Clock,
} from './types.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_AUDIT_DB = './data/audit.sqlite';

export interface AuditStoreOptions {
  clock?: Clock;
  /** Operation id generator; `crypto.randomUUID` by default. */
  newId?: () => string;
}

export interface OpenAuditStoreOptions extends AuditStoreOptions {
  /** File path (parent folders are created) or `':memory:'`. Default `./data/audit.sqlite`. */
  path?: string;
  busyTimeoutMs?: number;
}

/**
 * Opens the database at `path` (migrating it) and returns a store that owns the connection.
 * Throws `AuditUnavailableError` (cause: the underlying error) if the file cannot be opened.
 */
export function openAuditStore(options: OpenAuditStoreOptions = {}): AuditStore {
  const path = options.path ?? DEFAULT_AUDIT_DB;
  let db: SqliteDatabase;
  try {
    db = openDatabase(path, options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
  } catch (error) {
    throw new AuditUnavailableError(`The audit database at ${path} cannot be opened.`, { cause: error });
  }
  return new AuditStore(db, { ...options, ownsDatabase: true });
}

interface IntentRow {
  operation_id: string;
  at: string;
  seq: number;
  request_id: string;
  caller_name: string;
  caller_kind: CallerKind;
  operation: string;
  upstream: Upstream;
  account: string;
  target_ids: string;
  input: string;
  idempotency_key: string | null;
  outcome: AuditOutcomeKind | null;
  error_code: string | null;
  upstream_request_id: string | null;
  duration_ms: number | null;
  finished_at: string | null;
}

const RECORD_COLUMNS = `
  i.operation_id, i.at, i.seq, i.request_id, i.caller_name, i.caller_kind, i.operation,
  i.upstream, i.account, i.target_ids, i.input, i.idempotency_key,
  o.outcome, o.error_code, o.upstream_request_id, o.duration_ms, o.at AS finished_at`;
const RECORD_FROM = `
  FROM audit_event AS i
  LEFT JOIN audit_event AS o ON o.operation_id = i.operation_id AND o.kind = 'outcome'`;

export class AuditStore {
  private readonly db: SqliteDatabase;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly ownsDatabase: boolean;
  private readonly insertIntent: Statement;
  private readonly insertTarget: Statement;
  private readonly insertOutcome: Statement;
  private readonly selectState: Statement<[string], { kind: string }>;
  private readonly selectRecord: Statement<[string], IntentRow>;
  private readonly writeProbe: Statement;
  /** Listing statements, one per combination of filters, prepared on first use. */
  private readonly listStatements = new Map<string, Statement<unknown[], IntentRow>>();
  private readonly writeIntent: (row: Record<string, unknown>, targetIds: readonly string[]) => void;
  private readonly writeOutcome: (row: Record<string, unknown>) => void;

  /**
   * Uses an already opened and migrated database (see `openDatabase`), which may be shared with
   * other stores; `close()` closes it only when `ownsDatabase` is set.
   */
  constructor(db: SqliteDatabase, options: AuditStoreOptions & { ownsDatabase?: boolean } = {}) {
    this.db = db;
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.ownsDatabase = options.ownsDatabase ?? false;

    this.insertIntent = db.prepare(`
      INSERT INTO audit_event (operation_id, kind, at, request_id, caller_name, caller_kind,
        operation, upstream, account, target_ids, input, idempotency_key)
      VALUES (@operationId, 'intent', @at, @requestId, @callerName, @callerKind,
        @operation, @upstream, @account, @targetIds, @input, @idempotencyKey)`);
    this.insertTarget = db.prepare(
      'INSERT OR IGNORE INTO audit_target (target_id, operation_id) VALUES (?, ?)',
    );
    this.insertOutcome = db.prepare(`
      INSERT INTO audit_event (operation_id, kind, at, outcome, error_code, upstream_request_id, duration_ms)
      VALUES (@operationId, 'outcome', @at, @outcome, @errorCode, @upstreamRequestId, @durationMs)`);
    this.selectState = db.prepare<[string], { kind: string }>(
      'SELECT kind FROM audit_event WHERE operation_id = ?',
    );
    this.selectRecord = db.prepare<[string], IntentRow>(
      `SELECT ${RECORD_COLUMNS} ${RECORD_FROM} WHERE i.kind = 'intent' AND i.operation_id = ?`,
    );
    this.writeProbe = db.prepare(`
      INSERT INTO health_probe (id, checked_at) VALUES (1, ?)
      ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`);

    this.writeIntent = db.transaction((row: Record<string, unknown>, targetIds: readonly string[]) => {
      this.insertIntent.run(row);
      for (const targetId of targetIds) this.insertTarget.run(targetId, row.operationId);
    }).immediate;
    this.writeOutcome = db.transaction((row: Record<string, unknown>) => {
      const kinds = this.selectState.all(row.operationId as string).map((state) => state.kind);
      if (!kinds.includes('intent')) {
        throw new AuditSequenceError(`No audit intent was recorded for operation ${String(row.operationId)}.`);
      }
      if (kinds.includes('outcome')) {
        throw new AuditSequenceError(`Operation ${String(row.operationId)} already has an outcome.`);
      }
      this.insertOutcome.run(row);
    }).immediate;
  }

  /**
   * Writes the intent (one transaction: event row and its target ids) and returns the new
   * operation id. Throws `AuditUnavailableError` if it cannot be written: do not run the mutation.
   */
  recordIntent(intent: AuditIntent): string {
    const operationId = this.newId();
    try {
      const targetIds = [...intent.targetIds];
      this.writeIntent(
        {
          operationId,
          at: this.now(),
          requestId: intent.requestId,
          callerName: intent.caller.name,
          callerKind: intent.caller.kind,
          operation: intent.operation,
          upstream: intent.upstream,
          account: intent.account,
          targetIds: JSON.stringify(targetIds),
          input: JSON.stringify(redact(intent.input) ?? null),
          idempotencyKey: intent.idempotencyKey ?? null,
        },
        [...new Set(targetIds)],
      );
    } catch (error) {
      throw new AuditUnavailableError(undefined, { cause: error });
    }
    return operationId;
  }

  /**
   * Writes the outcome of an operation started with `recordIntent`. Throws `AuditSequenceError`
   * for an unknown operation id or a second outcome, `AuditUnavailableError` if it cannot be
   * written (the change has been made by then: log it, the record stays in flight).
   */
  recordOutcome(operationId: string, outcome: AuditOutcome): void {
    try {
      this.writeOutcome({
        operationId,
        at: this.now(),
        outcome: outcome.outcome,
        errorCode: outcome.errorCode ?? null,
        upstreamRequestId: outcome.upstreamRequestId ?? null,
        durationMs: Math.max(0, Math.round(outcome.durationMs)),
      });
    } catch (error) {
      if (error instanceof AuditSequenceError) throw error;
      throw new AuditUnavailableError('The audit trail could not record the outcome of the change.', { cause: error });
    }
  }

  /** One operation's record, or undefined. */
  get(operationId: string): AuditRecord | undefined {
    const row = this.read(() => this.selectRecord.get(operationId));
    return row && toRecord(row);
  }

  /** Records matching every given filter, newest first, one page at a time. */
  query(filter: AuditFilter = {}, page: AuditPageArgs = {}): AuditPage {
    const first = pageSize(page.first);
    const after = page.after == null ? undefined : decodeCursor(page.after);
    const where = ["i.kind = 'intent'"];
    const params: unknown[] = [];
    if (filter.accountId !== undefined) {
      where.push('i.account = ?');
      params.push(filter.accountId);
    }
    if (filter.caller !== undefined) {
      where.push('i.caller_name = ?');
      params.push(filter.caller);
    }
    if (filter.operation !== undefined) {
      where.push('i.operation = ?');
      params.push(filter.operation);
    }
    if (filter.since !== undefined) {
      where.push('i.at >= ?');
      params.push(toIso(filter.since, 'since'));
    }
    if (filter.until !== undefined) {
      where.push('i.at < ?');
      params.push(toIso(filter.until, 'until'));
    }
    if (filter.targetId !== undefined) {
      const ids = [...new Set(typeof filter.targetId === 'string' ? [filter.targetId] : filter.targetId)];
      if (ids.length === 0) return emptyPage();
      // Chunked placeholders keep the number of distinct statements small.
      const slots = 2 ** Math.ceil(Math.log2(ids.length));
      where.push(
        `i.operation_id IN (SELECT operation_id FROM audit_target WHERE target_id IN (${Array(slots).fill('?').join(', ')}))`,
      );
      params.push(...ids, ...Array<null>(slots - ids.length).fill(null));
    }
    if (after) {
      where.push('(i.at, i.seq) < (?, ?)');
      params.push(after.at, after.seq);
    }
    if (first === 0) return emptyPage();
    const sql = `SELECT ${RECORD_COLUMNS} ${RECORD_FROM} WHERE ${where.join(' AND ')} ORDER BY i.at DESC, i.seq DESC LIMIT ?`;
    params.push(first + 1);

    const rows = this.read(() => this.listStatement(sql).all(...params));
    const edges = rows.slice(0, first).map((row) => ({ cursor: encodeCursor(row), node: toRecord(row) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: false,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /**
   * The records about one object, newest first: those whose target ids include any of the given
   * ids (for a package: its id and its instances' ids).
   */
  historyOf(targetIds: string | readonly string[], page: AuditPageArgs = {}): AuditPage {
    return this.query({ targetId: targetIds }, page);
  }

  /**
   * For the readiness probe: commits a one-row write (never to the audit tables). Not `ok` when
   * the store is closed, read-only, locked by another connection past the busy timeout, or failing.
   */
  health(): AuditHealth {
    const checkedAt = this.now();
    if (!this.db.open) return { ok: false, checkedAt, reason: 'The audit database is closed.' };
    try {
      this.writeProbe.run(checkedAt);
      return { ok: true, checkedAt };
    } catch (error) {
      return { ok: false, checkedAt, reason: `The audit database cannot be written: ${describe(error)}` };
    }
  }

  /** Closes the database if this store opened it; later writes throw `AuditUnavailableError`. */
  close(): void {
    if (this.ownsDatabase && this.db.open) this.db.close();
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private read<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new AuditUnavailableError('The audit trail cannot be read right now.', { cause: error });
    }
  }

  private listStatement(sql: string): Statement<unknown[], IntentRow> {
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], IntentRow>(sql);
      this.listStatements.set(sql, statement);
    }
    return statement;
  }
}

function toRecord(row: IntentRow): AuditRecord {
  return {
    id: row.operation_id,
    startedAt: row.at,
    requestId: row.request_id,
    caller: { name: row.caller_name, kind: row.caller_kind },
    operation: row.operation,
    upstream: row.upstream,
    account: row.account,
    targetIds: JSON.parse(row.target_ids) as string[],
    input: JSON.parse(row.input) as unknown,
    idempotencyKey: row.idempotency_key,
    outcome: row.outcome,
    errorCode: row.error_code,
    upstreamRequestId: row.upstream_request_id,
    durationMs: row.duration_ms,
    finishedAt: row.finished_at,
  };
}

function emptyPage(): AuditPage {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
}

function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) {
    throw new InvalidInputError([{ path: ['first'], message: 'must be a whole number, 0 or more' }]);
  }
  return Math.min(first, MAX_PAGE_SIZE);
}

function toIso(value: Date | string, name: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidInputError([{ path: ['filter', name], message: 'must be a date-time' }]);
  }
  return date.toISOString();
}

// Cursors: opaque to clients, base64url of "v1|<startedAt>|<seq>" (the keyset of the ordering).
const CURSOR_PATTERN = /^v1\|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,15})$/;

function encodeCursor(row: { at: string; seq: number }): string {
  return Buffer.from(`v1|${row.at}|${row.seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: string; seq: number } {
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) {
    throw new InvalidInputError([{ path: ['after'], message: 'is not a cursor from this list' }]);
  }
  return { at: match[1], seq: Number(match[2]) };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
