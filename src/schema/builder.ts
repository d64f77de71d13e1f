/**
 * The Pothos builder and its plugins; no domain types here (they live one file each beside this).
 */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import { hasRole } from '../auth/caller.js';
import type { GatewayContext } from '../context.js';
import { InvalidInputError, PermissionDeniedError } from '../errors.js';
import { recordRoleDenial } from './audit-trail.js';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  /** viewer: every query; operator: viewer plus reversible changes; admin: everything. */
  AuthScopes: { viewer: boolean; operator: boolean; admin: boolean };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: string | Date };
  };
}>({
  // Errors first, so that denials, validation failures and loader errors become union members.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, ValidationPlugin, RelayPlugin, SimpleObjectsPlugin],
  // Non-null unless a field says otherwise. Every root query field that reads an upstream or the
  // audit trail says otherwise: a failed field nulls the nearest nullable field above it, and at
  // the root that would be all of `data`, the other upstream's answers included.
  defaultFieldNullability: false,
  errors: {
    // Input validation runs before the resolver; its failure is an expected outcome, returned as
    // InvalidInputError in mutation results. It reveals only the caller's own input.
    unsafelyHandleInputErrors: true,
  },
  scopeAuth: {
    authScopes: (ctx) => ({
      viewer: hasRole(ctx.caller, 'viewer'),
      operator: hasRole(ctx.caller, 'operator'),
      admin: hasRole(ctx.caller, 'admin'),
    }),
    unauthorizedError: (_parent, ctx, info) => {
      recordRoleDenial(ctx, info);
      return new PermissionDeniedError('Your role does not allow this operation.');
    },
  },
  validation: {
    validationError: (result) =>
      new InvalidInputError(
        result.issues.map((issue) => ({
          path: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)),
          message: issue.message,
        })),
      ),
  },
  relay: {
    // Packages are addressed by their Wix GUIDs; global Node ids would only hide them.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time in UTC, such as 2024-05-01T12:00:00.000Z.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : value),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      throw new GraphQLError('DateTime must be an ISO-8601 string.', { extensions: { code: 'INVALID_INPUT' } });
    }
    return date;
  },
});

builder.queryType({});
builder.mutationType({});
