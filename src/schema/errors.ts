/**
 * The GraphQL face of the error vocabulary in `src/errors.ts`: every expected outcome implements
 * `interface Error { message, code }`. Codes that are not union members (transport failures in a
 * query, authentication, limits) reach clients as `GraphQLError`s with the same `extensions.code`.
 */
import {
  GatewayError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  UpstreamError,
  type InputIssue,
  type Upstream,
} from '../errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<GatewayError>('Error').implement({
  description: 'An expected outcome that is not a success. `code` is stable; `message` is for people.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

export const UpstreamEnum = builder.enumType('Upstream', {
  values: { WIX: { value: 'wix' }, PLESK: { value: 'plesk' } } as const,
});

const upstreamField = <T extends { upstream: Upstream }>() => ({
  type: UpstreamEnum,
  resolve: (error: T) => error.upstream,
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The target does not exist, or is not visible to the account it was addressed through.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    resource: t.exposeString('resource'),
    id: t.exposeString('id', { nullable: true }),
  }),
});

const InputIssueRef = builder.objectRef<InputIssue>('InputIssue').implement({
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'Path into the arguments, e.g. ["input", "products", "0", "countryCode"].' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  description: 'The input was rejected before any upstream call was made.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({ type: [InputIssueRef], resolve: (error) => error.issues }),
  }),
});

builder.objectType(PreconditionFailedError, {
  name: 'PreconditionFailedError',
  description: "The upstream refused the change in the target's current state; `code` is the upstream's (e.g. MISSING_SITE_ID).",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    upstream: t.field(upstreamField<PreconditionFailedError>()),
  }),
});

builder.objectType(PermissionDeniedError, {
  name: 'PermissionDeniedError',
  description: 'The caller may not perform this operation on this target.',
  interfaces: [ErrorInterface],
});

builder.objectType(UpstreamError, {
  name: 'UpstreamError',
  description: 'An upstream failed or could not be reached. When `retryable`, the same call may succeed later.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    upstream: t.field(upstreamField<UpstreamError>()),
    retryable: t.exposeBoolean('retryable'),
    upstreamCode: t.string({ nullable: true, resolve: (error) => error.details.upstreamCode ?? null }),
    upstreamRequestId: t.string({ nullable: true, resolve: (error) => error.details.upstreamRequestId ?? null }),
    retryAfterSeconds: t.int({ nullable: true, resolve: (error) => error.details.retryAfterSeconds ?? null }),
  }),
});

/** The error members every mutation result offers. */
export const MUTATION_ERRORS = [
  NotFoundError,
  InvalidInputError,
  PreconditionFailedError,
  PermissionDeniedError,
  UpstreamError,
] as const;
