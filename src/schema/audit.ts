/**
 * AuditRecord: the trail of every mutation (intent and outcome), readable by admins through
 * `auditLog` and `Package.history`. An admin bound to some accounts sees only those accounts.
 */
import { mayActOnPleskServer, mayActOnWixAccount } from '../auth/caller.js';
import type { AuditFilter, AuditRecord } from '../audit/types.js';
import type { GatewayContext } from '../context.js';
import { InvalidInputError, PermissionDeniedError } from '../errors.js';
import { builder } from './builder.js';
import { CallerKindEnum } from './caller.js';
import { UpstreamEnum } from './errors.js';
import { PackageRef } from './package.js';
import { pageSize } from './validators.js';

const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
  values: {
    SUCCESS: { value: 'success' },
    ERROR: { value: 'error' },
    DENIED: { value: 'denied' },
    REPLAYED: { value: 'replayed', description: 'Answered from the stored result of an earlier request with the same idempotency key.' },
  } as const,
});

const AuditRecordRef = builder.objectRef<AuditRecord>('AuditRecord').implement({
  description: 'One mutation: what was asked (written before any upstream call) and how it ended (null while in flight).',
  fields: (t) => ({
    id: t.exposeID('id'),
    startedAt: t.field({ type: 'DateTime', resolve: (r) => r.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finishedAt }),
    requestId: t.exposeString('requestId', { description: 'The x-request-id of the GraphQL request.' }),
    callerName: t.string({ resolve: (r) => r.caller.name }),
    callerKind: t.field({ type: CallerKindEnum, resolve: (r) => r.caller.kind }),
    operation: t.exposeString('operation', { description: 'The mutation field, e.g. cancelPackage.' }),
    upstream: t.field({ type: UpstreamEnum, resolve: (r) => r.upstream }),
    account: t.exposeString('account', { description: 'The Wix account id or Plesk server name acted on.' }),
    targetIds: t.exposeStringList('targetIds'),
    input: t.string({ description: 'The input as JSON, secrets redacted.', resolve: (r) => JSON.stringify(r.input) }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true }),
    outcome: t.field({ type: AuditOutcomeEnum, nullable: true, resolve: (r) => r.outcome }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    upstreamRequestId: t.exposeString('upstreamRequestId', { nullable: true }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
  }),
});

const AuditConnection = builder.connectionObject({ type: AuditRecordRef, name: 'AuditRecordConnection' }, { name: 'AuditRecordEdge' });

const AuditLogFilter = builder.inputType('AuditLogFilter', {
  fields: (t) => ({
    accountId: t.string({ required: false, description: 'A Wix account id or a Plesk server name.' }),
    targetId: t.string({ required: false }),
    caller: t.string({ required: false, description: "A caller's name." }),
    operation: t.string({ required: false }),
    since: t.field({ type: 'DateTime', required: false, description: 'Inclusive.' }),
    until: t.field({ type: 'DateTime', required: false, description: 'Exclusive.' }),
  }),
});

/** Callers bound to some accounts read only those; `'*'` callers read everything. */
function scopedFilter(ctx: GatewayContext, filter: AuditFilter): AuditFilter {
  const { caller } = ctx;
  if (caller.wixAccounts === '*' && caller.pleskServers === '*') return filter;
  if (!filter.accountId) {
    throw new InvalidInputError([{ path: ['filter', 'accountId'], message: 'is required for a caller bound to some accounts.' }]);
  }
  if (!mayActOnWixAccount(caller, filter.accountId) && !mayActOnPleskServer(caller, filter.accountId)) {
    throw new PermissionDeniedError('You are not allowed to read the audit trail of this account.');
  }
  return filter;
}

builder.queryField('auditLog', (t) =>
  t.field({
    type: AuditConnection,
    nullable: true,
    description: 'The audit trail, newest first; null (with an error) when it cannot be read.',
    authScopes: { admin: true },
    args: {
      filter: t.arg({ type: AuditLogFilter, required: false }),
      first: t.arg.int({ required: false, defaultValue: 20, validate: pageSize }),
      after: t.arg.string({ required: false }),
    },
    resolve: (_root, args, ctx) => {
      const f = args.filter ?? {};
      const filter: AuditFilter = {
        ...(f.accountId ? { accountId: f.accountId.toLowerCase() } : {}),
        ...(f.targetId ? { targetId: f.targetId.toLowerCase() } : {}),
        ...(f.caller ? { caller: f.caller } : {}),
        ...(f.operation ? { operation: f.operation } : {}),
        ...(f.since ? { since: f.since } : {}),
        ...(f.until ? { until: f.until } : {}),
      };
      return ctx.audit.query(scopedFilter(ctx, filter), { first: args.first ?? 20, after: args.after ?? null });
    },
  }),
);

builder.objectField(PackageRef, 'history', (t) =>
  t.field({
    type: AuditConnection,
    nullable: true,
    description: 'The audit records about this package and its instances, newest first (admins only).',
    authScopes: { admin: true },
    args: {
      first: t.arg.int({ required: false, defaultValue: 20, validate: pageSize }),
      after: t.arg.string({ required: false }),
    },
    resolve: (pkg, args, ctx) =>
      ctx.audit.historyOf([pkg.id, ...pkg.productInstances.map((i) => i.instanceId)], {
        first: args.first ?? 20,
        after: args.after ?? null,
      }),
  }),
);
