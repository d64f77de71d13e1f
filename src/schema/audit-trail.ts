/**
 * Writing the audit trail around mutations: an intent before any upstream call, an outcome after
 * it. If the intent cannot be written the mutation is refused (AuditUnavailableError), not run.
 * Kept free of the builder so that the builder's authorization hook can record denials too.
 */
import { getArgumentValues } from 'graphql/execution/values.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import { GatewayError, PermissionDeniedError, type Upstream } from '../errors.js';

export interface AuditedOperation {
  operation: string;
  upstream: Upstream;
  /** Wix account id or Plesk server name. */
  account: string;
  targetIds: string[];
  input: unknown;
  idempotencyKey?: string;
}

/** What a mutation field declares about itself, read by the audit and request-limit code. */
export interface MutationExtensions {
  upstream: Upstream;
  /** Takes something away from a customer (counts towards the one-destructive-mutation limit). */
  destructive: boolean;
}

export function mutationExtensions(upstream: Upstream, destructive: boolean): { mutation: MutationExtensions } {
  return { mutation: { upstream, destructive } };
}

const REPLAYED = Symbol('replayed');

/** Marks an error answered from a stored result, so its audit outcome is `replayed`. */
export function markReplayed<E extends Error>(error: E): E {
  (error as E & { [REPLAYED]?: true })[REPLAYED] = true;
  return error;
}

/** Runs `run` between an intent and an outcome record. */
export async function audited<T>(
  ctx: GatewayContext,
  operation: AuditedOperation,
  run: () => Promise<T>,
  describe: (result: T) => { upstreamRequestId?: string; replayed?: boolean } = () => ({}),
): Promise<T> {
  const started = performance.now();
  const id = ctx.audit.recordIntent({
    requestId: ctx.requestId,
    caller: { name: ctx.caller.name, kind: ctx.caller.kind },
    ...operation,
  });
  const finish = (outcome: Parameters<GatewayContext['audit']['recordOutcome']>[1]) => {
    try {
      ctx.audit.recordOutcome(id, outcome);
    } catch (error) {
      // The upstream change already happened; the record stays "in flight" and the log says why.
      ctx.log.error({ err: error, auditId: id, operation: operation.operation }, 'audit outcome could not be written');
    }
  };
  try {
    const result = await run();
    const { upstreamRequestId, replayed } = describe(result);
    finish({
      outcome: replayed ? 'replayed' : 'success',
      durationMs: Math.round(performance.now() - started),
      ...(upstreamRequestId ? { upstreamRequestId } : {}),
    });
    return result;
  } catch (error) {
    const code = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
    const upstreamRequestId = (error as { details?: { upstreamRequestId?: string } }).details?.upstreamRequestId;
    finish({
      outcome: (error as { [REPLAYED]?: true })[REPLAYED] ? 'replayed' : error instanceof PermissionDeniedError ? 'denied' : 'error',
      errorCode: code,
      durationMs: Math.round(performance.now() - started),
      ...(upstreamRequestId ? { upstreamRequestId } : {}),
    });
    throw error;
  }
}

/** Records a mutation refused by role before its resolver ran; reads its arguments from the request. */
export function recordRoleDenial(ctx: GatewayContext, info: GraphQLResolveInfo): void {
  if (info.parentType.name !== 'Mutation') return;
  const field = info.parentType.getFields()[info.fieldName];
  const extensions = field?.extensions.mutation as MutationExtensions | undefined;
  if (!field || !extensions) return;
  let input: Record<string, unknown> = {};
  try {
    input = (getArgumentValues(field, info.fieldNodes[0]!, info.variableValues).input ?? {}) as Record<string, unknown>;
  } catch {
    // Arguments that do not coerce were already refused by validation; record the denial without them.
  }
  const account =
    extensions.upstream === 'plesk' ? String(input.server ?? 'default') : String(input.accountId ?? ctx.requestedWixAccountOrNone());
  try {
    const id = ctx.audit.recordIntent({
      requestId: ctx.requestId,
      caller: { name: ctx.caller.name, kind: ctx.caller.kind },
      operation: info.fieldName,
      upstream: extensions.upstream,
      account,
      targetIds: targetIdsOf(input),
      input,
      ...(typeof input.idempotencyKey === 'string' ? { idempotencyKey: input.idempotencyKey } : {}),
    });
    ctx.audit.recordOutcome(id, { outcome: 'denied', errorCode: 'PERMISSION_DENIED', durationMs: 0 });
  } catch (error) {
    ctx.log.error({ err: error, operation: info.fieldName }, 'audit of a denial could not be written');
  }
}

/** The ids an input names: what `Package.history` and `auditLog(targetId)` find a record by. */
export function targetIdsOf(input: Record<string, unknown>): string[] {
  const ids: string[] = [];
  for (const key of ['id', 'instanceId', 'siteId', 'planGuid', 'planExternalId']) {
    if (typeof input[key] === 'string') ids.push(input[key].toLowerCase());
  }
  const subscription = input.subscription as Record<string, unknown> | undefined;
  if (subscription) {
    for (const value of Object.values(subscription)) if (typeof value === 'string') ids.push(value.toLowerCase());
  }
  return ids;
}
