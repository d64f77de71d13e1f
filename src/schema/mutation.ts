/**
 * What every mutation shares: `accountId` and `idempotencyKey` on its input, and a result union
 * `<Name>Result = <Name>Success | <the error members>`.
 */
import { MUTATION_ERRORS } from './errors.js';
import { guid, idempotencyKey } from './validators.js';
import { builder } from './builder.js';

type FieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

/** The optional fields every Wix mutation input carries. */
export function wixInputBase(t: FieldBuilder) {
  return {
    accountId: t.id({
      required: false,
      description: 'The Wix account acting; defaults to the configured WIX_ACCOUNT_ID.',
      validate: guid,
    }),
    idempotencyKey: t.string({
      required: false,
      description: 'Sent to the upstream with the change; the gateway generates one when omitted and returns it.',
      validate: idempotencyKey,
    }),
  };
}

/** Errors-plugin options giving the field a `<Name>Result` union of its success type and the errors. */
export function resultUnion(name: string) {
  return {
    types: [...MUTATION_ERRORS],
    directResult: true as const,
    union: { name: `${name}Result` },
  };
}
