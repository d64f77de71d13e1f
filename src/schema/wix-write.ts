/**
 * How every Wix change runs, between its audit records: the caller may act on the account; the
 * idempotency key (the caller's, or one generated and returned) follows Stripe's rules
 * (`idempotent.ts`); the target must be in the account (read first: nothing destructive is sent
 * otherwise); the change is sent once, with an upstream key derived from the caller's, and a lost
 * answer is read back.
 */
import type { GatewayContext } from '../context.js';
import { NotFoundError, UpstreamError } from '../errors.js';
import { toGatewayError } from '../upstreams/wix/errors.js';
import type { MutationResult, Package } from '../upstreams/wix/types.js';
import { audited, targetIdsOf } from './audit-trail.js';
import { runIdempotent, type SentWindow } from './idempotent.js';

export interface WixWrite {
  /** The mutation field, for the audit trail and the idempotency scope. */
  operation: string;
  /** The mutation's validated input (accountId and idempotencyKey included). */
  input: { accountId?: string | number | null; idempotencyKey?: string | null } & Record<string, unknown>;
  /** The package or instance the change is addressed to; checked to be in the account first. */
  target?: { resource: 'Package' | 'Product instance'; id: string };
  /** After an unanswered change: is it in place in this fresh read of the target's package? */
  applied?: (pkg: Package) => boolean;
  /**
   * A change with no target (a create): the package it made when sent in `sent`, or undefined
   * when none can be told apart (then a lost answer stays OUTCOME_UNKNOWN).
   */
  made?: (accountId: string, sent: SentWindow) => Promise<Package | undefined>;
}

export interface PackagePayload {
  package: Package;
  idempotencyKey: string;
}

interface Done {
  package: Package;
  upstreamRequestId?: string;
}

export async function runWixWrite(
  ctx: GatewayContext,
  write: WixWrite,
  call: (accountId: string, upstreamKey: string) => Promise<MutationResult>,
): Promise<PackagePayload> {
  const accountId = ctx.requestedWixAccount(write.input.accountId as string | null | undefined);
  const key = write.input.idempotencyKey ?? crypto.randomUUID();
  const { result } = await audited(
    ctx,
    {
      operation: write.operation,
      upstream: 'wix',
      account: accountId,
      targetIds: targetIdsOf(write.input),
      input: write.input,
      idempotencyKey: key,
    },
    () => {
      ctx.authorizeWixAccount(accountId);
      return change(ctx, write, accountId, key, call);
    },
    (done) => ({ ...(done.result.upstreamRequestId ? { upstreamRequestId: done.result.upstreamRequestId } : {}), replayed: done.replayed }),
  );
  ctx.wixLoaders.prime(result.package);
  return { package: result.package, idempotencyKey: key };
}

function change(
  ctx: GatewayContext,
  write: WixWrite,
  accountId: string,
  key: string,
  call: (accountId: string, upstreamKey: string) => Promise<MutationResult>,
) {
  const { idempotencyKey: _key, accountId: _account, ...args } = write.input;
  let current: Package | undefined;
  const target = async () => (current ??= write.target ? await requireTarget(ctx, accountId, write.target) : undefined);
  const { applied, made } = write;
  return runIdempotent<Done>(ctx, {
    operation: write.operation,
    key,
    input: { accountId, ...args },
    ...(write.target ? { lock: { upstream: 'wix', account: accountId, resourceId: write.target.id } } : {}),
    async run(upstreamKey) {
      await target();
      try {
        const result = await call(accountId, upstreamKey);
        return { package: result.package, ...(result.requestId ? { upstreamRequestId: result.requestId } : {}) };
      } catch (error) {
        const mapped = toGatewayError(error, { target: write.target ?? { resource: 'Account', id: accountId }, write: true });
        if (mapped !== error) ctx.log.warn({ err: error, operation: write.operation }, 'Wix change failed');
        throw mapped;
      }
    },
    ...(applied
      ? {
          async alreadyDone() {
            const pkg = await target();
            return pkg && applied(pkg) ? { package: pkg } : undefined;
          },
          async readBack() {
            if (!current) return undefined;
            try {
              const pkg = await ctx.wix.getPackage(accountId, current.id);
              return applied(pkg) ? { applied: true as const, result: { package: pkg } } : { applied: false as const };
            } catch (error) {
              ctx.log.warn({ err: error, packageId: current.id }, 'could not read back a package after an unanswered change');
              return undefined;
            }
          },
        }
      : {}),
    ...(made
      ? {
          async alreadyDone(sent: SentWindow) {
            let pkg;
            try {
              pkg = await made(accountId, sent);
            } catch (error) {
              // The outcome is as unknown as before: never a final answer stored under the key.
              ctx.log.warn({ err: error, operation: write.operation }, 'could not look for what an unanswered change made');
              throw new UpstreamError('OUTCOME_UNKNOWN', 'wix', {}, { cause: error });
            }
            return pkg ? { package: pkg } : undefined;
          },
          // Not seen is not proof of not made (the answer may still be on its way), so only a
          // package found settles the outcome; otherwise it stays unknown and a retry looks again.
          async readBack(sent: SentWindow) {
            try {
              const pkg = await made(accountId, sent);
              return pkg ? { applied: true as const, result: { package: pkg } } : undefined;
            } catch (error) {
              ctx.log.warn({ err: error, operation: write.operation }, 'could not look for what an unanswered change made');
              return undefined;
            }
          },
        }
      : {}),
  });
}

/** The ownership check before a change: the target must be visible in the account acted on. */
async function requireTarget(ctx: GatewayContext, accountId: string, target: NonNullable<WixWrite['target']>): Promise<Package> {
  // A failed look-up is already the gateway's error (the loader's).
  const found =
    target.resource === 'Package'
      ? await ctx.wixLoaders.package(accountId, target.id)
      : await ctx.wixLoaders.packageOfInstance(accountId, target.id);
  if (!found || found.accountId !== accountId) throw new NotFoundError(target.resource, target.id);
  return found;
}
